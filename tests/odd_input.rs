//! Policy files that are not plain, well-formed text: each gets the
//! answer cf-agent gives, or a clear error and a non-zero exit, and
//! never a panic. Line ends, a missing final newline and a file of
//! comments alone are `tests/cases/input_*.cf`, whose output is
//! recorded from cf-agent.

use std::path::PathBuf;
use std::process::Command;

mod common;

use common::{cfmini, stderr};

fn scratch_dir() -> PathBuf {
    common::scratch_dir("odd_input")
}

/// Writes `bytes` to a fresh file under the target directory.
fn policy_file(name: &str, bytes: &[u8]) -> String {
    common::scratch_file("odd_input", name, bytes)
}

/// Runs `run` and `check` on `file`; both must exit with `code`,
/// print nothing on stdout and `message` on stderr.
fn refused_with(file: &str, code: i32, message: &str) {
    for command in ["run", "check"] {
        let output = cfmini(&[command, file]);
        let errors = stderr(&output);
        assert_eq!(output.status.code(), Some(code), "{command}: {errors}");
        assert!(output.stdout.is_empty(), "{command}");
        assert!(errors.contains(message), "{command}: {errors}");
        assert!(!errors.contains("panicked"), "{command}: {errors}");
    }
}

#[test]
fn bytes_that_are_not_utf8_are_refused_where_they_stand() {
    // cf-agent passes such bytes through to its output; cfmini holds
    // text as UTF-8 and refuses the file instead.
    let file = policy_file(
        "latin1.cf",
        b"bundle agent main\n{\nreports:\n  \"caf\xe9\";\n}\n",
    );
    refused_with(&file, 3, "is not UTF-8 text: line 4, column 7");
}

#[test]
fn a_nul_byte_is_refused_where_it_stands() {
    // cf-agent stops a string at a NUL ("Runaway string"); outside a
    // string it reads on. cfmini refuses a NUL anywhere.
    let file = policy_file(
        "nul.cf",
        b"bundle agent main\n{\nreports:\n\0 \"x\";\n}\n",
    );
    refused_with(&file, 3, "nul.cf:4:1: error: NUL byte in policy text");

    let in_string = policy_file(
        "nul_string.cf",
        b"bundle agent main\n{\nreports:\n\"a\0b\";\n}\n",
    );
    refused_with(
        &in_string,
        3,
        "nul_string.cf:4:1: error: unterminated string",
    );
}

#[test]
fn a_byte_order_mark_is_a_syntax_error_as_in_cf_agent() {
    // cf-promises: "Expected 'bundle' or 'body' keyword, wrong input".
    let file = policy_file(
        "bom.cf",
        b"\xef\xbb\xbfbundle agent main\n{\nreports:\n  \"x\";\n}\n",
    );
    refused_with(&file, 3, "bom.cf:1:1: error: syntax error: expected");
}

#[test]
fn an_empty_file_defines_no_main_bundle() {
    // cf-agent: "Bundle 'main' listed in the bundlesequence is not a
    // defined bundle", and it stops. cf-promises says the same, but
    // `cfmini check` does not look for the bundlesequence's bundles
    // yet, so only `run` is asked.
    let file = policy_file("empty.cf", b"");
    let output = cfmini(&["run", &file]);
    assert_eq!(output.status.code(), Some(3));
    assert!(output.stdout.is_empty());
    let expected = "error: bundle 'main' in the bundlesequence is not defined";
    assert_eq!(stderr(&output).trim_end(), expected);
}

#[test]
fn a_directory_is_no_policy() {
    let dir = scratch_dir().join("dir.cf");
    std::fs::create_dir_all(&dir).unwrap();
    refused_with(dir.to_str().unwrap(), 2, "is not a regular file");
}

#[test]
fn a_missing_file_is_an_io_error() {
    let missing = scratch_dir().join("missing.cf");
    let _ = std::fs::remove_file(&missing);
    refused_with(missing.to_str().unwrap(), 2, "No such file or directory");
}

#[test]
fn an_unreadable_file_is_an_io_error() {
    use std::os::unix::fs::PermissionsExt;
    // The superuser reads any file, whatever its mode: then the mode
    // proves nothing, and a fifo stands in for a file that cannot be
    // read to its end.
    let file = policy_file("unreadable.cf", b"bundle agent main { }\n");
    let mode = std::fs::Permissions::from_mode(0o000);
    std::fs::set_permissions(&file, mode).unwrap();
    if std::fs::read(&file).is_err() {
        refused_with(&file, 2, "Permission denied");
    }

    let fifo = scratch_dir().join("fifo.cf");
    if !fifo.exists() {
        let made = Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    }
    refused_with(fifo.to_str().unwrap(), 2, "is not a regular file");
}
