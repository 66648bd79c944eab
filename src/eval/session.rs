//! An evaluation that lasts across inputs, as the REPL needs it.
//!
//! cf-agent evaluates a policy whole. A session instead takes promises
//! a few at a time: each input is a `bundle agent main` of its own,
//! run through the three passes against what the inputs before it
//! left. Variables, classes, their notes and cached call results carry
//! over from one input to the next; so do the classes the inputs'
//! `main` bundle defined, which cf-agent would drop at the end of the
//! bundle, because a user who defines a class expects to use it next.
//!
//! Policies loaded into the session add their bundles and bodies to it,
//! are resolved as a run resolves a policy before its bundlesequence,
//! and may run their bundlesequence, all against the same state.

use std::io::Write;
use std::mem;
use std::path::Path;

use indexmap::IndexMap;

use super::{Evaluator, Options, Outcome, state};
use crate::ast::{Body, Bundle, Policy};
use crate::classes::ClassSet;
use crate::error::Error;
use crate::value::{Str, Value};

/// The name of the bundle each input is run as.
pub const INPUT_BUNDLE: &str = "main";

/// Variables, classes and the rest an evaluation leaves behind.
#[derive(Default)]
struct Memory {
    vars: IndexMap<Str, IndexMap<Str, Value>>,
    global_classes: ClassSet,
    notes: state::Notes,
    calls: std::collections::HashMap<String, Value>,
}

/// A policy and a state that grow with every input.
pub struct Session {
    options: Options,
    /// The bundles and bodies defined so far, the control bodies of the
    /// last policy loaded among them.
    policy: Policy,
    /// What the last input left; `None` before the first.
    memory: Option<Memory>,
    /// The classes the inputs' own bundle defined so far.
    input_classes: ClassSet,
}

impl Session {
    /// A session with nothing defined yet, run as `options` say.
    pub fn new(options: Options) -> Session {
        Session {
            options,
            policy: Policy::default(),
            memory: None,
            input_classes: ClassSet::new(),
        }
    }

    /// The bundles and bodies defined so far.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Forgets every definition and value; the options stay.
    pub fn reset(&mut self) {
        *self = Session::new(mem::take(&mut self.options));
    }

    /// The session's bundles and bodies with `input`'s added: a bundle
    /// or body of the same kind, name and namespace as one of `input`'s
    /// is replaced by it, and the inputs' own bundle is never kept.
    pub fn with(&self, input: &Policy) -> Policy {
        let bundles = self.policy.bundles.iter().filter(|kept| {
            !is_input_bundle(kept)
                && !input.bundles.iter().any(|b| same_bundle(kept, b))
        });
        let bodies = self.policy.bodies.iter().filter(|kept| {
            let controls = &*kept.name == "control" && has_control(input);
            !controls && !input.bodies.iter().any(|b| same_body(kept, b))
        });
        Policy {
            bundles: bundles.chain(&input.bundles).cloned().collect(),
            bodies: bodies.chain(&input.bodies).cloned().collect(),
        }
    }

    /// Forgets the variable `name` of the inputs' bundle and the class
    /// of that name the inputs defined.
    pub fn forget(&mut self, name: &str) {
        let memory = self.memory.as_mut();
        if let Some(vars) = memory.and_then(|m| m.vars.get_mut(INPUT_BUNDLE)) {
            vars.shift_remove(name);
        }
        self.input_classes.remove(name);
    }

    /// Runs the promises of `input`, a policy whose last bundle is the
    /// input's `bundle agent main`, writing reports to `out`, or keeping
    /// them in the outcome with `collect_reports`.
    pub fn run_promises(
        &mut self,
        input: &Policy,
        file: &Path,
        collect_reports: bool,
        out: &mut dyn Write,
    ) -> Result<Outcome, Error> {
        let policy = self.with(input);
        let mut options = self.options.clone();
        options.collect_reports = collect_reports;
        let mut evaluator = Evaluator::new(&policy, file, &options, out);
        self.recall(&mut evaluator);
        let Some(bundle) =
            policy.bundles.iter().rev().find(|b| is_input_bundle(b))
        else {
            return Ok(self.keep(evaluator));
        };

        evaluator.depth += 1;
        evaluator
            .local_classes
            .push(mem::take(&mut self.input_classes));
        evaluator.returns.push(IndexMap::new());
        let result = evaluator.run_passes(bundle);
        self.input_classes = evaluator.local_classes.pop().unwrap_or_default();
        evaluator.depth -= 1;
        // The state is kept whether or not the input failed: what it set
        // before the error stays set, as a REPL user expects.
        let outcome = self.keep(evaluator);
        result.map(|()| outcome)
    }

    /// Adds `loaded`'s bundles and bodies to the session and resolves
    /// them as a run does before its bundlesequence, so that common
    /// bundles set their variables and classes; with `run_sequence`, its
    /// bundlesequence then runs, as `cfmini run` would run it, against
    /// the session's state.
    pub fn load(
        &mut self,
        loaded: &Policy,
        file: &Path,
        run_sequence: bool,
        out: &mut dyn Write,
    ) -> Result<Outcome, Error> {
        self.policy = self.with(loaded);
        let policy = self.policy.clone();
        let options = self.options.clone();
        let mut evaluator = Evaluator::new(&policy, file, &options, out);
        self.recall(&mut evaluator);
        let mut result = evaluator.resolve_rounds();
        if run_sequence && result.is_ok() {
            result = evaluator.run_sequence();
        }
        let outcome = self.keep(evaluator);
        result.map(|()| outcome)
    }

    /// Hands the evaluator what the inputs before left. The first input
    /// resolves the policy as a run does, so that `sys` and the other
    /// special variables are there from the start.
    fn recall(&mut self, evaluator: &mut Evaluator) {
        match self.memory.take() {
            Some(memory) => {
                evaluator.vars = memory.vars;
                evaluator.global_classes = memory.global_classes;
                evaluator.notes = memory.notes;
                *evaluator.calls.borrow_mut() = memory.calls;
            }
            None => {
                let _ = evaluator.resolve_rounds();
            }
        }
    }

    /// Takes the state out of `evaluator` and keeps it for the next
    /// input; the outcome shows the classes of the inputs' bundle among
    /// the global ones.
    fn keep(&mut self, mut evaluator: Evaluator) -> Outcome {
        let mut outcome = mem::take(&mut evaluator.outcome);
        // The inputs' classes show with the global ones, but are kept
        // apart from them.
        let global = evaluator.global_classes.clone();
        let inputs = self.input_classes.iter().cloned();
        evaluator.global_classes.extend(inputs);
        outcome.state = evaluator.final_state();

        self.memory = Some(Memory {
            vars: mem::take(&mut evaluator.vars),
            global_classes: global,
            notes: mem::take(&mut evaluator.notes),
            calls: mem::take(&mut *evaluator.calls.borrow_mut()),
        });
        outcome
    }
}

fn is_input_bundle(bundle: &Bundle) -> bool {
    &*bundle.name == INPUT_BUNDLE
        && &*bundle.kind == "agent"
        && &*bundle.namespace == crate::ast::DEFAULT_NAMESPACE
}

fn same_bundle(a: &Bundle, b: &Bundle) -> bool {
    a.name == b.name && a.kind == b.kind && a.namespace == b.namespace
}

fn same_body(a: &Body, b: &Body) -> bool {
    a.keyword == b.keyword
        && a.kind == b.kind
        && a.name == b.name
        && a.namespace == b.namespace
}

fn has_control(policy: &Policy) -> bool {
    policy.bodies.iter().any(|b| &*b.name == "control")
}
