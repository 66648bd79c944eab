//! The evaluator: runs the bundlesequence as cf-agent does.
//!
//! Each bundle is evaluated in three passes; in every pass the promise
//! types run in cf-agent's normal order (`meta`, `vars`, `classes`,
//! `methods`, `reports`), with `vars` evaluated once more right after
//! `classes`, so that a variable guarded by a class of the same bundle
//! is set before that pass's reports, as cf-agent sets it. Variables and
//! classes are evaluated again on each pass, so a promise waiting for a
//! later definition resolves then. Reports and methods act once: a report whose text still
//! holds a reference waits for the last pass and then prints as it
//! stands. Other promise types are skipped: cfmini never changes the
//! machine.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;

use crate::ast::{Attribute, Bundle, Policy, Promise, Rval};
use crate::builtins::{self, Call, Env};
use crate::classes::{self, ClassSet, canonify};
use crate::error::{Error, ErrorKind};
use crate::expand::{self, Expansion, Resolved, Resolver};
use crate::syntax::syntax;
use crate::system;
use crate::value::{Data, ListKind, ScalarKind, Str, Value};

/// The number of passes cf-agent makes over a bundle.
const PASSES: usize = 3;

/// Functions whose result depends only on their arguments and on files
/// that do not change while a policy runs. cf-agent calls them again on
/// every pass; cfmini calls each once per distinct arguments, which
/// gives the same answer without reading a million sockets six times.
const CACHED_CALLS: [&str; 2] = ["network_connections", "parsejson"];

/// How deep `methods` may nest bundles before the evaluator stops.
const MAX_BUNDLE_DEPTH: usize = 100;

/// The promise types the evaluator runs.
const EVALUATED_TYPES: [&str; 5] = ["meta", "vars", "classes", "methods", "reports"];

/// The steps of one pass over a bundle, in cf-agent's normal order.
const PASS_STEPS: [&str; 6] = ["meta", "vars", "classes", "vars", "methods", "reports"];

/// The steps of one round of evaluating a common bundle ahead of the
/// bundlesequence.
const COMMON_STEPS: [&str; 3] = ["vars", "classes", "vars"];

/// How many rounds of [`COMMON_STEPS`] run ahead of the bundlesequence.
/// Three is what matches cf-agent 3.21: a chain of classes and variables
/// that each wait for the one before reaches as far in cf-agent.
const COMMON_ROUNDS: usize = 3;

/// How a run is set up.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The directory that stands for `/` when reading `/proc` and `/etc`.
    pub sysroot: PathBuf,
    /// Classes defined from the command line.
    pub defines: Vec<String>,
    /// Classes negated from the command line.
    pub negations: Vec<String>,
    /// A bundlesequence that replaces the policy's.
    pub bundlesequence: Option<Vec<String>>,
    /// Log decisions on standard error.
    pub verbose: bool,
}

/// The outcome of a run.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Errors met while the policy ran, such as failed function calls.
    pub errors: Vec<String>,
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
    Ok(evaluator.outcome)
}

/// Iteration bindings: a reference name and the item it stands for.
type Bindings = Vec<(Str, Str)>;

struct Evaluator<'a> {
    policy: &'a Policy,
    options: &'a Options,
    out: &'a mut dyn Write,
    /// Variables by scope (bundle name, `sys`, `const`) and name.
    vars: IndexMap<Str, IndexMap<Str, Value>>,
    global_classes: ClassSet,
    /// Classes of the agent bundle running now, innermost last.
    local_classes: Vec<ClassSet>,
    /// Reports and method calls already acted on, per bundle.
    done: HashSet<(Str, String)>,
    depth: usize,
    /// Results of [`CACHED_CALLS`], by function and arguments.
    calls: RefCell<HashMap<String, Value>>,
    outcome: Outcome,
}

