//! JSON text for data containers, read and written as cf-agent does.
//!
//! cf-agent's reader is lenient in some places and strict in others, and
//! this one follows it: commas and colons may be left out, trailing commas
//! and anything after the top-level container are ignored, object keys may
//! be bare words, `\uXXXX` is not decoded, and string values are unescaped
//! twice (keys once). Only an array or an object may stand at the top.
//! Numbers follow cf-agent's own grammar: one with a `.` is a real, read up
//! to where it stops making sense (`1e5.0` is 100000), any other is an
//! integer, so `1e3` is an error; integers keep only their low 32 bits, as
//! every value cf-agent prints from a parsed container shows.
//!
//! The writer has a one-line form for `format("%S")` and `$(d)` and an
//! indented one for `storejson()`. It sorts object keys bytewise, prints
//! keys without escaping, escapes in values only `"`, `\` and the
//! `\b\f\n\r\t` controls, and prints reals with four decimals.
//!
//! Known shortcoming: cf-agent keeps the source text of numbers in inline
//! JSON given straight to `join()`, `nth()` or `storejson()` (`2.50` stays
//! `2.50`); here every real is a float and prints as one.

use std::collections::HashSet;
use std::fmt::Write as _;

use crate::value::{Data, Object, Str};

/// The one-line JSON text of `format("%S")` and `$(d)` in reports.
pub fn to_compact(data: &Data) -> String {
    let mut out = String::new();
    write_json(&mut out, data, None);
    out
}

/// The indented JSON text of `storejson()`.
pub fn to_pretty(data: &Data) -> String {
    let mut out = String::new();
    write_json(&mut out, data, Some(0));
    out
}

/// The text of a primitive as `join()`, `nth()` and the writer print it;
/// `None` for containers.
pub fn primitive_text(data: &Data) -> Option<String> {
    match data {
        Data::Null => Some("null".into()),
        Data::Bool(b) => Some(b.to_string()),
        Data::Int(i) => Some(i.to_string()),
        // cf-agent serializes reals with four decimals.
        Data::Real(r) => Some(format!("{r:.4}")),
        Data::Str(s) => Some(s.to_string()),
        Data::Array(_) | Data::Object(_) => None,
    }
}

/// Writes `data` as JSON; `indent` is the current depth when pretty.
fn write_json(out: &mut String, data: &Data, indent: Option<usize>) {
    match data {
        Data::Str(s) => write_json_string(out, s),
        Data::Array(items) => {
            let children = items.iter().map(|item| (None, item));
            write_container(out, ('[', ']'), children, indent);
        }
        Data::Object(object) => {
            // cf-agent prints keys sorted bytewise, whatever their order.
            let mut pairs: Vec<_> = object.iter().collect();
            pairs.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            let children = pairs.into_iter().map(|(k, v)| (Some(k), v));
            write_container(out, ('{', '}'), children, indent);
        }
        primitive => {
            let text = primitive_text(primitive).unwrap_or_default();
            out.push_str(&text);
        }
    }
}

/// Writes an array or object, one child per line when pretty.
fn write_container<'a>(
    out: &mut String,
    (open, close): (char, char),
    children: impl ExactSizeIterator<Item = (Option<&'a Str>, &'a Data)>,
    indent: Option<usize>,
) {
    out.push(open);
    // An empty object still breaks the line when pretty; an empty array
    // does not.
    if children.len() == 0 && (close == ']' || indent.is_none()) {
        out.push(close);
        return;
    }

    let inner = indent.map(|depth| depth + 1);
    for (i, (key, value)) in children.enumerate() {
        if i > 0 {
            out.push(',');
        }
        if let Some(depth) = inner {
            push_newline_indent(out, depth);
        }
        if let Some(key) = key {
            // cf-agent writes keys as they are, quotes and all.
            let _ = write!(out, "\"{key}\"");
            out.push_str(if inner.is_some() { ": " } else { ":" });
        }
        write_json(out, value, inner);
    }

    if let Some(depth) = indent {
        push_newline_indent(out, depth);
    }
    out.push(close);
}

fn push_newline_indent(out: &mut String, depth: usize) {
    out.push('\n');
    for _ in 0..depth {
        out.push_str("  ");
    }
}

