//! `cfmini check` against cf-promises: every `tests/check/valid_*.cf`
//! must pass and every `tests/check/invalid_*.cf` must fail with a
//! located error. Where cf-promises is installed (and
//! `CFMINI_SKIP_ORACLE` is unset), each file's verdict is also checked
//! against cf-promises, so the names stay true.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn check_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/check");
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .expect("tests/check exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "cf"))
        .collect();
    files.sort();
    files
}

fn expected_valid(file: &Path) -> bool {
    let name = file.file_name().unwrap().to_string_lossy();
    assert!(
        name.starts_with("valid_") || name.starts_with("invalid_"),
        "{name}: a check file is named valid_* or invalid_*"
    );
    name.starts_with("valid_")
}

/// Whether cf-promises accepts `file`, run with a private work
/// directory so that nothing of the machine's CFEngine state is used.
fn cf_promises_accepts(file: &Path) -> bool {
    let work =
        env::temp_dir().join(format!("cfmini-check-{}", std::process::id()));
    fs::create_dir_all(work.join("bin")).unwrap();
    let status = Command::new("cf-promises")
        .arg("-c")
        .arg("-w")
        .arg(&work)
        .arg("-f")
        .arg(file)
        .output()
        .expect("cf-promises runs");
    let _ = fs::remove_dir_all(&work);
    status.status.success()
}

fn oracle_available() -> bool {
    env::var_os("CFMINI_SKIP_ORACLE").is_none()
        && Command::new("cf-promises")
            .arg("--version")
            .output()
            .is_ok()
}

#[test]
fn check_accepts_valid_files_and_locates_errors_in_invalid_ones() {
    let mut failures = Vec::new();
    for file in check_files() {
        let output = Command::new(env!("CARGO_BIN_EXE_cfmini"))
            .args(["check", "--strict"])
            .arg(&file)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        let located = format!("{}:", file.display());
        let ok = match expected_valid(&file) {
            true => output.status.code() == Some(0),
            false => {
                output.status.code() == Some(3)
                    && stderr.starts_with(&located)
                    && stderr.contains(": error: ")
            }
        };
        if !ok {
            failures.push(format!(
                "{}: {:?}\n{stderr}",
                file.display(),
                output.status
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn check_files_are_named_for_what_cf_promises_says() {
    if !oracle_available() {
        eprintln!("cf-promises is not available: verdicts not re-checked");
        return;
    }
    let wrong: Vec<String> = check_files()
        .into_iter()
        .filter(|file| cf_promises_accepts(file) != expected_valid(file))
        .map(|file| file.display().to_string())
        .collect();
    assert!(wrong.is_empty(), "cf-promises disagrees: {wrong:?}");
}