/// Where a promise is evaluated: its bundle and the iteration bindings.
struct Frame<'e, 'a> {
    eval: &'e Evaluator<'a>,
    scope: &'e str,
    bindings: &'e Bindings,
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
            global_classes: ClassSet::new(),
            local_classes: Vec::new(),
            done: HashSet::new(),
            depth: 0,
            calls: RefCell::default(),
            outcome: Outcome::default(),
        };
        evaluator.discover_system(file);
        evaluator
    }

    /// Hard classes, `-D` and `-N` classes, `sys` and `const` variables.
    fn discover_system(&mut self, file: &Path) {
        let system = system::discover(&self.options.sysroot);
        self.global_classes = system.classes;
        for (name, value) in system.vars {
            self.set_var("sys", &name, Value::string(value));
        }
        self.add_policy_paths(file);

        for class in &self.options.defines {
            self.global_classes.insert(canonify(class));
        }
        for class in &self.options.negations {
            self.global_classes.remove(&canonify(class));
        }

        let constants = [("dollar", "$"), ("n", "\n"), ("r", "\r")];
        for (name, value) in constants.into_iter().chain([("t", "\t")]) {
            self.set_var("const", name, Value::string(value));
        }
        self.set_var("const", "endl", Value::string("\n"));
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
        for bundle in self.policy.bundles.iter() {
            if &*bundle.kind == "common" {
                self.evaluate_common(bundle)?;
            }
        }

        for (name, args) in self.bundlesequence()? {
            let bundle = self.find_bundle(&name).ok_or_else(|| {
                let message = format!("bundle '{name}' in the bundlesequence is not defined");
                Error::new(ErrorKind::Check, message)
            })?;
            let args = args.into_iter().map(Value::string).collect();
            self.run_bundle(bundle, args)?;
        }
        Ok(())
    }

    /// cf-agent evaluates every common bundle's variables and classes
    /// before it runs the bundlesequence.
    fn evaluate_common(&mut self, bundle: &'a Bundle) -> Result<(), Error> {
        for _ in 0..COMMON_ROUNDS {
            for promise_type in COMMON_STEPS {
                self.run_section(bundle, promise_type, 1)?;
            }
        }
        Ok(())
    }

    /// The bundles to run, with their arguments, from `-b` or from
    /// `body common control`; `main` when neither names any.
    fn bundlesequence(&self) -> Result<Vec<(String, Vec<String>)>, Error> {
        if let Some(names) = &self.options.bundlesequence {
            return Ok(names.iter().map(|n| (n.clone(), Vec::new())).collect());
        }
        let control = self
            .policy
            .bodies
            .iter()
            .find(|b| &*b.keyword == "body" && &*b.kind == "common" && &*b.name == "control");
        let setting = control.and_then(|body| {
            body.settings
                .iter()
                .filter(|s| self.context_holds(&s.context.expr, "control"))
                .find(|s| &*s.attribute.name == "bundlesequence")
        });
        let Some(setting) = setting else {
            return Ok(vec![("main".to_string(), Vec::new())]);
        };

        let items = match &setting.attribute.value {
            Rval::List(items, _) => items.clone(),
            other => vec![other.clone()],
        };
        Ok(items
            .iter()
            .filter_map(|item| self.bundle_call(item))
            .collect())
    }

    /// A bundle name with arguments, from `"b"`, `b` or `b("x")`.
    fn bundle_call(&self, rval: &Rval) -> Option<(String, Vec<String>)> {
        let bindings = Bindings::new();
        let frame = self.frame("control", &bindings);
        match rval {
            Rval::Str(text, _) | Rval::Word(text, _) => Some((frame.expand(text).text, Vec::new())),
            Rval::Call(call) => {
                let args = call.args.iter().filter_map(|a| match a {
                    Rval::Str(t, _) | Rval::Word(t, _) => Some(frame.expand(t).text),
                    _ => None,
                });
                Some((call.name.to_string(), args.collect()))
            }
            _ => None,
        }
    }

    fn find_bundle(&self, name: &str) -> Option<&'a Bundle> {
        let name = name.strip_prefix("default:").unwrap_or(name);
        self.policy.bundles.iter().find(|b| &*b.name == name)
    }

    fn run_bundle(&mut self, bundle: &'a Bundle, args: Vec<Value>) -> Result<(), Error> {
        if self.depth >= MAX_BUNDLE_DEPTH {
            let message = format!(
                "bundle '{}' nests deeper than {MAX_BUNDLE_DEPTH} method calls",
                bundle.name
            );
            return Err(Error::new(ErrorKind::Eval, message));
        }
        self.bind_parameters(bundle, args);
        self.depth += 1;
        self.local_classes.push(ClassSet::new());

        let mut result = Ok(());
        for pass in 1..=PASSES {
            for promise_type in PASS_STEPS {
                result = result.and(self.run_section(bundle, promise_type, pass));
            }
            if pass == 1 {
                self.log_skipped_types(bundle);
            }
        }

        self.local_classes.pop();
        self.depth -= 1;
        result
    }

    fn bind_parameters(&mut self, bundle: &Bundle, args: Vec<Value>) {
        for (param, value) in bundle.params.iter().zip(args) {
            self.set_var(&bundle.name.clone(), param, value);
        }
    }

    fn log_skipped_types(&self, bundle: &Bundle) {
        if !self.options.verbose {
            return;
        }
        for section in &bundle.sections {
            if !EVALUATED_TYPES.contains(&&*section.promise_type) {
                eprintln!(
                    "verbose: skipping '{}' promises in bundle '{}': cfmini \
                     does not change the machine",
                    section.promise_type, bundle.name
                );
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
        let scope = bundle.name.clone();
        if !self.context_holds(&promise.context.expr, &scope) {
            return Ok(());
        }
        for bindings in self.iterations(promise, &scope) {
            if !self.condition_holds(promise, &scope, &bindings) {
                continue;
            }
            match promise_type {
                "meta" => self.run_vars(bundle, promise, &bindings, pass, true),
                "vars" => self.run_vars(bundle, promise, &bindings, pass, false),
                "classes" => self.run_classes(bundle, promise, &bindings),
                "methods" => self.run_method(bundle, promise, &bindings, pass)?,
                _ => self.run_report(bundle, promise, &bindings, pass),
            }
        }
        Ok(())
    }

    /// Every combination of the lists and containers the promise
    /// mentions, the first mentioned being the outermost loop.
    fn iterations(&self, promise: &Promise, scope: &str) -> Vec<Bindings> {
        let texts = promise_texts(promise);
        let mut done = Vec::new();
        self.expand_iterations(&texts, scope, Bindings::new(), &mut done);
        done
    }

    fn expand_iterations(
        &self,
        texts: &[&str],
        scope: &str,
        bindings: Bindings,
        done: &mut Vec<Bindings>,
    ) {
        let next = {
            let frame = self.frame(scope, &bindings);
            texts
                .iter()
                .find_map(|text| expand::first_iterable(text, &frame))
        };
        let Some((name, items)) = next else {
            done.push(bindings);
            return;
        };
        for item in items {
            let mut inner = bindings.clone();
            inner.push((name.clone(), item));
            self.expand_iterations(texts, scope, inner, done);
        }
    }

    fn frame<'e>(&'e self, scope: &'e str, bindings: &'e Bindings) -> Frame<'e, 'a> {
        Frame {
            eval: self,
            scope,
            bindings,
        }
    }

    /// Whether a guard such as `linux.!windows` or `"$(x)"` holds.
    fn context_holds(&self, expr: &str, scope: &str) -> bool {
        let bindings = Bindings::new();
        let expansion = self.frame(scope, &bindings).expand(expr);
        expansion.complete && self.class_expression(&expansion.text)
    }

    fn class_expression(&self, expr: &str) -> bool {
        let is_defined = |name: &str| self.class_defined(name);
        classes::evaluate(expr, &is_defined).unwrap_or(false)
    }

    fn class_defined(&self, name: &str) -> bool {
        let name = name.strip_prefix("default:").unwrap_or(name);
        self.global_classes.contains(name)
            || self.local_classes.last().is_some_and(|c| c.contains(name))
    }

    /// `if`, `ifvarclass` and `unless`. An unresolved condition is not
    /// true: `if` skips the promise and `unless` lets it run.
    fn condition_holds(&self, promise: &Promise, scope: &str, bindings: &Bindings) -> bool {
        let frame = self.frame(scope, bindings);
        for attribute in &promise.attributes {
            let wanted = match &*attribute.name {
                "if" | "ifvarclass" => true,
                "unless" => false,
                _ => continue,
            };
            let holds = frame.class_value(&attribute.value).unwrap_or(false);
            if holds != wanted {
                return false;
            }
        }
        true
    }

    fn run_vars(
        &mut self,
        bundle: &Bundle,
        promise: &Promise,
        bindings: &Bindings,
        pass: usize,
        meta: bool,
    ) {
        let scope = &*bundle.name;
        let frame = self.frame(scope, bindings);
        let name = frame.expand(&promise.promiser);
        if !name.complete {
            return;
        }
        let Some(attribute) = promise.attributes.iter().find(|a| is_var_type(&a.name)) else {
            return;
        };
        let value = frame.typed_value(&attribute.name, &attribute.value);

        let target = if meta {
            format!("{scope}_meta")
        } else {
            scope.to_string()
        };
        match value {
            Ok(Some(value)) => self.set_var(&target, &name.text, value),
            Ok(None) => {}
            Err(message) if pass == PASSES => self.fail(message),
            Err(_) => {}
        }
    }

    fn run_classes(&mut self, bundle: &Bundle, promise: &Promise, bindings: &Bindings) {
        let frame = self.frame(&bundle.name, bindings);
        let name = frame.expand(&promise.promiser);
        if !name.complete {
            return;
        }
        let Some(holds) = frame.class_promise_holds(promise) else {
            return;
        };
        if !holds {
            return;
        }

        let class = canonify(&name.text);
        let global = match promise.attribute("scope").map(|a| &a.value) {
            Some(Rval::Str(s, _)) | Some(Rval::Word(s, _)) => &**s == "namespace",
            _ => &*bundle.kind == "common",
        };
        if global {
            self.global_classes.insert(class);
        } else if let Some(local) = self.local_classes.last_mut() {
            local.insert(class);
        } else {
            self.global_classes.insert(class);
        }
    }

    fn run_method(
        &mut self,
        bundle: &Bundle,
        promise: &Promise,
        bindings: &Bindings,
        pass: usize,
    ) -> Result<(), Error> {
        let frame = self.frame(&bundle.name, bindings);
        let Some(usebundle) = promise.attribute("usebundle") else {
            return Ok(());
        };
        let (name, args) = match &usebundle.value {
            Rval::Call(call) => {
                let args: Result<Vec<Value>, Pending> =
                    call.args.iter().map(|a| frame.value(a)).collect();
                (call.name.to_string(), args)
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
                self.fail(message);
                return Ok(());
            }
            Err(_) => return Ok(()),
        };

        let key = format!("methods\0{}\0{name}\0{args:?}", promise.promiser);
        if !self.done.insert((bundle.name.clone(), key)) {
            return Ok(());
        }
        match self.find_bundle(&name) {
            Some(callee) => self.run_bundle(callee, args),
            None => {
                self.fail(format!("method calls undefined bundle '{name}'"));
                Ok(())
            }
        }
    }

    fn run_report(&mut self, bundle: &Bundle, promise: &Promise, bindings: &Bindings, pass: usize) {
        let mut bindings = bindings.clone();
        if let Some(with) = promise.attribute("with") {
            let frame = self.frame(&bundle.name, &bindings);
            match frame.value(&with.value) {
                Ok(Value::Scalar(_, text)) => bindings.push(("with".into(), text)),
                Ok(_) => {}
                Err(_) if pass < PASSES => return,
                Err(_) => {}
            }
        }

        let frame = self.frame(&bundle.name, &bindings);
        let expansion = frame.expand(&promise.promiser);
        let text = expansion.text;
        let waits = expansion.dangling || expand::has_reference(&text);
        if waits && (pass < PASSES || expansion.dangling) {
            return;
        }
        if !self
            .done
            .insert((bundle.name.clone(), format!("reports\0{text}")))
        {
            return;
        }
        let _ = writeln!(self.out, "R: {text}");
    }

    fn cached(&self, key: &str) -> Option<Value> {
        self.calls.borrow().get(key).cloned()
    }

    fn set_var(&mut self, scope: &str, name: &str, value: Value) {
        let scope = self.vars.entry(scope.into()).or_default();
        scope.insert(name.into(), value);
    }

    fn fail(&mut self, message: String) {
        eprintln!("error: {message}");
        self.outcome.errors.push(message);
    }

    /// The variable `name` (`x`, `b.x`, `d[k][0]`) seen from `scope`.
    fn lookup(&self, current: &str, name: &str) -> Option<Found<'_>> {
        let name = name.strip_prefix("default:").unwrap_or(name);
        let scope = current;
        let (scope, name) = split_scope(scope, name);
        if scope == "this" {
            return this_var(current, name);
        }
        let vars = self.vars.get(scope)?;
        if let Some(value) = vars.get(name) {
            return Some(Found::Value(value));
        }

        let (base, indices) = split_indices(name)?;
        let Value::Data(data) = vars.get(base)? else {
            return None;
        };
        let mut node: &Data = data;
        for index in indices {
            node = node.child(index)?;
        }
        Some(Found::Data(node))
    }
}

