//! Runs every policy in `tests/cases/*.cf` through `cfmini run` and compares
//! its stdout with the matching `.expected` file, the output recorded from
//! cf-agent by `tests/oracle/regen-cases`. A case's leading comments may name
//! a /proc tree (`# procdir: DIR`, given to cfmini as `--sysroot DIR`),
//! classes (`# define: a,b`, given as `-D a,b`) and an exit status other than
//! success that cf-agent and cfmini both give (`# exit: N`). Where cf-agent is
//! on PATH and `CFMINI_SKIP_ORACLE` is unset, every case is also run through
//! cf-agent again to prove the `.expected` files are still what it prints.
//! Adding a case means adding two files, no code.
//!
//! `tests/cases/diverging/` holds the cases where cfmini is known not to
//! print what cf-agent prints. Each opens with `# diverges: REASON`, one
//! line saying what cfmini does differently, and its `.expected` file is
//! still cf-agent's output. The test asserts that cfmini's output still
//! differs, so a change that fixes the behaviour fails it and asks for the
//! case to move up into `tests/cases/`.

use std::collections::BTreeSet;
use std::env;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

const CFMINI_TIMEOUT: Duration = Duration::from_secs(20);
const ORACLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Runs of unchanged lines longer than this are elided in diffs.
const DIFF_CONTEXT: usize = 3;

/// The subdirectory of `tests/cases` holding the diverging cases.
const DIVERGING: &str = "diverging";

struct Case {
    /// The path below `tests/cases` without the extension, as
    /// `regen-cases` takes it: `NAME` or `diverging/NAME`.
    name: String,
    /// Relative to the repository root, which is the working directory.
    policy: String,
    procdir: Option<String>,
    define: Option<String>,
    /// The exit status both programs give, when it is not success.
    exit: Option<i32>,
    /// What cfmini does differently, for a diverging case.
    divergence: Option<String>,
}

struct Output {
    stdout: String,
    stderr: String,
    status: ExitStatus,
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn cases_dir() -> PathBuf {
    repo_root().join("tests").join("cases")
}

fn file_names_with_extension(dir: &Path, extension: &str) -> BTreeSet<String> {
    fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == extension))
        .map(|path| path.file_stem().unwrap().to_string_lossy().into_owned())
        .collect()
}

/// The value of `# KEY: value` in the comment block that opens the policy.
fn directive(policy_text: &str, key: &str) -> Option<String> {
    let prefix = format!("# {key}:");
    policy_text
        .lines()
        .take_while(|line| line.starts_with('#'))
        .find_map(|line| line.strip_prefix(&prefix))
        .map(|value| value.trim().to_string())
        .filter(|value| !value.is_empty())
}

/// The cases in `tests/cases/PREFIX`, named `PREFIXNAME`.
fn load_cases_in(prefix: &str) -> Vec<Case> {
    let dir = cases_dir().join(prefix);
    let names = file_names_with_extension(&dir, "cf");
    assert!(!names.is_empty(), "no cases found in {}", dir.display());
    names
        .into_iter()
        .map(|name| load_case(format!("{prefix}{name}")))
        .collect()
}

fn load_case(name: String) -> Case {
    let policy = format!("tests/cases/{name}.cf");
    let text = fs::read_to_string(repo_root().join(&policy))
        .unwrap_or_else(|e| panic!("cannot read {policy}: {e}"));
    let exit = directive(&text, "exit").map(|code| {
        code.parse()
            .unwrap_or_else(|_| panic!("{policy}: bad exit status {code:?}"))
    });
    Case {
        procdir: directive(&text, "procdir"),
        define: directive(&text, "define"),
        exit,
        divergence: directive(&text, "diverges"),
        name,
        policy,
    }
}

fn load_cases() -> Vec<Case> {
    load_cases_in("")
}

fn load_diverging_cases() -> Vec<Case> {
    load_cases_in(&format!("{DIVERGING}/"))
}

fn expected_output(case: &Case) -> Result<String, String> {
    let path = cases_dir().join(format!("{}.expected", case.name));
    fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn read_in_background(
    pipe: Option<impl Read + Send + 'static>,
) -> thread::JoinHandle<String> {
    let mut pipe = pipe.expect("piped stream");
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Runs the command to completion, or kills it once `timeout` has passed.
fn run_with_timeout(
    mut command: Command,
    timeout: Duration,
) -> Result<Output, String> {
    let mut child: Child = command
        .current_dir(repo_root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {command:?}: {e}"))?;
    let stdout = read_in_background(child.stdout.take());
    let stderr = read_in_background(child.stderr.take());
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("timed out after {timeout:?}: {command:?}"));
        }
        thread::sleep(Duration::from_millis(5));
    };
    Ok(Output {
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
        status,
    })
}

