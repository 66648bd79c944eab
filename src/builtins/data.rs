//! Builtins over lists and data containers: reading them from JSON,
//! writing them as JSON, measuring, indexing, joining and merging them.
//!
//! A collection argument is a variable name, a value from `@(x)` or a
//! nested call, or inline JSON (see `Call::resolve`). Where cf-agent
//! forgives a missing variable (`getindices`, `getvalues`) so do these.
//! Classic arrays (`a[k]`) are collections to cf-agent too; here they are
//! only if the evaluator's lookup hands them over as data objects.

use super::{Call, CallResult, Collection, data, int};
use crate::json;
use crate::value::{Array, Data, Object, Str, Value};

/// `parsejson(text)`: the container the JSON text holds; the text is
/// never taken for a variable name.
pub fn parsejson(call: &Call) -> CallResult {
    let text = call.string(0)?;
    json::parse(text)
        .map(data)
        .map_err(|e| format!("function 'parsejson' could not parse: {e}"))
}

/// `parseyaml(text)`: the container YAML text holds; see [`crate::yaml`].
pub fn parseyaml(call: &Call) -> CallResult {
    crate::yaml::parse(call.string(0)?)
        .map(data)
        .map_err(|e| format!("function 'parseyaml' could not parse: {e}"))
}

/// `validjson(text)`: whether the text is JSON, a primitive at the top
/// included. cf-agent 3.21 takes a second argument, `strict`, and
/// ignores it: `validjson("1", "true")` holds.
pub fn validjson(call: &Call) -> CallResult {
    Ok(super::logic::class(json::is_valid(call.string(0)?)))
}

/// `validdata(text, "JSON")`: whether the text is JSON, as
/// [`validjson`] sees it; JSON is the only kind cf-agent 3.21 knows.
pub fn validdata(call: &Call) -> CallResult {
    let text = call.string(0)?;
    match call.string(1)? {
        "JSON" => Ok(super::logic::class(json::is_valid(text))),
        other => {
            Err(format!("function 'validdata' knows no data type '{other}'"))
        }
    }
}

/// `type(name, detail)`: the type of the variable `name`, `none` when
/// it is not defined. With `detail` (`true`, `yes` or `on`) a variable of
/// policy reads `policy string`, `policy none` and so on, and a
/// container names its kind of node: `data object`, `data int`.
pub fn r#type(call: &Call) -> CallResult {
    let name = call.string(0)?;
    let detail = match call.args.len() {
        1 => false,
        _ => detail_flag(call.string(1)?)?,
    };
    let value = call.env.lookup(name);
    let text = match (value, detail) {
        (None, false) => "none".to_string(),
        (None, true) => "policy none".to_string(),
        (Some(Value::Data(_)), false) => "data".to_string(),
        (Some(Value::Data(d)), true) => format!("data {}", data_kind(&d)),
        (Some(other), false) => other.type_name().to_string(),
        (Some(other), true) => format!("policy {}", other.type_name()),
    };
    Ok(Value::string(text))
}

fn detail_flag(text: &str) -> Result<bool, String> {
    match text {
        "true" | "yes" | "on" => Ok(true),
        "false" | "no" | "off" => Ok(false),
        other => Err(format!(
            "function 'type' takes true or false as its second argument, \
             got '{other}'"
        )),
    }
}

/// The kind of a container node as `type()` names it in detail.
pub fn data_kind(data: &Data) -> &'static str {
    match data {
        Data::Null => "null",
        Data::Bool(_) => "boolean",
        Data::Int(_) => "int",
        Data::Real(_) => "real",
        Data::Str(_) => "string",
        Data::Array(_) => "array",
        Data::Object(_) => "object",
    }
}

/// `storejson(c)`: the collection as indented JSON; lists become arrays
/// of strings.
pub fn storejson(call: &Call) -> CallResult {
    let text = match call.collection(0)? {
        Collection::Data(d) => json::to_pretty(&d),
        Collection::List(items) => json::to_pretty(&list_as_data(&items)),
    };
    Ok(Value::string(text))
}

/// `length(c)`: how many elements a list or container has at its top.
pub fn length(call: &Call) -> CallResult {
    let len = match call.collection(0)? {
        Collection::List(items) => items.len(),
        Collection::Data(d) => match &*d {
            Data::Array(items) => items.len(),
            Data::Object(object) => object.len(),
            _ => 1,
        },
    };
    Ok(int(i64::try_from(len).unwrap_or(i64::MAX)))
}

