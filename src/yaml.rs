//! YAML text for `parseyaml()`, `readyaml()` and `readdata()`, read into
//! data containers as cf-agent reads it.
//!
//! cf-agent builds its container from the parser's events and types
//! scalars itself, and this follows it:
//!
//! - Only the first document counts, and it must be an array or an
//!   object.
//! - A plain scalar, or one tagged with a core-schema tag other than
//!   `!!str`, is typed by its text: empty, `~` and `null` (`Null`,
//!   `NULL`) are null; YAML 1.1's booleans (`y`, `yes`, `on`, `true` and
//!   their negations, in three cases) are booleans; text that is a JSON
//!   number is an integer (low 32 bits) or, with a `.`, a real, so
//!   `010`, `+1`, `.5` and `0x10` stay strings. Any other scalar is a
//!   string.
//! - Keys are the scalar's text, untyped.
//! - Aliases are skipped as if they were not there, so the scalars after
//!   one shift between keys and values.
//! - When the text turns out malformed, what was read before the error
//!   is kept. Where exactly the parser stops differs from cf-agent's
//!   (libyaml) in some cases, so such text may keep more or less than in
//!   cf-agent.
//!
//! Known shortcoming: cf-agent crashes on text holding no document, and
//! aborts the whole run on a number with an exponent and no `.`; here
//! both are errors of the call.

use std::borrow::Cow;

use saphyr_parser::{Event, Parser, ScalarStyle, Tag};

use crate::value::{Data, Object, Str};

/// How deep containers may nest before the reader gives up.
const MAX_DEPTH: usize = 1000;

/// A container being read.
enum Open {
    Array(Vec<Data>),
    /// Pairs read so far and the key waiting for its value.
    Object(Vec<(Str, Data)>, Option<Str>),
}

/// Reads YAML text into a data container, as cf-agent's `parseyaml()`.
pub fn parse(text: &str) -> Result<Data, String> {
    let mut stack: Vec<Open> = Vec::new();
    let mut root: Option<Data> = None;
    let length = text.chars().count();
    let unterminated = !text.ends_with('\n');
    for event in Parser::new_from_str(text) {
        let event = match event {
            Ok((event, span)) => {
                at_end(event, unterminated && span.end.index() >= length)
            }
            // cf-agent keeps what it read before the error.
            Err(_) => break,
        };
        match event {
            Event::SequenceStart(..) => {
                open(&mut stack, Open::Array(Vec::new()))?
            }
            Event::MappingStart(..) => {
                open(&mut stack, Open::Object(Vec::new(), None))?;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let done = stack.pop().map(close);
                place(&mut stack, &mut root, done)?;
            }
            Event::Scalar(value, style, _, tag) => {
                scalar(&mut stack, &mut root, &value, style, tag)?;
            }
            Event::DocumentEnd => break,
            _ => {}
        }
        if root.is_some() {
            break;
        }
    }
    finish(stack, root)
}