/// Writes a JSON string value, escaping as cf-agent does: other control
/// characters, `/` and non-ASCII text stay as they are.
pub fn write_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// How deep containers may nest before the reader gives up, so that
/// hostile input cannot exhaust the stack.
const MAX_DEPTH: usize = 1000;

/// Reads JSON text into a data container, as cf-agent's `parsejson()`.
pub fn parse(text: &str) -> Result<Data, String> {
    let mut reader = Reader::new(text, false);
    reader.skip_whitespace();
    match reader.peek() {
        None => Err("json text is empty".into()),
        Some(b'[' | b'{') => reader.value(),
        // cf-agent reads a top-level primitive, then refuses it.
        Some(_) => match reader.value() {
            Ok(_) => Err("json text is not an array or object".into()),
            Err(e) => Err(e),
        },
    }
}

/// Reads JSON written inline in a function's argument, where a bare
/// word names a variable whose value stands there, as cf-agent reads
/// `mergedata('{ "k": d }')`.
pub fn parse_with_references(
    text: &str,
    references: &dyn Fn(&str) -> Option<Data>,
) -> Result<Data, String> {
    let mut reader = Reader::new(text, false);
    reader.references = Some(references);
    reader.skip_whitespace();
    match reader.peek() {
        Some(b'[' | b'{') => reader.value(),
        _ => Err("json text is not an array or object".into()),
    }
}

/// Reads JSON text whose top may also be a primitive, as
/// `mapdata("json")` reads each expansion.
pub fn parse_value(text: &str) -> Result<Data, String> {
    let mut reader = Reader::new(text, false);
    reader.skip_whitespace();
    match reader.peek() {
        None => Err("json text is empty".into()),
        Some(_) => reader.value(),
    }
}

/// Whether `text` is JSON as `validjson()` sees it: like [`parse`], but
/// a primitive may stand at the top, and an integer may have an
/// exponent (`1e3`), which `parsejson()` refuses.
pub fn is_valid(text: &str) -> bool {
    let mut reader = Reader::new(text, true);
    reader.skip_whitespace();
    reader.peek().is_some() && reader.value().is_ok()
}

/// A JSON number as cf-agent reads one: `None` when `token` does not
/// follow its grammar, an error for an integer with an exponent, which
/// cf-agent cannot convert, else an integer (its low 32 bits) or, with
/// a `.`, a real.
pub fn number(token: &str) -> Option<Result<Data, String>> {
    check_number(token.as_bytes()).ok()?;
    if token.contains('.') {
        return Some(Ok(Data::Real(crate::builtins::strtod(token))));
    }
    Some(match token.parse::<i64>() {
        // cf-agent keeps the low 32 bits of integers it parses.
        Ok(i) => Ok(Data::Int(i64::from(i as i32))),
        Err(_) => Err(format!("'{token}' is not an integer")),
    })
}

/// What reading one value gives.
type Parsed = Result<Data, String>;

/// A cursor over JSON text.
/// Finds the value of a variable by name.
type References<'a> = dyn Fn(&str) -> Option<Data> + 'a;

struct Reader<'a> {
    text: &'a [u8],
    pos: usize,
    depth: usize,
    /// Whether an integer with an exponent passes, as a real.
    lenient_numbers: bool,
    /// The value of a variable named by a bare word where a value
    /// stands, for JSON written inline in a function's argument.
    references: Option<&'a References<'a>>,
}

/// What an object reader saw last, which decides what may come next.
#[derive(Clone, Copy, PartialEq)]
enum Last {
    Start,
    Key,
    Colon,
    Value,
    Comma,
}

