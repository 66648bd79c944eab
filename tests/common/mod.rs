//! What the command-line tests share: running the built binary and
//! writing scratch policies for it.

// Each test crate that includes this module uses only part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs cfmini with `args` in the repository root.
pub fn cfmini(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cfmini"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cfmini runs")
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
