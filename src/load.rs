//! Reads a policy file and the files its `inputs` name, into one policy.
//!
//! Relative `inputs` paths are taken from the directory of the entry
//! file, whichever file names them, as cf-agent takes them. Like
//! cf-agent, loading goes in rounds: the files named by plain strings are
//! read, then the caller expands the `inputs` that hold variables against
//! the policy read so far (its common bundles), and the files those name
//! are read in the next round, until no new file turns up. An input that
//! never resolves is kept in [`Loaded::unresolved`]; cf-agent reports it
//! and runs on.

use std::collections::{HashSet, VecDeque};
use std::fs;
use std::path::{Path, PathBuf};

use crate::ast::{Policy, Rval, Span};
use crate::error::{Error, ErrorKind};
use crate::expand;
use crate::parse;

/// A policy with the text of every file it came from.
pub struct Loaded {
    /// The merged policy.
    pub policy: Policy,
    /// Each file read, with its text, the entry file first.
    pub sources: Vec<(PathBuf, String)>,
    /// Inputs whose variables never resolved, as far as they expand.
    pub unresolved: Vec<Error>,
}

/// Expands the `inputs` items that hold variables, against the policy
/// read so far: a path for each item, or `Err` with the item as far as
/// it expands. A list variable may stand for several paths.
pub type ExpandInputs<'a> =
    dyn FnMut(&Policy, &[&Rval]) -> Vec<Result<Vec<String>, String>> + 'a;

impl Loaded {
    /// The text of `file`, for rendering an error in it.
    pub fn source(&self, file: &Path) -> Option<&str> {
        let found = self.sources.iter().find(|(path, _)| path == file);
        found.map(|(_, text)| text.as_str())
    }
}

/// Reads `file` and everything its `inputs` name, with `expand` giving
/// the paths of inputs that hold variables.
pub fn load(file: &Path, expand: &mut ExpandInputs) -> Result<Loaded, Error> {
    let mut loader = Loader {
        loaded: Loaded {
            policy: Policy::default(),
            sources: Vec::new(),
            unresolved: Vec::new(),
        },
        entry_dir: absolute_dir(file),
        pending: VecDeque::from([(file.to_path_buf(), None)]),
        ignore_missing: false,
        seen: HashSet::new(),
        variable_inputs: Vec::new(),
    };
    loop {
        loader.read_pending()?;
        if !loader.expand_variable_inputs(expand) {
            break;
        }
    }
    loader.keep_unresolved(expand);
    Ok(loader.loaded)
}

/// Where a path to read was named: the file and the span of the item.
type NamedAt = Option<(PathBuf, Span)>;

struct Loader {
    loaded: Loaded,
    entry_dir: PathBuf,
    pending: VecDeque<(PathBuf, NamedAt)>,
    /// Set by the entry file's `ignore_missing_inputs`.
    ignore_missing: bool,
    /// Files already read, by their canonical path: a file named twice,
    /// or naming itself, is read once, as cf-agent reads it.
    seen: HashSet<PathBuf>,
    /// Inputs items that hold variables, with the file naming them.
    variable_inputs: Vec<(PathBuf, Rval)>,
}

impl Loader {
    /// Reads every pending file, and the files their plain inputs name.
    fn read_pending(&mut self) -> Result<(), Error> {
        while let Some((path, named_at)) = self.pending.pop_front() {
            let canonical = fs::canonicalize(&path).unwrap_or(path.clone());
            if !self.seen.insert(canonical) {
                continue;
            }
            let text = match read(&path) {
                Ok(text) => text,
                Err(_) if named_at.is_some() && self.ignore_missing => continue,
                Err(e) => return Err(locate(e, named_at)),
            };
            let sources = &mut self.loaded.sources;
            let policy = parse::parse(&text, &path).inspect_err(|_| {
                sources.push((path.clone(), text.clone()));
            })?;
            if named_at.is_none() {
                self.ignore_missing =
                    policy.control_flag("ignore_missing_inputs");
            }
            self.queue_inputs(&policy, &path);
            self.loaded.policy.bundles.extend(policy.bundles);
            self.loaded.policy.bodies.extend(policy.bodies);
            self.loaded.sources.push((path, text));
        }
        Ok(())
    }

    /// Queues the plain inputs of `policy`, read from `path`, and sets
    /// aside those that hold variables.
    fn queue_inputs(&mut self, policy: &Policy, path: &Path) {
        for item in inputs(policy) {
            match item {
                Rval::Str(text, span)
                    if !expand::has_reference(text) && !text.contains("@(") =>
                {
                    let named_at = Some((path.to_path_buf(), *span));
                    self.pending
                        .push_back((self.entry_dir.join(&**text), named_at));
                }
                Rval::Str(..) | Rval::ListRef(..) => self
                    .variable_inputs
                    .push((path.to_path_buf(), item.clone())),
                _ => {}
            }
        }
    }

    /// Queues the files that inputs holding variables name now; false
    /// when they name no file not yet read.
    fn expand_variable_inputs(&mut self, expand: &mut ExpandInputs) -> bool {
        if self.variable_inputs.is_empty() {
            return false;
        }
        let items: Vec<&Rval> =
            self.variable_inputs.iter().map(|(_, item)| item).collect();
        let expanded = expand(&self.loaded.policy, &items);

        let mut new_files = false;
        for ((file, item), paths) in self.variable_inputs.iter().zip(expanded) {
            for path in paths.unwrap_or_default() {
                let path = self.entry_dir.join(path);
                let canonical = fs::canonicalize(&path).unwrap_or(path.clone());
                if self.seen.contains(&canonical) {
                    continue;
                }
                new_files = true;
                let named_at = Some((file.clone(), item_span(item)));
                self.pending.push_back((path, named_at));
            }
        }
        new_files
    }

    /// Records the inputs that still do not resolve once loading is
    /// over.
    fn keep_unresolved(&mut self, expand: &mut ExpandInputs) {
        let items: Vec<&Rval> =
            self.variable_inputs.iter().map(|(_, item)| item).collect();
        if items.is_empty() {
            return;
        }
        let expanded = expand(&self.loaded.policy, &items);
        for ((file, item), paths) in self.variable_inputs.iter().zip(expanded) {
            if let Err(text) = paths {
                let message = format!(
                    "input '{text}' holds a variable that does not resolve"
                );
                let error =
                    Error::at(ErrorKind::Check, message, file, item_span(item));
                self.loaded.unresolved.push(error);
            }
        }
    }
}

fn item_span(item: &Rval) -> Span {
    match item {
        Rval::Str(_, span) | Rval::ListRef(_, span) => *span,
        _ => Span::default(),
    }
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
pub const MAX_POLICY_BYTES: u64 = 1 << 30;

/// The items of `inputs` in `body common control` and in `body file
/// control`.
fn inputs(policy: &Policy) -> Vec<&Rval> {
    let file_controls = policy
        .bodies
        .iter()
        .filter(|b| &*b.keyword == "body" && &*b.kind == "file")
        .filter(|b| &*b.name == "control")
        .flat_map(|b| &b.settings)
        .filter(|s| &*s.attribute.name == "inputs");

    let settings = policy.control_settings("inputs").chain(file_controls);
    settings.flat_map(|s| s.attribute.value.items()).collect()
}
