//! The state a run leaves, printed for `--show-vars`, `--show-classes`
//! and `--json`.
//!
//! The tables are the ones `cf-agent --show-evaluated-vars` and
//! `--show-evaluated-classes` print: fixed-width columns padded with
//! spaces (a wider value pushes the rest of its line right), lines
//! sorted bytewise as whole lines, a string in its raw form with `"`
//! escaped, a list as ` {"a","b"}` with a leading space, a data
//! container as one-line JSON, and `<non-printable>` for any value with
//! a byte outside printable ASCII. The JSON form holds the same entries
//! with typed values.

use std::rc::Rc;

use serde_json::{Map, Number, Value as Json, json};

use crate::eval::{State, StateClass, StateVar, int_text, real_text};
use crate::json::to_compact;
use crate::regex::Regex;
use crate::value::{Data, ListKind, ScalarKind, Str, Value};

/// What to print after a run: `None` leaves a table out, and a regex
/// keeps the names it matches anywhere in them.
#[derive(Debug, Default)]
pub struct Show {
    /// Variables, by their `default:bundle.name`.
    pub vars: Option<Rc<Regex>>,
    /// Global classes, by name.
    pub classes: Option<Rc<Regex>>,
}

impl Show {
    /// The tables, classes first as cf-agent prints them.
    pub fn tables(&self, state: &State) -> String {
        let mut out = String::new();
        if let Some(filter) = &self.classes {
            out.push_str(&classes_table(&state.classes, filter));
        }
        if let Some(filter) = &self.vars {
            out.push_str(&vars_table(&state.vars, filter));
        }
        out
    }

    /// One JSON object with the reports and the chosen entries:
    /// `{"reports": [...], "vars": {NAME: {"type", "value", "tags",
    /// "comment"}}, "classes": {NAME: {"tags", "comment"}}}`, where
    /// `comment` appears only when there is one.
    pub fn json(&self, state: &State, reports: &[String]) -> String {
        let mut object = Map::new();
        object.insert("reports".into(), json!(reports));
        if let Some(filter) = &self.vars {
            let vars = state.vars.iter().filter(|v| filter.is_match(&v.name));
            let vars = vars.map(|v| (v.name.clone(), var_json(v))).collect();
            object.insert("vars".into(), Json::Object(vars));
        }
        if let Some(filter) = &self.classes {
            let classes =
                state.classes.iter().filter(|c| filter.is_match(&c.name));
            let classes = classes
                .map(|c| (c.name.clone(), entry_json(&c.tags, &c.comment)))
                .collect();
            object.insert("classes".into(), Json::Object(classes));
        }
        let text = serde_json::to_string_pretty(&Json::Object(object));
        text.unwrap_or_default() + "\n"
    }
}

/// The table of `--show-evaluated-classes`.
fn classes_table(classes: &[StateClass], filter: &Regex) -> String {
    let lines = classes
        .iter()
        .filter(|class| filter.is_match(&class.name))
        .map(|class| {
            let tags = class.tags.join(",");
            columns(&[(&class.name, 60), (&tags, 40), (&class.comment, 40)])
        });
    let header = [("Class name", 60), ("Meta tags", 40), ("Comment", 40)];
    sorted_table(&columns(&header), lines)
}

/// The table of `--show-evaluated-vars`.
fn vars_table(vars: &[StateVar], filter: &Regex) -> String {
    let lines =
        vars.iter()
            .filter(|var| filter.is_match(&var.name))
            .map(|var| {
                let value = value_text(&var.value);
                let tags = var.tags.join(",");
                columns(&[
                    (&var.name, 40),
                    (&value, 60),
                    (&tags, 40),
                    (&var.comment, 40),
                ])
            });
    let header = [
        ("Variable name", 40),
        ("Variable value", 60),
        ("Meta tags", 40),
        ("Comment", 40),
    ];
    sorted_table(&columns(&header), lines)
}