/// `this.bundle` and `this.namespace`. The other `this` variables are
/// not provided yet, so references to them stay unresolved.
fn this_var<'e>(bundle: &str, name: &str) -> Option<Found<'e>> {
    match name {
        "bundle" => Some(Found::Text(bundle.into())),
        "namespace" => Some(Found::Text("default".into())),
        _ => None,
    }
}

/// A variable found by name: a whole value, or a node inside data.
enum Found<'e> {
    Text(Str),
    Value(&'e Value),
    Data(&'e Data),
}

impl Found<'_> {
    fn resolved(&self) -> Resolved {
        match self {
            Found::Text(text) => Resolved::Scalar(text.clone()),
            Found::Value(Value::Scalar(_, text)) => Resolved::Scalar(text.clone()),
            Found::Value(Value::List(_, items)) => Resolved::Items(items.to_vec()),
            Found::Value(Value::Data(data)) => data_resolved(data),
            Found::Data(data) => data_resolved(data),
        }
    }

    fn to_value(&self) -> Value {
        match self {
            Found::Text(text) => Value::string(text.clone()),
            Found::Value(value) => (*value).clone(),
            Found::Data(data) => Value::Data((*data).clone().into()),
        }
    }
}

/// A primitive expands in place; a container iterates over its
/// primitive children, nulls and containers left out, as cf-agent does.
fn data_resolved(data: &Data) -> Resolved {
    let children: Vec<&Data> = match data {
        Data::Array(items) => items.iter().collect(),
        Data::Object(object) => object.iter().map(|(_, v)| v).collect(),
        Data::Null => return Resolved::Items(Vec::new()),
        primitive => {
            return primitive
                .scalar_text()
                .map_or(Resolved::Missing, Resolved::Scalar);
        }
    };
    Resolved::Items(children.into_iter().filter_map(Data::scalar_text).collect())
}

