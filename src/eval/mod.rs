//! The evaluator: runs the bundlesequence as cf-agent does.
//!
//! Each bundle is evaluated in three passes; in every pass the promise
//! types run in cf-agent's normal order (`meta`, `vars`, `classes`,
//! `methods`, `reports`), with `vars` evaluated once more right after
//! `classes`, so that a variable guarded by a class of the same bundle
//! is set before that pass's reports, as cf-agent sets it. Variables and
//! classes are evaluated again on each pass, so a promise waiting for a
//! later definition resolves then. Reports and methods act once: a
//! report whose text still holds a reference waits for the last pass and
//! then prints as it stands. Other promise types are skipped: cfmini never changes the
//! machine.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};

use indexmap::IndexMap;

mod defaults;
mod frame;
pub mod log;
mod lookup;
mod outcome;
mod session;
mod state;
mod tags;

use crate::ast::{
    Attribute, Bundle, DEFAULT_NAMESPACE, Policy, Promise, Rval, Span,
};
use crate::classes::{self, ClassSet, canonify};
use crate::error::{Error, ErrorKind};
use crate::expand;
use crate::syntax::syntax;
use crate::system;
use crate::value::{Str, Value};

use frame::{Frame, Pending, Truth};
pub use frame::{int_text, real_text};
use log::{Log, Skip};
use lookup::{Qualify, namespace_of};
pub use session::{INPUT_BUNDLE, Session};
pub use state::{State, StateClass, StateVar};

/// Set, by a signal handler for instance, to stop a run at the next
/// promise or iteration with an error; whoever sets it clears it before
/// the next run.
pub static INTERRUPT: AtomicBool = AtomicBool::new(false);

/// The number of passes cf-agent makes over a bundle.
const PASSES: usize = 3;

/// Functions whose result depends only on their arguments and on files
/// that do not change while a policy runs. cf-agent calls them again on
/// every pass; cfmini calls each once per distinct arguments, which
/// gives the same answer without reading a million sockets six times.
/// `network_sockets()`, cfmini's own, is read once too, so that every
/// pass sees one snapshot of a live host's sockets.
const CACHED_CALLS: [&str; 3] =
    ["network_connections", "network_sockets", "parsejson"];

/// How many combinations of lists one promise may iterate over: two
/// lists of a thousand items pass, three do not, so that a policy cannot
/// exhaust memory by accident.
const MAX_ITERATIONS: usize = 2_000_000;

/// The longest string a variable may hold: strings that double on each
/// definition reach it quickly, and would otherwise fill memory.
const MAX_VALUE_BYTES: usize = 64 << 20;

/// How deep `methods` may nest bundles before the evaluator stops.
const MAX_BUNDLE_DEPTH: usize = 100;

/// The promise types the evaluator runs.
const EVALUATED_TYPES: [&str; 6] =
    ["meta", "vars", "defaults", "classes", "methods", "reports"];

/// The steps of one pass over an agent bundle, in cf-agent's normal
/// order, with variables evaluated again once classes are known; the
/// `defaults` come after both, so a default replaces what they left.
const AGENT_PASS: [&str; 7] = [
    "meta", "vars", "classes", "vars", "defaults", "methods", "reports",
];

/// The steps of one pass over a common bundle. cf-agent goes one round
/// of classes and variables further in a common bundle than in an agent
/// bundle before its reports: a chain of classes and variables that
/// each wait for the one before reaches that far in cf-agent 3.21.
const COMMON_PASS: [&str; 9] = [
    "meta", "vars", "classes", "vars", "classes", "vars", "defaults",
    "methods", "reports",
];

/// Before the bundlesequence runs, cf-agent resolves the policy twice:
/// each time the variables and classes of every common bundle, then the
/// variables of every agent bundle. So a bundle can read another's
/// variables before that bundle runs, or when it never does.
const RESOLVE_ROUNDS: usize = 2;

/// The steps of resolving a common bundle ahead of the bundlesequence.
const COMMON_RESOLVE: [&str; 4] = ["meta", "vars", "classes", "vars"];

/// The steps of resolving an agent bundle ahead of the bundlesequence.
const AGENT_RESOLVE: [&str; 2] = ["meta", "vars"];

/// How a run is set up.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The directory that stands for `/` when reading `/proc` and `/etc`.
    pub sysroot: PathBuf,
    /// Classes defined from the command line.
    pub defines: Vec<String>,
    /// Classes negated from the command line. cf-agent 3.21 accepts
    /// `-N` and leaves every class as it is, hard, `-D` and promised
    /// classes alike, and so does cfmini.
    pub negations: Vec<String>,
    /// A bundlesequence that replaces the policy's.
    pub bundlesequence: Option<Vec<String>>,
    /// Log decisions on standard error.
    pub verbose: bool,
    /// Keep report texts in the outcome instead of writing them out.
    pub collect_reports: bool,
    /// Keep the variables and classes the run leaves in
    /// [`Outcome::state`], which otherwise stays empty.
    pub keep_state: bool,
}

/// The outcome of a run.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Errors met while the policy ran, such as failed function calls.
    pub errors: Vec<String>,
    /// The variables and classes the run left, when
    /// [`Options::keep_state`] is set.
    pub state: State,
    /// The report texts, when [`Options::collect_reports`] is set.
    pub reports: Vec<String>,
}