impl Reader<'_> {
    fn new(text: &str, lenient_numbers: bool) -> Reader<'_> {
        Reader {
            text: text.as_bytes(),
            pos: 0,
            depth: 0,
            lenient_numbers,
            references: None,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    /// Only these four count: cf-agent refuses `\v` and `\f` here.
    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn error(&self, what: &str) -> String {
        format!("{what} at byte {} of json text", self.pos)
    }

    fn unexpected(&self) -> String {
        match self.peek() {
            Some(c) if c.is_ascii_graphic() => {
                let c = c as char;
                self.error(&format!("unexpected '{c}'"))
            }
            Some(c) => self.error(&format!("unexpected byte {c:#04x}")),
            None => self.error("unexpected end"),
        }
    }

    /// One value of any kind, the cursor on its first byte.
    fn value(&mut self) -> Result<Data, String> {
        match self.peek() {
            Some(b'"') => Ok(Data::Str(self.string_value()?)),
            Some(b'[') => self.nested(Reader::array),
            Some(b'{') => self.nested(Reader::object),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't' | b'f' | b'n') if self.is_literal() => self.literal(),
            Some(c) if self.references.is_some() && is_name_byte(c) => {
                self.reference()
            }
            Some(b't' | b'f' | b'n') => self.literal(),
            _ => Err(self.unexpected()),
        }
    }

    fn is_literal(&self) -> bool {
        let rest = &self.text[self.pos..];
        let word = rest.iter().take_while(|c| is_name_byte(**c)).count();
        matches!(&rest[..word], b"true" | b"false" | b"null")
    }

    /// A bare variable name where a value stands: the variable's value.
    fn reference(&mut self) -> Result<Data, String> {
        let rest = &self.text[self.pos..];
        let mut len = rest.iter().take_while(|c| is_name_byte(**c)).count();
        // One index, `d[k]`, up to its closing bracket: cf-agent reads
        // no second one, and fails the call on `d[k][0]`.
        if rest.get(len) == Some(&b'[')
            && let Some(close) = rest[len..].iter().position(|c| *c == b']')
        {
            len += close + 1;
        }
        let name = String::from_utf8_lossy(&rest[..len]).into_owned();
        if rest.get(len) == Some(&b'[') {
            let message = format!("'{name}' takes one index at most here");
            return Err(self.error(&message));
        }
        let lookup = self.references.expect("checked by the caller");
        match lookup(&name) {
            Some(data) => {
                self.pos += len;
                Ok(data)
            }
            None => {
                Err(self.error(&format!("variable '{name}' is not defined")))
            }
        }
    }

    fn nested(&mut self, read: fn(&mut Self) -> Parsed) -> Parsed {
        if self.depth >= MAX_DEPTH {
            let message =
                format!("containers nested deeper than {MAX_DEPTH} levels");
            return Err(self.error(&message));
        }
        self.depth += 1;
        let result = read(self);
        self.depth -= 1;
        result
    }

    /// An array; elements need no commas between them, and one trailing
    /// comma is allowed, but two commas in a row or a leading one are not.
    fn array(&mut self) -> Result<Data, String> {
        self.pos += 1;
        let mut items = Vec::new();
        let mut comma_allowed = false;
        loop {
            self.skip_whitespace();
            match self.peek() {
                None => return Err(self.error("unterminated array")),
                Some(b']') => break,
                Some(b',') if !comma_allowed => {
                    return Err(self.error("extra comma in array"));
                }
                Some(b',') => {
                    comma_allowed = false;
                    self.pos += 1;
                }
                Some(_) => {
                    items.push(self.value()?);
                    comma_allowed = true;
                }
            }
        }
        self.pos += 1;
        Ok(Data::Array(items.into()))
    }

    /// An object; colons and commas may be left out, keys may be bare
    /// words, and a repeated key moves to the end with its last value.
    fn object(&mut self) -> Result<Data, String> {
        self.pos += 1;
        let mut pairs = Vec::new();
        let mut key: Option<Str> = None;
        let mut last = Last::Start;
        loop {
            self.skip_whitespace();
            let pending = matches!(last, Last::Key | Last::Colon);
            match self.peek() {
                None => return Err(self.error("unterminated object")),
                Some(b'}') if pending => {
                    return Err(self.error("object ends after a key"));
                }
                Some(b'}') => break,
                Some(b',') => {
                    if !matches!(last, Last::Start | Last::Value) {
                        return Err(self.error("misplaced comma in object"));
                    }
                    last = Last::Comma;
                    self.pos += 1;
                }
                Some(b':') => {
                    if last != Last::Key {
                        return Err(self.error("colon without a key"));
                    }
                    last = Last::Colon;
                    self.pos += 1;
                }
                Some(_) if pending => {
                    let value = self.value()?;
                    pairs.push((key.take().unwrap_or_default(), value));
                    last = Last::Value;
                }
                Some(b'"') => {
                    key = Some(self.string()?.into());
                    last = Last::Key;
                }
                Some(_) => {
                    key = Some(self.bare_key()?);
                    last = Last::Key;
                }
            }
        }
        self.pos += 1;
        Ok(Data::Object(Object::from_unique_pairs(last_wins(pairs))))
    }

    /// An unquoted key: letters, digits, `_` and `-`, then a colon.
    fn bare_key(&mut self) -> Result<Str, String> {
        let start = self.pos;
        while matches!(self.peek(), Some(c) if is_bare_key_byte(c)) {
            self.pos += 1;
        }
        let end = self.pos;
        self.skip_whitespace();
        if end == start || self.peek() != Some(b':') {
            self.pos = start;
            return Err(self.unexpected());
        }
        Ok(String::from_utf8_lossy(&self.text[start..end]).into())
    }

    /// `true`, `false` or `null`, which must end where a value may end.
    fn literal(&mut self) -> Result<Data, String> {
        let rest = &self.text[self.pos..];
        let (len, data) = if rest.starts_with(b"true") {
            (4, Data::Bool(true))
        } else if rest.starts_with(b"false") {
            (5, Data::Bool(false))
        } else if rest.starts_with(b"null") {
            (4, Data::Null)
        } else {
            return Err(self.unexpected());
        };
        self.pos += len;
        match self.peek() {
            None => Ok(data),
            Some(c) if ends_value(c) => Ok(data),
            Some(_) => Err(self.unexpected()),
        }
    }

    /// A string value: unescaped once while reading and once more after,
    /// as cf-agent does to values (not to keys).
    fn string_value(&mut self) -> Result<Str, String> {
        let once = self.string()?;
        Ok(unescape(&once, true).into())
    }

    /// A quoted string, the cursor on its opening quote.
    fn string(&mut self) -> Result<String, String> {
        self.pos += 1;
        let start = self.pos;
        loop {
            match self.peek() {
                None => {
                    self.pos = start;
                    return Err(self.error("unterminated string"));
                }
                Some(b'"') => break,
                Some(b'\\') => self.pos += 2,
                Some(_) => self.pos += 1,
            }
        }
        let raw = String::from_utf8_lossy(&self.text[start..self.pos]);
        self.pos += 1;
        Ok(unescape(&raw, false))
    }

    /// A number, checked against cf-agent's grammar for them.
    fn number(&mut self) -> Result<Data, String> {
        let start = self.pos;
        while matches!(self.peek(), Some(c) if !ends_value(c)) {
            self.pos += 1;
        }
        let token = &self.text[start..self.pos];
        if let Err((offset, what)) = check_number(token) {
            self.pos = start + offset;
            return Err(self.error(what));
        }

        // The token is ASCII now: check_number allows nothing else.
        let token = std::str::from_utf8(token).unwrap_or_default();
        match number(token) {
            Some(Err(_)) if self.lenient_numbers => {
                Ok(Data::Real(crate::builtins::strtod(token)))
            }
            Some(Err(what)) => {
                self.pos = start;
                Err(self.error(&what))
            }
            Some(Ok(data)) => Ok(data),
            None => Err(self.error("invalid number")),
        }
    }
}

