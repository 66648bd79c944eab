//! Runs every snippet in `tests/snippets/NAME.snippet` through
//! `cfmini eval -f` and compares its output with what cf-agent printed
//! for the same promises in a whole policy: the twin
//! `tests/cases/snippet_NAME.cf` or `tests/show/snippet_NAME.cf`, whose
//! `.expected` file `regen-cases` or `regen-show` recorded and whose own
//! test checks it against cf-agent again.
//!
//! The twin's opening comments give the snippet its `--sysroot`
//! (`# procdir:`), its classes (`# define:`) and the state to show
//! (`# show-vars:`, `# show-classes:`). A value snippet prints its value
//! alone, where the twin's report prints `R: ` before it; the twin says
//! so with `# snippet: value`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The value of `# KEY: VALUE` among the opening comments of `text`.
fn directive(text: &str, key: &str) -> Option<String> {
    let prefix = format!("# {key}:");
    text.lines()
        .take_while(|line| line.starts_with('#'))
        .find_map(|line| line.strip_prefix(&prefix))
        .map(|value| value.trim().to_string())
}

/// The twin policy of snippet `name`, in `tests/cases` or `tests/show`.
fn twin(name: &str) -> PathBuf {
    let policy = format!("snippet_{name}.cf");
    let candidates = [root().join("tests/cases"), root().join("tests/show")]
        .map(|d| d.join(&policy));
    let found = candidates.iter().find(|path| path.exists());
    found
        .unwrap_or_else(|| panic!("snippet {name} has no twin {policy}"))
        .clone()
}

fn snippets() -> Vec<String> {
    common::file_stems("tests/snippets", "snippet")
}

/// What `cfmini eval -f` prints for snippet `name`, run as its twin
/// says.
fn eval(name: &str, twin_text: &str) -> String {
    let snippet = Path::new("tests/snippets").join(format!("{name}.snippet"));
    let mut command = Command::new(env!("CARGO_BIN_EXE_cfmini"));
    command
        .current_dir(root())
        .arg("eval")
        .arg("-f")
        .arg(&snippet);
    if let Some(dir) = directive(twin_text, "procdir") {
        command.arg("--sysroot").arg(dir);
    }
    if let Some(classes) = directive(twin_text, "define") {
        command.arg("-D").arg(classes);
    }
    for show in ["show-vars", "show-classes"] {
        if let Some(regex) = directive(twin_text, show) {
            command.arg(format!("--{show}={regex}"));
        }
    }
    let output = command.output().expect("cfmini runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{name}: {stderr}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn snippets_print_what_cf_agent_prints_for_their_whole_policy() {
    let names = snippets();
    assert!(names.len() >= 10, "too few snippets: {names:?}");
    for name in names {
        let twin = twin(&name);
        let twin_text = fs::read_to_string(&twin).unwrap();
        let recorded = fs::read_to_string(twin.with_extension("expected"))
            .unwrap_or_else(|_| panic!("{}: no expected file", twin.display()));
        let expected = match directive(&twin_text, "snippet").as_deref() {
            Some("value") => recorded
                .strip_prefix("R: ")
                .unwrap_or(&recorded)
                .to_string(),
            _ => recorded,
        };
        assert_eq!(eval(&name, &twin_text), expected, "snippet {name}");
    }
}

#[test]
fn every_form_of_snippet_is_covered() {
    let texts: Vec<String> = snippets()
        .iter()
        .map(|name| {
            fs::read_to_string(
                root().join(format!("tests/snippets/{name}.snippet")),
            )
            .unwrap()
        })
        .collect();
    let starts = |prefix: &str| texts.iter().any(|t| t.starts_with(prefix));
    assert!(starts("bundle "), "a whole policy");
    assert!(starts("vars:"), "the inside of a bundle");
    assert!(starts("\""), "a single promise");
    assert!(starts("$("), "a reference");
    assert!(starts("canonify("), "a function call");
}