/// Runs the policy's bundlesequence, writing reports to `out`.
pub fn run(
    policy: &Policy,
    file: &Path,
    options: &Options,
    out: &mut dyn Write,
) -> Result<Outcome, Error> {
    let mut evaluator = Evaluator::new(policy, file, options, out);
    evaluator.run()?;
    // Gathering the state walks every variable and class, a third of
    // the run of a small policy; only a caller or the log may want it.
    if options.keep_state || options.verbose {
        let state = evaluator.final_state();
        evaluator.log.unresolved_values(&state);
        if options.keep_state {
            evaluator.outcome.state = state;
        }
    }
    Ok(evaluator.outcome)
}

/// The paths that `inputs` items holding variables stand for, once the
/// common bundles of `policy` (the files read so far) are evaluated, as
/// [`load::load`](crate::load::load) asks for them. An item that does
/// not resolve comes back as far as it expands. Nothing is printed:
/// errors met here show again when the whole policy runs.
pub fn expand_inputs(
    policy: &Policy,
    file: &Path,
    options: &Options,
    items: &[&Rval],
) -> Vec<Result<Vec<String>, String>> {
    let mut sink = std::io::sink();
    let mut evaluator = Evaluator::new(policy, file, options, &mut sink);
    evaluator.quiet = true;
    evaluator.log = Log::new(false);
    for _ in 0..RESOLVE_ROUNDS {
        if evaluator.resolve().is_err() {
            break;
        }
    }

    let bindings = Bindings::new();
    let frame = evaluator.frame("control", &bindings);
    // As a one-item list, so that `@(x)` and `"@(x)"` splice in.
    let as_list = |item: &Rval| Rval::List(vec![item.clone()], Span::default());
    let path = |item: &Rval| match frame.value(&as_list(item)) {
        Ok(Value::List(_, paths)) if paths.iter().all(|p| !unexpanded(p)) => {
            Ok(paths.iter().map(|i| i.to_string()).collect())
        }
        _ => Err(match item {
            Rval::Str(text, _) => frame.expand(text).text,
            Rval::ListRef(name, _) => format!("@({name})"),
            _ => String::new(),
        }),
    };
    items.iter().map(|item| path(item)).collect()
}

/// Whether a path still holds a reference, `$(x)` or `@(x)`.
fn unexpanded(path: &str) -> bool {
    expand::is_unexpanded(path) || path.contains("@(")
}

/// Iteration bindings: a reference name and the item it stands for.
type Bindings = Vec<(Str, Str)>;

struct Evaluator<'a> {
    policy: &'a Policy,
    options: &'a Options,
    out: &'a mut dyn Write,
    /// Variables by scope (bundle name, `ns:bundle` in a namespace
    /// other than `default`, `sys`, `const`) and name.
    vars: IndexMap<Str, IndexMap<Str, Value>>,
    /// Hard classes, which belong to every namespace.
    hard_classes: ClassSet,
    /// Other global classes, `ns:name` in a namespace other than
    /// `default`.
    global_classes: ClassSet,
    /// Classes of the agent bundle running now, innermost last.
    local_classes: Vec<ClassSet>,
    /// Reports and method calls already acted on, per bundle.
    done: HashSet<(Str, String)>,
    depth: usize,
    /// Each policy file's absolute path and directory, as
    /// `this.promise_filename` and `this.promise_dirname` give them.
    files: HashMap<Rc<Path>, [Str; 2]>,
    /// Errors already reported, so that each shows once.
    reported: HashSet<String>,
    /// The handle each promise without one gets, by its address.
    default_handles: RefCell<HashMap<usize, Str>>,
    /// Results of [`CACHED_CALLS`], by function and arguments.
    calls: RefCell<HashMap<String, Value>>,
    /// The tags and comments of what the policy defined.
    notes: state::Notes,
    log: Log,
    /// Classic array elements builtins defined while a promise ran, as
    /// scope, variable name and value, set once the promise is done.
    arrays: RefCell<Vec<(String, String, Value)>>,
    outcome: Outcome,
    /// Keep errors off standard error, for evaluating ahead of the run.
    quiet: bool,
    /// Values returned by reports, per bundle call, innermost last.
    returns: Vec<IndexMap<Str, Str>>,
    /// The handles of the promises kept so far, for `depends_on`.
    kept_handles: HashSet<String>,
    /// The promisers, as written, of the `methods` promises running now,
    /// outermost first.
    method_promisers: Vec<Str>,
}

