//! Builtins that expand a template once per item of a collection
//! (`maplist`, `maparray`, `mapdata`) and `data_expand`, which expands
//! the references inside a container.
//!
//! The evaluator passes a template as written (see
//! [`super::is_template`]) and the builtin expands it through
//! [`super::Env::expand_template`] with `this` names bound: `$(this)` in
//! `maplist`; `$(this.k)`, `$(this.v)` and, for a value inside a nested
//! object, `$(this.k[1])` in `maparray` and `mapdata`. References that
//! do not resolve stay in the result as written, as in cf-agent.

use super::{Call, CallResult, Collection, data};
use crate::classes::canonify;
use crate::json;
use crate::value::{Data, Object, Str, Value};

/// `maplist(template, list)`: the template expanded for each item, as
/// `$(this)`.
pub fn maplist(call: &Call) -> CallResult {
    let template = call.string(0)?;
    let items = call.strings(1)?;
    let expanded = items.into_iter().map(|item| {
        let this = [("this".into(), item)];
        Str::from(template_text(call, template, &this))
    });
    Ok(Value::slist(expanded.collect()))
}

/// `maparray(template, collection)`: the template expanded for each
/// entry (see [`entries`]).
pub fn maparray(call: &Call) -> CallResult {
    let template = call.string(0)?;
    let entries = entries(call, 1)?;
    let expanded = expand_entries(call, template, &entries);
    Ok(Value::slist(expanded.into_iter().map(Str::from).collect()))
}

/// `mapdata(mode, template, collection)`: the template expanded for each
/// entry, as an array of strings (`none`), of canonified strings
/// (`canonify`), or of the JSON each expansion holds (`json`), leaving
/// out those that are not JSON.
pub fn mapdata(call: &Call) -> CallResult {
    let mode = call.string(0)?;
    let template = call.string(1)?;
    let entries = entries(call, 2)?;
    let texts = expand_entries(call, template, &entries).into_iter();
    let items: Vec<Data> = match mode {
        "none" => texts.map(|t| Data::Str(t.into())).collect(),
        "canonify" => texts.map(|t| Data::Str(canonify(&t).into())).collect(),
        "json" => json_items(texts)?,
        other => {
            return Err(format!(
                "function 'mapdata' takes none, canonify or json, got '{other}'"
            ));
        }
    };
    Ok(data(Data::Array(items.into())))
}

/// The JSON of each text, primitives included; text that is not JSON
/// is left out, but an integer with an exponent, which cf-agent cannot
/// convert, fails the call.
fn json_items(
    texts: impl Iterator<Item = String>,
) -> Result<Vec<Data>, String> {
    let mut items = Vec::new();
    for text in texts {
        match json::parse_value(&text) {
            Ok(item) => items.push(item),
            Err(e) if json::is_valid(&text) => {
                return Err(format!("function 'mapdata' could not read: {e}"));
            }
            Err(_) => {}
        }
    }
    Ok(items)
}

/// One value a map visits: its key at the top, its key inside a nested
/// object, and its text.
struct Entry {
    key: Str,
    inner_key: Option<Str>,
    value: Str,
    /// Whether it comes from a container inside the collection. cf-agent
    /// drops the expansion of such an entry when an earlier entry
    /// expanded to the same text.
    nested: bool,
}

/// The template expanded for each entry, in order, less the nested
/// entries' repeats.
fn expand_entries(
    call: &Call,
    template: &str,
    entries: &[Entry],
) -> Vec<String> {
    let mut texts: Vec<String> = Vec::with_capacity(entries.len());
    let mut seen = std::collections::HashSet::new();
    for entry in entries {
        let text = expand_entry(call, template, entry);
        if seen.insert(text.clone()) || !entry.nested {
            texts.push(text);
        }
    }
    texts
}

fn expand_entry(call: &Call, template: &str, entry: &Entry) -> String {
    let mut this = vec![
        ("this.k".into(), entry.key.clone()),
        ("this.v".into(), entry.value.clone()),
    ];
    if let Some(inner) = &entry.inner_key {
        this.push(("this.k[1]".into(), inner.clone()));
    }
    template_text(call, template, &this)
}

/// The template expanded with `this` bound; a template written as a
/// function call is called, and stays as written while it does not
/// resolve.
fn template_text(call: &Call, template: &str, this: &[(Str, Str)]) -> String {
    match call.template {
        Some(rval) => call.env.call_template(rval, this).unwrap_or_default(),
        None => call.env.expand_template(template, this),
    }
}

