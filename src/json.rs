//! JSON text for data containers, as cf-agent writes it.
//!
//! `format("%S")` and `$(d)` use the one-line form, `storejson()` the
//! indented one. Reals print with four decimals, as cf-agent prints them.

use std::fmt::Write as _;

use crate::value::{Data, Str};

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

/// Writes `data` as JSON; `indent` is the current depth when pretty.
fn write_json(out: &mut String, data: &Data, indent: Option<usize>) {
    match data {
        Data::Null => out.push_str("null"),
        Data::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Data::Int(i) => {
            let _ = write!(out, "{i}");
        }
        // cf-agent serializes reals with four decimals.
        Data::Real(r) => {
            let _ = write!(out, "{r:.4}");
        }
        Data::Str(s) => write_json_string(out, s),
        Data::Array(items) => {
            let children = items.iter().map(|item| (None, item));
            write_container(out, ('[', ']'), children, items.len(), indent);
        }
        Data::Object(object) => {
            let children = object.iter().map(|(k, v)| (Some(k), v));
            write_container(out, ('{', '}'), children, object.len(), indent);
        }
    }
}

/// Writes an array or object, one child per line when pretty.
fn write_container<'a>(
    out: &mut String,
    (open, close): (char, char),
    children: impl Iterator<Item = (Option<&'a Str>, &'a Data)>,
    len: usize,
    indent: Option<usize>,
) {
    out.push(open);
    if len == 0 {
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
            write_json_string(out, key);
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

/// Writes a JSON string literal, escaping as cf-agent does.
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

/// Reads JSON text into a data container.
pub fn parse(text: &str) -> Result<Data, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    Ok(from_serde(value))
}

fn from_serde(value: serde_json::Value) -> Data {
    use serde_json::Value as J;
    match value {
        J::Null => Data::Null,
        J::Bool(b) => Data::Bool(b),
        J::Number(n) => match n.as_i64() {
            Some(i) => Data::Int(i),
            None => Data::Real(n.as_f64().unwrap_or(0.0)),
        },
        J::String(s) => Data::Str(s.into()),
        J::Array(items) => Data::Array(items.into_iter().map(from_serde).collect()),
        J::Object(map) => {
            let pairs = map.into_iter().map(|(k, v)| (k.into(), from_serde(v)));
            Data::Object(crate::value::Object::from_unique_pairs(pairs.collect()))
        }
    }
}