impl<'a> Evaluator<'a> {
    fn new(
        policy: &'a Policy,
        file: &Path,
        options: &'a Options,
        out: &'a mut dyn Write,
    ) -> Evaluator<'a> {
        let mut evaluator = Evaluator {
            policy,
            options,
            out,
            vars: IndexMap::new(),
            hard_classes: ClassSet::new(),
            global_classes: ClassSet::new(),
            local_classes: Vec::new(),
            done: HashSet::new(),
            depth: 0,
            reported: HashSet::new(),
            files: policy_files(policy),
            calls: RefCell::default(),
            default_handles: RefCell::default(),
            notes: state::Notes::default(),
            log: Log::new(options.verbose),
            arrays: RefCell::default(),
            outcome: Outcome::default(),
            quiet: false,
            returns: Vec::new(),
            kept_handles: HashSet::new(),
            method_promisers: Vec::new(),
        };
        evaluator.discover_system(file);
        evaluator.note_system_classes();
        evaluator
    }

    /// Hard classes, `-D` and `-N` classes, and the `sys`, `const`,
    /// `def` and `mon` variables.
    fn discover_system(&mut self, file: &Path) {
        let system = system::discover(&self.options.sysroot);
        self.hard_classes = system.classes;
        for var in system.vars {
            self.set_var(var.scope, &var.name, var.value);
        }
        self.add_policy_paths(file);

        for class in &self.options.defines {
            self.global_classes.insert(canonify(class));
        }
    }

    fn add_policy_paths(&mut self, file: &Path) {
        let absolute = std::path::absolute(file).unwrap_or(file.into());
        let dir = absolute.parent().unwrap_or(Path::new("/"));
        let base = absolute.file_name().unwrap_or_default();
        let paths = [
            ("policy_entry_filename", absolute.as_os_str()),
            ("policy_entry_dirname", dir.as_os_str()),
            ("policy_entry_basename", base),
        ];
        for (name, path) in paths {
            let text = path.to_string_lossy().into_owned();
            self.set_var("sys", name, Value::string(text));
        }
    }

    fn run(&mut self) -> Result<(), Error> {
        self.resolve_rounds()?;
        self.run_sequence()
    }

    fn resolve_rounds(&mut self) -> Result<(), Error> {
        for round in 1..=RESOLVE_ROUNDS {
            self.log.resolve_round(round);
            self.resolve()?;
        }
        Ok(())
    }

    fn run_sequence(&mut self) -> Result<(), Error> {
        let ignore_missing = self.policy.control_flag("ignore_missing_bundles");
        // cf-agent finds every bundle of the sequence before it runs one.
        let mut calls = Vec::new();
        for (name, args) in self.bundlesequence() {
            match self.policy.bundle(&name, DEFAULT_NAMESPACE) {
                Some(bundle) => calls.push((bundle, args)),
                None if ignore_missing => {}
                None => return Err(self.missing_from_sequence(&name)),
            }
        }
        for (bundle, args) in calls {
            self.run_bundle(bundle, args, ClassSet::new())?;
        }
        Ok(())
    }

    /// A bundlesequence entry that names no bundle. One that a bundle of
    /// another namespace answers to passes cf-promises, so cf-agent
    /// stops only when it runs the policy.
    fn missing_from_sequence(&self, name: &str) -> Error {
        let message =
            format!("bundle '{name}' in the bundlesequence is not defined");
        let kind = match self.policy.bundle_named_anywhere(name) {
            true => ErrorKind::Eval,
            false => ErrorKind::Check,
        };
        Error::new(kind, message)
    }

    /// One round of resolving the policy ahead of the bundlesequence.
    fn resolve(&mut self) -> Result<(), Error> {
        let bundles = &self.policy.bundles;
        // Classes a bundle keeps to itself with `scope => "bundle"` are
        // set aside, not made global.
        for bundle in bundles.iter().filter(|b| &*b.kind == "common") {
            self.local_classes.push(ClassSet::new());
            for promise_type in COMMON_RESOLVE {
                self.run_section(bundle, promise_type, 1)?;
            }
            self.local_classes.pop();
        }
        for bundle in bundles.iter().filter(|b| &*b.kind == "agent") {
            self.local_classes.push(ClassSet::new());
            for promise_type in AGENT_RESOLVE {
                self.run_section(bundle, promise_type, 1)?;
            }
            self.local_classes.pop();
        }
        Ok(())
    }

    /// The bundles to run, with their arguments, from `-b` or from
    /// `body common control`; `main` when neither names any.
    fn bundlesequence(&self) -> Vec<(String, Vec<Value>)> {
        if let Some(names) = &self.options.bundlesequence {
            return names.iter().map(|n| (n.clone(), Vec::new())).collect();
        }
        let setting = self
            .policy
            .control_settings("bundlesequence")
            .find(|s| self.context_holds(&s.context.expr, "control"));
        let Some(setting) = setting else {
            return vec![("main".to_string(), Vec::new())];
        };

        let items = setting.attribute.value.items();
        items.iter().flat_map(|i| self.bundle_calls(i)).collect()
    }

    /// Bundle names with arguments, from `"b"`, `b`, `b("x", @(l))` or
    /// a list `@(names)`.
    fn bundle_calls(&self, rval: &Rval) -> Vec<(String, Vec<Value>)> {
        let bindings = Bindings::new();
        let frame = self.frame("control", &bindings);
        let text = |rval: &Rval| match rval {
            Rval::Str(t, _) | Rval::Word(t, _) => Some(frame.expand(t).text),
            _ => None,
        };
        match rval {
            Rval::Call(call) => {
                let args = call
                    .args
                    .iter()
                    .map(|a| frame.bundle_arg(a).or_else(|e| as_written(a, e)))
                    .filter_map(Result::ok)
                    .collect();
                vec![(frame.expand(&call.name).text, args)]
            }
            // A list that is not defined names no bundle: cf-agent stops.
            Rval::ListRef(name, _) => match frame.value(rval) {
                Ok(Value::List(_, names)) => names
                    .iter()
                    .map(|name| (name.to_string(), Vec::new()))
                    .collect(),
                _ => vec![(format!("@({name})"), Vec::new())],
            },
            other => text(other)
                .map(|name| (name, Vec::new()))
                .into_iter()
                .collect(),
        }
    }

    /// Runs `bundle` with its parameters bound to `args`; its classes
    /// start from `classes`, the caller's with `inherit => "true"`.
    /// The values its reports return with `bundle_return_value_index`
    /// come back by index.
    fn run_bundle(
        &mut self,
        bundle: &'a Bundle,
        args: Vec<Value>,
        classes: ClassSet,
    ) -> Result<IndexMap<Str, Str>, Error> {
        if self.depth >= MAX_BUNDLE_DEPTH {
            let message = format!(
                "bundle '{}' nests deeper than {MAX_BUNDLE_DEPTH} method calls",
                bundle.name
            );
            return Err(Error::new(ErrorKind::Eval, message));
        }
        self.bind_parameters(bundle, args);
        self.depth += 1;
        self.local_classes.push(classes);
        self.returns.push(IndexMap::new());

        let result = self.run_passes(bundle);
        let returned = self.returns.pop().unwrap_or_default();
        self.local_classes.pop();
        self.depth -= 1;
        result.map(|()| returned)
    }

    /// The passes over a bundle; an error stops the run at once.
    fn run_passes(&mut self, bundle: &'a Bundle) -> Result<(), Error> {
        let steps: &[&str] = match &*bundle.kind {
            "common" => &COMMON_PASS,
            _ => &AGENT_PASS,
        };
        for pass in 1..=PASSES {
            self.log.pass(bundle, pass);
            for promise_type in steps {
                self.run_section(bundle, promise_type, pass)?;
            }
            if pass == 1 {
                self.log_skipped_types(bundle);
                self.report_undefined_types(bundle);
            }
        }
        Ok(())
    }

    fn bind_parameters(&mut self, bundle: &Bundle, args: Vec<Value>) {
        let scope = bundle.scope();
        for (param, value) in bundle.params.iter().zip(args) {
            let note = state::Note::default();
            self.define_var(&scope, param, value, note);
        }
    }

    /// Promise types neither CFEngine nor a `promise` block defines.
    fn report_undefined_types(&mut self, bundle: &Bundle) {
        for section in &bundle.sections {
            let name = &*section.promise_type;
            let defined = syntax().is_promise_type(name)
                || self
                    .policy
                    .bodies
                    .iter()
                    .any(|b| &*b.keyword == "promise" && &*b.name == name);
            if let (false, Some(first)) = (defined, section.promises.first()) {
                let message = format!("promise type '{name}' is not defined");
                self.fail(bundle, first, message);
            }
        }
    }

    fn log_skipped_types(&self, bundle: &Bundle) {
        for section in &bundle.sections {
            if !EVALUATED_TYPES.contains(&&*section.promise_type) {
                self.log.skipped_type(bundle, &section.promise_type);
            }
        }
    }

    fn run_section(
        &mut self,
        bundle: &'a Bundle,
        promise_type: &str,
        pass: usize,
    ) -> Result<(), Error> {
        let sections = bundle
            .sections
            .iter()
            .filter(|s| &*s.promise_type == promise_type);
        for section in sections {
            for promise in &section.promises {
                self.run_promise(bundle, promise_type, promise, pass)?;
            }
        }
        Ok(())
    }

    fn run_promise(
        &mut self,
        bundle: &'a Bundle,
        promise_type: &str,
        promise: &'a Promise,
        pass: usize,
    ) -> Result<(), Error> {
        let scope = bundle.scope();
        let guard = &promise.context.expr;
        // A guard without variables holds or not for every iteration.
        let guard_varies = guard.contains('$');
        if !guard_varies && !self.guard_holds(guard, &scope, &Vec::new()) {
            let skip = Skip::Context(guard);
            self.log.skipped(bundle, promise_type, promise, skip);
            return Ok(());
        }
        let iterations = match self.iterations(bundle, promise) {
            Ok(iterations) => iterations,
            Err(message) => {
                self.fail(bundle, promise, message);
                return Ok(());
            }
        };
        for bindings in iterations {
            if INTERRUPT.load(Ordering::Relaxed) {
                return Err(Error::new(ErrorKind::Eval, "interrupted"));
            }
            if guard_varies && !self.guard_holds(guard, &scope, &bindings) {
                let guard = self.frame(&scope, &bindings).expand(guard).text;
                let skip = Skip::Context(&guard);
                self.log.skipped(bundle, promise_type, promise, skip);
                continue;
            }
            // Conditions see the promiser as `this.promiser`, reports
            // included.
            let frame = self.frame(&scope, &bindings);
            let promiser = frame.expand(&promise.promiser).text;
            let conditional = with_promiser(&bindings, &promiser);
            match self.conditions(promise, &scope, &conditional, pass) {
                Ok(None) => {}
                Ok(Some(attribute)) => {
                    let skip = Skip::Condition(attribute);
                    self.log.skipped(bundle, promise_type, promise, skip);
                    continue;
                }
                Err(message) => {
                    if pass == PASSES {
                        self.fail(bundle, promise, message);
                    }
                    continue;
                }
            }
            if !self.dependencies_kept(&scope, promise, &bindings) {
                continue;
            }
            match promise_type {
                "meta" => self.run_vars(bundle, promise, &bindings, pass, true),
                "vars" => {
                    self.run_vars(bundle, promise, &bindings, pass, false)
                }
                "defaults" => {
                    self.run_defaults(bundle, promise, &bindings, pass)
                }
                "classes" => self.run_classes(bundle, promise, &bindings, pass),
                "methods" => {
                    self.run_method(bundle, promise, &bindings, pass)?
                }
                _ => self.run_report(bundle, promise, &bindings, pass),
            }
            self.define_arrays();
        }
        Ok(())
    }

    /// Sets the classic array elements builtins defined.
    fn define_arrays(&mut self) {
        let elements = std::mem::take(self.arrays.get_mut());
        for (scope, name, value) in elements {
            self.set_var(&scope, &name, value);
        }
    }

    /// Every combination of the lists and containers the promise
    /// mentions, the first mentioned being the outermost loop; an error
    /// when there are more than [`MAX_ITERATIONS`].
    fn iterations(
        &self,
        bundle: &Bundle,
        promise: &Promise,
    ) -> Result<Vec<Bindings>, String> {
        let texts = promise_texts(promise);
        let mut done = Vec::new();
        let start = self.this_promise(bundle, promise);
        let scope = &bundle.scope();
        let too_many = || {
            format!(
                "promise iterates over more than {MAX_ITERATIONS} \
                 combinations of lists"
            )
        };
        // Lists that do not depend on each other multiply to the count
        // the first path through them shows; refusing on it builds no
        // combination. Lists named through other lists' items can still
        // grow past the limit, which the building below catches.
        let first_path = self.first_path_count(&texts, scope, start.clone());
        if first_path > MAX_ITERATIONS {
            return Err(too_many());
        }
        let whole = self.expand_iterations(&texts, scope, start, &mut done);
        match whole {
            true => Ok(done),
            false => Err(too_many()),
        }
    }

    /// The product of the lengths of the lists met along the first path
    /// of the iteration, each bound to its first item, stopping once it
    /// passes [`MAX_ITERATIONS`].
    fn first_path_count(
        &self,
        texts: &[&str],
        scope: &str,
        mut bindings: Bindings,
    ) -> usize {
        let mut count: usize = 1;
        loop {
            let next = self.next_iterable(texts, scope, &bindings);
            let Some((name, items)) = next else {
                return count;
            };
            count = count.saturating_mul(items.len());
            let Some(first) = items.into_iter().next() else {
                return count;
            };
            if count > MAX_ITERATIONS {
                return count;
            }
            bindings.push((name, first));
        }
    }

    /// Adds the combinations under `bindings` to `done`; false when the
    /// limit stopped it.
    fn expand_iterations(
        &self,
        texts: &[&str],
        scope: &str,
        bindings: Bindings,
        done: &mut Vec<Bindings>,
    ) -> bool {
        let next = self.next_iterable(texts, scope, &bindings);
        let Some((name, items)) = next else {
            done.push(bindings);
            return done.len() <= MAX_ITERATIONS;
        };
        for item in items {
            let mut inner = bindings.clone();
            inner.push((name.clone(), item));
            if !self.expand_iterations(texts, scope, inner, done) {
                return false;
            }
        }
        true
    }

    /// The first list `texts` iterate over that `bindings` leave open,
    /// with its items. cf-agent finds the lists a promise iterates over
    /// in its own namespace, wherever they are named.
    fn next_iterable(
        &self,
        texts: &[&str],
        scope: &str,
        bindings: &Bindings,
    ) -> Option<(Str, Vec<Str>)> {
        let frame = self.frame(scope, bindings).qualifying(Qualify::Own);
        texts
            .iter()
            .find_map(|text| expand::first_iterable(text, &frame))
    }

    fn frame<'e>(
        &'e self,
        scope: &'e str,
        bindings: &'e Bindings,
    ) -> Frame<'e, 'a> {
        Frame {
            eval: self,
            scope,
            bindings,
            depth: 0,
            qualify: Qualify::Default,
        }
    }

    /// Whether a guard such as `linux.!windows` or `"$(x)"` holds.
    fn context_holds(&self, expr: &str, scope: &str) -> bool {
        self.guard_holds(expr, scope, &Bindings::new())
    }

    fn guard_holds(
        &self,
        expr: &str,
        scope: &str,
        bindings: &Bindings,
    ) -> bool {
        let expansion = self.frame(scope, bindings).expand(expr);
        let namespace = namespace_of(scope);
        expansion.complete && self.class_expression(&expansion.text, namespace)
    }

    /// Whether `expr` holds in a bundle of `namespace`.
    fn class_expression(&self, expr: &str, namespace: &str) -> bool {
        let is_defined = |name: &str| self.class_defined(name, namespace);
        classes::evaluate(expr, &is_defined).unwrap_or(false)
    }

    /// Whether class `name`, `c` or `ns:c`, is defined in a bundle of
    /// `namespace`. A name without a namespace is a hard class or one of
    /// `namespace`; `true` and `any` always are. The classes of the
    /// running bundle answer to their name whatever namespace is
    /// written, as in cf-agent.
    fn class_defined(&self, name: &str, namespace: &str) -> bool {
        let (written, bare) = match name.split_once(':') {
            Some((written, bare)) => (Some(written), bare),
            None => (None, name),
        };
        let hard = matches!(written, None | Some(DEFAULT_NAMESPACE))
            && (bare == "true" || self.hard_classes.contains(bare));
        let global = match written.unwrap_or(namespace) {
            DEFAULT_NAMESPACE => self.global_classes.contains(bare),
            namespace => {
                self.global_classes.contains(&format!("{namespace}:{bare}"))
            }
        };
        bare == "any"
            || hard
            || global
            || self.local_classes.last().is_some_and(|c| c.contains(bare))
    }

    /// Which of `if`, `ifvarclass` and `unless` stops the promise in
    /// this pass, if any. An unresolved `if` is false. An unresolved
    /// `unless` waits for the last pass and then lets the promise run, as
    /// in cf-agent. A function that fails in a condition is an error.
    fn conditions<'p>(
        &self,
        promise: &'p Promise,
        scope: &str,
        bindings: &Bindings,
        pass: usize,
    ) -> Result<Option<&'p Attribute>, String> {
        let frame = self.frame(scope, bindings);
        for attribute in &promise.attributes {
            let wanted = match &*attribute.name {
                "if" | "ifvarclass" => true,
                "unless" => false,
                _ => continue,
            };
            let holds = match frame.class_value(&attribute.value) {
                Truth::Holds(holds) => holds,
                Truth::Unresolved if wanted => false,
                Truth::Unresolved => pass < PASSES,
                Truth::Failed(message) => return Err(message),
            };
            if holds != wanted {
                return Ok(Some(attribute));
            }
        }
        Ok(None)
    }

    fn run_vars(
        &mut self,
        bundle: &Bundle,
        promise: &Promise,
        bindings: &Bindings,
        pass: usize,
        meta: bool,
    ) {
        let scope = bundle.scope();
        let frame = self.frame(&scope, bindings).qualifying(Qualify::Own);
        let name = frame.expand(&promise.promiser);
        if !name.complete {
            if pass == PASSES {
                let frame = self.frame(&scope, bindings);
                self.log.undefined(bundle, promise, &frame);
            }
            return;
        }
        let bindings = &with_promiser(bindings, &name.text);
        let frame = self.frame(&scope, bindings);
        if !is_legal_name(&name.text) {
            if pass == PASSES {
                self.fail(
                    bundle,
                    promise,
                    format!("variable name '{}' is not legal", name.text),
                );
            }
            return;
        }
        let Some(attribute) = promise
            .attributes
            .iter()
            .rev()
            .find(|a| is_var_type(&a.name))
        else {
            return;
        };
        let frame = frame.qualifying(Qualify::DefaultThenOwn);
        let value = frame.typed_value(&attribute.name, &attribute.value);

        let target = if meta {
            format!("{scope}_meta")
        } else {
            scope.to_string()
        };
        match value {
            Ok(Some(Value::Scalar(_, text)))
                if text.len() > MAX_VALUE_BYTES =>
            {
                let message = format!(
                    "value of '{}' is longer than {} MiB",
                    name.text,
                    MAX_VALUE_BYTES >> 20
                );
                self.fail(bundle, promise, message);
            }
            Ok(Some(value)) => {
                let note = frame.note(promise);
                self.define_var(&target, &name.text, value, note);
                let promise_type = if meta { "meta" } else { "vars" };
                self.promise_kept(&scope, promise_type, promise, bindings);
            }
            Ok(None) if pass == PASSES => {
                self.log.undefined(bundle, promise, &frame)
            }
            Ok(None) => {}
            Err(message) if pass == PASSES => {
                self.fail(bundle, promise, message)
            }
            Err(_) => {}
        }
    }

    /// The promiser expanded where the promise stands, a bundle's own
    /// variables first; `None` while a reference in it does not resolve.
    fn own_promiser(
        &self,
        scope: &str,
        promise: &Promise,
        bindings: &Bindings,
    ) -> Option<String> {
        let frame = self.frame(scope, bindings).qualifying(Qualify::Own);
        let name = frame.expand(&promise.promiser);
        name.complete.then_some(name.text)
    }

    fn run_classes(
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
        let bindings = &with_promiser(bindings, &name);
        let frame = self.frame(&scope, bindings);
        match frame.class_promise_holds(promise) {
            Truth::Holds(true) => {}
            Truth::Failed(message) if pass == PASSES => {
                return self.fail(bundle, promise, message);
            }
            _ => return,
        }

        let note = frame.note(promise);
        let (classes, error) = frame.class_choice(promise, &name);
        if let Some(message) = error {
            self.fail(bundle, promise, message);
        }
        let global = match promise.attribute("scope").map(|a| &a.value) {
            Some(Rval::Str(s, _)) | Some(Rval::Word(s, _)) => {
                &**s == "namespace"
            }
            _ => &*bundle.kind == "common",
        };
        match self.local_classes.last_mut() {
            Some(local) if !global => {
                let new: Vec<String> = classes
                    .into_iter()
                    .filter(|class| !local.contains(class))
                    .collect();
                local.extend(new.iter().cloned());
                // The tag functions read a bundle's own classes' tags.
                self.notes_for_local(&new, note);
            }
            _ => {
                let classes: Vec<String> = classes
                    .into_iter()
                    .map(|class| match &*bundle.namespace {
                        DEFAULT_NAMESPACE => class,
                        namespace => format!("{namespace}:{class}"),
                    })
                    .collect();
                self.note_classes(&classes, note);
                self.global_classes.extend(classes);
            }
        }
    }

    fn run_method(
        &mut self,
        bundle: &Bundle,
        promise: &Promise,
        bindings: &Bindings,
        pass: usize,
    ) -> Result<(), Error> {
        let scope = bundle.scope();
        let promiser = self.frame(&scope, bindings).expand(&promise.promiser);
        let bindings = &with_promiser(bindings, &promiser.text);
        let frame = self
            .frame(&scope, bindings)
            .qualifying(Qualify::DefaultThenOwn);
        let Some(usebundle) = promise.attribute("usebundle") else {
            return Ok(());
        };
        let (name, args) = match &usebundle.value {
            Rval::Call(call) => {
                let args: Result<Vec<Value>, Pending> = call
                    .args
                    .iter()
                    .map(|a| frame.bundle_arg(a).or_else(|e| as_written(a, e)))
                    .collect();
                (frame.expand(&call.name).text, args)
            }
            Rval::Str(text, _) | Rval::Word(text, _) => {
                let name = frame.expand(text);
                if !name.complete {
                    return Ok(());
                }
                (name.text, Ok(Vec::new()))
            }
            _ => return Ok(()),
        };
        let args = match args {
            Ok(args) => args,
            Err(Pending::Failed(message)) if pass == PASSES => {
                self.fail(bundle, promise, message);
                return Ok(());
            }
            Err(_) => return Ok(()),
        };

        let key = format!("methods\0{}\0{name}\0{args:?}", promise.promiser);
        if !self.done.insert((scope.clone(), key)) {
            return Ok(());
        }
        match self.policy.bundle(&name, &bundle.namespace) {
            Some(callee) => {
                let inherit = promise.attribute("inherit").is_some_and(|a| {
                    matches!(&a.value, Rval::Str(v, _) | Rval::Word(v, _) if &**v == "true")
                });
                let classes = match self.local_classes.last() {
                    Some(classes) if inherit => classes.clone(),
                    _ => ClassSet::new(),
                };
                self.method_promisers.push(promise.promiser.clone());
                let returned = self.run_bundle(callee, args, classes);
                self.method_promisers.pop();
                let returned = returned
                    .map_err(|e| e.or_at(&bundle.file, promise.span))?;
                self.drop_parameters(callee);
                self.use_result(bundle, promise, bindings, returned);
                self.promise_kept(&scope, "methods", promise, bindings);
                Ok(())
            }
            None if self.policy.control_flag("ignore_missing_bundles") => {
                Ok(())
            }
            // cf-agent stops the whole run here.
            None => {
                let message =
                    format!("method calls undefined bundle '{name}'; stopping");
                let kind = ErrorKind::Eval;
                Err(Error::at(kind, message, &bundle.file, promise.span))
            }
        }
    }

    /// Stores the values a called bundle returned as the classic array
    /// that `useresult` names, as `$(name[index])`.
    fn use_result(
        &mut self,
        bundle: &Bundle,
        promise: &Promise,
        bindings: &Bindings,
        returned: IndexMap<Str, Str>,
    ) {
        let Some(Rval::Str(name, _)) =
            promise.attribute("useresult").map(|a| &a.value)
        else {
            return;
        };
        let name = self.frame(&bundle.scope(), bindings).expand(name).text;
        for (index, value) in returned {
            let element = format!("{name}[{index}]");
            self.set_var(&bundle.scope(), &element, Value::string(value));
        }
    }

    fn run_report(
        &mut self,
        bundle: &Bundle,
        promise: &Promise,
        bindings: &Bindings,
        pass: usize,
    ) {
        let scope = bundle.scope();
        let mut bindings = bindings.clone();
        if let Some(with) = promise.attribute("with") {
            let frame = self.frame(&scope, &bindings);
            match frame.value(&with.value) {
                Ok(Value::Scalar(_, text)) => {
                    bindings.push(("with".into(), text))
                }
                Ok(_) => {}
                Err(_) if pass < PASSES => return,
                // In the last pass `$(with)` stands for the text of the
                // attribute as far as it expands.
                Err(_) => {
                    if let Rval::Str(text, _) = &with.value {
                        let text = frame.expand(text).text;
                        bindings.push(("with".into(), text.into()));
                    }
                }
            }
        }

        let frame = self.frame(&scope, &bindings);
        let expansion =
            frame.qualifying(Qualify::Own).expand(&promise.promiser);
        let text = expansion.text;
        let waits = expansion.dangling || expand::is_unexpanded(&text);
        if waits && (pass < PASSES || expansion.dangling) {
            return;
        }
        // cf-agent prints a text once per bundle and guard: the same text
        // under a guard that iterates prints once per expanded guard.
        let guard = frame.expand(&promise.context.expr).text;
        let return_index = match promise.attribute("bundle_return_value_index")
        {
            Some(Attribute {
                value: Rval::Str(index, _),
                ..
            }) => Some(frame.expand(index).text),
            _ => None,
        };
        // A value returned goes back to every call; a report prints once.
        let key = format!("reports\0{text}\0{guard}");
        if !self.done.insert((scope.clone(), key)) && return_index.is_none() {
            return;
        }
        if waits {
            self.log.unresolved_report(bundle, promise, &text);
        }
        // The classes body sees the text printed as the promiser.
        let bindings = with_promiser(&bindings, &text);
        // A report that returns a value to the caller prints nothing.
        if let Some(index) = return_index {
            if let Some(returns) = self.returns.last_mut() {
                returns.insert(index.into(), text.into());
            }
        } else if promise.attribute("report_to_file").is_some() {
            // cf-agent writes these to the file and prints nothing;
            // cfmini writes no file.
        } else if self.options.collect_reports {
            self.outcome.reports.push(text);
        } else {
            let _ = writeln!(self.out, "R: {text}");
            self.print_file(bundle, promise, &bindings);
        }
        self.promise_kept(&bundle.scope(), "reports", promise, &bindings);
    }

    /// The lines of the report's `printfile` body, each as a report.
    fn print_file(
        &mut self,
        bundle: &Bundle,
        promise: &Promise,
        bindings: &Bindings,
    ) {
        match self.printed_lines(&bundle.scope(), promise, bindings) {
            Some(Ok(lines)) => {
                for line in lines {
                    let _ = writeln!(self.out, "R: {line}");
                }
            }
            Some(Err(message)) => self.fail(bundle, promise, message),
            None => {}
        }
    }

    /// `this.promise_filename`, `this.promise_dirname`,
    /// `this.promise_linenumber` and `this.handle` for `promise`, as
    /// bindings every iteration starts from.
    fn this_promise(&self, bundle: &Bundle, promise: &Promise) -> Bindings {
        let [file, dir] =
            self.files.get(&bundle.file).cloned().unwrap_or_default();
        let line: Str = promise.line.to_string().into();
        vec![
            ("this.promise_filename".into(), file),
            ("this.promise_dirname".into(), dir),
            ("this.handle".into(), self.handle(bundle, promise)),
            ("this.promise_linenumber".into(), line),
        ]
    }

    /// The promise's `handle`, expanded; without one, cf-agent makes
    /// one of the file's name and the line, as `promise_main_cf_7`.
    fn handle(&self, bundle: &Bundle, promise: &Promise) -> Str {
        if let Some(Rval::Str(text, _)) =
            promise.attribute("handle").map(|a| &a.value)
        {
            let no_bindings = Bindings::new();
            return self
                .frame(&bundle.scope(), &no_bindings)
                .expand(text)
                .text
                .into();
        }
        // Made once per promise: every pass and iteration binds it.
        let key = promise as *const Promise as usize;
        let mut made = self.default_handles.borrow_mut();
        let handle = made.entry(key).or_insert_with(|| {
            let base = bundle.file.file_name().unwrap_or_default();
            let base = canonify(&base.to_string_lossy());
            format!("promise_{base}_{}", promise.line).into()
        });
        handle.clone()
    }

    fn cached(&self, key: &str) -> Option<Value> {
        self.calls.borrow().get(key).cloned()
    }

    fn set_var(&mut self, scope: &str, name: &str, value: Value) {
        let scope = self.vars.entry(scope.into()).or_default();
        scope.insert(name.into(), value);
    }

    /// Reports a failure at the promise it comes from, once however
    /// many passes meet it.
    fn fail(&mut self, bundle: &Bundle, promise: &Promise, message: String) {
        let place = format!("{}:{}", bundle.file.display(), promise.line);
        let text = format!("{place}: error: {message}");
        if !self.reported.insert(text.clone()) || self.quiet {
            return;
        }
        eprintln!("{text}");
        self.outcome.errors.push(text);
    }
}

