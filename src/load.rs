//! Reads a policy file and the files its `inputs` name, into one policy.
//!
//! Relative `inputs` paths are taken from the directory of the entry
//! file, whichever file names them, as cf-agent takes them. Only plain
//! strings and `$(sys.policy_entry_dirname)` are understood in
//! `inputs`; a path built from other variables, or a list variable, is
//! reported as a file that cannot be read.

use std::collections::{HashSet, VecDeque};
use std::fs;
use std::path::{Path, PathBuf};

use crate::ast::{Policy, Rval, Span};
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
    let entry_dir = absolute_dir(file);
    let mut pending = VecDeque::from([(file.to_path_buf(), None)]);
    // Set by the entry file's `ignore_missing_inputs`.
    let mut ignore_missing = false;

    // Files already read, by their canonical path: a file named twice,
    // or naming itself, is read once, as cf-agent reads it.
    let mut seen = HashSet::new();
    while let Some((path, named_at)) = pending.pop_front() {
        let canonical = fs::canonicalize(&path).unwrap_or(path.clone());
        if !seen.insert(canonical) {
            continue;
        }
        let text = match read(&path) {
            Ok(text) => text,
            Err(_) if named_at.is_some() && ignore_missing => continue,
            Err(e) => return Err(locate(e, named_at)),
        };
        let policy = parse::parse(&text, &path).inspect_err(|_| {
            loaded.sources.push((path.clone(), text.clone()));
        })?;
        if named_at.is_none() {
            ignore_missing = policy.control_flag("ignore_missing_inputs");
        }
        for (input, span) in inputs(&policy, &entry_dir) {
            pending
                .push_back((entry_dir.join(input), Some((path.clone(), span))));
        }
        loaded.policy.bundles.extend(policy.bundles);
        loaded.policy.bodies.extend(policy.bodies);
        loaded.sources.push((path, text));
    }
    Ok(loaded)
}

/// The directory of `file` as an absolute path.
fn absolute_dir(file: &Path) -> PathBuf {
    let absolute = std::path::absolute(file).unwrap_or(file.to_path_buf());
    absolute.parent().unwrap_or(Path::new("/")).to_path_buf()
}

/// An error reading an input file, placed where the file was named.
fn locate(error: Error, named_at: Option<(PathBuf, Span)>) -> Error {
    match named_at {
        Some((file, span)) => Error::at(error.kind, error.message, &file, span),
        None => error,
    }
}

/// Reads a policy file as UTF-8 text.
pub fn read(path: &Path) -> Result<String, Error> {
    let io_error = |message: String| Error::new(ErrorKind::Io, message);
    let shown = path.display();
    let meta = fs::metadata(path)
        .map_err(|e| io_error(format!("cannot read '{shown}': {e}")))?;
    // A device or a pipe may never end; a policy is a file.
    if !meta.is_file() {
        return Err(io_error(format!("'{shown}' is not a regular file")));
    }
    if meta.len() > MAX_POLICY_BYTES {
        let message =
            format!("'{shown}' is larger than {} MiB", MAX_POLICY_BYTES >> 20);
        return Err(io_error(message));
    }

    let bytes = fs::read(path)
        .map_err(|e| io_error(format!("cannot read '{shown}': {e}")))?;
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let valid = &e.as_bytes()[..offset];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start =
            valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let col = String::from_utf8_lossy(&valid[line_start..])
            .chars()
            .count()
            + 1;
        let message =
            format!("'{shown}' is not UTF-8 text: line {line}, column {col}");
        Error::new(ErrorKind::Parse, message)
    })
}

/// The largest policy file cfmini reads.
const MAX_POLICY_BYTES: u64 = 1 << 30;

/// The paths `inputs` names in `body common control` and in `body file
/// control`, with where each is written. `$(sys.policy_entry_dirname)`
/// is the entry file's directory; any other variable is left in the
/// path (cf-agent 3.21 leaves even `$(this.promise_dirname)` unresolved
/// there).
fn inputs(policy: &Policy, entry_dir: &Path) -> Vec<(PathBuf, Span)> {
    let file_controls = policy
        .bodies
        .iter()
        .filter(|b| &*b.keyword == "body" && &*b.kind == "file")
        .filter(|b| &*b.name == "control")
        .flat_map(|b| &b.settings)
        .filter(|s| &*s.attribute.name == "inputs");

    let entry = entry_dir.to_string_lossy();
    let settings = policy.control_settings("inputs").chain(file_controls);
    let mut paths = Vec::new();
    for setting in settings {
        for item in setting.attribute.value.items() {
            let Rval::Str(text, span) = item else {
                continue;
            };
            let text = text
                .replace("$(sys.policy_entry_dirname)", &entry)
                .replace("${sys.policy_entry_dirname}", &entry);
            paths.push((PathBuf::from(text), *span));
        }
    }
    paths
}