fn run_cfmini(case: &Case) -> Result<Output, String> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cfmini"));
    command.arg("run").arg(&case.policy);
    if let Some(procdir) = &case.procdir {
        command.arg("--sysroot").arg(procdir);
    }
    if let Some(classes) = &case.define {
        command.arg("-D").arg(classes);
    }
    run_with_timeout(command, CFMINI_TIMEOUT)
}

fn run_oracle(case: &Case) -> Result<Output, String> {
    let mut command =
        Command::new(repo_root().join("tests/oracle/regen-cases"));
    command.arg("--print").arg(&case.name);
    let output = run_with_timeout(command, ORACLE_TIMEOUT)?;
    if !output.status.success() {
        return Err(format!(
            "regen-cases {}: {}\n{}",
            case.name, output.status, output.stderr
        ));
    }
    Ok(output)
}

/// A line diff of `expected` against `actual`: `-` lines are missing from
/// the actual output, `+` lines are extra, long unchanged runs are elided.
fn line_diff(expected: &str, actual: &str) -> String {
    let old: Vec<&str> = expected.lines().collect();
    let new: Vec<&str> = actual.lines().collect();
    // common[i][j]: length of the longest common subsequence of old[i..] and new[j..].
    let mut common = vec![vec![0usize; new.len() + 1]; old.len() + 1];
    for i in (0..old.len()).rev() {
        for j in (0..new.len()).rev() {
            common[i][j] = if old[i] == new[j] {
                common[i + 1][j + 1] + 1
            } else {
                common[i + 1][j].max(common[i][j + 1])
            };
        }
    }
    let mut lines = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < old.len() || j < new.len() {
        if i < old.len() && j < new.len() && old[i] == new[j] {
            lines.push(format!("  {}", old[i]));
            (i, j) = (i + 1, j + 1);
        } else if i < old.len()
            && (j == new.len() || common[i + 1][j] >= common[i][j + 1])
        {
            lines.push(format!("- {}", old[i]));
            i += 1;
        } else {
            lines.push(format!("+ {}", new[j]));
            j += 1;
        }
    }
    elide_unchanged_runs(lines).join("\n")
}

fn elide_unchanged_runs(lines: Vec<String>) -> Vec<String> {
    let changed: Vec<bool> =
        lines.iter().map(|l| !l.starts_with("  ")).collect();
    let near_change = |i: usize| {
        let low = i.saturating_sub(DIFF_CONTEXT);
        let high = (i + DIFF_CONTEXT + 1).min(lines.len());
        changed[low..high].iter().any(|&c| c)
    };
    let mut kept = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if near_change(i) {
            kept.push(line.clone());
        } else if kept.last().is_none_or(|last| last != "  ...") {
            kept.push("  ...".to_string());
        }
    }
    kept
}

/// None when equal, else a description of the difference.
fn compare(
    expected: &str,
    actual: &str,
    actual_source: &str,
) -> Option<String> {
    if expected == actual {
        return None;
    }
    if expected.lines().eq(actual.lines()) {
        return Some(
            "the outputs differ only in line endings or the final newline"
                .into(),
        );
    }
    Some(format!(
        "(- expected, + {actual_source})\n{}",
        line_diff(expected, actual)
    ))
}

/// Checks every case on a few threads; returns the failures, in case order.
fn check_all(
    cases: &[Case],
    check: impl Fn(&Case) -> Result<(), String> + Sync,
) -> Vec<String> {
    let next = AtomicUsize::new(0);
    let workers = thread::available_parallelism()
        .map_or(4, |n| n.get())
        .min(cases.len());
    let mut results: Vec<(usize, String)> = thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut failures = Vec::new();
                    loop {
                        let index = next.fetch_add(1, Ordering::SeqCst);
                        let Some(case) = cases.get(index) else { break };
                        if let Err(why) = check(case) {
                            failures.push((
                                index,
                                format!(
                                    "--- case {} ({})\n{why}",
                                    case.name, case.policy
                                ),
                            ));
                        }
                    }
                    failures
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("worker thread"))
            .collect()
    });
    results.sort();
    results.into_iter().map(|(_, failure)| failure).collect()
}

fn report_failures(what: &str, total: usize, failures: &[String]) {
    if failures.is_empty() {
        return;
    }
    for failure in failures {
        eprintln!("{failure}\n");
    }
    panic!("{} of {total} cases failed: {what}", failures.len());
}

fn cf_agent_on_path() -> bool {
    env::var_os("PATH").is_some_and(|paths| {
        env::split_paths(&paths).any(|dir| dir.join("cf-agent").is_file())
    })
}

/// Fails when the case declares an exit status cfmini did not give.
fn check_exit(case: &Case, output: &Output) -> Result<(), String> {
    match case.exit {
        Some(code) if output.status.code() != Some(code) => Err(format!(
            "cfmini {}, where the case says cf-agent exits with {code}",
            output.status
        )),
        _ => Ok(()),
    }
}