/// A bundle argument that does not resolve: cf-agent passes it as
/// written, `$(x)` and `@(x)` included, without waiting for a later pass.
/// `bindings` with `this.promiser` standing for the expanded promiser.
/// Reports have no such binding: there the promiser is the text being
/// built, so cf-agent leaves `$(this.promiser)` in it as written.
fn with_promiser(bindings: &Bindings, promiser: &str) -> Bindings {
    let mut bindings = bindings.clone();
    bindings.push(("this.promiser".into(), promiser.into()));
    bindings
}

fn as_written(arg: &Rval, pending: Pending) -> Result<Value, Pending> {
    match (pending, arg) {
        (Pending::Unresolved, Rval::Str(text, _)) => {
            Ok(Value::string(text.clone()))
        }
        (Pending::Unresolved, Rval::ListRef(name, _)) => {
            Ok(Value::string(format!("@({name})")))
        }
        (pending, _) => Err(pending),
    }
}

/// The absolute path and directory of every file the policy came from,
/// worked out once rather than for every promise.
fn policy_files(policy: &Policy) -> HashMap<Rc<Path>, [Str; 2]> {
    let text = |path: &Path| Str::from(path.to_string_lossy().as_ref());
    let mut files = HashMap::new();
    for file in policy.bundles.iter().map(|b| &b.file) {
        files.entry(file.clone()).or_insert_with(|| {
            let absolute =
                std::path::absolute(file).unwrap_or(file.to_path_buf());
            let dir = absolute.parent().unwrap_or(Path::new("/"));
            [text(&absolute), text(dir)]
        });
    }
    files
}

