//! The verbose log: what `cfmini run -v` tells on standard error about
//! the decisions the evaluator makes, in the spirit of `cf-agent -v`.
//!
//! Every message is written here, each line starting with `verbose: `,
//! so that the evaluator only says what happened. Results (reports, the
//! final state) never go through the log.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;
use std::path::Path;

use super::{Frame, PASSES, State, rval_texts};
use crate::ast::{Attribute, Bundle, Promise, Rval};
use crate::expand;
use crate::value::Value;

/// Writes verbose messages when enabled, nothing otherwise.
#[derive(Debug, Default)]
pub struct Log {
    enabled: bool,
    /// Messages about the end of the run, written once each although
    /// `vars` run twice in the last pass.
    said: RefCell<HashSet<String>>,
}

/// Why a promise did not run.
pub(super) enum Skip<'p> {
    /// Its class guard does not hold; the guard as expanded.
    Context(&'p str),
    /// An `if`, `ifvarclass` or `unless` attribute stops it.
    Condition(&'p Attribute),
}

impl Log {
    /// A log that writes when `enabled`.
    pub fn new(enabled: bool) -> Log {
        Log {
            enabled,
            said: RefCell::default(),
        }
    }

    fn line(&self, message: fmt::Arguments) {
        if self.enabled {
            eprintln!("verbose: {message}");
        }
    }

    fn once(&self, message: String) {
        if self.said.borrow_mut().insert(message.clone()) {
            self.line(format_args!("{message}"));
        }
    }

    /// What a builtin decided while reading its input.
    pub fn builtin(&self, function: &str, message: &str) {
        self.line(format_args!("{function}(): {message}"));
    }

    /// A policy file was read.
    pub fn file_loaded(&self, path: &Path) {
        self.line(format_args!("loaded policy file '{}'", path.display()));
    }

    /// A round of resolving common bundles ahead of the bundlesequence.
    pub(super) fn resolve_round(&self, round: usize) {
        self.line(format_args!(
            "resolving variables and classes ahead of the bundlesequence, \
             round {round}"
        ));
    }

    /// A pass over a bundle starts.
    pub(super) fn pass(&self, bundle: &Bundle, pass: usize) {
        self.line(format_args!(
            "{} bundle '{}': pass {pass} of {PASSES}",
            bundle.kind, bundle.name
        ));
    }

    /// A promise type that cfmini never evaluates.
    pub(super) fn skipped_type(&self, bundle: &Bundle, promise_type: &str) {
        self.line(format_args!(
            "skipping '{promise_type}' promises in bundle '{}': cfmini does \
             not change the machine",
            bundle.name
        ));
    }

    /// A promise whose guard or condition is false.
    pub(super) fn skipped(
        &self,
        bundle: &Bundle,
        promise_type: &str,
        promise: &Promise,
        why: Skip,
    ) {
        if !self.enabled {
            return;
        }
        let place = place(bundle, promise);
        let promiser = &promise.promiser;
        let reason = match why {
            Skip::Context(guard) => {
                format!("class guard '{guard}' does not hold")
            }
            Skip::Condition(attribute) => format!(
                "constraint '{} => {}' is not met",
                attribute.name,
                rval_source(&attribute.value)
            ),
        };
        self.line(format_args!(
            "{place}: skipping {promise_type} promise '{promiser}' in bundle \
             '{}' because {reason}",
            bundle.name
        ));
    }

    /// A `vars` promise that the last pass leaves undefined, because of
    /// the references still unresolved in it.
    pub(super) fn undefined(
        &self,
        bundle: &Bundle,
        promise: &Promise,
        frame: &Frame,
    ) {
        if !self.enabled {
            return;
        }
        let mut texts = vec![&*promise.promiser];
        for attribute in &promise.attributes {
            rval_texts(&attribute.value, &mut texts);
        }
        let references = unresolved(frame, &texts);
        self.once(format!(
            "{}: variable '{}' in bundle '{}' stays undefined: {} does not \
             resolve",
            place(bundle, promise),
            promise.promiser,
            bundle.name,
            quoted(&references)
        ));
    }

    /// A report printed in the last pass with references in its text.
    pub(super) fn unresolved_report(
        &self,
        bundle: &Bundle,
        promise: &Promise,
        text: &str,
    ) {
        if !self.enabled {
            return;
        }
        let references = leftover(text);
        self.line(format_args!(
            "{}: report '{text}' printed with {} unresolved",
            place(bundle, promise),
            quoted(&references)
        ));
    }

    /// Each variable whose final value, or an item of it, still holds
    /// references.
    pub(super) fn unresolved_values(&self, state: &State) {
        if !self.enabled {
            return;
        }
        for var in &state.vars {
            let texts = match &var.value {
                Value::Scalar(_, text) => std::slice::from_ref(text),
                Value::List(_, items) => &items[..],
                Value::Data(_) => continue,
            };
            let mut references = Vec::new();
            for text in texts {
                references.extend(leftover(text));
            }
            references.dedup();
            if !references.is_empty() {
                self.line(format_args!(
                    "variable '{}' keeps {} unresolved at the end of the run",
                    var.name,
                    quoted(&references)
                ));
            }
        }
    }
}

fn place(bundle: &Bundle, promise: &Promise) -> String {
    format!("{}:{}", bundle.file.display(), promise.line)
}

/// The references left in `texts` once expanded where the promise
/// stands.
fn unresolved(frame: &Frame, texts: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for text in texts {
        for reference in leftover(&frame.expand(text).text) {
            if !found.contains(&reference) {
                found.push(reference);
            }
        }
    }
    found
}

/// The `$(...)` and `@(...)` references in an expanded text.
fn leftover(text: &str) -> Vec<String> {
    let dollars = text.replace('@', "$");
    let mut found: Vec<String> = Vec::new();
    for reference in expand::references(&dollars) {
        let written = &text[reference.start..][..reference.whole.len()];
        if !found.iter().any(|f| f == written) {
            found.push(written.to_string());
        }
    }
    found
}

/// `'$(a)'`, `'$(a)', '$(b)'`, or `a reference` when none can be named.
fn quoted(references: &[String]) -> String {
    if references.is_empty() {
        return "a reference".into();
    }
    let quoted: Vec<String> =
        references.iter().map(|r| format!("'{r}'")).collect();
    quoted.join(", ")
}

/// An rval as it could be written in policy.
fn rval_source(rval: &Rval) -> String {
    match rval {
        Rval::Str(text, _) => format!("\"{text}\""),
        Rval::Word(word, _) => word.to_string(),
        Rval::ListRef(name, _) => format!("@({name})"),
        Rval::List(items, _) => {
            let items: Vec<String> = items.iter().map(rval_source).collect();
            format!("{{ {} }}", items.join(", "))
        }
        Rval::Call(call) => {
            let args: Vec<String> = call.args.iter().map(rval_source).collect();
            format!("{}({})", call.name, args.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leftover_names_each_reference_once_as_written() {
        assert_eq!(leftover("a $(x) @(l) $(x) ${y}"), ["$(x)", "@(l)", "${y}"]);
        assert!(leftover("plain $ text").is_empty());
    }

    #[test]
    fn rval_source_reads_like_policy() {
        let span = Default::default();
        let call = Rval::Call(crate::ast::Call {
            name: "isvariable".into(),
            args: vec![Rval::Str("x".into(), span)],
            span,
        });
        assert_eq!(rval_source(&call), "isvariable(\"x\")");
        let list = Rval::List(
            vec![
                Rval::Word("a".into(), span),
                Rval::ListRef("l".into(), span),
            ],
            span,
        );
        assert_eq!(rval_source(&list), "{ a, @(l) }");
    }
}
