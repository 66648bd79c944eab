//! Data containers as aligned text tables, so that a person can read
//! the sockets of a host, or any list of records, at a glance.
//!
//! Two shapes make a table: an array of objects, one row per object;
//! and an object whose values are all arrays of objects, such as what
//! `network_connections()` returns, one row per element with the key
//! it came from in a first column named `key`. Each column is a leaf
//! path through nested objects, `local.port` for example, in the order
//! the paths first appear. An array inside a row is one cell, written
//! as compact JSON; a path a row lacks is an empty cell.

use crate::json;
use crate::value::{Array, Data};

/// The text of the first column for an object of arrays.
const KEY_COLUMN: &str = "key";

/// What separates two columns.
const GAP: &str = "  ";

/// Why a value makes no table.
#[derive(Debug, PartialEq)]
pub enum Unfit {
    /// It has neither shape.
    Shape,
    /// It has a table's shape but no row.
    NoRows,
}

/// `data` as a table.
pub fn render(data: &Data) -> Result<String, Unfit> {
    let rows = rows(data).ok_or(Unfit::Shape)?;
    if rows.is_empty() {
        return Err(Unfit::NoRows);
    }
    let mut columns: Vec<String> = Vec::new();
    for row in &rows {
        for (path, _) in row {
            if !columns.contains(path) {
                columns.push(path.clone());
            }
        }
    }
    let cells: Vec<Vec<&str>> = rows
        .iter()
        .map(|row| columns.iter().map(|c| cell(row, c)).collect())
        .collect();
    Ok(layout(&columns, &cells))
}

/// One row: the leaf paths of a record with their cell text.
type Row = Vec<(String, String)>;

fn rows(data: &Data) -> Option<Vec<Row>> {
    match data {
        Data::Array(items) => records(items, None),
        Data::Object(object) if !object.is_empty() => {
            let mut rows = Vec::new();
            for (key, value) in object.iter() {
                let Data::Array(items) = value else {
                    return None;
                };
                rows.extend(records(items, Some(key))?);
            }
            Some(rows)
        }
        _ => None,
    }
}

/// The rows of an array whose items are all objects, each led by `key`
/// when there is one.
fn records(items: &Array, key: Option<&str>) -> Option<Vec<Row>> {
    items
        .iter()
        .map(|item| {
            let mut row = Row::new();
            if let Some(key) = key {
                row.push((KEY_COLUMN.to_string(), key.to_string()));
            }
            match item {
                Data::Object(_) => leaves(item, "", &mut row),
                _ => return None,
            }
            Some(row)
        })
        .collect()
}

/// Adds the leaves under `data` to `row`, their paths led by `prefix`.
fn leaves(data: &Data, prefix: &str, row: &mut Row) {
    match data {
        Data::Object(object) => {
            for (key, value) in object.iter() {
                let path = match prefix {
                    "" => key.to_string(),
                    _ => format!("{prefix}.{key}"),
                };
                leaves(value, &path, row);
            }
        }
        leaf => row.push((prefix.to_string(), cell_text(leaf))),
    }
}

/// A leaf as a cell: a primitive's text, with line breaks, tabs and
/// other control characters escaped so that each row stays one line.
fn cell_text(leaf: &Data) -> String {
    let text = match leaf.scalar_text() {
        Some(text) if !matches!(leaf, Data::Real(_)) => text.to_string(),
        _ => json::to_compact(leaf),
    };
    match text.chars().any(char::is_control) {
        true => text.escape_debug().to_string(),
        false => text,
    }
}

fn cell<'r>(row: &'r Row, column: &str) -> &'r str {
    let found = row.iter().find(|(path, _)| path == column);
    found.map_or("", |(_, text)| text)
}

/// The header, a rule under it and the rows, each column as wide as its
/// widest cell; the last column is not padded.
fn layout(columns: &[String], cells: &[Vec<&str>]) -> String {
    let width = |i: usize| {
        let widest = cells.iter().map(|row| chars(row[i])).max();
        widest.unwrap_or(0).max(chars(&columns[i]))
    };
    let widths: Vec<usize> = (0..columns.len()).map(width).collect();
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    let header: Vec<&str> = columns.iter().map(String::as_str).collect();

    let mut out = String::new();
    let lines = [header, rule.iter().map(String::as_str).collect()];
    for line in lines.iter().chain(cells) {
        out.push_str(&aligned(line, &widths));
        out.push('\n');
    }
    out
}

fn aligned(line: &[&str], widths: &[usize]) -> String {
    let mut text = String::new();
    for (i, (cell, width)) in line.iter().zip(widths).enumerate() {
        if i > 0 {
            text.push_str(GAP);
        }
        text.push_str(cell);
        if i + 1 < line.len() {
            text.push_str(&" ".repeat(width - chars(cell)));
        }
    }
    text.trim_end().to_string()
}

fn chars(text: &str) -> usize {
    text.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(json_text: &str) -> Result<String, Unfit> {
        render(&json::parse(json_text).unwrap())
    }

    #[test]
    fn an_array_of_objects_has_a_column_per_leaf_path() {
        let text = table(r#"[{"a":{"b":1,"c":"x"}},{"a":{"b":22},"d":[1]}]"#);
        let expected = "\
a.b  a.c  d
---  ---  ---
1    x
22        [1]
";
        assert_eq!(text.unwrap(), expected);
    }

    #[test]
    fn an_object_of_arrays_leads_each_row_with_its_key() {
        let text = table(r#"{"tcp":[{"port":"22"}],"udp":[{"port":"53"}]}"#);
        let expected = "\
key  port
---  ----
tcp  22
udp  53
";
        assert_eq!(text.unwrap(), expected);
    }

    #[test]
    fn other_shapes_are_no_table() {
        assert_eq!(table(r#"[1, 2]"#), Err(Unfit::Shape));
        assert_eq!(table(r#"{"a": 1}"#), Err(Unfit::Shape));
        assert_eq!(render(&Data::Str("x".into())), Err(Unfit::Shape));
    }

    #[test]
    fn tables_without_rows_are_told_apart() {
        assert_eq!(table(r#"[]"#), Err(Unfit::NoRows));
        assert_eq!(table(r#"{"tcp": [], "udp": []}"#), Err(Unfit::NoRows));
    }

    #[test]
    fn control_characters_stay_inside_their_cell() {
        let text = table(r#"[{"a": "x\ny", "b": "1"}]"#).unwrap();
        assert_eq!(text.lines().nth(2), Some(r"x\ny  1"));
    }
}
