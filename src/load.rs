//! Reads a policy file and the files its `inputs` name, into one policy.
//!
//! `inputs` paths are taken relative to the directory of the file that
//! names them, as cf-agent takes them. Only plain strings and
//! `$(sys.policy_entry_dirname)` are understood in `inputs`; a path
//! built from other variables is reported as not found.

use std::fs;
use std::path::{Path, PathBuf};

use crate::ast::{Policy, Rval};
use crate::error::{Error, ErrorKind};
use crate::parse;

/// A policy with the text of every file it came from.
pub struct Loaded {
    /// The merged policy.
    pub policy: Policy,
    /// Each file read, with its text, the entry file first.
    pub sources: Vec<(PathBuf, String)>,
}

impl Loaded {
    /// The text of `file`, for rendering an error in it.
    pub fn source(&self, file: &Path) -> Option<&str> {
        let found = self.sources.iter().find(|(path, _)| path == file);
        found.map(|(_, text)| text.as_str())
    }
}

/// Reads `file` and everything its `inputs` name.
pub fn load(file: &Path) -> Result<Loaded, Error> {
    let mut loaded = Loaded {
        policy: Policy::default(),
        sources: Vec::new(),
    };
    let mut pending = vec![file.to_path_buf()];
    let entry_dir = file.parent().unwrap_or(Path::new(".")).to_path_buf();

    while let Some(path) = pending.pop() {
        if loaded.sources.iter().any(|(p, _)| *p == path) {
            continue;
        }
        let text = read(&path)?;
        let policy = parse::parse(&text, &path).inspect_err(|_| {
            loaded.sources.push((path.clone(), text.clone()));
        })?;
        let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        for input in inputs(&policy, &entry_dir) {
            pending.push(dir.join(input));
        }
        loaded.policy.bundles.extend(policy.bundles);
        loaded.policy.bodies.extend(policy.bodies);
        loaded.sources.push((path, text));
    }
    Ok(loaded)
}

/// Reads a policy file as UTF-8 text.
pub fn read(path: &Path) -> Result<String, Error> {
    let bytes = fs::read(path).map_err(|e| {
        let message = format!("cannot read '{}': {e}", path.display());
        Error::new(ErrorKind::Io, message)
    })?;
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let message =
            format!("'{}' is not UTF-8 text (byte {offset})", path.display());
        Error::new(ErrorKind::Parse, message)
    })
}

/// The paths in `body common control { inputs => { ... }; }`.
fn inputs(policy: &Policy, entry_dir: &Path) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    for setting in policy.control_settings("inputs") {
        for item in setting.attribute.value.items() {
            if let Rval::Str(text, _) = item {
                let dir = entry_dir.to_string_lossy();
                let text = text
                    .replace("$(sys.policy_entry_dirname)", &dir)
                    .replace("${sys.policy_entry_dirname}", &dir);
                paths.push(PathBuf::from(text));
            }
        }
    }
    paths
}