fn describe_difference(diff: String, output: &Output) -> String {
    if output.stderr.is_empty() {
        return format!("{diff}\n[cfmini {}]", output.status);
    }
    format!(
        "{diff}\n[cfmini {}, stderr:]\n{}",
        output.status,
        output.stderr.trim_end()
    )
}

fn unpaired_files(prefix: &str) -> Vec<String> {
    let dir = cases_dir().join(prefix);
    let policies = file_names_with_extension(&dir, "cf");
    let expected = file_names_with_extension(&dir, "expected");
    policies
        .symmetric_difference(&expected)
        .map(|name| format!("{prefix}{name}"))
        .collect()
}

#[test]
fn every_case_has_a_policy_and_an_expected_output() {
    let mut unpaired = unpaired_files("");
    unpaired.extend(unpaired_files(&format!("{DIVERGING}/")));
    assert!(
        unpaired.is_empty(),
        "cases missing their .cf or .expected file: {unpaired:?} \
         (record outputs with tests/oracle/regen-cases NAME)"
    );
}

#[test]
fn cfmini_prints_what_cf_agent_printed_for_every_case() {
    let cases = load_cases();
    let failures = check_all(&cases, |case| {
        let expected = expected_output(case)?;
        let output = run_cfmini(case)?;
        match compare(&expected, &output.stdout, "cfmini") {
            None => check_exit(case, &output),
            Some(diff) => Err(describe_difference(diff, &output)),
        }
    });
    report_failures(
        "cfmini output differs from the .expected file",
        cases.len(),
        &failures,
    );
}

#[test]
fn only_diverging_cases_state_a_divergence() {
    let misplaced: Vec<_> = load_cases()
        .into_iter()
        .filter(|case| case.divergence.is_some())
        .map(|case| case.name)
        .collect();
    assert!(
        misplaced.is_empty(),
        "cases in tests/cases with a `# diverges:` line: {misplaced:?} \
         (drop the line, or move the case to tests/cases/{DIVERGING}/)"
    );
}

#[test]
fn cfmini_still_differs_from_cf_agent_on_every_diverging_case() {
    let cases = load_diverging_cases();
    let failures = check_all(&cases, |case| {
        let Some(reason) = &case.divergence else {
            return Err("no `# diverges: REASON` line opens the policy".into());
        };
        eprintln!("{}: {reason}", case.name);
        let expected = expected_output(case)?;
        let output = run_cfmini(case)?;
        match compare(&expected, &output.stdout, "cfmini") {
            Some(_) => Ok(()),
            None => Err(format!(
                "cfmini now prints what cf-agent prints, where it used to \
                 differ ({reason}): move the case up into tests/cases/ and \
                 drop its `# diverges:` line"
            )),
        }
    });
    report_failures(
        "a diverging case no longer diverges",
        cases.len(),
        &failures,
    );
}

#[test]
fn expected_outputs_are_what_cf_agent_prints_now() {
    if env::var_os("CFMINI_SKIP_ORACLE").is_some() {
        eprintln!(
            "CFMINI_SKIP_ORACLE is set: not checking the .expected files against cf-agent"
        );
        return;
    }
    if !cf_agent_on_path() {
        eprintln!(
            "cf-agent is not on PATH: not checking the .expected files against cf-agent"
        );
        return;
    }
    let mut cases = load_cases();
    cases.extend(load_diverging_cases());
    let failures = check_all(&cases, |case| {
        let expected = expected_output(case)?;
        let output = run_oracle(case)?;
        compare(&expected, &output.stdout, "cf-agent").map_or(Ok(()), |diff| {
            Err(format!(
                "{diff}\n(re-record with tests/oracle/regen-cases {})",
                case.name
            ))
        })
    });
    report_failures(
        ".expected file is out of date with cf-agent",
        cases.len(),
        &failures,
    );
}

#[test]
fn line_diff_marks_missing_and_extra_lines_and_elides_the_rest() {
    let expected =
        "R: a\nR: 1\nR: 2\nR: 3\nR: 4\nR: 5\nR: 6\nR: 7\nR: 8\nR: b\n";
    let actual = "R: 1\nR: 2\nR: 3\nR: 4\nR: 5\nR: 6\nR: 7\nR: 8\nR: c\n";
    assert_eq!(
        line_diff(expected, actual),
        "- R: a\n  R: 1\n  R: 2\n  R: 3\n  ...\n  R: 6\n  R: 7\n  R: 8\n- R: b\n+ R: c"
    );
}

#[test]
fn directives_are_read_only_from_the_opening_comments() {
    let policy = "# procdir: tests/fixtures/proc/x\n# define: a,b\nbundle agent main {}\n# define: c\n";
    assert_eq!(
        directive(policy, "procdir").as_deref(),
        Some("tests/fixtures/proc/x")
    );
    assert_eq!(directive(policy, "define").as_deref(), Some("a,b"));
    assert_eq!(
        directive("bundle agent main {}\n# define: c\n", "define"),
        None
    );
}
