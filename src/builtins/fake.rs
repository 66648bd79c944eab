//! A fake environment for builtin tests, holding the variables the
//! oracle policies declared, and shorthands to call builtins with it.

use std::collections::HashMap;
use std::path::Path;

use super::{Call, Env, find};
use crate::json;
use crate::value::{ListKind, ScalarKind, Str, Value};

/// Variables by name.
pub struct FakeEnv {
    vars: HashMap<String, Value>,
}

impl Env for FakeEnv {
    fn lookup(&self, name: &str) -> Option<Value> {
        self.vars.get(name).cloned()
    }

    fn sysroot(&self) -> &Path {
        Path::new("/nonexistent")
    }

    /// cf-agent tags every variable with `source=promise`; `s` stands
    /// for one declared with `meta => { "t1", "t2=x" }`.
    fn variable_tags(&self, name: &str) -> Option<Vec<Str>> {
        self.vars.get(name)?;
        let mut tags: Vec<Str> = vec!["source=promise".into()];
        if name == "s" {
            tags.extend(["t1".into(), "t2=x".into()]);
        }
        Some(tags)
    }
}

fn list(kind: ListKind, items: &[&str]) -> Value {
    let items: Vec<Str> = items.iter().map(|&s| s.into()).collect();
    Value::List(kind, items.into())
}

fn parsed(text: &str) -> Value {
    Value::Data(json::parse(text).expect("test json").into())
}

/// The variables every oracle policy declared:
///
/// ```text
/// "l" slist => { "a", "b", "c" };       "il" ilist => { "1", "2" };
/// "el" slist => { };                    "q" slist => { "a\"b", "c\\d", "" };
/// "d" data => '[1, "x", [2, 3], {"k": "v"}, null, true, 2.5]';
/// "o" data => '{"b": 1, "a": [1, 2], "c": {"x": "y"}, "n": null,
///               "f": false}';
/// "ed" data => '[]';  "eo" data => '{}';
/// "s" string => "hello";  "i" int => "42";  "rl" rlist => { "1.5" };
/// ```
pub fn env() -> FakeEnv {
    let d = r#"[1, "x", [2, 3], {"k": "v"}, null, true, 2.5]"#;
    let o = r#"{"b": 1, "a": [1, 2], "c": {"x": "y"}, "n": null, "f": false}"#;
    let vars = [
        ("l", list(ListKind::String, &["a", "b", "c"])),
        ("il", list(ListKind::Int, &["1", "2"])),
        ("rl", list(ListKind::Real, &["1.5"])),
        ("el", list(ListKind::String, &[])),
        ("q", list(ListKind::String, &["a\"b", "c\\d", ""])),
        ("d", parsed(d)),
        ("o", parsed(o)),
        ("ed", parsed("[]")),
        ("eo", parsed("{}")),
        ("s", Value::string("hello")),
        ("i", Value::Scalar(ScalarKind::Int, "42".into())),
    ];
    let vars = vars.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    FakeEnv { vars }
}

/// A string argument, as policy writes `"x"` or a bare `x`.
pub fn s(text: &str) -> Value {
    Value::string(text)
}

/// Calls builtin `name` after checking its arity as the evaluator does.
pub fn run(name: &str, args: Vec<Value>) -> Result<Value, String> {
    let row = find(name).expect("builtin exists");
    assert!(args.len() >= row.min_args, "too few arguments");
    assert!(row.max_args.is_none_or(|max| args.len() <= max));
    let env = env();
    let call = Call {
        name,
        args,
        env: &env,
        written: Vec::new(),
        template: None,
    };
    (row.run)(&call)
}

/// The result as text: a scalar as it is, a list as `{ "a", "b" }`, data
/// as one-line JSON, and `ERR` for an error.
pub fn text(name: &str, args: &[&str]) -> String {
    let args = args.iter().map(|&a| s(a)).collect();
    show(run(name, args))
}

/// What [`text`] shows for a result.
pub fn show(result: Result<Value, String>) -> String {
    match result {
        Ok(Value::Scalar(_, text)) => text.to_string(),
        Ok(Value::List(_, items)) => {
            let quoted: Vec<String> =
                items.iter().map(|i| format!("\"{i}\"")).collect();
            format!("{{ {} }}", quoted.join(", "))
        }
        Ok(Value::Data(d)) => json::to_compact(&d),
        Err(_) => "ERR".into(),
    }
}

/// An environment with no variables whose sysroot is a fixture tree.
pub struct SysrootEnv(pub std::path::PathBuf);

impl Env for SysrootEnv {
    fn lookup(&self, _name: &str) -> Option<Value> {
        None
    }

    fn sysroot(&self) -> &Path {
        &self.0
    }
}

/// Calls builtin `name` on string arguments with the sysroot
/// `tests/fixtures/NAME`, and shows the result as [`text`] does.
pub fn text_in(fixture: &str, name: &str, args: &[&str]) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(fixture);
    let env = SysrootEnv(root);
    let call = Call {
        name,
        args: args.iter().map(|&a| s(a)).collect(),
        env: &env,
        written: Vec::new(),
        template: None,
    };
    show((find(name).expect("builtin exists").run)(&call))
}
