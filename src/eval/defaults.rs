//! `defaults` promises, `printfile` bodies on reports and `depends_on`.
//!
//! A `defaults` promise gives its variable a value as a `vars` promise
//! would, but only where the bundle left it without one: undefined, an
//! empty list, or (with `if_match_regex`) a value the pattern matches
//! whole. cf-agent keeps an empty string as it is, and so does cfmini.

use super::{Bindings, Evaluator};
use crate::ast::{Body, Bundle, DEFAULT_NAMESPACE, Promise, Rval};
use crate::regex;
use crate::value::{Str, Value};

/// How many lines `printfile` prints when `number_of_lines` is not set.
const DEFAULT_PRINTED_LINES: usize = 5;

impl<'a> Evaluator<'a> {
    /// Runs a `defaults` promise: a `vars` promise for a variable that
    /// needs its default.
    pub(super) fn run_defaults(
        &mut self,
        bundle: &Bundle,
        promise: &Promise,
        bindings: &Bindings,
        pass: usize,
    ) {
        let scope = bundle.scope();
        let Some(name) = self.own_promiser(&scope, promise, bindings) else {
            return;
        };
        let frame = self.frame(&scope, bindings);
        let pattern = match promise.attribute("if_match_regex") {
            Some(attribute) => match frame.value(&attribute.value) {
                Ok(Value::Scalar(_, pattern)) => Some(pattern),
                _ => return,
            },
            None => None,
        };
        let current = self.vars.get(&scope).and_then(|v| v.get(&*name));
        if needs_default(current, pattern.as_deref()) {
            self.run_vars(bundle, promise, bindings, pass, false);
        }
    }

    /// The lines a report's `printfile` body prints after it, each as a
    /// report line; an error when the file cannot be read.
    pub(super) fn printed_lines(
        &self,
        scope: &str,
        promise: &Promise,
        bindings: &Bindings,
    ) -> Option<Result<Vec<String>, String>> {
        let attribute = promise.attribute("printfile")?;
        let (name, args) = match &attribute.value {
            Rval::Call(call) => (&call.name, &call.args[..]),
            Rval::Word(name, _) | Rval::Str(name, _) => (name, &[][..]),
            _ => return None,
        };
        let body = self.printfile_body(name)?;

        let frame = self.frame(scope, bindings);
        let mut inner = bindings.clone();
        for (param, arg) in body.params.iter().zip(args) {
            if let Ok(Value::Scalar(_, text)) = frame.value(arg) {
                inner.push((param.clone(), text));
            }
        }
        let frame = self.frame(scope, &inner);
        let setting = |name: &str| {
            let setting = body.settings.iter().rev().find(|s| {
                &*s.attribute.name == name
                    && self.guard_holds(&s.context.expr, scope, &inner)
            })?;
            match frame.value(&setting.attribute.value) {
                Ok(Value::Scalar(_, text)) => Some(text),
                _ => None,
            }
        };
        let file = setting("file_to_print")?;
        let count = setting("number_of_lines")
            .and_then(|n| n.parse().ok())
            .unwrap_or(DEFAULT_PRINTED_LINES);
        Some(read_lines(&file, count))
    }

    fn printfile_body(&self, name: &str) -> Option<&'a Body> {
        let (namespace, name) =
            name.split_once(':').unwrap_or((DEFAULT_NAMESPACE, name));
        self.policy.bodies.iter().find(|b| {
            &*b.keyword == "body"
                && &*b.kind == "printfile"
                && &*b.name == name
                && &*b.namespace == namespace
        })
    }

    /// Whether every handle a promise's `depends_on` names belongs to a
    /// promise kept so far; a promise that waits on others runs in a
    /// later pass, or never.
    pub(super) fn dependencies_kept(
        &self,
        scope: &str,
        promise: &Promise,
        bindings: &Bindings,
    ) -> bool {
        let Some(attribute) = promise.attribute("depends_on") else {
            return true;
        };
        let handles: Vec<Str> =
            match self.frame(scope, bindings).value(&attribute.value) {
                Ok(Value::List(_, items)) => items.to_vec(),
                Ok(Value::Scalar(_, text)) => vec![text],
                _ => return false,
            };
        handles.iter().all(|h| self.kept_handles.contains(&**h))
    }
}

/// Whether a variable holding `current` takes its default.
fn needs_default(current: Option<&Value>, pattern: Option<&str>) -> bool {
    let matches = |text: &str| {
        let regex = pattern.and_then(|p| regex::compile(p).ok());
        regex.is_some_and(|r| r.is_full_match(text))
    };
    match current {
        None => true,
        Some(Value::List(_, items)) => {
            items.is_empty() || items.iter().any(|item| matches(item))
        }
        Some(Value::Scalar(_, text)) => matches(text),
        Some(Value::Data(_)) => false,
    }
}

/// The longest line `printfile` prints; a file without line ends, such
/// as a device, stops there.
const MAX_PRINTED_LINE: u64 = 1 << 20;

/// The first `count` lines of `file`, as `printfile` prints them.
fn read_lines(file: &str, count: usize) -> Result<Vec<String>, String> {
    use std::io::{BufRead, BufReader, Read};
    use std::os::unix::fs::FileTypeExt;

    if std::fs::metadata(file).is_ok_and(|m| m.file_type().is_fifo()) {
        return Err(format!(
            "printing of file '{file}' was not possible: it is a FIFO"
        ));
    }
    let unreadable = |e: std::io::Error| {
        format!("printing of file '{file}' was not possible: {e}")
    };
    let mut reader =
        BufReader::new(std::fs::File::open(file).map_err(unreadable)?);
    let mut lines = Vec::new();
    while lines.len() < count {
        let mut line = Vec::new();
        let mut limited = reader.by_ref().take(MAX_PRINTED_LINE);
        if limited.read_until(b'\n', &mut line).map_err(unreadable)? == 0 {
            break;
        }
        let line = String::from_utf8_lossy(&line);
        lines.push(line.trim_end_matches(['\n', '\r']).to_string());
    }
    Ok(lines)
}