/// Splits `b.x` into scope `b` and name `x`; a dot inside `[...]` is
/// part of an index, not a scope.
fn split_scope<'n>(current: &'n str, name: &'n str) -> (&'n str, &'n str) {
    let head = name.find('[').map_or(name, |i| &name[..i]);
    match head.find('.') {
        Some(dot) => (&name[..dot], &name[dot + 1..]),
        None => (current, name),
    }
}

/// Splits `d[a][0]` into `d` and `["a", "0"]`.
fn split_indices(name: &str) -> Option<(&str, Vec<&str>)> {
    let open = name.find('[')?;
    let (base, mut rest) = name.split_at(open);
    let mut indices = Vec::new();
    while let Some(inner) = rest.strip_prefix('[') {
        let close = matching_bracket(inner)?;
        indices.push(&inner[..close]);
        rest = &inner[close + 1..];
    }
    rest.is_empty().then_some((base, indices))
}

fn matching_bracket(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '[' => depth += 1,
            ']' if depth == 0 => return Some(i),
            ']' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// The strings of a promise that can mention iterated variables: the
/// promiser and every string in its attributes, in source order.
fn promise_texts(promise: &Promise) -> Vec<&str> {
    let mut texts = vec![&*promise.promiser];
    for attribute in &promise.attributes {
        rval_texts(&attribute.value, &mut texts);
    }
    texts
}

fn rval_texts<'p>(rval: &'p Rval, texts: &mut Vec<&'p str>) {
    match rval {
        Rval::Str(text, _) => texts.push(text),
        Rval::List(items, _) => items.iter().for_each(|i| rval_texts(i, texts)),
        Rval::Call(call) => call.args.iter().for_each(|a| rval_texts(a, texts)),
        Rval::Word(..) | Rval::ListRef(..) => {}
    }
}

