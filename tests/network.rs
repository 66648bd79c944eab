//! Checks `network_connections()` against cf-agent: each tree under
//! `tests/fixtures/proc` holds `proc/net` tables and what cf-agent 3.21
//! made of them (`expected.json`, or `undefined` when the call fails),
//! as `tests/oracle/regen-network` recorded it.

use std::fs;
use std::path::{Path, PathBuf};

use cfmini::builtins::network::{proc_net_dir, read_connections};
use cfmini::builtins::{self, Call, Env};
use cfmini::json;
use cfmini::value::{Data, Value};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/proc")
}

/// Every fixture tree, sorted by name.
fn trees() -> Vec<PathBuf> {
    let entries = fs::read_dir(fixtures()).expect("fixture directory");
    let mut trees: Vec<PathBuf> = entries
        .map(|entry| entry.expect("fixture entry").path())
        .filter(|path| path.is_dir())
        .collect();
    trees.sort();
    trees
}

/// cf-agent's `storejson()` text for a tree, `None` when it left the
/// variable undefined.
fn expected(tree: &Path) -> Option<String> {
    if tree.join("undefined").exists() {
        return None;
    }
    let golden = tree.join("expected.json");
    Some(fs::read_to_string(&golden).expect("expected.json or undefined"))
}

#[test]
fn every_tree_matches_cf_agent() {
    let trees = trees();
    assert!(trees.len() >= 7, "fixture trees missing: {trees:?}");
    for tree in trees {
        let found = read_connections(&proc_net_dir(&tree));
        let text = found.map(|data| json::to_pretty(&data) + "\n");
        assert_eq!(text, expected(&tree), "tree {}", tree.display());
    }
}

/// An environment with no variables and a fixture tree as `/`.
struct FixtureRoot(PathBuf);

impl Env for FixtureRoot {
    fn lookup(&self, _name: &str) -> Option<Value> {
        None
    }

    fn sysroot(&self) -> &Path {
        &self.0
    }
}

fn call_in(tree: &str) -> Result<Value, String> {
    let builtin = builtins::find("network_connections").expect("builtin");
    let env = FixtureRoot(fixtures().join(tree));
    let call = Call {
        name: builtin.name,
        args: Vec::new(),
        env: &env,
        written: Vec::new(),
        template: None,
    };
    (builtin.run)(&call)
}

#[test]
fn builtin_reads_under_the_sysroot() {
    let Ok(Value::Data(data)) = call_in("missing") else {
        panic!("network_connections() gave no data for 'missing'");
    };
    let Data::Object(tables) = &*data else {
        panic!("not an object: {data:?}");
    };
    let keys: Vec<&str> = tables.iter().map(|(key, _)| &**key).collect();
    assert_eq!(keys, ["tcp"]);
}

#[test]
fn builtin_fails_without_tables() {
    assert!(call_in("none").is_err());
}
