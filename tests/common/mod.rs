//! What the integration tests share: running the built binary,
//! writing scratch policies for it, and reading what it prints.

// Each test crate that includes this module uses only part of it.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use cfmini::builtins::Env;
use cfmini::value::Value;

/// Runs cfmini with `args` in the repository root.
pub fn cfmini(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cfmini"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cfmini runs")
}

/// Runs cfmini with `args` in the repository root, `input` on its
/// standard input, and no history file.
pub fn cfmini_fed(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cfmini"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("CFMINI_HISTORY", "")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cfmini runs");
    let mut stdin = child.stdin.take().expect("stdin is piped");
    stdin.write_all(input.as_bytes()).unwrap();
    drop(stdin);
    child.wait_with_output().expect("cfmini runs")
}

/// The sorted names, without extension, of the files in `dir` of the
/// repository whose extension is `extension`.
pub fn file_stems(dir: &str, extension: &str) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{} is unreadable: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == extension))
        .map(|path| path.file_stem().unwrap().to_string_lossy().into())
        .collect();
    names.sort();
    names
}

/// The columns `--table` makes of `network_connections()`.
pub const SOCKET_COLUMNS: [&str; 6] = [
    "key",
    "local.address",
    "local.port",
    "remote.address",
    "remote.port",
    "state",
];

/// The cells of each line of a table, split at blanks.
pub fn table_cells(table: &str) -> Vec<Vec<&str>> {
    table
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect()
}

/// An environment with no variables and a fixture tree as `/`.
pub struct FixtureRoot(pub PathBuf);

impl Env for FixtureRoot {
    fn lookup(&self, _name: &str) -> Option<Value> {
        None
    }

    fn sysroot(&self) -> &Path {
        &self.0
    }
}

/// A directory of the target directory, `name`, made if missing.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `bytes` to file `name` of scratch directory `dir`; its path.
pub fn scratch_file(dir: &str, name: &str, bytes: impl AsRef<[u8]>) -> String {
    let path = scratch_dir(dir).join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_string_lossy().into_owned()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