fn sorted_table(header: &str, lines: impl Iterator<Item = String>) -> String {
    let mut lines: Vec<String> = lines.collect();
    lines.sort();
    let mut out = format!("{header}\n");
    for line in lines {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Cells joined by a space, each padded to its width in bytes, as C's
/// `%-40s` pads.
fn columns(cells: &[(&str, usize)]) -> String {
    let mut line = String::new();
    for (i, (text, width)) in cells.iter().enumerate() {
        if i > 0 {
            line.push(' ');
        }
        line.push_str(text);
        line.extend(std::iter::repeat_n(' ', width.saturating_sub(text.len())));
    }
    line
}

/// A value as cf-agent writes it in the table.
fn value_text(value: &Value) -> String {
    let text = match value {
        Value::Scalar(_, text) => escape_quotes(text),
        Value::List(_, items) if items.is_empty() => String::new(),
        Value::List(_, items) => {
            let items: Vec<String> = items
                .iter()
                .map(|item| format!("\"{}\"", escape_quotes(item)))
                .collect();
            format!(" {{{}}}", items.join(","))
        }
        Value::Data(data) => to_compact(data),
    };
    match text.bytes().all(|b| (b' '..=b'~').contains(&b)) {
        true => text,
        false => "<non-printable>".into(),
    }
}

fn escape_quotes(text: &str) -> String {
    text.replace('"', "\\\"")
}

fn var_json(var: &StateVar) -> Json {
    let mut entry = Map::new();
    entry.insert("type".into(), var.value.type_name().into());
    entry.insert("value".into(), value_json(&var.value));
    if let Json::Object(rest) = entry_json(&var.tags, &var.comment) {
        entry.extend(rest);
    }
    Json::Object(entry)
}

fn entry_json(tags: &[Str], comment: &str) -> Json {
    let mut entry = Map::new();
    let tags: Vec<&str> = tags.iter().map(|t| &**t).collect();
    entry.insert("tags".into(), json!(tags));
    if !comment.is_empty() {
        entry.insert("comment".into(), comment.into());
    }
    Json::Object(entry)
}

/// A value as typed JSON: numbers for `int` and `real` values and list
/// items that read as numbers, strings otherwise.
pub fn value_json(value: &Value) -> Json {
    match value {
        Value::Scalar(ScalarKind::String, text) => json!(&**text),
        Value::Scalar(ScalarKind::Int, text) => int_json(text),
        Value::Scalar(ScalarKind::Real, text) => real_json(text),
        Value::List(kind, items) => {
            let item_json = match kind {
                ListKind::String => |item: &str| json!(item),
                ListKind::Int => int_json,
                ListKind::Real => real_json,
            };
            items.iter().map(|item| item_json(item)).collect()
        }
        Value::Data(data) => data_json(data),
    }
}

fn int_json(text: &str) -> Json {
    int_text(text).map_or_else(|| json!(text), |i| json!(i))
}

fn real_json(text: &str) -> Json {
    real_text(text)
        .and_then(Number::from_f64)
        .map_or_else(|| json!(text), Json::Number)
}

fn data_json(data: &Data) -> Json {
    match data {
        Data::Null => Json::Null,
        Data::Bool(b) => json!(b),
        Data::Int(i) => json!(i),
        Data::Real(r) => Number::from_f64(*r).map_or(Json::Null, Json::Number),
        Data::Str(s) => json!(&**s),
        Data::Array(items) => items.iter().map(data_json).collect(),
        Data::Object(object) => {
            let pairs =
                object.iter().map(|(k, v)| (k.to_string(), data_json(v)));
            Json::Object(pairs.collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(kind: ListKind, items: &[&str]) -> Value {
        Value::List(kind, items.iter().map(|i| Str::from(*i)).collect())
    }

    // cf-agent --show-evaluated-vars.
    #[test]
    fn values_print_as_cf_agent_writes_them() {
        let text = value_text(&Value::string("say \"hi\" back\\slash"));
        assert_eq!(text, "say \\\"hi\\\" back\\slash");
        let items = list(ListKind::String, &["a\"b", "c,d"]);
        assert_eq!(value_text(&items), " {\"a\\\"b\",\"c,d\"}");
        assert_eq!(value_text(&list(ListKind::String, &[])), "");
        assert_eq!(value_text(&Value::string("café")), "<non-printable>");
        assert_eq!(value_text(&Value::string("a\tb")), "<non-printable>");
        assert_eq!(value_text(&Value::string("")), "");
    }

    #[test]
    fn columns_pad_by_bytes_and_overflow_to_the_right() {
        assert_eq!(columns(&[("ab", 4), ("c", 2)]), "ab   c ");
        assert_eq!(columns(&[("abcdef", 4), ("c", 0)]), "abcdef c");
        assert_eq!(columns(&[("é", 3)]), "é ");
    }

    #[test]
    fn typed_json_reads_numbers() {
        let ints = list(ListKind::Int, &["1k", "2", "x"]);
        assert_eq!(value_json(&ints), json!([1000, 2, "x"]));
        let real = Value::Scalar(ScalarKind::Real, "0.500000".into());
        assert_eq!(value_json(&real), json!(0.5));
        let data = crate::json::parse(r#"{"b":[1,2.5,null]}"#).unwrap();
        let data = Value::Data(data.into());
        assert_eq!(value_json(&data), json!({"b": [1, 2.5, null]}));
    }
}
