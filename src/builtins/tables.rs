//! Builtins that read delimited text into lists, classic arrays or data
//! containers: the `read*list`, `read*array`, `parse*array` and
//! `data_read*` families.
//!
//! They share one way of reading, cf-agent's: the text (a file's first
//! `maxbytes` bytes, all of it for 0, or a string) loses every match of the comment
//! regex first. A list is then the whole text split by the split regex,
//! empty pieces left out. A table is the text's non-empty lines (a
//! trailing CR dropped), each split by the split regex with empty
//! fields kept; at most `maxentries` items or lines are taken.

use super::files::{read_limited, size_limit};
use super::{Call, CallResult, data, int};
use crate::regex::{self, Regex};
use crate::value::{Data, ListKind, Object, ScalarKind, Str, Value};

/// What the values must be.
#[derive(Clone, Copy)]
enum Kind {
    String,
    Int,
    Real,
}

/// The text of file argument `at`, at most `maxbytes` (argument `at +
/// 4`) long; a limit of zero reads it all.
fn file_text(call: &Call, at: usize) -> Result<String, String> {
    let path = call.string(at)?;
    let limit = size_limit(call, at + 4)?;
    let bytes = read_limited(path, limit).map_err(|e| {
        format!("function '{}' could not read '{path}': {e}", call.name)
    })?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The text with the comment regex (argument `at`) removed and the
/// split regex (argument `at + 1`) compiled; an empty comment regex
/// removes nothing.
fn prepare(
    call: &Call,
    text: &str,
    at: usize,
) -> Result<(String, std::rc::Rc<Regex>), String> {
    let comment = call.string(at)?;
    let text = match comment {
        "" => text.to_string(),
        pattern => strip_matches(&*regex::compile(pattern)?, text),
    };
    Ok((text, regex::compile(call.string(at + 1)?)?))
}

fn strip_matches(regex: &Regex, text: &str) -> String {
    let mut out = String::new();
    let mut kept = 0;
    for captures in regex.captures_all(text) {
        if let Some(found) = captures.get(0) {
            out += &regex::slice(text, kept..found.start);
            kept = found.end;
        }
    }
    out + &regex::slice(text, kept..text.len())
}

/// The pieces of `text` between matches of `split`.
pub fn split(split: &Regex, text: &str) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut from = 0;
    for captures in split.captures_all(text) {
        let Some(found) = captures.get(0) else {
            continue;
        };
        if found.is_empty() {
            continue;
        }
        pieces.push(regex::slice(text, from..found.start));
        from = found.end;
    }
    pieces.push(regex::slice(text, from..text.len()));
    pieces
}