/// `getindices(c)`: an array's positions or an object's keys in order;
/// empty for lists, scalars and missing variables, as in cf-agent.
pub fn getindices(call: &Call) -> CallResult {
    let indices = match call.resolve(0) {
        Some(Value::Data(d)) => match &*d {
            Data::Array(items) => positions(items.len()),
            Data::Object(object) => keys(object),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    Ok(Value::slist(indices))
}

fn positions(len: usize) -> Vec<Str> {
    (0..len).map(|i| Str::from(i.to_string())).collect()
}

fn keys(object: &Object) -> Vec<Str> {
    object.iter().map(|(k, _)| k.clone()).collect()
}

/// `getvalues(c)`: every primitive in a container, depth first, nulls
/// left out; a list as it is; a scalar variable as a list of one; empty
/// for a missing variable.
pub fn getvalues(call: &Call) -> CallResult {
    let values = match call.resolve(0) {
        Some(Value::Data(d)) => {
            let mut out = Vec::new();
            flatten(&d, &mut out);
            out
        }
        Some(Value::List(_, items)) => items.to_vec(),
        Some(Value::Scalar(_, text)) => vec![text],
        None => Vec::new(),
    };
    Ok(Value::slist(values))
}

/// Collects the expansion text of every primitive under `data`; reals
/// print with two decimals here, as `$(d[k])` prints them.
fn flatten(data: &Data, out: &mut Vec<Str>) {
    match data {
        Data::Array(items) => items.iter().for_each(|d| flatten(d, out)),
        Data::Object(object) => {
            object.iter().for_each(|(_, d)| flatten(d, out));
        }
        primitive => out.extend(primitive.scalar_text()),
    }
}

/// `nth(c, i)`: element `i` of a list or array (negative counts from the
/// end), or the value under key `i` of an object; a primitive only.
pub fn nth(call: &Call) -> CallResult {
    match call.collection(0)? {
        Collection::List(items) => match position(call, items.len())? {
            Some(at) => Ok(Value::string(items[at].clone())),
            None => Err(no_element(call)),
        },
        Collection::Data(d) => nth_data(call, &d),
    }
}

fn nth_data(call: &Call, data: &Data) -> CallResult {
    let element = match data {
        Data::Array(items) => {
            position(call, items.len())?.and_then(|at| items.get(at))
        }
        Data::Object(object) => object.get(call.string(1)?),
        _ => None,
    };
    let element = element.ok_or_else(|| no_element(call))?;
    match json::primitive_text(element) {
        Some(text) => Ok(Value::string(text)),
        None => Err(format!(
            "function 'nth' found a container at '{}', not a primitive",
            call.string(1)?
        )),
    }
}

/// The position argument 2 names in a sequence of `len`, if inside it.
fn position(call: &Call, len: usize) -> Result<Option<usize>, String> {
    let index = call.int(1)?;
    let len = i64::try_from(len).unwrap_or(i64::MAX);
    let from_start = if index < 0 { len + index } else { index };
    Ok((0..len)
        .contains(&from_start)
        .then_some(from_start as usize))
}

fn no_element(call: &Call) -> String {
    let at = call.string(1).unwrap_or_default();
    format!("function 'nth' found no element at '{at}'")
}

/// `join(sep, c)`: the elements of a list, or the primitives at the top
/// of a container (nulls and nested containers left out), joined by
/// `sep`.
pub fn join(call: &Call) -> CallResult {
    let separator = call.string(0)?;
    let items: Vec<String> = match call.collection(1)? {
        Collection::List(items) => {
            items.iter().map(|s| s.to_string()).collect()
        }
        Collection::Data(d) => top_primitives(&d),
    };
    Ok(Value::string(items.join(separator)))
}

/// The primitives at the top of a container, as `join()` and the list
/// builtins take them: nulls and nested containers left out.
pub(super) fn top_primitives(data: &Data) -> Vec<String> {
    let children: Vec<&Data> = match data {
        Data::Array(items) => items.iter().collect(),
        Data::Object(object) => object.iter().map(|(_, d)| d).collect(),
        primitive => vec![primitive],
    };
    children
        .into_iter()
        .filter(|d| **d != Data::Null)
        .filter_map(json::primitive_text)
        .collect()
}

/// `mergedata(c, ...)`: the collections merged left to right. Arrays
/// merged with arrays are concatenated; once an object takes part, the
/// result is an object, arrays adding their positions as keys; a later
/// key replaces an earlier one and moves to the end. Lists count as
/// arrays of strings.
pub fn mergedata(call: &Call) -> CallResult {
    if call.args.is_empty() {
        return Err("function 'mergedata' needs at least one argument".into());
    }
    let mut merged: Option<Data> = None;
    for i in 0..call.args.len() {
        let next = match call.collection(i)? {
            Collection::Data(d) => (*d).clone(),
            Collection::List(items) => list_as_data(&items),
        };
        merged = Some(match merged {
            None => next,
            Some(acc) => merge(acc, next),
        });
    }
    Ok(data(merged.unwrap_or(Data::Array(Array::default()))))
}

fn merge(acc: Data, next: Data) -> Data {
    match (acc, next) {
        (Data::Array(a), Data::Array(b)) => {
            Data::Array(a.iter().chain(b.iter()).cloned().collect())
        }
        // The array's elements win over the object's keys, whichever
        // comes first.
        (Data::Object(o), Data::Array(a))
        | (Data::Array(a), Data::Object(o)) => {
            Data::Object(update(o, indexed(a)))
        }
        (Data::Object(a), Data::Object(b)) => {
            let pairs = b.iter().map(|(k, v)| (k.clone(), v.clone()));
            Data::Object(update(a, pairs.collect()))
        }
        (_, next) => next,
    }
}

/// `object` with `pairs` set, each replaced key moved to the end.
fn update(object: Object, pairs: Vec<(Str, Data)>) -> Object {
    let mut all: Vec<_> =
        object.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    all.extend(pairs);
    Object::from_unique_pairs(json::last_wins(all))
}

fn indexed(items: Array) -> Vec<(Str, Data)> {
    let items = items.iter().cloned();
    positions(items.len()).into_iter().zip(items).collect()
}

/// A list's items as a JSON array of strings.
fn list_as_data(items: &[Str]) -> Data {
    Data::Array(items.iter().cloned().map(Data::Str).collect())
}

#[cfg(test)]
mod tests {
    use super::super::fake::{run, s, show, text};
    use crate::value::Value;

    // cf-agent: length() of the variables declared in fake::env().
    #[test]
    fn length_counts_top_level_elements() {
        assert_eq!(text("length", &["l"]), "3");
        assert_eq!(text("length", &["il"]), "2");
        assert_eq!(text("length", &["el"]), "0");
        assert_eq!(text("length", &["d"]), "7");
        assert_eq!(text("length", &["o"]), "5");
        assert_eq!(text("length", &["ed"]), "0");
        assert_eq!(text("length", &["[1,2,3]"]), "3");
        assert_eq!(text("length", &[r#"{"a":1}"#]), "1");
    }

    #[test]
    fn length_refuses_scalars_and_missing_variables() {
        for arg in ["missing", "s", "i", "[1", "\"x\""] {
            assert_eq!(text("length", &[arg]), "ERR", "{arg}");
        }
    }

    #[test]
    fn length_of_a_list_value() {
        // cf-agent: length(@(l)) is 3.
        let list = run("getvalues", vec![s("l")]).unwrap();
        assert_eq!(show(run("length", vec![list])), "3");
    }

    #[test]
    fn getindices() {
        assert_eq!(
            text("getindices", &["d"]),
            r#"{ "0", "1", "2", "3", "4", "5", "6" }"#
        );
        assert_eq!(
            text("getindices", &["o"]),
            r#"{ "b", "a", "c", "n", "f" }"#
        );
        assert_eq!(
            text("getindices", &[r#"{"a":1,"b":2}"#]),
            r#"{ "a", "b" }"#
        );
        // Lists, scalars and missing variables give nothing, no error.
        for arg in ["l", "el", "eo", "missing", "s"] {
            assert_eq!(text("getindices", &[arg]), "{  }", "{arg}");
        }
    }

    #[test]
    fn getvalues_flattens_and_forgives() {
        assert_eq!(
            text("getvalues", &["d"]),
            r#"{ "1", "x", "2", "3", "v", "true", "2.50" }"#
        );
        assert_eq!(
            text("getvalues", &["o"]),
            r#"{ "1", "1", "2", "y", "false" }"#
        );
        assert_eq!(
            text("getvalues", &[r#"[1,[2,[3]],{"a":"b"}]"#]),
            r#"{ "1", "2", "3", "b" }"#
        );
        assert_eq!(text("getvalues", &["[[[[1]]],[]]"]), r#"{ "1" }"#);
        assert_eq!(text("getvalues", &["l"]), r#"{ "a", "b", "c" }"#);
        assert_eq!(text("getvalues", &["il"]), r#"{ "1", "2" }"#);
        assert_eq!(text("getvalues", &["s"]), r#"{ "hello" }"#);
        assert_eq!(text("getvalues", &["i"]), r#"{ "42" }"#);
        for arg in ["missing", "hello", "\"x\"", "eo"] {
            assert_eq!(text("getvalues", &[arg]), "{  }", "{arg}");
        }
    }

    #[test]
    fn nth_of_lists_counts_from_either_end() {
        assert_eq!(text("nth", &["l", "1"]), "b");
        assert_eq!(text("nth", &["l", "-1"]), "c");
        assert_eq!(text("nth", &["l", "-3"]), "a");
        assert_eq!(text("nth", &["il", "1"]), "2");
        assert_eq!(text("nth", &[r#"["p","q"]"#, "1"]), "q");
        for index in ["-4", "3", "x", "1.5", "", " ", "1 2", "0x1", "1e0"] {
            assert_eq!(text("nth", &["l", index]), "ERR", "{index}");
        }
        assert_eq!(text("nth", &["el", "0"]), "ERR");
    }

    #[test]
    fn nth_reads_its_index_as_cf_agent_reads_integers() {
        for (index, element) in [
            ("1x", "b"),
            ("2x", "c"),
            ("1y", "b"),
            ("2 ", "c"),
            ("1e", "b"),
            (" 1", "b"),
            ("+1", "b"),
            ("01", "b"),
            ("-0", "a"),
            // A percentage is kept as a negative number.
            ("1%", "c"),
            ("3%", "a"),
            ("0%", "a"),
        ] {
            assert_eq!(text("nth", &["l", index]), element, "{index}");
        }
        for index in ["1k", "1K", "1m", "50%", "inf", "9999999999999999999"] {
            assert_eq!(text("nth", &["l", index]), "ERR", "{index}");
        }
    }

    #[test]
    fn nth_of_data_gives_primitives_only() {
        assert_eq!(text("nth", &["d", "0"]), "1");
        assert_eq!(text("nth", &["d", "1"]), "x");
        assert_eq!(text("nth", &["d", "4"]), "null");
        assert_eq!(text("nth", &["d", "5"]), "true");
        assert_eq!(text("nth", &["d", "6"]), "2.5000");
        assert_eq!(text("nth", &["d", "-1"]), "2.5000");
        for index in ["2", "3", "7"] {
            assert_eq!(text("nth", &["d", index]), "ERR", "{index}");
        }
    }

    #[test]
    fn nth_of_objects_takes_a_key() {
        assert_eq!(text("nth", &["o", "b"]), "1");
        assert_eq!(text("nth", &["o", "n"]), "null");
        assert_eq!(text("nth", &["o", "f"]), "false");
        assert_eq!(text("nth", &[r#"{"k":"w"}"#, "k"]), "w");
        for key in ["a", "zz", "0", "-1"] {
            assert_eq!(text("nth", &["o", key]), "ERR", "{key}");
        }
        assert_eq!(text("nth", &["missing", "0"]), "ERR");
        assert_eq!(text("nth", &["s", "0"]), "ERR");
    }

    #[test]
    fn join_lists_and_top_level_primitives() {
        assert_eq!(text("join", &[",", "l"]), "a,b,c");
        assert_eq!(text("join", &[", ", "il"]), "1, 2");
        assert_eq!(text("join", &["", "l"]), "abc");
        assert_eq!(text("join", &[",", "el"]), "");
        assert_eq!(text("join", &[",", "ed"]), "");
        assert_eq!(text("join", &[",", "d"]), "1,x,true,2.5000");
        assert_eq!(text("join", &[",", "o"]), "1,false");
        // cf-agent: join(l, l) takes the bare word l as the separator.
        assert_eq!(text("join", &["l", "l"]), "alblc");
        assert_eq!(text("join", &[",", "missing"]), "ERR");
        assert_eq!(text("join", &[",", "s"]), "ERR");
    }

    #[test]
    fn join_a_list_value() {
        let list = run("getindices", vec![s("o")]).unwrap();
        assert_eq!(show(run("join", vec![s(","), list])), "b,a,c,n,f");
    }

    #[test]
    fn parsejson_never_looks_up_variables() {
        assert_eq!(text("parsejson", &[r#"{"a":1}"#]), r#"{"a":1}"#);
        for arg in ["l", "o", "1", "[1"] {
            assert_eq!(text("parsejson", &[arg]), "ERR", "{arg}");
        }
        let list = Value::slist(vec!["a".into()]);
        assert_eq!(show(run("parsejson", vec![list])), "ERR");
    }

    #[test]
    fn storejson_of_lists_and_data() {
        assert_eq!(
            text("storejson", &["l"]),
            "[\n  \"a\",\n  \"b\",\n  \"c\"\n]"
        );
        assert_eq!(text("storejson", &["il"]), "[\n  \"1\",\n  \"2\"\n]");
        assert_eq!(text("storejson", &["el"]), "[]");
        assert_eq!(text("storejson", &["eo"]), "{\n}");
        assert_eq!(text("storejson", &[r#"{"a":1}"#]), "{\n  \"a\": 1\n}");
        let o = "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": 1,\n  \"c\": {\n    \
                 \"x\": \"y\"\n  },\n  \"f\": false,\n  \"n\": null\n}";
        assert_eq!(text("storejson", &["o"]), o);
        assert_eq!(text("storejson", &["missing"]), "ERR");
        assert_eq!(text("storejson", &["s"]), "ERR");
    }

    #[test]
    fn mergedata_concatenates_arrays() {
        assert_eq!(text("mergedata", &["l"]), r#"["a","b","c"]"#);
        assert_eq!(text("mergedata", &["l", "il"]), r#"["a","b","c","1","2"]"#);
        assert_eq!(text("mergedata", &["ed"]), "[]");
        assert_eq!(text("mergedata", &["el"]), "[]");
        assert_eq!(text("mergedata", &["[1]"]), "[1]");
        assert_eq!(
            text("mergedata", &["d", "d"]),
            "[1,\"x\",[2,3],{\"k\":\"v\"},null,true,2.5000,\
             1,\"x\",[2,3],{\"k\":\"v\"},null,true,2.5000]"
        );
    }

    #[test]
    fn mergedata_updates_objects_shallowly() {
        assert_eq!(
            text("mergedata", &["o", r#"{"b": 2, "z": [1]}"#]),
            r#"{"a":[1,2],"b":2,"c":{"x":"y"},"f":false,"n":null,"z":[1]}"#
        );
        assert_eq!(
            text("mergedata", &[r#"{"a":{"x":1}}"#, r#"{"a":{"y":2}}"#]),
            r#"{"a":{"y":2}}"#
        );
        assert_eq!(text("mergedata", &["ed", "eo"]), "{}");
        assert_eq!(text("mergedata", &["eo", "ed"]), "{}");
    }

    #[test]
    fn mergedata_moves_replaced_keys_to_the_end() {
        // cf-agent: getindices() of each merge.
        let keys = |args: &[&str]| {
            let args = args.iter().map(|&a| s(a)).collect();
            let merged = run("mergedata", args).unwrap();
            show(run("getindices", vec![merged]))
        };
        assert_eq!(
            keys(&["o", r#"{"b": 2, "z": [1], "a": 0}"#]),
            r#"{ "c", "n", "f", "b", "z", "a" }"#
        );
        assert_eq!(
            keys(&["d", "o"]),
            r#"{ "b", "a", "c", "n", "f", "0", "1", "2", "3", "4", "5", "6" }"#
        );
        assert_eq!(
            keys(&[r#"["x", "z"]"#, r#"{"0":"y", "b":1}"#]),
            r#"{ "b", "0", "1" }"#
        );
        assert_eq!(
            keys(&[r#"{"0":"y", "b":1}"#, r#"["x", "z"]"#]),
            r#"{ "b", "0", "1" }"#
        );
        assert_eq!(
            keys(&[r#"["x"]"#, r#"["z"]"#, r#"{"a":1}"#]),
            r#"{ "a", "0", "1" }"#
        );
    }

    #[test]
    fn mergedata_lets_arrays_win_over_objects() {
        assert_eq!(
            text("mergedata", &[r#"["x"]"#, r#"{"0":"y"}"#]),
            r#"{"0":"x"}"#
        );
        assert_eq!(
            text("mergedata", &[r#"{"0":"y"}"#, r#"["x"]"#]),
            r#"{"0":"x"}"#
        );
        assert_eq!(
            text("mergedata", &[r#"{"a":1}"#, r#"["x"]"#, r#"["z"]"#]),
            r#"{"0":"z","a":1}"#
        );
        assert_eq!(
            text("mergedata", &["l", "o"]),
            r#"{"0":"a","1":"b","2":"c","a":[1,2],"b":1,"c":{"x":"y"},"f":false,"n":null}"#
        );
    }

    #[test]
    fn mergedata_fails_on_any_bad_argument() {
        assert_eq!(text("mergedata", &[]), "ERR");
        for args in [
            &["missing"][..],
            &["s"],
            &["i"],
            &["[1", "d"],
            &["d", "missing"],
        ] {
            assert_eq!(text("mergedata", args), "ERR", "{args:?}");
        }
    }
}
