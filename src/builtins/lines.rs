//! Builtins that look for lines of a file a regex matches whole:
//! `regline` and `getfields`.
//!
//! Lines end at `\n` alone, as cf-agent reads them, so a `\r` before it
//! stays part of the line.

use super::logic::class;
use super::{Call, CallResult, int};
use crate::value::{Str, Value};

/// The most fields `getfields` defines from one line.
const MAX_FIELDS: usize = 31;

/// The lines of a file, as text.
fn lines(path: &str) -> std::io::Result<Vec<String>> {
    let bytes = super::files::read_bounded(path, 0)?;
    let text = String::from_utf8_lossy(&bytes);
    Ok(text.split_terminator('\n').map(str::to_string).collect())
}

/// `regline(regex, path)`: whether the regex matches some line whole;
/// false when the file cannot be read.
pub fn regline(call: &Call) -> CallResult {
    let regex = crate::regex::compile(call.string(0)?)?;
    let lines = lines(call.string(1)?).unwrap_or_default();
    Ok(class(lines.iter().any(|line| regex.is_full_match(line))))
}

/// `getfields(regex, path, split, array)`: how many lines the regex
/// matches whole; the first of them, split at the `split` regex into at
/// most 31 fields, defines `array[1]`, `array[2]` and so on.
pub fn getfields(call: &Call) -> CallResult {
    let regex = crate::regex::compile(call.string(0)?)?;
    let path = call.string(1)?;
    let split = crate::regex::compile(call.string(2)?)?;
    let lines = lines(path).map_err(|e| {
        format!("function 'getfields' could not read '{path}': {e}")
    })?;

    let matching: Vec<&String> = lines
        .iter()
        .filter(|line| regex.is_full_match(line))
        .collect();
    if let Some(first) = matching.first() {
        let fields = super::tables::split(&split, first);
        let elements = fields
            .into_iter()
            .take(MAX_FIELDS)
            .enumerate()
            .map(|(i, field)| (vec![Str::from((i + 1).to_string())], field))
            .map(|(index, field)| (index, Value::string(field)))
            .collect();
        call.env.define_array(call.string(3)?, elements);
    }
    Ok(int(i64::try_from(matching.len()).unwrap_or(i64::MAX)))
}