/// How many items argument `at` allows.
fn max_entries(call: &Call, at: usize) -> Result<usize, String> {
    let n = call.int(at)?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// Checks a value against the kind, as cf-agent reads ints and reals
/// from these files; a value that is not one stops cf-agent's run.
fn check(call: &Call, kind: Kind, value: &str) -> Result<(), String> {
    let fits = match kind {
        Kind::String => true,
        Kind::Int => super::parse_int(value).is_some(),
        Kind::Real => crate::eval::real_text(value).is_some(),
    };
    match fits {
        true => Ok(()),
        false => Err(format!(
            "function '{}' read '{value}', which is not a number of its kind",
            call.name
        )),
    }
}

fn read_list(call: &Call, kind: Kind) -> CallResult {
    let text = file_text(call, 0)?;
    let (text, splitter) = prepare(call, &text, 1)?;
    let max = max_entries(call, 3)?;
    let items: Vec<String> = split(&splitter, &text)
        .into_iter()
        .filter(|item| !item.is_empty())
        .take(max)
        .collect();
    for item in &items {
        check(call, kind, item)?;
    }
    let list_kind = match kind {
        Kind::String => ListKind::String,
        Kind::Int => ListKind::Int,
        Kind::Real => ListKind::Real,
    };
    let items: Vec<Str> = items.into_iter().map(Str::from).collect();
    Ok(Value::List(list_kind, items.into()))
}

/// `readstringlist(path, comment, split, maxentries, maxbytes)`.
pub fn readstringlist(call: &Call) -> CallResult {
    read_list(call, Kind::String)
}

/// `readintlist(...)`: as `readstringlist`, every item an integer.
pub fn readintlist(call: &Call) -> CallResult {
    read_list(call, Kind::Int)
}

/// `readreallist(...)`: as `readstringlist`, every item a number.
pub fn readreallist(call: &Call) -> CallResult {
    read_list(call, Kind::Real)
}

/// The rows of a table: non-empty lines split into fields.
fn rows(
    call: &Call,
    text: &str,
    at: usize,
) -> Result<Vec<Vec<String>>, String> {
    let (text, splitter) = prepare(call, text, at)?;
    let max = max_entries(call, at + 2)?;
    Ok(text
        .split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .filter(|line| !line.is_empty())
        .take(max)
        .map(|line| split(&splitter, line))
        .collect())
}

/// `data_readstringarray(path, comment, split, maxentries, maxbytes)`:
/// an object from each line's first field to its other fields; a later
/// line replaces an earlier one with the same key.
pub fn data_readstringarray(call: &Call) -> CallResult {
    let text = file_text(call, 0)?;
    let mut pairs: Vec<(Str, Data)> = Vec::new();
    for mut fields in rows(call, &text, 1)? {
        let key: Str = fields.remove(0).into();
        let values = strings(fields);
        match pairs.iter_mut().find(|(k, _)| *k == key) {
            Some(pair) => pair.1 = values,
            None => pairs.push((key, values)),
        }
    }
    Ok(data(Data::Object(Object::from_unique_pairs(pairs))))
}

/// `data_readstringarrayidx(...)`: an array of each line's fields.
pub fn data_readstringarrayidx(call: &Call) -> CallResult {
    let text = file_text(call, 0)?;
    let rows = rows(call, &text, 1)?.into_iter().map(strings).collect();
    Ok(data(Data::Array(rows)))
}

fn strings(fields: Vec<String>) -> Data {
    Data::Array(fields.into_iter().map(|f| Data::Str(f.into())).collect())
}

/// Defines the classic array argument 0 names from the rows, keyed by
/// each row's first field or, when `by_index`, by its position; returns
/// how many rows there were.
fn define_rows(
    call: &Call,
    rows: Vec<Vec<String>>,
    kind: Kind,
    by_index: bool,
) -> CallResult {
    let name = call.string(0)?;
    let count = rows.len();
    let mut elements = Vec::new();
    for (row, fields) in rows.into_iter().enumerate() {
        let key: Str = match by_index {
            true => row.to_string().into(),
            false => fields[0].as_str().into(),
        };
        for (column, field) in fields.into_iter().enumerate() {
            check(call, kind, &field)?;
            let indices = vec![key.clone(), column.to_string().into()];
            elements.push((indices, scalar(kind, field)));
        }
    }
    call.env.define_array(name, elements);
    Ok(int(i64::try_from(count).unwrap_or(i64::MAX)))
}

fn scalar(kind: Kind, text: String) -> Value {
    let kind = match kind {
        Kind::String => ScalarKind::String,
        Kind::Int => ScalarKind::Int,
        Kind::Real => ScalarKind::Real,
    };
    Value::Scalar(kind, text.into())
}

/// A file that cannot be read gives no lines: cf-agent only logs it.
fn read_array(call: &Call, kind: Kind, by_index: bool) -> CallResult {
    let text = file_text(call, 1).unwrap_or_default();
    let rows = rows(call, &text, 2)?;
    define_rows(call, rows, kind, by_index)
}

fn parse_array(call: &Call, kind: Kind, by_index: bool) -> CallResult {
    let text = call.string(1)?;
    let limit = usize::try_from(size_limit(call, 5)?).unwrap_or(usize::MAX);
    let mut end = limit.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let rows = rows(call, &text[..end], 2)?;
    define_rows(call, rows, kind, by_index)
}

/// `readstringarray(array, path, comment, split, maxentries, maxbytes)`:
/// defines `array[key][i]` for the fields of every line, keyed by its
/// first field; returns how many lines there were.
pub fn readstringarray(call: &Call) -> CallResult {
    read_array(call, Kind::String, false)
}

/// `readstringarrayidx(...)`: as `readstringarray`, keyed by the line's
/// position.
pub fn readstringarrayidx(call: &Call) -> CallResult {
    read_array(call, Kind::String, true)
}

/// `readintarray(...)`: as `readstringarray`, every field an integer.
pub fn readintarray(call: &Call) -> CallResult {
    read_array(call, Kind::Int, false)
}

/// `readrealarray(...)`: as `readstringarray`, every field a number.
pub fn readrealarray(call: &Call) -> CallResult {
    read_array(call, Kind::Real, false)
}

/// `parsestringarray(array, text, comment, split, maxentries,
/// maxbytes)`: as `readstringarray`, reading the text given.
pub fn parsestringarray(call: &Call) -> CallResult {
    parse_array(call, Kind::String, false)
}

/// `parsestringarrayidx(...)`: as `readstringarrayidx` on the text.
pub fn parsestringarrayidx(call: &Call) -> CallResult {
    parse_array(call, Kind::String, true)
}

/// `parseintarray(...)`: as `readintarray` on the text.
pub fn parseintarray(call: &Call) -> CallResult {
    parse_array(call, Kind::Int, false)
}

/// `parserealarray(...)`: as `readrealarray` on the text.
pub fn parserealarray(call: &Call) -> CallResult {
    parse_array(call, Kind::Real, false)
}
