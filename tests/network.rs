//! Checks `network_connections()` against cf-agent: each tree under
//! `tests/fixtures/proc` holds `proc/net` tables and what cf-agent 3.21
//! made of them (`expected.json`, or `undefined` when the call fails),
//! as `tests/oracle/regen-network` recorded it.

use std::fs;
use std::path::{Path, PathBuf};

use cfmini::builtins::network::{read_connections, read_connections_telling};
use cfmini::builtins::{self, Call};
use cfmini::json;
use cfmini::value::{Data, Value};

mod common;

use common::FixtureRoot;

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
        let found = read_connections(&tree);
        let text = found.map(|data| json::to_pretty(&data) + "\n");
        assert_eq!(text, expected(&tree), "tree {}", tree.display());
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

/// What `read_connections_telling` says of the tables in `tree`, with
/// the fixture directory cut from the paths.
fn told(tree: &str) -> Vec<String> {
    let dir = fixtures().join(tree);
    let mut said = Vec::new();
    read_connections_telling(&dir, &mut |message| said.push(message));
    let prefix = format!("{}/", fixtures().display());
    said.iter().map(|m| m.replace(&prefix, "")).collect()
}

#[test]
fn skipped_lines_are_told_by_file_line_and_reason() {
    let said = told("malformed");
    let tcp = "malformed/proc/net/tcp";
    // Each line as the fixture holds it: `   2: 0100007F:1F90
    // 0100007F:C738` ends before its state; `   4: 0100007f:...` has
    // lower-case hex; `  x7: ...` a slot that is not a number; line 12
    // is blank; `  14: ... A0 ...` a state in hex.
    for expected in [
        format!("skipped '{tcp}' line 4: line ends after the remote address"),
        format!("skipped '{tcp}' line 5: line ends after the local address"),
        format!(
            "skipped '{tcp}' line 6: local address holds a byte not \
             upper-case hex or ':'"
        ),
        format!("skipped '{tcp}' line 9: no slot number and colon"),
        format!("skipped '{tcp}' line 12: blank line"),
        format!(
            "skipped '{tcp}' line 18: state does not start with a decimal \
             digit"
        ),
    ] {
        assert!(said.contains(&expected), "{expected}\n{said:#?}");
    }
    // The header line is no socket, and is not told of.
    assert!(!said.iter().any(|m| m.contains(" line 1:")), "{said:#?}");

    let tcp6 = "malformed/proc/net/tcp6";
    let missing = format!("left out '{tcp6}': No such file or directory");
    assert!(said.iter().any(|m| m.starts_with(&missing)), "{said:#?}");
}

#[test]
fn tables_of_good_lines_tell_nothing() {
    // Every line of `loopback` is a real socket, and all four tables
    // are there.
    assert_eq!(told("loopback"), Vec::<String>::new());
}

#[test]
fn run_verbose_tells_the_skipped_lines() {
    let policy = "bundle agent main { vars: \"n\" data => \
                  network_connections(); }\n";
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("network");
    fs::create_dir_all(&dir).unwrap();
    let file = dir.join("verbose.cf");
    fs::write(&file, policy).unwrap();
    let root = fixtures().join("malformed");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_cfmini"))
        .arg("run")
        .arg("-v")
        .arg("--sysroot")
        .arg(&root)
        .arg(&file)
        .output()
        .expect("cfmini runs");
    let errors = String::from_utf8_lossy(&output.stderr);
    let expected = format!(
        "verbose: network_connections(): skipped '{}' line 12: blank line",
        root.join("proc/net/tcp").display()
    );
    assert!(errors.contains(&expected), "{errors}");
}