/// Whether `name` is the attribute that gives a `vars` promise its type.
pub fn is_var_type(name: &str) -> bool {
    matches!(
        name,
        "string" | "int" | "real" | "slist" | "ilist" | "rlist" | "data"
    )
}

/// Why a value could not be computed yet.
enum Pending {
    /// A reference does not resolve (yet).
    Unresolved,
    /// A function call failed.
    Failed(String),
}

impl Resolver for Frame<'_, '_> {
    fn resolve(&self, name: &str) -> Resolved {
        if let Some((_, item)) = self.bindings.iter().rev().find(|(n, _)| &**n == name) {
            return Resolved::Scalar(item.clone());
        }
        match self.eval.lookup(self.scope, name) {
            Some(found) => found.resolved(),
            None => Resolved::Missing,
        }
    }
}

impl Env for Frame<'_, '_> {
    fn lookup(&self, name: &str) -> Option<Value> {
        if let Some((_, item)) = self.bindings.iter().rev().find(|(n, _)| &**n == name) {
            return Some(Value::string(item.clone()));
        }
        self.eval
            .lookup(self.scope, name)
            .map(|found| found.to_value())
    }

    fn sysroot(&self) -> &Path {
        &self.eval.options.sysroot
    }
}

impl Frame<'_, '_> {
    fn expand(&self, text: &str) -> Expansion {
        expand::expand(text, self)
    }

