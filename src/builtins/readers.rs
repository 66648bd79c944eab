//! Builtins that read a file into a data container: JSON, YAML, CSV and
//! `KEY=value` environment files, by name or chosen by `readdata()`,
//! and `classfiltercsv`, the records of a CSV file whose class holds.
//!
//! Each takes an optional largest size in bytes. A JSON or YAML file
//! longer than that is not read at all, as cf-agent refuses to parse a
//! cut document; of a CSV or environment file, the whole lines that fit
//! are read.

use super::files::{read_bounded, size_limit};
use super::{Call, CallResult, data};
use crate::json;
use crate::value::{Data, Object, Str};

/// The text of the file argument 0 names, refused when it is longer
/// than the byte limit argument `limit_at` gives, if any.
fn file_text(call: &Call, limit_at: Option<usize>) -> Result<String, String> {
    file_text_cut(call, limit_at, false)
}

/// The text of the file argument 0 names: when `lines` is true, only
/// the whole lines that fit in the byte limit, else all of it or an
/// error when it does not fit.
fn file_text_cut(
    call: &Call,
    limit_at: Option<usize>,
    lines: bool,
) -> Result<String, String> {
    let path = call.string(0)?;
    let limit = match limit_at.filter(|&i| i < call.args.len()) {
        Some(i) => size_limit(call, i)?,
        None => 0,
    };
    let bytes = read_bounded(path, limit).map_err(|e| {
        format!("function '{}' could not read '{path}': {e}", call.name)
    })?;
    if lines && limit > 0 {
        let text = String::from_utf8_lossy(&bytes);
        return Ok(lines_within(&text, limit));
    }
    if limit > 0 && bytes.len() as u64 > limit {
        return Err(format!(
            "function '{}' will not read '{path}' cut to {limit} bytes",
            call.name
        ));
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The leading whole lines of `text` (the last may lack its newline)
/// whose bytes add up to at most `limit`.
fn lines_within(text: &str, limit: u64) -> String {
    let mut kept = 0;
    for line in text.split_inclusive('\n') {
        if (kept + line.len()) as u64 > limit {
            break;
        }
        kept += line.len();
    }
    text[..kept].to_string()
}

fn failed(call: &Call, what: &str, e: String) -> String {
    let path = call.string(0).unwrap_or_default();
    format!(
        "function '{}' could not parse {what} '{path}': {e}",
        call.name
    )
}

/// `readjson(path, maxbytes)`: the container a JSON file holds.
pub fn readjson(call: &Call) -> CallResult {
    json_file(call, Some(1))
}

fn json_file(call: &Call, limit_at: Option<usize>) -> CallResult {
    let text = file_text(call, limit_at)?;
    json::parse(&text)
        .map(data)
        .map_err(|e| failed(call, "json", e))
}

/// `readyaml(path, maxbytes)`: the container a YAML file's first
/// document holds (see [`super::yaml`]).
pub fn readyaml(call: &Call) -> CallResult {
    yaml_file(call, Some(1))
}

fn yaml_file(call: &Call, limit_at: Option<usize>) -> CallResult {
    let text = file_text(call, limit_at)?;
    crate::yaml::parse(&text)
        .map(data)
        .map_err(|e| failed(call, "yaml", e))
}

/// `readcsv(path, maxbytes)`: the records of a CSV file, as arrays of
/// strings (see [`parse_csv`]).
pub fn readcsv(call: &Call) -> CallResult {
    Ok(data(parse_csv(&file_text_cut(call, Some(1), true)?)))
}

/// `classfiltercsv(path, has_header, class_column, sort_column)`: the
/// records of a CSV file whose class expression, in column
/// `class_column`, holds, as objects from the header's names (or from
/// the positions left once the class column is gone) to the fields. A
/// record whose length differs from the first one's is left out. With a
/// sort column other than the class column, the records are sorted by
/// that field's bytes; one out of range sorts nothing, as in cf-agent.
pub fn classfiltercsv(call: &Call) -> CallResult {
    let has_header = super::files::boolean(call, 1)?;
    let class_column = column(call, 2)?;
    let sort_column = match call.args.len() > 3 {
        true => Some(column(call, 3)?),
        false => None,
    };
    let mut records = csv_records(&file_text(call, None)?).into_iter();
    let header = match has_header {
        true => records.next(),
        false => None,
    };
    let mut rows: Vec<Vec<Str>> = records.collect();
    let Some(width) = header.as_ref().or(rows.first()).map(Vec::len) else {
        return Ok(data(Data::Array(Vec::new().into())));
    };
    if class_column >= width {
        return Err(format!(
            "function 'classfiltercsv' got class column {class_column} \
             for records of {width} fields"
        ));
    }

    rows.retain(|row| row.len() == width);
    rows.retain(|row| {
        let expr = &row[class_column];
        !expr.is_empty() && call.env.class_holds(expr)
    });
    if let Some(sort) = sort_column.filter(|&s| s < width && s != class_column)
    {
        rows.sort_by(|a, b| a[sort].as_bytes().cmp(b[sort].as_bytes()));
    }
    let objects = rows.iter().map(|row| {
        let fields = row.iter().enumerate().filter(|(j, _)| *j != class_column);
        let pairs = fields.enumerate().map(|(k, (j, field))| {
            let key = match &header {
                Some(names) => names[j].clone(),
                None => k.to_string().into(),
            };
            (key, Data::Str(field.clone()))
        });
        Data::Object(Object::from_unique_pairs(pairs.collect()))
    });
    Ok(data(Data::Array(objects.collect())))
}

/// A column index, argument `i`, which must not be negative.
fn column(call: &Call, i: usize) -> Result<usize, String> {
    let n = call.int(i)?;
    usize::try_from(n).map_err(|_| {
        format!("function 'classfiltercsv' got a negative column {n}")
    })
}

/// The records of CSV text, as [`parse_csv`] reads them.
fn csv_records(text: &str) -> Vec<Vec<Str>> {
    let Data::Array(records) = parse_csv(text) else {
        return Vec::new();
    };
    let fields = |record: &Data| match record {
        Data::Array(fields) => fields.iter().map(field_text).collect(),
        _ => Vec::new(),
    };
    records.iter().map(fields).collect()
}

fn field_text(field: &Data) -> Str {
    match field {
        Data::Str(text) => text.clone(),
        _ => Str::from(""),
    }
}

/// `readenvfile(path, maxbytes)`: the `KEY=value` lines of a file as an
/// object (see [`parse_env`]).
pub fn readenvfile(call: &Call) -> CallResult {
    Ok(data(parse_env(&file_text_cut(call, Some(1), true)?)))
}

/// `readdata(path, type)`: the file read as `JSON`, `YAML`, `CSV` or
/// `ENV`; `auto` picks CSV for `.csv`, YAML for `.yaml` and `.yml`,
/// and JSON for any other name.
pub fn readdata(call: &Call) -> CallResult {
    let path = call.string(0)?;
    let kind = match call.string(1)? {
        "auto" if path.ends_with(".csv") => "CSV",
        "auto" if path.ends_with(".yaml") || path.ends_with(".yml") => "YAML",
        "auto" => "JSON",
        other => other,
    };
    match kind {
        "JSON" => json_file(call, None),
        "YAML" => yaml_file(call, None),
        "CSV" => Ok(data(parse_csv(&file_text(call, None)?))),
        "ENV" => Ok(data(parse_env(&file_text(call, None)?))),
        other => Err(format!(
            "function 'readdata' knows no type '{other}' (auto, CSV, ENV, \
             JSON, YAML)"
        )),
    }
}

/// CSV records as cf-agent reads them: records end with CRLF (a bare
/// LF is part of a field), fields are split by commas, and a field in
/// double quotes may hold commas, CRLF and `""` for a quote. The records
/// before the first malformed one (a quote inside an unquoted field, or
/// after a closing quote, or one never closed) are kept, so a file with
/// LF endings and a quote anywhere reads as nothing.
pub fn parse_csv(text: &str) -> Data {
    let mut records = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        match csv_record(rest) {
            Some((fields, after)) => {
                let fields = fields.into_iter().map(Data::Str).collect();
                records.push(Data::Array(fields));
                rest = after;
            }
            None => break,
        }
    }
    Data::Array(records.into())
}

/// One record and the text after it; `None` when it is malformed.
fn csv_record(text: &str) -> Option<(Vec<Str>, &str)> {
    let mut fields = Vec::new();
    let mut rest = text;
    loop {
        let (field, after) = match rest.strip_prefix('"') {
            Some(quoted) => quoted_field(quoted)?,
            None => plain_field(rest)?,
        };
        fields.push(field.into());
        if let Some(after) = after.strip_prefix(',') {
            rest = after;
            continue;
        }
        if let Some(after) = after.strip_prefix("\r\n") {
            return Some((fields, after));
        }
        return after.is_empty().then_some((fields, after));
    }
}

/// A field without quotes: up to a comma or CRLF; a quote in it makes
/// the record malformed.
fn plain_field(text: &str) -> Option<(String, &str)> {
    let bytes = text.as_bytes();
    let mut end = 0;
    while end < bytes.len() {
        match bytes[end] {
            b',' => break,
            b'\r' if bytes.get(end + 1) == Some(&b'\n') => break,
            b'"' => return None,
            _ => end += 1,
        }
    }
    Some((text[..end].to_string(), &text[end..]))
}

fn quoted_field(text: &str) -> Option<(String, &str)> {
    let mut field = String::new();
    let mut rest = text;
    loop {
        let close = rest.find('"')?;
        field.push_str(&rest[..close]);
        rest = &rest[close + 1..];
        match rest.strip_prefix('"') {
            Some(after) => {
                field.push('"');
                rest = after;
            }
            None => break,
        }
    }
    let ends =
        rest.is_empty() || rest.starts_with(',') || rest.starts_with("\r\n");
    ends.then_some((field, rest))
}

/// `KEY=value` lines as cf-agent's `readenvfile()` reads them: blank
/// lines, comments and lines without `=` or without a key are skipped;
/// key and value are trimmed; a value in quotes ends at the closing
/// quote, and in double quotes or none a backslash escapes the next
/// character (`\n` being a newline). A repeated key keeps its place
/// and takes the last value.
pub fn parse_env(text: &str) -> Data {
    let mut pairs: Vec<(Str, Data)> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if key.is_empty() {
            continue;
        }
        let value = Data::Str(env_value(value.trim()).into());
        match pairs.iter_mut().find(|(k, _)| &**k == key) {
            Some(pair) => pair.1 = value,
            None => pairs.push((key.into(), value)),
        }
    }
    Data::Object(Object::from_unique_pairs(pairs))
}