/// The entries of argument `i`: a list's items under their positions; a
/// container's primitives at the top under their keys or positions,
/// and one level down, the primitives of a nested array under the key
/// above them, and of a nested object under both keys. Deeper values
/// are left out.
fn entries(call: &Call, i: usize) -> Result<Vec<Entry>, String> {
    let top = match call.collection(i)? {
        Collection::List(items) => {
            return Ok(positions(items.iter().cloned().map(Data::Str))
                .into_iter()
                .map(|(key, value)| Entry {
                    key,
                    inner_key: None,
                    value: text(&value).unwrap_or_default(),
                    nested: false,
                })
                .collect());
        }
        Collection::Data(d) => children(&d),
    };
    let mut out = Vec::new();
    for (key, value) in top {
        nested_entries(key, &value, &mut out);
    }
    Ok(out)
}

fn nested_entries(key: Str, value: &Data, out: &mut Vec<Entry>) {
    let entry = |inner_key, value, nested| Entry {
        key: key.clone(),
        inner_key,
        value,
        nested,
    };
    match value {
        Data::Array(items) => {
            let values = items.iter().filter_map(text);
            out.extend(values.map(|v| entry(None, v, true)));
        }
        Data::Object(object) => {
            for (inner, v) in object.iter() {
                if let Some(v) = text(v) {
                    out.push(entry(Some(inner.clone()), v, true));
                }
            }
        }
        primitive => out.extend(text(primitive).map(|v| entry(None, v, false))),
    }
}

/// The keys (positions for an array) and values at the top of `data`.
fn children(data: &Data) -> Vec<(Str, Data)> {
    match data {
        Data::Array(items) => positions(items.iter().cloned()),
        Data::Object(object) => {
            object.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
        }
        _ => Vec::new(),
    }
}

fn positions(items: impl Iterator<Item = Data>) -> Vec<(Str, Data)> {
    items
        .enumerate()
        .map(|(i, item)| (Str::from(i.to_string()), item))
        .collect()
}

/// A primitive's text as a map binds it (`null` included, reals with
/// four decimals); `None` for a container.
fn text(data: &Data) -> Option<Str> {
    json::primitive_text(data).map(Str::from)
}

/// `data_expand(container)`: the container with the references in its
/// keys and string values expanded where the call is. A key that
/// expands to one already there replaces it.
pub fn data_expand(call: &Call) -> CallResult {
    let source = match call.collection(0)? {
        Collection::Data(d) => (*d).clone(),
        Collection::List(items) => {
            Data::Array(items.iter().cloned().map(Data::Str).collect())
        }
    };
    Ok(data(expand_data(call, &source)))
}

fn expand_data(call: &Call, value: &Data) -> Data {
    let expand =
        |text: &str| -> Str { call.env.expand_template(text, &[]).into() };
    match value {
        Data::Str(text) => Data::Str(expand(text)),
        Data::Array(items) => {
            Data::Array(items.iter().map(|i| expand_data(call, i)).collect())
        }
        Data::Object(object) => {
            let pairs = object
                .iter()
                .map(|(k, v)| (expand(k), expand_data(call, v)))
                .collect();
            Data::Object(Object::from_unique_pairs(json::last_wins(pairs)))
        }
        primitive => primitive.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fake::text;

    // The fake environment expands nothing, so `this` stays as written
    // unless the template needs none.
    #[test]
    fn maps_visit_entries() {
        assert_eq!(text("maplist", &["x", "l"]), r#"{ "x", "x", "x" }"#);
        assert_eq!(
            text(
                "maparray",
                &["t", r#"{"a": [1, [2]], "b": {"c": 1, "d": {}}}"#]
            ),
            // cf-agent drops the nested repeat of "t".
            r#"{ "t" }"#
        );
        assert_eq!(text("mapdata", &["none", "t", "el"]), "[]");
        assert_eq!(text("mapdata", &["json", "[1]", "l"]), "[[1],[1],[1]]");
        assert_eq!(text("mapdata", &["json", "x", "l"]), "[]");
        assert_eq!(text("mapdata", &["json", "1e3", "l"]), "ERR");
        assert_eq!(text("mapdata", &["bogus", "t", "l"]), "ERR");
        assert_eq!(text("maplist", &["t", "missing"]), "ERR");
    }

    #[test]
    fn data_expand_keeps_structure() {
        assert_eq!(
            text(
                "data_expand",
                &[r#"{"a": [1, "x", null], "b": {"c": true}}"#]
            ),
            r#"{"a":[1,"x",null],"b":{"c":true}}"#
        );
        assert_eq!(text("data_expand", &["l"]), r#"["a","b","c"]"#);
        assert_eq!(text("data_expand", &["s"]), "ERR");
    }
}