/// The event, with the line break dropped that this parser gives a block
/// scalar ending the text without one; libyaml, which cf-agent uses,
/// gives none.
fn at_end(event: Event<'_>, ends_text: bool) -> Event<'_> {
    match event {
        Event::Scalar(value, style, anchor, tag)
            if ends_text
                && matches!(
                    style,
                    ScalarStyle::Literal | ScalarStyle::Folded
                )
                && value.ends_with('\n') =>
        {
            let trimmed = value[..value.len() - 1].to_string();
            Event::Scalar(trimmed.into(), style, anchor, tag)
        }
        other => other,
    }
}

fn open(stack: &mut Vec<Open>, container: Open) -> Result<(), String> {
    if let Some(Open::Object(_, None)) = stack.last() {
        return Err("yaml text has a container as a key".into());
    }
    if stack.len() >= MAX_DEPTH {
        return Err(format!(
            "yaml containers nested deeper than {MAX_DEPTH} levels"
        ));
    }
    stack.push(container);
    Ok(())
}

fn close(container: Open) -> Data {
    match container {
        Open::Array(items) => Data::Array(items.into()),
        Open::Object(pairs, _) => {
            let pairs = crate::json::last_wins(pairs);
            Data::Object(Object::from_unique_pairs(pairs))
        }
    }
}

/// Puts a finished value into the container below it, or makes it the
/// root.
fn place(
    stack: &mut [Open],
    root: &mut Option<Data>,
    value: Option<Data>,
) -> Result<(), String> {
    let Some(value) = value else { return Ok(()) };
    match stack.last_mut() {
        None => *root = Some(value),
        Some(Open::Array(items)) => items.push(value),
        Some(Open::Object(pairs, key)) => match key.take() {
            Some(key) => pairs.push((key, value)),
            None => return Err("yaml text has a container as a key".into()),
        },
    }
    Ok(())
}

fn scalar(
    stack: &mut [Open],
    root: &mut Option<Data>,
    text: &str,
    style: ScalarStyle,
    tag: Option<Cow<'_, Tag>>,
) -> Result<(), String> {
    if let Some(Open::Object(_, key @ None)) = stack.last_mut() {
        *key = Some(text.into());
        return Ok(());
    }
    if stack.is_empty() {
        return Err(format!("yaml text is not an array or object: '{text}'"));
    }
    let value = if typed(style, tag.as_deref()) {
        typed_scalar(text)?
    } else {
        Data::Str(text.into())
    };
    place(stack, root, Some(value))
}

/// Whether a scalar is typed by its text: plain and untagged, or tagged
/// with a core-schema tag other than `!!str`.
fn typed(style: ScalarStyle, tag: Option<&Tag>) -> bool {
    match tag {
        None => style == ScalarStyle::Plain,
        Some(tag) => tag.is_yaml_core_schema() && tag.suffix != "str",
    }
}

/// A null, a boolean, a number or a string, by the text.
fn typed_scalar(text: &str) -> Result<Data, String> {
    Ok(match text {
        "" | "~" | "null" | "Null" | "NULL" => Data::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on"
        | "On" | "ON" => Data::Bool(true),
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE"
        | "off" | "Off" | "OFF" => Data::Bool(false),
        _ => match crate::json::number(text) {
            Some(number) => number.map_err(|e| format!("yaml number {e}"))?,
            None => Data::Str(text.into()),
        },
    })
}

/// The root, or the containers still open when the text ended, closed.
fn finish(
    mut stack: Vec<Open>,
    mut root: Option<Data>,
) -> Result<Data, String> {
    while let Some(container) = stack.pop() {
        let value = close(container);
        place(&mut stack, &mut root, Some(value))?;
    }
    root.ok_or_else(|| "yaml text holds no array or object".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::to_compact;

    fn round(text: &str) -> String {
        parse(text).map_or_else(|_| "ERR".into(), |d| to_compact(&d))
    }

    // cf-agent: parseyaml() of each text, printed with format("%S").
    #[test]
    fn scalars_are_typed_as_cf_agent_types_them() {
        assert_eq!(
            round(
                "a: 1\nb: 1.5\nc: yes\nd: ~\ne: \"1\"\nf: 010\ng: -0.0\nh: n"
            ),
            r#"{"a":1,"b":1.5000,"c":true,"d":null,"e":"1","f":"010","g":-0.0000,"h":false}"#
        );
        assert_eq!(
            round(
                "a: !!str 1\nb: !!int \"2\"\nc: !custom 5\nd: !!float 1\ne: nULL"
            ),
            r#"{"a":"1","b":2,"c":"5","d":1,"e":"nULL"}"#
        );
        assert_eq!(
            round("a: 4294967296\nb: -2147483649"),
            r#"{"a":0,"b":2147483647}"#
        );
        assert_eq!(round("a: 1e3"), "ERR");
    }

    #[test]
    fn keys_are_text() {
        assert_eq!(
            round("{1: 2, true: 3, null: 4}"),
            r#"{"1":2,"null":4,"true":3}"#
        );
    }

    #[test]
    fn aliases_are_skipped() {
        assert_eq!(
            round("a: &x 1\nb: *x\nc: 2\nd: 3"),
            r#"{"2":"d","a":1,"b":"c"}"#
        );
        assert_eq!(round("[a, *b]"), r#"["a"]"#);
    }

    #[test]
    fn first_document_only_and_containers_only() {
        assert_eq!(round("--- [1]\n...\n--- [2]"), "[1]");
        for text in ["just text", "42", "---", "", "# comment"] {
            assert_eq!(round(text), "ERR", "{text}");
        }
    }

    #[test]
    fn block_scalars_keep_the_line_breaks_of_the_text() {
        assert_eq!(
            round("a: |\n  x\n  y\nb: >\n  folded\n  text"),
            r#"{"a":"x\ny\n","b":"folded text"}"#
        );
        assert_eq!(round("a: >\n  folded\n"), r#"{"a":"folded\n"}"#);
    }

    #[test]
    fn malformed_text_keeps_what_was_read() {
        assert_eq!(round("[1, 2"), "[1,2]");
        assert_eq!(round("a: [1"), r#"{"a":[1]}"#);
    }
}