fn env_value(text: &str) -> String {
    if let Some(quoted) = text.strip_prefix('\'') {
        return quoted.split('\'').next().unwrap_or_default().to_string();
    }
    let (body, quoted) = match text.strip_prefix('"') {
        Some(body) => (body, true),
        None => (text, false),
    };
    let mut out = String::new();
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted => break,
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some(other) => out.push(other),
                None => {}
            },
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::to_compact;

    // cf-agent: readcsv() of each text, printed with format("%S").
    #[test]
    fn csv_records_end_with_crlf() {
        let csv = |t: &str| to_compact(&parse_csv(t));
        assert_eq!(
            csv("a,b\r\n\"multi\r\nline\",x\r\n\"q\"\"q\",\r\n,\r\nlast,row"),
            "[[\"a\",\"b\"],[\"multi\\r\\nline\",\"x\"],[\"q\\\"q\",\"\"],\
             [\"\",\"\"],[\"last\",\"row\"]]"
        );
        assert_eq!(csv("a;b\r\n1;2\r\n"), "[[\"a;b\"],[\"1;2\"]]");
        assert_eq!(csv("\"a,b\r\n"), "[]");
        assert_eq!(csv("a,b,c\n1,\"x,y\",3\n\n\"q\"\"t\",,last\n"), "[]");
        assert_eq!(csv("a\r\n\r\nb\r\n"), "[[\"a\"],[\"\"],[\"b\"]]");
        assert_eq!(csv(""), "[]");
    }

    // cf-agent: readenvfile() of the same lines.
    #[test]
    fn env_lines() {
        let text = "A=b # c\nB=\"x\\ny\"\nC='it's'\nD=a=b\n=nokey\n\
                    E=\"unterminated\nF=1\nF=2\n K K = v\nG=\"a\" b\n\
                    H=  \"  spaced \"  \nI=\\\"x\\\"\n\n#x=1\n  # y=2\nJ=é\n";
        assert_eq!(
            to_compact(&parse_env(text)),
            "{\"A\":\"b # c\",\"B\":\"x\\ny\",\"C\":\"it\",\"D\":\"a=b\",\
             \"E\":\"unterminated\",\"F\":\"2\",\"G\":\"a\",\"H\":\"  spaced \",\
             \"I\":\"\\\"x\\\"\",\"J\":\"é\",\"K K\":\"v\"}"
        );
    }
}
