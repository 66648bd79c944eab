//! Runs every policy in `tests/show/*.cf` through `cfmini run` with
//! `--show-vars` and `--show-classes` and compares its stdout with the
//! matching `.expected` file, what cf-agent printed with
//! `--show-evaluated-vars` and `--show-evaluated-classes`, recorded by
//! `tests/oracle/regen-show`. A policy's leading comments give the
//! filters (`# show-vars: REGEX`, `# show-classes: REGEX`) and may give
//! classes (`# define: a,b`) and a /proc tree (`# procdir: DIR`). Where
//! cf-agent is on PATH and `CFMINI_SKIP_ORACLE` is unset, each
//! `.expected` file is also checked against cf-agent again.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The names of the policies in `tests/show`, sorted.
fn policies() -> Vec<String> {
    let names = common::file_stems("tests/show", "cf");
    assert!(names.len() >= 2, "too few policies in tests/show");
    names
}

/// The value of `# KEY: value` in the comment block that opens `text`.
fn directive(text: &str, key: &str) -> Option<String> {
    let prefix = format!("# {key}:");
    text.lines()
        .take_while(|line| line.starts_with('#'))
        .find_map(|line| line.strip_prefix(&prefix))
        .map(|value| value.trim().to_string())
        .filter(|value| !value.is_empty())
}

fn cfmini_args(name: &str) -> Vec<String> {
    let policy = format!("tests/show/{name}.cf");
    let text = fs::read_to_string(root().join(&policy)).unwrap();
    let mut args = vec!["run".to_string(), policy];
    let flags = [
        ("show-vars", "--show-vars="),
        ("show-classes", "--show-classes="),
        ("define", "-D"),
        ("procdir", "--sysroot="),
    ];
    for (key, flag) in flags {
        if let Some(value) = directive(&text, key) {
            args.push(format!("{flag}{value}"));
        }
    }
    args
}

fn expected(name: &str) -> String {
    let path = root().join(format!("tests/show/{name}.expected"));
    fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (record it with tests/oracle/regen-show)",
            path.display()
        )
    })
}

/// None when equal, else the first line that differs.
fn difference(expected: &str, actual: &str) -> Option<String> {
    if expected == actual {
        return None;
    }
    let pairs = expected.lines().zip(actual.lines()).enumerate();
    let first = pairs.clone().find(|(_, (e, a))| e != a);
    Some(match first {
        Some((i, (e, a))) => {
            format!("line {}:\n  expected: {e:?}\n  actual:   {a:?}", i + 1)
        }
        None => format!(
            "{} lines expected, {} printed",
            expected.lines().count(),
            actual.lines().count()
        ),
    })
}

#[test]
fn cfmini_shows_what_cf_agent_showed() {
    let mut failures = Vec::new();
    for name in policies() {
        let output = Command::new(env!("CARGO_BIN_EXE_cfmini"))
            .args(cfmini_args(&name))
            .current_dir(root())
            .output()
            .expect("cfmini runs");
        let actual = String::from_utf8_lossy(&output.stdout);
        if let Some(why) = difference(&expected(&name), &actual) {
            let stderr = String::from_utf8_lossy(&output.stderr);
            failures.push(format!("--- {name}: {why}\n{stderr}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn cf_agent_on_path() -> bool {
    env::var_os("PATH").is_some_and(|paths| {
        env::split_paths(&paths)
            .any(|dir| Path::new(&dir).join("cf-agent").is_file())
    })
}

#[test]
fn expected_tables_are_what_cf_agent_shows_now() {
    if env::var_os("CFMINI_SKIP_ORACLE").is_some() || !cf_agent_on_path() {
        eprintln!("not checking tests/show/*.expected against cf-agent");
        return;
    }
    let mut failures = Vec::new();
    for name in policies() {
        let output = Command::new(root().join("tests/oracle/regen-show"))
            .args(["--print", &name])
            .current_dir(root())
            .output()
            .expect("regen-show runs");
        assert!(
            output.status.success(),
            "regen-show {name}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let actual = String::from_utf8_lossy(&output.stdout);
        if let Some(why) = difference(&expected(&name), &actual) {
            failures.push(format!(
                "--- {name}: {why}\n(re-record with tests/oracle/regen-show {name})"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