    /// The value of an rval: strings expanded, lists and data whole.
    fn value(&self, rval: &Rval) -> Result<Value, Pending> {
        match rval {
            Rval::Str(text, _) => {
                let expansion = self.expand(text);
                if !expansion.complete {
                    return Err(Pending::Unresolved);
                }
                Ok(Value::string(expansion.text))
            }
            Rval::Word(word, _) => Ok(Value::string(word.clone())),
            Rval::ListRef(name, _) => self.list_ref(name),
            Rval::List(items, _) => self.list(items, ListKind::String),
            Rval::Call(call) => self.call(call),
        }
    }

    fn list_ref(&self, name: &str) -> Result<Value, Pending> {
        let name = self.expand(name);
        if !name.complete {
            return Err(Pending::Unresolved);
        }
        Env::lookup(self, &name.text).ok_or(Pending::Unresolved)
    }

    /// A list literal; `@(x)` members and calls returning lists splice in.
    fn list(&self, items: &[Rval], kind: ListKind) -> Result<Value, Pending> {
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            match item {
                Rval::Str(text, _) => out.push(self.expand(text).text.into()),
                other => match self.value(other)? {
                    Value::Scalar(_, text) => out.push(text),
                    Value::List(_, list) => out.extend(list.iter().cloned()),
                    Value::Data(data) => out.extend(data_items(&data)),
                },
            }
        }
        Ok(Value::List(kind, out.into()))
    }

    fn call(&self, call: &crate::ast::Call) -> Result<Value, Pending> {
        let Some(builtin) = builtins::find(&call.name) else {
            let message = match syntax().function(&call.name) {
                Some(_) => format!("function '{}' is not provided by cfmini", call.name),
                None => format!("unknown function '{}'", call.name),
            };
            return Err(Pending::Failed(message));
        };
        let count = call.args.len();
        if count < builtin.min_args || builtin.max_args.is_some_and(|max| count > max) {
            return Err(Pending::Failed(format!(
                "function '{}' takes {} arguments, got {count}",
                call.name,
                arity_text(builtin.min_args, builtin.max_args)
            )));
        }

        let args = call
            .args
            .iter()
            .map(|a| self.value(a))
            .collect::<Result<Vec<_>, _>>()?;
        let key = CACHED_CALLS
            .contains(&&*call.name)
            .then(|| format!("{}{args:?}", call.name));
        if let Some(value) = key.as_ref().and_then(|k| self.eval.cached(k)) {
            return Ok(value);
        }

        let invocation = Call {
            name: &call.name,
            args,
            env: self,
        };
        let value = (builtin.run)(&invocation).map_err(Pending::Failed)?;
        if let Some(key) = key {
            self.eval.calls.borrow_mut().insert(key, value.clone());
        }
        Ok(value)
    }

    /// The value of a `vars` promise of type `kind`; `None` when it must
    /// wait for a later pass.
    fn typed_value(&self, kind: &str, rval: &Rval) -> Result<Option<Value>, String> {
        let value = match (kind, rval) {
            ("string", Rval::Str(text, _)) => {
                let expansion = self.expand(text);
                if expansion.dangling {
                    return Ok(None);
                }
                Value::string(expansion.text)
            }
            ("int" | "real", Rval::Str(text, _)) => {
                let expansion = self.expand(text);
                if !expansion.complete {
                    return Ok(None);
                }
                Value::string(expansion.text)
            }
            ("slist" | "ilist" | "rlist", Rval::List(items, _)) => {
                match self.list(items, list_kind(kind)) {
                    Ok(value) => value,
                    Err(Pending::Unresolved) => return Ok(None),
                    Err(Pending::Failed(message)) => return Err(message),
                }
            }
            _ => match self.value(rval) {
                Ok(value) => value,
                Err(Pending::Unresolved) => return Ok(None),
                Err(Pending::Failed(message)) => return Err(message),
            },
        };
        convert(kind, value).map(Some)
    }

    /// A class attribute's value: a class expression, or a function
    /// returning one. `None` when it does not resolve.
    fn class_value(&self, rval: &Rval) -> Option<bool> {
        let value = self.value(rval).ok()?;
        match value {
            Value::Scalar(_, expr) => Some(self.eval.class_expression(&expr)),
            _ => None,
        }
    }

    /// Whether a `classes` promise defines its class; `None` when an
    /// attribute does not resolve yet.
    fn class_promise_holds(&self, promise: &Promise) -> Option<bool> {
        let mut holds = true;
        for Attribute { name, value, .. } in &promise.attributes {
            let result = match &**name {
                "expression" => self.class_value(value)?,
                "not" => !self.class_value(value)?,
                "and" => self.class_members(value)?.iter().all(|b| *b),
                "or" => self.class_members(value)?.iter().any(|b| *b),
                "xor" => self.class_members(value)?.iter().filter(|b| **b).count() == 1,
                _ => continue,
            };
            holds &= result;
        }
        Some(holds)
    }

    fn class_members(&self, rval: &Rval) -> Option<Vec<bool>> {
        match rval {
            Rval::List(items, _) => items.iter().map(|i| self.class_value(i)).collect(),
            other => match self.value(other).ok()? {
                Value::List(_, items) => Some(
                    items
                        .iter()
                        .map(|e| self.eval.class_expression(e))
                        .collect(),
                ),
                Value::Scalar(_, expr) => Some(vec![self.eval.class_expression(&expr)]),
                Value::Data(_) => None,
            },
        }
    }
}