/// The strings of a promise that can mention iterated variables: its
/// guard, its promiser and every string in its attributes, in order.
fn promise_texts(promise: &Promise) -> Vec<&str> {
    let mut texts = vec![&*promise.context.expr, &*promise.promiser];
    for attribute in &promise.attributes {
        rval_texts(&attribute.value, &mut texts);
    }
    texts
}

fn rval_texts<'p>(rval: &'p Rval, texts: &mut Vec<&'p str>) {
    match rval {
        Rval::Str(text, _) => texts.push(text),
        Rval::List(items, _) => items.iter().for_each(|i| rval_texts(i, texts)),
        Rval::Call(call) => {
            texts.push(&call.name);
            call.args.iter().for_each(|a| rval_texts(a, texts));
        }
        Rval::Word(..) | Rval::ListRef(..) => {}
    }
}

/// Whether cf-agent accepts `name` for a variable: letters, digits, `_`
/// and `.` before any index, and whole, non-empty indices.
fn is_legal_name(name: &str) -> bool {
    let (base, indices) = match name.find('[') {
        Some(open) => (&name[..open], &name[open..]),
        None => (name, ""),
    };
    let base_ok = !base.is_empty()
        && base
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.');
    let indices_ok = indices.is_empty()
        || lookup::split_indices(name)
            .is_some_and(|(_, i)| i.iter().all(|index| !index.is_empty()));
    base_ok && indices_ok
}

/// Whether `name` is the attribute that gives a `vars` promise its type.
pub fn is_var_type(name: &str) -> bool {
    matches!(
        name,
        "string" | "int" | "real" | "slist" | "ilist" | "rlist" | "data"
    )
}