/// Whether `c` may end a number or a literal.
/// A byte of a variable name written bare in inline JSON, before its
/// indices: `d`, `b.d`, `ns:b.d`.
fn is_name_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b':')
}

fn ends_value(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b',' | b']' | b'}')
}

fn is_bare_key_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

/// Checks a number token; on error, the offset of the bad byte and why.
fn check_number(token: &[u8]) -> Result<(), (usize, &'static str)> {
    let (mut dot, mut exponent) = (false, false);
    let digits_from = usize::from(token.first() == Some(&b'-'));
    for (i, &c) in token.iter().enumerate() {
        let prev = i.checked_sub(1).map(|p| token[p]);
        let after_exponent = matches!(prev, Some(b'e' | b'E'));
        match c {
            b'0'..=b'9' if i == digits_from + 1 && prev == Some(b'0') => {
                return Err((i, "leading zero in number"));
            }
            b'0'..=b'9' => {}
            b'-' if i == 0 || after_exponent => {}
            b'+' if after_exponent => {}
            b'-' | b'+' => return Err((i, "misplaced sign in number")),
            b'.' if dot => return Err((i, "second dot in number")),
            b'.' if !matches!(prev, Some(b'0'..=b'9')) => {
                return Err((i, "dot without a digit before it"));
            }
            b'.' => dot = true,
            b'e' | b'E' if exponent => {
                return Err((i, "second exponent in number"));
            }
            b'e' | b'E' => exponent = true,
            _ => return Err((i, "invalid character in number")),
        }
    }
    match token.last() {
        Some(b'0'..=b'9') => Ok(()),
        _ => Err((token.len(), "number does not end with a digit")),
    }
}

