//! YAML text for `readyaml()` and `readdata()`, read into a data
//! container as cf-agent reads it.
//!
//! Only the first document counts, and its top must be a sequence or a
//! mapping. Quoted scalars are strings. Plain ones are read as YAML 1.1
//! would: `~`, `null` and nothing are null; `y`, `yes`, `on`, `true`
//! (and `n`, `no`, `off`, `false`) in three cases are booleans; text
//! that reads as a JSON number is one, with the 32-bit integers cf-agent
//! keeps; anything else is a string, `0x10`, `007`, `.5` and `1.` among
//! them. `!!str`, `!!int`, `!!float`, `!!bool` and `!!null` tags are
//! obeyed. Aliases are dropped, with the key they stand under. Text
//! after a syntax error is ignored and what came before it is kept.

use saphyr_parser::{Event, Parser, ScalarStyle, Tag};

use crate::json;
use crate::value::{Data, Object, Str};

/// A container being built.
enum Frame {
    Sequence(Vec<Data>),
    Mapping(Vec<(Str, Data)>, Option<Str>),
}

/// Reads the first YAML document of `text`.
pub fn parse(text: &str) -> Result<Data, String> {
    let mut stack: Vec<Frame> = Vec::new();
    let mut done: Option<Data> = None;
    let mut parser = Parser::new_from_str(text);
    while done.is_none() {
        let event = match parser.next() {
            Some(Ok((event, _))) => event,
            // cf-agent keeps what it read before a syntax error.
            Some(Err(_)) | None => break,
        };
        match event {
            Event::Scalar(value, style, _, tag) => {
                let data = scalar(&value, style, tag.as_deref())?;
                if stack.is_empty() {
                    return Err("yaml document is not a container".into());
                }
                add(&mut stack, &mut done, Some(data), &value);
            }
            Event::Alias(_) => add(&mut stack, &mut done, None, ""),
            Event::SequenceStart(..) => {
                open(&mut stack, Frame::Sequence(Vec::new()))?
            }
            Event::MappingStart(..) => {
                open(&mut stack, Frame::Mapping(Vec::new(), None))?
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let data = close(stack.pop());
                add(&mut stack, &mut done, Some(data), "");
            }
            Event::DocumentEnd | Event::StreamEnd => break,
            _ => {}
        }
    }
    while done.is_none() && !stack.is_empty() {
        let data = close(stack.pop());
        add(&mut stack, &mut done, Some(data), "");
    }
    done.ok_or_else(|| "yaml text holds no document".into())
}

/// Opens a container; one cannot stand where a mapping wants a key.
fn open(stack: &mut Vec<Frame>, frame: Frame) -> Result<(), String> {
    if let Some(Frame::Mapping(_, None)) = stack.last() {
        return Err("yaml mapping has a container for a key".into());
    }
    stack.push(frame);
    Ok(())
}

fn close(frame: Option<Frame>) -> Data {
    match frame {
        Some(Frame::Sequence(items)) => Data::Array(items.into()),
        Some(Frame::Mapping(pairs, _)) => {
            Data::Object(Object::from_unique_pairs(json::last_wins(pairs)))
        }
        None => Data::Null,
    }
}

/// Adds a value (or, for `None`, an alias to drop) to the container on
/// top; a scalar where a mapping wants a key becomes the key, as its
/// text `key_text`.
fn add(
    stack: &mut [Frame],
    done: &mut Option<Data>,
    data: Option<Data>,
    key_text: &str,
) {
    match stack.last_mut() {
        None => *done = data,
        Some(Frame::Sequence(items)) => items.extend(data),
        Some(Frame::Mapping(pairs, key)) => match key.take() {
            Some(k) => pairs.extend(data.map(|d| (k, d))),
            None => *key = data.map(|_| Str::from(key_text)),
        },
    }
}