fn data_items(data: &Data) -> Vec<Str> {
    match data_resolved(data) {
        Resolved::Items(items) => items,
        Resolved::Scalar(text) => vec![text],
        Resolved::Missing => Vec::new(),
    }
}

fn arity_text(min: usize, max: Option<usize>) -> String {
    match max {
        Some(max) if max == min => min.to_string(),
        Some(max) => format!("{min} to {max}"),
        None => format!("at least {min}"),
    }
}

fn list_kind(kind: &str) -> ListKind {
    match kind {
        "ilist" => ListKind::Int,
        "rlist" => ListKind::Real,
        _ => ListKind::String,
    }
}

/// Converts a computed value to the declared type of a `vars` promise.
fn convert(kind: &str, value: Value) -> Result<Value, String> {
    match (kind, value) {
        ("string", Value::Scalar(_, text)) => Ok(Value::Scalar(ScalarKind::String, text)),
        ("int", Value::Scalar(_, text)) => int_text(&text)
            .map(|i| Value::Scalar(ScalarKind::Int, i.to_string().into()))
            .ok_or_else(|| format!("cannot parse '{text}' as an integer")),
        ("real", Value::Scalar(_, text)) => real_text(&text)
            .map(|r| Value::Scalar(ScalarKind::Real, format!("{r:.6}").into()))
            .ok_or_else(|| format!("cannot parse '{text}' as a real number")),
        ("slist" | "ilist" | "rlist", Value::List(_, items)) => {
            Ok(Value::List(list_kind(kind), items))
        }
        ("slist" | "ilist" | "rlist", Value::Data(data)) => {
            Ok(Value::List(list_kind(kind), data_items(&data).into()))
        }
        ("data", Value::Data(data)) => Ok(Value::Data(data)),
        ("data", Value::Scalar(_, text)) => crate::json::parse(&text)
            .map(|d| Value::Data(d.into()))
            .map_err(|e| format!("cannot parse data: {e}")),
        (kind, value) => Err(format!(
            "a {} value cannot be assigned to a variable of type {kind}",
            value.type_name()
        )),
    }
}

/// An integer with cf-agent's unit suffixes: `k`, `m`, `g` are powers
/// of 1000 and `K`, `M`, `G` powers of 1024.
pub fn int_text(text: &str) -> Option<i64> {
    let text = text.trim();
    let (digits, factor) = match text.chars().last()? {
        'k' => (&text[..text.len() - 1], 1_000),
        'm' => (&text[..text.len() - 1], 1_000_000),
        'g' => (&text[..text.len() - 1], 1_000_000_000),
        'K' => (&text[..text.len() - 1], 1 << 10),
        'M' => (&text[..text.len() - 1], 1 << 20),
        'G' => (&text[..text.len() - 1], 1 << 30),
        _ => (text, 1),
    };
    digits.parse::<i64>().ok()?.checked_mul(factor)
}

fn real_text(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok().filter(|r| r.is_finite())
}
