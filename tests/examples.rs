//! Runs the example of every builtin in the table through `cfmini run`,
//! in one policy, and checks that each prints what its row says it
//! yields. Where cf-agent is on PATH and `CFMINI_SKIP_ORACLE` is unset,
//! the same policy also runs through cf-agent, so every row's `yields`
//! is what cf-agent prints. The policy reads `/proc` from the fixture
//! tree `tests/fixtures/proc/empty`, where every socket table is empty.
//! The builtins only cfmini has are left out of cf-agent's policy;
//! `tests/sockets.rs` checks them against fixture trees.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use cfmini::builtins::{Builtin, Returns, TABLE, find, is_cfmini_only};

const SYSROOT: &str = "tests/fixtures/proc/empty";

/// The promises that evaluate a row's example as `ex_N` and report
/// `NAME: value`.
fn promises(index: usize, row: &Builtin) -> (String, String) {
    let outer = row.example.split('(').next().unwrap_or_default();
    let returns = find(outer).map_or(row.returns, |b| b.returns);
    let var = format!("ex_{index}");
    let name = row.name;
    let example = row.example;
    match returns {
        Returns::Class => (
            format!("      \"{var}\" expression => {example};\n"),
            format!(
                "      \"{name}: true\" if => \"{var}\";\n      \
                 \"{name}: false\" unless => \"{var}\";\n"
            ),
        ),
        Returns::Slist | Returns::Ilist | Returns::Rlist | Returns::Data => {
            let kind = match returns {
                Returns::Slist => "slist",
                Returns::Ilist => "ilist",
                Returns::Rlist => "rlist",
                _ => "data",
            };
            (
                format!("      \"{var}\" {kind} => {example};\n"),
                format!(
                    "      \"{name}: $(with)\" with => format(\"%S\", {var});\n"
                ),
            )
        }
        scalar => {
            let kind = match scalar {
                Returns::Int => "int",
                Returns::Real => "real",
                _ => "string",
            };
            (
                format!("      \"{var}\" {kind} => {example};\n"),
                format!("      \"{name}: $({var})\";\n"),
            )
        }
    }
}

/// The rows a run checks: every one, or those cf-agent also has.
fn rows(
    with_cfmini_only: bool,
) -> impl Iterator<Item = (usize, &'static Builtin)> {
    let keep =
        move |row: &Builtin| with_cfmini_only || !is_cfmini_only(row.name);
    TABLE.iter().enumerate().filter(move |(_, row)| keep(row))
}

/// One policy holding every example, class ones under `classes:`.
fn examples_policy(with_cfmini_only: bool) -> String {
    let (mut vars, mut classes, mut reports) =
        (String::new(), String::new(), String::new());
    for (index, row) in rows(with_cfmini_only) {
        let (promise, report) = promises(index, row);
        if promise.contains(" expression => ") {
            classes += &promise;
        } else {
            vars += &promise;
        }
        reports += &report;
    }
    format!(
        "bundle agent main\n{{\n  vars:\n{vars}  classes:\n{classes}  \
         reports:\n{reports}}}\n"
    )
}

fn expected_output(with_cfmini_only: bool) -> String {
    let lines = rows(with_cfmini_only)
        .map(|(_, row)| format!("R: {}: {}\n", row.name, row.yields));
    lines.collect()
}

/// Writes the policy to a file of its own for each test, as the tests
/// run at the same time.
fn write_policy(name: &str, with_cfmini_only: bool) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("examples");
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.cf"));
    fs::write(&path, examples_policy(with_cfmini_only)).unwrap();
    path
}

fn stdout_of(command: &mut Command) -> String {
    let output = command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("command runs");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn every_example_yields_what_its_row_says() {
    let policy = write_policy("cfmini", true);
    let output = stdout_of(
        Command::new(env!("CARGO_BIN_EXE_cfmini"))
            .args(["run", "--sysroot", SYSROOT])
            .arg(&policy),
    );
    assert_eq!(
        output,
        expected_output(true),
        "policy: {}",
        policy.display()
    );
}

#[test]
fn every_example_yields_what_cf_agent_prints() {
    if env::var_os("CFMINI_SKIP_ORACLE").is_some() {
        return;
    }
    if Command::new("cf-agent").arg("--version").output().is_err() {
        eprintln!("cf-agent is not installed; examples not compared with it");
        return;
    }
    let policy = write_policy("cf-agent", false);
    let root = env!("CARGO_MANIFEST_DIR");
    let output = stdout_of(
        Command::new("tests/oracle/cf-agent-run")
            .arg(&policy)
            .arg(Path::new(root).join(SYSROOT)),
    );
    // cf-agent's own log lines are indented and name their level.
    let is_log = |line: &str| {
        let line = line.trim_start_matches(' ');
        ["error: ", "warning: ", "notice: ", "info: "]
            .iter()
            .any(|level| line.starts_with(level))
    };
    let reports: String = output
        .lines()
        .filter(|line| !line.starts_with(' ') || !is_log(line))
        .map(|line| format!("{line}\n"))
        .collect();
    assert_eq!(
        reports,
        expected_output(false),
        "policy: {}",
        policy.display()
    );
}