/// A scalar's value by its style, tag and text.
fn scalar(
    text: &str,
    style: ScalarStyle,
    tag: Option<&Tag>,
) -> Result<Data, String> {
    if let Some(tag) = tag.filter(|t| t.is_yaml_core_schema()) {
        return tagged(text, &tag.suffix);
    }
    if style != ScalarStyle::Plain {
        return Ok(Data::Str(text.into()));
    }
    if let Some(data) = null_or_bool(text) {
        return Ok(data);
    }
    Ok(number(text)?.unwrap_or_else(|| Data::Str(text.into())))
}

fn tagged(text: &str, suffix: &str) -> Result<Data, String> {
    let data = match suffix {
        "null" => Some(Data::Null),
        "bool" => null_or_bool(text).filter(|d| *d != Data::Null),
        "int" | "float" => number(text)?,
        _ => None,
    };
    Ok(data.unwrap_or_else(|| Data::Str(text.into())))
}

fn null_or_bool(text: &str) -> Option<Data> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => Some(Data::Null),
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on"
        | "On" | "ON" => Some(Data::Bool(true)),
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE"
        | "off" | "Off" | "OFF" => Some(Data::Bool(false)),
        _ => None,
    }
}

/// The number `text` is by cf-agent's JSON rules, `None` when it is
/// none. An integer in exponent form (`1e3`) or past 64 bits stops
/// cf-agent's whole run; here it is an error.
fn number(text: &str) -> Result<Option<Data>, String> {
    let numeric = |c: char| c.is_ascii_digit() || "+-.eE".contains(c);
    if text.is_empty() || !text.chars().all(numeric) {
        return Ok(None);
    }
    match json::parse(&format!("[{text}]")) {
        Ok(Data::Array(items)) if items.len() == 1 => {
            Ok(Some(items[0].clone()))
        }
        Err(e) if e.contains("is not an integer") => {
            Err(format!("yaml number '{text}' cannot be read as an integer"))
        }
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::parse;
    use crate::json::to_compact;

    fn read(text: &str) -> String {
        parse(text).map_or_else(|_| "ERR".into(), |d| to_compact(&d))
    }

    // cf-agent: readyaml() of each text, printed with format("%S").
    #[test]
    fn plain_scalars_resolve_as_yaml_1_1() {
        let text = "- y\n- n\n- Y\n- TRUE\n- Yes\n- OFF\n- Off\n- Null\n\
                    - NULL\n- \"true\"\n- 'null'\n- \"1\"\n- 1.5e3\n- -0.5\n\
                    - 0.0\n- 1_000\n- -0\n- 0\n- 3.\n- .5\n- 2147483648\n\
                    - \"é\"\n- !!str 5\n- !!int \"7\"\n";
        assert_eq!(
            read(text),
            "[true,false,true,true,true,false,false,null,null,\"true\",\
             \"null\",\"1\",1500.0000,-0.5000,0.0000,\"1_000\",0,0,\"3.\",\
             \".5\",-2147483648,\"é\",\"5\",7]"
        );
    }

    #[test]
    fn mappings_aliases_and_blocks() {
        let text = "i: 1\nhex: 0x10\nlead0: 007\nplus: +5\nempty:\n\
                    tilde: ~\nmulti: |\n  line1\n  line2\nfolded: >\n  a\n  b\n\
                    anchor: &A {k: v}\nref: *A\nlist: [1, \"a\", null]\n";
        assert_eq!(
            read(text),
            "{\"anchor\":{\"k\":\"v\"},\"empty\":null,\"folded\":\"a b\\n\",\
             \"hex\":\"0x10\",\"i\":1,\"lead0\":\"007\",\"list\":[1,\"a\",null],\
             \"multi\":\"line1\\nline2\\n\",\"plus\":\"+5\",\"tilde\":null}"
        );
    }

    #[test]
    fn first_document_and_errors() {
        assert_eq!(read("---\na: 1\n---\nb: 2\n"), "{\"a\":1}");
        assert_eq!(read("a: [1, 2\n"), "{\"a\":[1,2]}");
        assert_eq!(read("just a scalar\n"), "ERR");
        assert_eq!(read(""), "ERR");
        assert_eq!(read("- 1e3\n"), "ERR");
        assert_eq!(read("? [a]\n: x\n"), "ERR");
    }
}