/// Decodes the escapes cf-agent knows, keeping others with their
/// backslash (`\u0041` stays as it is). The second pass over string
/// values leaves `\/` alone.
fn unescape(text: &str, second: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('/') if !second => out.push('/'),
            Some(e) => match decode_escape(e) {
                Some(decoded) => out.push(decoded),
                None => {
                    out.push('\\');
                    out.push(e);
                }
            },
            None => out.push('\\'),
        }
    }
    out
}

fn decode_escape(e: char) -> Option<char> {
    match e {
        '"' => Some('"'),
        '\\' => Some('\\'),
        'b' => Some('\u{8}'),
        'f' => Some('\u{c}'),
        'n' => Some('\n'),
        'r' => Some('\r'),
        't' => Some('\t'),
        _ => None,
    }
}

/// Keeps the last value of each key, placed where the key last appeared,
/// as cf-agent replaces a repeated key.
pub fn last_wins(pairs: Vec<(Str, Data)>) -> Vec<(Str, Data)> {
    let mut seen = HashSet::with_capacity(pairs.len());
    let mut kept: Vec<_> = pairs
        .into_iter()
        .rev()
        .filter(|(k, _)| seen.insert(k.clone()))
        .collect();
    kept.reverse();
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses and writes back in one line, or "ERR".
    fn round(text: &str) -> String {
        parse(text).map_or_else(|_| "ERR".into(), |d| to_compact(&d))
    }

    fn first_string(text: &str) -> String {
        match parse(text) {
            Ok(Data::Array(items)) => match items.first() {
                Some(Data::Str(s)) => s.to_string(),
                other => panic!("not a string: {other:?}"),
            },
            other => panic!("not an array: {other:?}"),
        }
    }

    // cf-agent: parsejson() of each text, printed with format("%S").
    #[test]
    fn top_level_must_be_a_container() {
        for text in ["1", "\"s\"", "true", "null", "1.5", "", "   ", "x[1]"] {
            assert_eq!(round(text), "ERR", "{text}");
        }
        assert_eq!(round(" [1] "), "[1]");
        assert_eq!(round("\t\n\r [1]\n"), "[1]");
        assert_eq!(round("\u{b}[1]"), "ERR");
        assert_eq!(round("\u{c}[1]"), "ERR");
    }

    #[test]
    fn trailing_text_is_ignored() {
        assert_eq!(round("[1] x"), "[1]");
        assert_eq!(round("[1]]"), "[1]");
        assert_eq!(round("{\"a\":1}{\"b\":2}"), "{\"a\":1}");
    }

    #[test]
    fn arrays_are_lenient_about_commas() {
        assert_eq!(round("[1,]"), "[1]");
        assert_eq!(round("[1 2]"), "[1,2]");
        assert_eq!(round("[\"a\"\"b\"]"), "[\"a\",\"b\"]");
        assert_eq!(round("[[1],[2],]"), "[[1],[2]]");
        for text in ["[1,,2]", "[,1]", "[,]", "[1", "[1,", "[1[2]]"] {
            assert_eq!(round(text), "ERR", "{text}");
        }
    }

    #[test]
    fn objects_are_lenient_about_commas_and_colons() {
        assert_eq!(round("{\"a\":1,}"), "{\"a\":1}");
        assert_eq!(round("{\"a\":1 \"b\":2}"), "{\"a\":1,\"b\":2}");
        assert_eq!(round("{\"a\" 1}"), "{\"a\":1}");
        assert_eq!(
            round("{\"a\" \"b\" \"c\" \"d\"}"),
            "{\"a\":\"b\",\"c\":\"d\"}"
        );
        assert_eq!(round("{,}"), "{}");
        assert_eq!(round("{,\"a\":1}"), "{\"a\":1}");
        for text in [
            "{\"a\":}",
            "{\"a\"}",
            "{\"a\"::1}",
            "{\"a\":1,,\"b\":2}",
            "{,,}",
            "{\"a\",1}",
            "{\"a\":1 \"b\"}",
            "{:1}",
            "{\"a\":1",
            "{\"a\":1]",
        ] {
            assert_eq!(round(text), "ERR", "{text}");
        }
    }

    #[test]
    fn bare_keys() {
        assert_eq!(round("{a:1}"), "{\"a\":1}");
        assert_eq!(round("{a :1}"), "{\"a\":1}");
        assert_eq!(round("{true:1}"), "{\"true\":1}");
        assert_eq!(
            round("{1a:1, a_b:2, a-b:3}"),
            "{\"1a\":1,\"a-b\":3,\"a_b\":2}"
        );
        for text in ["{a b:1}", "{a.b:1}", "{é:1}", "{a:b}", "{\"a\":abc}"] {
            assert_eq!(round(text), "ERR", "{text}");
        }
    }

    #[test]
    fn repeated_key_moves_to_the_end() {
        // cf-agent: getindices() of the result gives b, a.
        let data = parse("{\"a\":1,\"b\":2,\"a\":3}").unwrap();
        let Data::Object(object) = data else { panic!() };
        let keys: Vec<_> = object.iter().map(|(k, _)| k.to_string()).collect();
        assert_eq!(keys, ["b", "a"]);
        assert_eq!(object.get("a"), Some(&Data::Int(3)));
    }

    #[test]
    fn literals() {
        assert_eq!(round("[true,false,null]"), "[true,false,null]");
        for text in ["[tru]", "[truex]", "[true1]", "[nullx]", "['a']"] {
            assert_eq!(round(text), "ERR", "{text}");
        }
    }

    #[test]
    fn integers() {
        assert_eq!(round("[-0]"), "[0]");
        assert_eq!(round("[0]"), "[0]");
        assert_eq!(round("[2147483647]"), "[2147483647]");
        // Only the low 32 bits survive.
        assert_eq!(round("[2147483648]"), "[-2147483648]");
        assert_eq!(round("[4294967296]"), "[0]");
        assert_eq!(round("[-2147483649]"), "[2147483647]");
        assert_eq!(round("[9223372036854775807]"), "[-1]");
        assert_eq!(round("[-9223372036854775808]"), "[0]");
        // cf-agent aborts the whole run on these.
        for text in ["[1e3]", "[1E2]", "[1e-7]", "[9223372036854775808]"] {
            assert_eq!(round(text), "ERR", "{text}");
        }
    }

    #[test]
    fn malformed_numbers() {
        for text in [
            "[07]",
            "[00]",
            "[01.5]",
            "[.5]",
            "[5.]",
            "[+1]",
            "[1x]",
            "[1.5x]",
            "[1-2]",
            "[1.2.3]",
            "[--1]",
            "[-]",
            "[-a]",
            "[1.0e5e3]",
            "[1.0e]",
            "[1.0e+]",
            "[1.0ee5]",
            "[1+2]",
            "[1.0e5+3]",
            "[1.0e+-5]",
            "[1.5e2.5]",
            "[-.5]",
            "[1\"a\"]",
            "{\"a\":1:2}",
        ] {
            assert_eq!(round(text), "ERR", "{text}");
        }
    }

    #[test]
    fn reals() {
        assert_eq!(round("[0.5]"), "[0.5000]");
        assert_eq!(round("[-1.5]"), "[-1.5000]");
        assert_eq!(round("[0.0]"), "[0.0000]");
        assert_eq!(round("[-0.0]"), "[-0.0000]");
        assert_eq!(round("[0.00001]"), "[0.0000]");
        assert_eq!(round("[123456789.123456]"), "[123456789.1235]");
        assert_eq!(round("[2.0e3]"), "[2000.0000]");
        assert_eq!(round("[2.5e+2]"), "[250.0000]");
        assert_eq!(round("[1.5E+2]"), "[150.0000]");
        assert_eq!(round("[0.5e1]"), "[5.0000]");
        // Read as far as it makes sense, like strtod.
        assert_eq!(round("[1e5.0]"), "[100000.0000]");
        assert_eq!(round("[0e1.0]"), "[0.0000]");
    }

    // cf-agent: each element printed raw with "$(v)" after nth().
    #[test]
    fn escapes_in_values_are_decoded_twice() {
        assert_eq!(first_string(r#"["a\"b"]"#), "a\"b");
        assert_eq!(first_string(r#"["a\/b"]"#), "a/b");
        assert_eq!(first_string(r#"["\t\r\f"]"#), "\t\r\u{c}");
        assert_eq!(first_string(r#"["a\\b"]"#), "a\u{8}");
        assert_eq!(first_string(r#"["a\\nb"]"#), "a\nb");
        assert_eq!(first_string(r#"["a\\\\nb"]"#), "a\\nb");
        assert_eq!(first_string(r#"["\\"]"#), "\\");
        assert_eq!(first_string(r#"["\\\\"]"#), "\\");
        assert_eq!(first_string(r#"["\\\\\\"]"#), "\\\\");
        assert_eq!(first_string(r#"["\\\"x"]"#), "\"x");
        assert_eq!(first_string(r#"["a\\/b"]"#), "a\\/b");
        assert_eq!(first_string(r#"["c\\\/d"]"#), "c\\/d");
        assert_eq!(first_string(r#"["x\\", "y"]"#), "x\\");
    }

    #[test]
    fn unknown_escapes_keep_their_backslash() {
        assert_eq!(first_string(r#"["\u0041"]"#), "\\u0041");
        assert_eq!(first_string(r#"["\\u0041"]"#), "\\u0041");
        assert_eq!(first_string(r#"["a\qb"]"#), "a\\qb");
        assert_eq!(first_string(r#"["\'"]"#), "\\'");
        assert_eq!(first_string(r#"["\ x"]"#), "\\ x");
        assert_eq!(first_string("[\"a\u{1}b\tc\"]"), "a\u{1}b\tc");
        assert_eq!(round("[\"a\\\"]"), "ERR");
        assert_eq!(round("[\"abc"), "ERR");
    }

    #[test]
    fn keys_are_decoded_once() {
        let data = parse(r#"{"k\\nq":1, "a\\\\b":2, "c\\b":3, "d\"e":4}"#);
        let Ok(Data::Object(object)) = data else {
            panic!()
        };
        let keys: Vec<_> = object.iter().map(|(k, _)| k.to_string()).collect();
        assert_eq!(keys, ["k\\nq", "a\\\\b", "c\\b", "d\"e"]);
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(round(&deep), "ERR");
        let fine = format!("{}{}", "[".repeat(900), "]".repeat(900));
        assert_ne!(round(&fine), "ERR");
    }

    // cf-agent: format("%S") and storejson() of parsed containers.
    #[test]
    fn writer_escapes_values_only() {
        let text =
            "[\"a\\\\qb\", \"q\\\"r\", \"a/b\", \"\u{1}\u{1f}\u{7f}é€\"]";
        assert_eq!(
            round(text),
            "[\"a\\\\qb\",\"q\\\"r\",\"a/b\",\"\u{1}\u{1f}\u{7f}é€\"]"
        );
        assert_eq!(round("[\"\\b\\f\\n\\r\\t\"]"), "[\"\\b\\f\\n\\r\\t\"]");
        assert_eq!(round(r#"{"k\"q":1}"#), "{\"k\"q\":1}");
        assert_eq!(round("{\"k\\nq\":1}"), "{\"k\nq\":1}");
    }

    #[test]
    fn writer_sorts_keys_bytewise() {
        let text = r#"{"b":1,"B":2,"a":3,"é":4,"_":5,"1":6,"10":7,"9":8,"":9}"#;
        assert_eq!(
            round(text),
            r#"{"":9,"1":6,"10":7,"9":8,"B":2,"_":5,"a":3,"b":1,"é":4}"#
        );
    }

    #[test]
    fn pretty_empty_containers() {
        let data = parse(r#"[[],{},[[]],{"a":{}},{"b":[]},[{}]]"#).unwrap();
        let expected = "[\n  [],\n  {\n  },\n  [\n    []\n  ],\n  {\n    \
            \"a\": {\n    }\n  },\n  {\n    \"b\": []\n  },\n  [\n    {\n    \
            }\n  ]\n]";
        assert_eq!(to_pretty(&data), expected);
        assert_eq!(to_pretty(&parse("{}").unwrap()), "{\n}");
        assert_eq!(to_pretty(&parse("[]").unwrap()), "[]");
        assert_eq!(round("[[[]],{},[{}]]"), "[[[]],{},[{}]]");
    }
}
