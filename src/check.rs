//! The checks cf-promises makes before cf-agent runs a policy, as far as
//! cfmini reproduces them: known bundle types, promise types allowed in
//! each bundle type, known attributes, no bundle or body defined twice,
//! defined bodies, bundles called with the arguments they take, function
//! arity and return types, integer literals, one type per variable
//! promise, no variable made of itself, and a bundlesequence of defined
//! bundles. Each finding is a located error; a policy with any is not
//! run.
//!
//! Literal numbers and menu choices of promise and body attributes are
//! held to the type and range cf-promises records for each. cf-promises
//! checks more: the type a function returns for an attribute other
//! than a variable's, which cfmini does not check.
//!
//! [`portability`] finds what cf-promises would pass but cf-agent would
//! not run as cfmini does: calls of builtins only cfmini has, and
//! comparisons of `network_connections()` states with names cf-agent
//! never reports. `cfmini check` prints them as warnings; they stop
//! nothing.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::rc::Rc;

use crate::ast::{Body, Bundle, Call, Policy, Promise, Rval, Span};
use crate::builtins::{self, Builtin};
use crate::classes;
use crate::error::{Error, ErrorKind};
use crate::eval::{int_text, is_var_type, real_text};
use crate::expand;
use crate::syntax::syntax;

/// Every problem found in `policy`, each placed in the file its block
/// was read from, judged as cf-promises judges it.
pub fn check(policy: &Policy) -> Vec<Error> {
    check_with(policy, true)
}

/// [`check`], where unknown attributes and values of the wrong type
/// are errors only when `strict`, and warnings otherwise: cf-promises
/// rejects them, but a policy holding them may still run as meant.
pub fn check_with(policy: &Policy, strict: bool) -> Vec<Error> {
    let mut checker = Checker {
        policy,
        file: Path::new("").into(),
        errors: Vec::new(),
        strict,
    };
    for bundle in &policy.bundles {
        checker.bundle(bundle);
    }
    for body in &policy.bodies {
        checker.body(body);
    }
    checker.duplicates();
    checker.errors
}

struct Checker<'a> {
    policy: &'a Policy,
    /// The file of the block being checked.
    file: Rc<Path>,
    errors: Vec<Error>,
    /// Whether unknown attributes and mistyped values are errors.
    strict: bool,
}

impl Checker<'_> {
    fn error(&mut self, span: Span, message: String) {
        let error = Error::at(ErrorKind::Check, message, &self.file, span);
        self.errors.push(error);
    }

    /// An unknown attribute or a value of the wrong type: an error when
    /// strict, else a warning.
    fn doubtful(&mut self, span: Span, message: String) {
        let kind = match self.strict {
            true => ErrorKind::Check,
            false => ErrorKind::Warning,
        };
        self.errors.push(Error::at(kind, message, &self.file, span));
    }

    fn bundle(&mut self, bundle: &Bundle) {
        self.file = bundle.file.clone();
        let Some(allowed) = syntax().promise_types_of(&bundle.kind) else {
            let message = format!("unknown bundle type '{}'", bundle.kind);
            return self.error(bundle.span, message);
        };
        for section in &bundle.sections {
            let promise_type = &*section.promise_type;
            if syntax().is_promise_type(promise_type)
                && !allowed.contains(&promise_type)
            {
                let message = format!(
                    "promise type '{promise_type}' is not allowed in a \
                     '{}' bundle",
                    bundle.kind
                );
                self.error(section.span, message);
            }
            // cf-promises evaluates these promises ahead of running, and
            // with them the calls in their attributes.
            let evaluated_ahead = promise_type == "vars"
                || (promise_type == "classes" && &*bundle.kind == "common");
            for promise in &section.promises {
                self.promise(promise_type, promise, &bundle.namespace);
                if evaluated_ahead {
                    let values = promise.attributes.iter().map(|a| &a.value);
                    values.for_each(|value| self.ifelse_arity(value));
                }
            }
        }
        self.self_references(bundle);
    }

    /// A string or list variable whose first definition refers to
    /// itself, or to itself through others, can never converge, and cf-promises
    /// rejects it; later definitions may build on the value before them.
    /// cf-promises counts `$(b.x)` in bundle `b` as `x` only on the way
    /// through others: `"x" string => "$(b.x)"` passes.
    fn self_references(&mut self, bundle: &Bundle) {
        // Each variable's first definition: what it refers to, and where.
        let mut index: HashMap<&str, usize> = HashMap::new();
        let mut first: Vec<(&str, Vec<OwnReference>, Span)> = Vec::new();
        let vars = bundle
            .sections
            .iter()
            .filter(|s| &*s.promise_type == "vars");
        for promise in vars.flat_map(|s| &s.promises) {
            let name = &*promise.promiser;
            // A name built from variables is known only at run time.
            if index.contains_key(name) || expand::has_reference(name) {
                continue;
            }
            index.insert(name, first.len());
            let refers = definition_references(promise, bundle);
            first.push((name, refers, promise.span));
        }

        let edges: Vec<Vec<usize>> = first
            .iter()
            .enumerate()
            .map(|(at, (_, refers, _))| {
                refers
                    .iter()
                    .filter_map(|r| Some((*index.get(r.name.as_str())?, r)))
                    .filter(|(to, r)| *to != at || !r.names_bundle)
                    .map(|(to, _)| to)
                    .collect()
            })
            .collect();
        for at in on_cycles(&edges) {
            let (name, _, span) = &first[at];
            let message = format!("variable '{name}' contains itself");
            self.error(*span, message);
        }
    }

    fn promise(
        &mut self,
        promise_type: &str,
        promise: &Promise,
        namespace: &str,
    ) {
        let guard = &promise.context;
        self.class_syntax(&guard.expr, guard.span);
        for attribute in &promise.attributes {
            let is_class = matches!(
                &*attribute.name,
                "if" | "unless" | "ifvarclass" | "expression"
            );
            let Rval::Str(expr, span) = &attribute.value else {
                continue;
            };
            // cf-promises takes an empty `unless` (it never resolves),
            // but no other empty condition.
            if is_class && expr.is_empty() && &*attribute.name != "unless" {
                let message = format!(
                    "syntax error: '{}' is given an empty class expression",
                    attribute.name
                );
                self.error(*span, message);
            } else if is_class
                && !expr.is_empty()
                && &*attribute.name != "expression"
            {
                // cf-promises leaves an `expression` to run time, where
                // cf-agent logs a malformed one and defines nothing.
                self.class_syntax(expr, *span);
            }
        }
        self.empty_references(&promise.promiser, promise.span);
        for attribute in &promise.attributes {
            for text in attribute.value.items() {
                if let Rval::Str(text, span) = text {
                    self.empty_references(text, *span);
                }
            }
        }
        for attribute in &promise.attributes {
            self.list_references(&attribute.value);
            self.call_nesting(&attribute.value, 0);
        }
        let custom = !syntax().is_promise_type(promise_type);
        let mut var_type: Option<&str> = None;
        for attribute in &promise.attributes {
            let name = &*attribute.name;
            let known = syntax().promise_attribute(promise_type, name);
            if known.is_none() && !custom {
                let message = format!(
                    "unknown attribute '{name}' for promise type \
                     '{promise_type}'"
                );
                self.doubtful(attribute.span, message);
            }
            // cf-promises checks calls only where it evaluates ahead of
            // running: in vars and classes promises.
            if matches!(promise_type, "vars" | "classes")
                && known != Some("body")
            {
                self.calls(&attribute.value);
            }

            if known == Some("body") {
                self.body_reference(name, &attribute.value);
            }
            if name == "usebundle" {
                self.bundle_reference(&attribute.value, namespace);
            }
            if known == Some("clist") {
                self.returns_classes(name, &attribute.value);
            }
            let types_variable = promise_type == "vars" && is_var_type(name);
            if let (Some(kind), false) = (known, types_variable) {
                self.list_for_scalar(name, kind, &attribute.value);
                let attributes = syntax().promise_attributes(promise_type);
                if let Some(typed) = attributes.and_then(|a| a.typed(name)) {
                    self.in_range(name, typed, &attribute.value);
                }
            }
            if !types_variable {
                continue;
            }
            // The same type twice is allowed: the last value wins.
            match var_type.replace(name) {
                Some(earlier) if earlier != name => {
                    let message = format!(
                        "variable '{}' is given type '{name}' after \
                         '{earlier}'",
                        promise.promiser
                    );
                    self.error(attribute.span, message);
                }
                _ => {}
            }
            self.literal(name, &attribute.value);
            self.returns(name, &attribute.value);
            if name.ends_with("list")
                && matches!(attribute.value, Rval::ListRef(..))
            {
                let message = format!(
                    "a {name} takes a list in braces or a function, not a \
                     bare list reference"
                );
                self.doubtful(attribute.value.span(), message);
            }
        }
    }

    /// `$()` and `${}` name nothing; cf-promises refuses a string that
    /// is nothing else (one that holds more is only an error at run
    /// time).
    fn empty_references(&mut self, text: &str, span: Span) {
        if text == "$()" || text == "${}" {
            let message = format!("empty variable reference in '{text}'");
            self.error(span, message);
        }
    }

    /// A class expression written without variables must parse.
    fn class_syntax(&mut self, expr: &str, span: Span) {
        if expr.contains('$') {
            return;
        }
        if let Err(message) = classes::evaluate(expr, &|_| false) {
            self.error(span, message);
        }
    }

    /// A function assigned to a variable must return its type; a
    /// `string` takes any scalar.
    fn returns(&mut self, var_type: &str, rval: &Rval) {
        let Rval::Call(call) = rval else { return };
        let Some(function) = syntax().function(&call.name) else {
            return;
        };
        let fits = match var_type {
            "string" => {
                matches!(
                    function.returns,
                    "string" | "int" | "real" | "context"
                )
            }
            other => function.returns == other,
        };
        if !fits {
            let message = format!(
                "function '{}' returns {}, not {var_type}",
                call.name, function.returns
            );
            self.error(call.span, message);
        }
    }

    /// A list of classes (`or`, `and`, `xor`, `select_class`) given by
    /// a function: cf-promises takes only a function that returns a
    /// class, not one that returns a list.
    fn returns_classes(&mut self, attribute: &str, rval: &Rval) {
        let Rval::Call(call) = rval else { return };
        let Some(function) = syntax().function(&call.name) else {
            return;
        };
        if function.returns != "context" {
            let message = format!(
                "function '{}' returns {}, which '{attribute}' does not take",
                call.name, function.returns
            );
            self.error(call.span, message);
        }
    }

    /// `perms => p("644")` must name a body of type `perms`. cf-promises
    /// finds a name without a namespace in any namespace, and `ns:p` in
    /// `ns` alone. It does not count the arguments: cf-agent reports a
    /// body given the wrong number only when it uses the body.
    fn body_reference(&mut self, kind: &str, rval: &Rval) {
        let (name, span) = match rval {
            Rval::Word(name, span) => (name, *span),
            Rval::Call(call) => (&call.name, call.span),
            _ => return,
        };
        if name.contains('$') {
            return;
        }
        let (namespace, bare) = match name.split_once(':') {
            Some((namespace, bare)) => (Some(namespace), bare),
            None => (None, &**name),
        };
        let found = self.policy.bodies.iter().any(|b| {
            &*b.keyword == "body"
                && &*b.kind == kind
                && &*b.name == bare
                && namespace.is_none_or(|n| n == &*b.namespace)
        });
        if !found {
            let message = format!("undefined body '{name}' of type '{kind}'");
            self.error(span, message);
        }
    }

    /// `usebundle => b("x")` must give `b`, of the caller's namespace
    /// unless it names another, as many arguments as it takes.
    fn bundle_reference(&mut self, rval: &Rval, namespace: &str) {
        // cf-promises lets `usebundle => b` through whatever `b` takes.
        let Rval::Call(call) = rval else { return };
        let (name, args, span) = (&call.name, call.args.len(), call.span);
        let found = self.policy.bundle(name, namespace);
        if let Some(bundle) = found
            && bundle.params.len() != args
        {
            let message = format!(
                "bundle '{name}' takes {} arguments, got {args}",
                bundle.params.len()
            );
            self.error(span, message);
        }
    }

    /// A bundle or body defined twice with the same type, namespace and
    /// name. cf-promises allows any number of `body file control`.
    fn duplicates(&mut self) {
        let mut seen = HashSet::new();
        let bundles = self.policy.bundles.iter().map(|b| {
            ("bundle", &b.kind, &b.namespace, &b.name, b.span, &b.file)
        });
        let bodies = self.policy.bodies.iter();
        let bodies = bodies.filter(|b| &*b.kind != "file").map(|b| {
            (&*b.keyword, &b.kind, &b.namespace, &b.name, b.span, &b.file)
        });
        let mut found = Vec::new();
        for (keyword, kind, namespace, name, span, file) in
            bundles.chain(bodies)
        {
            if !seen.insert((keyword, kind, namespace, name)) {
                let message = format!(
                    "{keyword} '{name}' of type '{kind}' is defined twice"
                );
                found.push((file.clone(), span, message));
            }
        }
        for (file, span, message) in found {
            self.file = file;
            self.error(span, message);
        }
    }

    /// A value must fit its variable's shape: lists for list types,
    /// scalars for the others, and literal numbers must read as numbers
    /// of the type, as cf-promises insists.
    fn literal(&mut self, var_type: &str, rval: &Rval) {
        let is_list = var_type.ends_with("list");
        match (rval, is_list) {
            (Rval::Str(_, span), true) => {
                let message =
                    format!("a {var_type} takes a list, not a string");
                return self.doubtful(*span, message);
            }
            (Rval::List(_, span), false) => {
                let message =
                    format!("a {var_type} takes a scalar, not a list");
                return self.doubtful(*span, message);
            }
            _ => {}
        }

        let number_type = match var_type {
            "int" | "ilist" => "int",
            "real" | "rlist" => "real",
            _ => return,
        };
        for item in rval.items() {
            let (Rval::Str(text, span) | Rval::Word(text, span)) = item else {
                continue;
            };
            if !text.contains('$') && !reads_as(number_type, text) {
                let message = format!("cannot parse '{text}' as {number_type}");
                self.error(*span, message);
            }
        }
    }

    /// A number or menu choice written literally for attribute `name`
    /// must read as its type and lie in its range: an `int` or `real`
    /// between the two bounds, an `option` or `olist` item one of the
    /// words offered. cf-promises checks this wherever the attribute
    /// is written, in a body no promise uses too.
    fn in_range(&mut self, name: &str, typed: (&str, &str), rval: &Rval) {
        let (kind, range) = typed;
        for item in rval.items() {
            let (Rval::Str(text, span) | Rval::Word(text, span)) = item else {
                continue;
            };
            // cf-promises takes an empty menu choice, as if none were
            // made.
            let unchosen =
                text.is_empty() && matches!(kind, "option" | "olist");
            if text.contains(['$', '@']) || unchosen {
                continue;
            }
            let problem = match kind {
                "int" | "real" => number_problem(kind, text, range),
                "option" | "olist"
                    if !range.split(',').any(|w| w == &**text) =>
                {
                    let choices = range.replace(',', ", ");
                    Some(format!("is not one of {choices}"))
                }
                _ => None,
            };
            if let Some(problem) = problem {
                let message =
                    format!("value '{text}' of attribute '{name}' {problem}");
                self.doubtful(*span, message);
            }
        }
    }

    /// Calls anywhere inside `rval`: the function must exist, and take
    /// as many arguments as it was given.
    fn calls(&mut self, rval: &Rval) {
        match rval {
            Rval::List(items, _) => items.iter().for_each(|i| self.calls(i)),
            Rval::Call(call) => {
                self.call(call);
                call.args.iter().for_each(|a| self.calls(a));
            }
            _ => {}
        }
    }

    /// `ifelse()` anywhere in `rval` must be given pairs of a class and
    /// a value, then a default: an odd number of arguments. cf-promises
    /// finds an even number only in a call it evaluates, so it lets
    /// through one under a guard that is false or with an argument that
    /// does not resolve; this check, which evaluates nothing, does not.
    fn ifelse_arity(&mut self, rval: &Rval) {
        match rval {
            Rval::List(items, _) => {
                items.iter().for_each(|i| self.ifelse_arity(i))
            }
            Rval::Call(call) => {
                let count = call.args.len();
                if &*call.name == "ifelse" && count.is_multiple_of(2) {
                    let message = format!(
                        "function 'ifelse' takes an odd number of \
                         arguments, got {count}"
                    );
                    self.error(call.span, message);
                }
                call.args.iter().for_each(|a| self.ifelse_arity(a));
            }
            _ => {}
        }
    }

    /// `@(name)` anywhere in an rval. cf-promises reads a variable in
    /// the name only inside one index that ends it: `@(a[$(k)])`, not
    /// `@(a_$(k))` or `@(d[$(k)][y])`.
    fn list_references(&mut self, rval: &Rval) {
        match rval {
            Rval::ListRef(name, span) if !is_list_reference_ok(name) => {
                let message = format!(
                    "syntax error: '@({name})' may hold a variable only in \
                     one index that ends it"
                );
                self.error(*span, message);
            }
            Rval::List(items, _) => {
                items.iter().for_each(|i| self.list_references(i))
            }
            Rval::Call(call) => {
                call.args.iter().for_each(|a| self.list_references(a))
            }
            _ => {}
        }
    }

    /// A `{ ... }` list given to an attribute that takes one value,
    /// which cf-promises calls a type mismatch.
    fn list_for_scalar(&mut self, name: &str, kind: &str, value: &Rval) {
        let scalar = ["string", "int", "real", "option", "context", "irange"];
        if let (Rval::List(_, span), true) = (value, scalar.contains(&kind)) {
            let message = format!(
                "type mismatch: attribute '{name}' takes one {kind}, not a list"
            );
            self.doubtful(*span, message);
        }
    }

    /// A string, a bare word or a bare `@(name)` given to a body's list
    /// attribute: cf-promises wants a `{ ... }` list or a call there,
    /// though a promise's list attributes take a string.
    fn scalar_for_list(&mut self, name: &str, kind: &str, value: &Rval) {
        let scalar =
            matches!(value, Rval::Str(..) | Rval::Word(..) | Rval::ListRef(..));
        if scalar && kind.ends_with("list") {
            let message = format!(
                "type mismatch: attribute '{name}' takes a {kind} in braces, \
                 not a single value"
            );
            self.doubtful(value.span(), message);
        }
    }

    /// Calls inside `rval`, itself inside `depth` calls, must not nest
    /// deeper than cf-promises reads them; one error per chain, at the
    /// call that goes too deep.
    fn call_nesting(&mut self, rval: &Rval, depth: usize) {
        let Rval::Call(call) = rval else { return };
        if depth == MAX_CALL_NESTING {
            let message = format!(
                "function calls nest deeper than {MAX_CALL_NESTING} levels"
            );
            return self.error(call.span, message);
        }
        for arg in &call.args {
            self.call_nesting(arg, depth + 1);
        }
    }

    fn call(&mut self, call: &Call) {
        let Some(function) = syntax().function(&call.name) else {
            let message = format!("unknown function '{}'", call.name);
            return self.error(call.span, message);
        };
        if let Some(row) = builtins::find(&call.name)
            .filter(|row| builtins::is_cfmini_only(row.name))
        {
            return self.cfmini_only_arity(call, row);
        }
        let expected = function.params.len();
        if !function.variadic && call.args.len() != expected {
            let message = format!(
                "function '{}' takes {expected} arguments, got {}",
                call.name,
                call.args.len()
            );
            self.error(call.span, message);
        }
    }

    /// A builtin only cfmini has is checked against its own row, whose
    /// optional arguments the signature table cannot express.
    fn cfmini_only_arity(&mut self, call: &Call, row: &Builtin) {
        let count = call.args.len();
        let (min, max) = (row.min_args, row.max_args);
        if count >= min && max.is_none_or(|max| count <= max) {
            return;
        }
        let most = max.map_or("more".to_string(), |m| m.to_string());
        let message = format!(
            "function '{}' takes {min} to {most} arguments, got {count}",
            call.name
        );
        self.error(call.span, message);
    }

    fn body(&mut self, body: &Body) {
        self.file = body.file.clone();
        if &*body.keyword != "body" {
            return;
        }
        if &*body.kind == "common" && &*body.name == "control" {
            self.bundlesequence(body);
        }
        let Some(known) = syntax().body_attributes(&body.kind) else {
            return;
        };
        for setting in &body.settings {
            let attribute = &setting.attribute;
            if !known.contains_key(&attribute.name) {
                let message = format!(
                    "unknown attribute '{}' for 'body {} {}'",
                    attribute.name, body.kind, body.name
                );
                self.doubtful(attribute.span, message);
            }
            self.call_nesting(&attribute.value, 0);
            if let Some(typed) = known.typed(&attribute.name) {
                self.list_for_scalar(
                    &attribute.name,
                    typed.0,
                    &attribute.value,
                );
                self.scalar_for_list(
                    &attribute.name,
                    typed.0,
                    &attribute.value,
                );
                self.in_range(&attribute.name, typed, &attribute.value);
            }
            if (&*body.kind, &*attribute.name) == ("file", "namespace") {
                self.namespace_name(&attribute.value);
            }
        }
    }

    /// The namespace `body file control` switches to must be a single
    /// string, a letter or underscore then letters, digits and
    /// underscores, unless a variable stands in it.
    fn namespace_name(&mut self, value: &Rval) {
        let message = match value {
            Rval::Str(name, _) | Rval::Word(name, _)
                if name.contains('$') || is_namespace_name(name) =>
            {
                return;
            }
            Rval::Str(name, _) | Rval::Word(name, _) => format!(
                "namespace '{name}' is not a letter or underscore followed \
                 by letters, digits and underscores"
            ),
            _ => "namespace must be a single string".to_string(),
        };
        self.error(value.span(), message);
    }

    /// Every bundle named literally in the bundlesequence of `control`
    /// must exist.
    fn bundlesequence(&mut self, control: &Body) {
        if self.policy.control_flag("ignore_missing_bundles") {
            return;
        }
        let settings = control.settings.iter();
        let settings =
            settings.filter(|s| &*s.attribute.name == "bundlesequence");
        for setting in settings {
            // cf-promises looks for the name in every namespace; cf-agent
            // then finds it in the one given, or `default`.
            for (name, span) in literal_names(&setting.attribute.value) {
                if !self.policy.bundle_named_anywhere(name) {
                    let message = format!(
                        "bundle '{name}' listed in the bundlesequence is \
                         not defined"
                    );
                    self.error(span, message);
                }
            }
        }
    }
}

/// The bundle names written literally in a bundlesequence.
fn literal_names(rval: &Rval) -> Vec<(&str, Span)> {
    let mut names = Vec::new();
    for item in rval.items() {
        match item {
            Rval::Str(name, span) | Rval::Word(name, span)
                if !name.contains('$') =>
            {
                names.push((&**name, *span));
            }
            Rval::Call(call) => names.push((&*call.name, call.span)),
            _ => {}
        }
    }
    names
}

/// Whether `name` is a name cf-promises accepts for a namespace.
fn is_namespace_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// How deep function calls may nest: cf-promises refuses a tenth call
/// inside nine others, wherever it stands.
const MAX_CALL_NESTING: usize = 9;

/// The largest integer literal cf-promises accepts, either sign.
const MAX_INT_LITERAL: i64 = 99_999_999_999;

/// Whether `text` reads as a number of `number_type` as cf-promises
/// reads a literal.
fn reads_as(number_type: &str, text: &str) -> bool {
    match number_type {
        "int" => int_text(text).is_some_and(|i| i.abs() <= MAX_INT_LITERAL),
        _ => real_text(text).is_some(),
    }
}

/// What is wrong with `text` as a number of type `kind` within `range`,
/// `low,high`; `None` when it fits.
fn number_problem(kind: &str, text: &str, range: &str) -> Option<String> {
    let value = match kind {
        "int" => int_text(text).map(|i| i as f64),
        _ => real_text(text),
    };
    let Some(value) = value else {
        return Some(format!("cannot be read as {kind}"));
    };
    let (low, high) = range.split_once(',')?;
    let (lowest, highest) = (low.parse::<f64>().ok()?, high.parse().ok()?);
    let outside = value < lowest || value > highest;
    outside.then(|| format!("is out of the range {low} to {high}"))
}

/// A reference to a variable of the bundle it is written in.
struct OwnReference {
    /// The variable's name.
    name: String,
    /// Whether the reference names the bundle, `b.x` or `ns:b.x`.
    names_bundle: bool,
}

/// The references in `text` that may name variables of `bundle`: `x`,
/// `b.x`, and `ns:b.x` with its own namespace.
fn own_references(text: &str, bundle: &Bundle) -> Vec<OwnReference> {
    let mut found = Vec::new();
    for reference in expand::references(text) {
        let inner = reference.inner;
        let head = inner.find('[').map_or(inner, |i| &inner[..i]);
        let rest = match head.split_once(':') {
            Some((namespace, _)) if namespace != &*bundle.namespace => {
                continue;
            }
            Some((namespace, _)) => &inner[namespace.len() + 1..],
            None => inner,
        };
        let prefix = rest.strip_prefix(&*bundle.name);
        let (name, names_bundle) =
            match prefix.and_then(|r| r.strip_prefix('.')) {
                Some(name) => (name, true),
                None => (rest, false),
            };
        found.push(OwnReference {
            name: name.to_string(),
            names_bundle,
        });
    }
    found
}

/// What the value of a `string` or `slist` promise refers to among its
/// own bundle's variables.
fn definition_references(
    promise: &Promise,
    bundle: &Bundle,
) -> Vec<OwnReference> {
    let value = promise
        .attributes
        .iter()
        .find(|a| matches!(&*a.name, "string" | "slist"))
        .map(|a| &a.value);
    let mut refers = Vec::new();
    for item in value.map(Rval::items).unwrap_or_default() {
        match item {
            Rval::Str(text, _) => refers.extend(own_references(text, bundle)),
            Rval::ListRef(name, _) => refers.push(OwnReference {
                name: name.to_string(),
                names_bundle: false,
            }),
            _ => {}
        }
    }
    refers
}

/// The nodes of a graph that lie on a cycle, in order: those in a
/// strongly connected component of two or more, or with an edge to
/// themselves. Tarjan's algorithm, without recursion, so that a long
/// chain of variables cannot exhaust the stack.
fn on_cycles(edges: &[Vec<usize>]) -> Vec<usize> {
    const UNSEEN: usize = usize::MAX;
    let n = edges.len();
    let (mut order, mut low) = (vec![UNSEEN; n], vec![0; n]);
    let (mut on_stack, mut stack) = (vec![false; n], Vec::new());
    let mut cyclic = vec![false; n];
    let mut next_order = 0;

    for root in 0..n {
        if order[root] != UNSEEN {
            continue;
        }
        // Each frame: a node and how many of its edges are done.
        let mut frames = vec![(root, 0)];
        order[root] = next_order;
        low[root] = next_order;
        next_order += 1;
        stack.push(root);
        on_stack[root] = true;

        while let Some(&mut (node, ref mut done)) = frames.last_mut() {
            if let Some(&next) = edges[node].get(*done) {
                *done += 1;
                if order[next] == UNSEEN {
                    order[next] = next_order;
                    low[next] = next_order;
                    next_order += 1;
                    stack.push(next);
                    on_stack[next] = true;
                    frames.push((next, 0));
                } else if on_stack[next] {
                    low[node] = low[node].min(order[next]);
                }
                continue;
            }

            frames.pop();
            if let Some(&(parent, _)) = frames.last() {
                low[parent] = low[parent].min(low[node]);
            }
            if low[node] == order[node] {
                let mut component = Vec::new();
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    component.push(member);
                    if member == node {
                        break;
                    }
                }
                let loops = component.len() > 1 || edges[node].contains(&node);
                for member in component {
                    cyclic[member] = loops;
                }
            }
        }
    }
    (0..n).filter(|&i| cyclic[i]).collect()
}

/// Whether a list reference's name is one cf-promises reads: without a
/// variable, or with variables only inside one final index.
fn is_list_reference_ok(name: &str) -> bool {
    if !name.contains('$') {
        return true;
    }
    let Some(open) = name.find('[') else {
        return false;
    };
    if name[..open].contains('$') {
        return false;
    }
    let mut depth = 0usize;
    for (at, c) in name[open..].char_indices() {
        match c {
            '[' => depth += 1,
            ']' => {
                depth -= 1;
                if depth == 0 {
                    return open + at + 1 == name.len();
                }
            }
            _ => {}
        }
    }
    false
}

/// The states cf-agent 3.21's `network_connections()` never reports
/// for a table a kernel wrote. It reads the hex state column as
/// decimal, so `0A` (listening), `0B` and `0C` all read as `UNKNOWN`,
/// and the codes `10` and `11` it would name `LISTEN` and `CLOSING`
/// are past the kernel's last state.
const NEVER_REPORTED_STATES: [&str; 3] = ["LISTEN", "CLOSING", "NEW_SYN_RECV"];

/// The functions through which policy compares a value with a string
/// or a pattern.
const COMPARERS: [&str; 8] = [
    "strcmp", "regcmp", "filter", "grep", "every", "some", "none", "reglist",
];

/// Warnings about what would run differently, or not at all, under
/// cf-agent 3.21. They stop nothing. Two kinds are found:
///
/// - a call, anywhere in the policy, of a builtin only cfmini has;
/// - a call of one of [`COMPARERS`] with one argument that reads
///   `network_connections()` and another, written as literal text,
///   that names a state cf-agent never reports there (`LISTEN`,
///   `CLOSING`, `NEW_SYN_RECV`) as a whole word, such as
///   `strcmp("$(c[tcp][$(i)][state])", "LISTEN")` or
///   `regcmp("LISTEN|ESTABLISHED", "$(s)")`. An argument reads it when
///   it calls `network_connections()` or names a variable set from it,
///   directly or through other `vars` promises that name such a
///   variable, by its short name, in any bundle.
///
/// Not caught: a state reached through a bundle's parameters, a state
/// name held in a variable rather than written in the call, and
/// comparisons made by other means (class expressions built from the
/// state, `classesmatching()`, templates).
pub fn portability(policy: &Policy) -> Vec<Error> {
    let readers = connection_readers(policy);
    let mut warnings = Vec::new();
    for (file, rval) in attribute_values(policy) {
        for call in calls_in(rval) {
            for (span, message) in call_warnings(call, &readers) {
                let warning =
                    Error::at(ErrorKind::Warning, message, file, span);
                warnings.push(warning);
            }
        }
    }
    let place = |w: &Error| w.place.as_ref().map(|(f, s)| (f.clone(), s.start));
    warnings.sort_by_key(place);
    warnings
}

/// Every attribute value of the policy's promises and bodies, with the
/// file it was read from.
fn attribute_values(policy: &Policy) -> impl Iterator<Item = (&Path, &Rval)> {
    let in_bundles = policy.bundles.iter().flat_map(|bundle| {
        let promises = bundle.sections.iter().flat_map(|s| &s.promises);
        let attributes = promises.flat_map(|p| &p.attributes);
        attributes.map(|a| (&*bundle.file, &a.value))
    });
    let in_bodies = policy.bodies.iter().flat_map(|body| {
        let settings = body.settings.iter();
        settings.map(|s| (&*body.file, &s.attribute.value))
    });
    in_bundles.chain(in_bodies)
}

/// What is worth a warning in one call, not looking inside its
/// arguments' calls (each is visited on its own).
fn call_warnings(
    call: &Call,
    readers: &HashSet<String>,
) -> Vec<(Span, String)> {
    let mut found = Vec::new();
    if builtins::is_cfmini_only(&call.name) {
        let message = format!(
            "function '{}' is cfmini's own: cf-agent 3.21 has no such \
             function, so this policy runs under cfmini alone",
            call.name
        );
        found.push((call.span, message));
    }
    if !COMPARERS.contains(&&*call.name) {
        return found;
    }
    let reads_connections = call.args.iter().any(|a| reads(a, readers));
    let state = call.args.iter().find_map(|arg| match arg {
        Rval::Str(text, _) => never_reported_state(text),
        _ => None,
    });
    if let (true, Some(state)) = (reads_connections, state) {
        let message = format!(
            "cf-agent 3.21's network_connections() never reports state \
             '{state}' (it reads the kernel's hex state code as decimal), \
             so this comparison has one answer there whatever the sockets"
        );
        found.push((call.span, message));
    }
    found
}

/// Every call in `rval`, outer ones first.
fn calls_in(rval: &Rval) -> Vec<&Call> {
    let mut calls = Vec::new();
    let mut pending = vec![rval];
    while let Some(rval) = pending.pop() {
        match rval {
            Rval::List(items, _) => pending.extend(items.iter().rev()),
            Rval::Call(call) => {
                calls.push(call);
                pending.extend(call.args.iter().rev());
            }
            _ => {}
        }
    }
    calls
}

/// The texts written in `rval`, and the names of the functions it calls.
fn texts_in(rval: &Rval) -> Vec<&str> {
    let mut texts = Vec::new();
    let mut pending = vec![rval];
    while let Some(rval) = pending.pop() {
        match rval {
            Rval::Str(text, _)
            | Rval::Word(text, _)
            | Rval::ListRef(text, _) => texts.push(&**text),
            Rval::List(items, _) => pending.extend(items),
            Rval::Call(call) => {
                texts.push(&*call.name);
                pending.extend(&call.args);
            }
        }
    }
    texts
}

/// Whether `rval` calls `network_connections()` or names a variable
/// in `readers`.
fn reads(rval: &Rval, readers: &HashSet<String>) -> bool {
    if calls_in(rval)
        .iter()
        .any(|c| &*c.name == "network_connections")
    {
        return true;
    }
    let texts = texts_in(rval);
    texts
        .iter()
        .any(|text| named_variables(text).any(|name| readers.contains(name)))
}

/// The short names of the variables that hold what
/// `network_connections()` returned, or a value made from one of them.
fn connection_readers(policy: &Policy) -> HashSet<String> {
    let vars: Vec<(&str, &Rval)> = policy
        .bundles
        .iter()
        .flat_map(|b| &b.sections)
        .filter(|section| &*section.promise_type == "vars")
        .flat_map(|section| &section.promises)
        .flat_map(|p| {
            p.attributes.iter().map(move |a| (&*p.promiser, &a.value))
        })
        .collect();
    let mut readers = HashSet::new();
    // Each pass adds at least one name or ends, so it ends.
    loop {
        let before = readers.len();
        for (promiser, value) in &vars {
            if reads(value, &readers) {
                let base = promiser.split('[').next().unwrap_or(promiser);
                readers.insert(base.to_string());
            }
        }
        if readers.len() == before {
            return readers;
        }
    }
}

/// The names `text` may use as a variable's: a run of name characters
/// at its start, as a function given a variable's name reads it, or
/// inside `$( )`, `${ }` or `@( )`, qualified or not, whole or indexed.
/// One pass over the text, so that a large policy costs its length, not
/// its length times the names looked for.
fn named_variables(text: &str) -> impl Iterator<Item = &str> {
    fn is_name(c: char) -> bool {
        c.is_ascii_alphanumeric() || c == '_'
    }
    text.match_indices(|c: char| !is_name(c))
        .map(|(at, _)| at + 1)
        .chain(std::iter::once(0))
        .filter_map(move |start| {
            let rest = text.get(start..)?;
            let len = rest.find(|c: char| !is_name(c)).unwrap_or(rest.len());
            let before = text[..start].chars().next_back();
            let after = rest[len..].chars().next();
            let opens = matches!(before, None | Some('(' | '{' | '.' | ':'));
            let closes = matches!(after, None | Some('[' | ')' | '}'));
            (len > 0 && opens && closes).then(|| &rest[..len])
        })
}

/// The first never-reported state `text` names as a whole word.
fn never_reported_state(text: &str) -> Option<&'static str> {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    NEVER_REPORTED_STATES.into_iter().find(|state| {
        text.match_indices(state).any(|(at, _)| {
            let before = text[..at].chars().next_back();
            let after = text[at + state.len()..].chars().next();
            !before.is_some_and(is_word) && !after.is_some_and(is_word)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::{named_variables, never_reported_state, on_cycles};

    #[test]
    fn a_state_is_named_as_a_whole_word() {
        assert_eq!(never_reported_state("LISTEN"), Some("LISTEN"));
        assert_eq!(
            never_reported_state("^(SYN_SENT|CLOSING)$"),
            Some("CLOSING")
        );
        assert_eq!(never_reported_state("NEW_SYN_RECV"), Some("NEW_SYN_RECV"));
        assert_eq!(never_reported_state("LISTENER"), None);
        assert_eq!(never_reported_state("IS_LISTEN"), None);
        assert_eq!(never_reported_state("ESTABLISHED"), None);
    }

    #[test]
    fn variables_are_named_in_references_and_as_arguments() {
        let names_variable = |text: &str, name: &str| {
            named_variables(text).any(|found| found == name)
        };
        assert!(names_variable("$(c[tcp][0][state])", "c"));
        assert!(names_variable("${main.c[tcp]}", "c"));
        assert!(names_variable("@(c)", "c"));
        assert!(names_variable("c[tcp]", "c"));
        assert!(names_variable("c", "c"));
        assert!(!names_variable("$(abc[tcp])", "c"));
        assert!(!names_variable("$(c_x)", "c"));
    }

    #[test]
    fn cycles_and_self_loops_are_found_and_chains_are_not() {
        // 0 -> 1 -> 2 -> 0 is a cycle; 3 -> 0 only leads into it;
        // 4 refers to itself; 5 -> 6 is a chain.
        let edges =
            vec![vec![1], vec![2], vec![0], vec![0], vec![4], vec![6], vec![]];
        assert_eq!(on_cycles(&edges), vec![0, 1, 2, 4]);
    }

    #[test]
    fn a_long_chain_neither_loops_nor_overflows() {
        let mut edges: Vec<Vec<usize>> =
            (1..200_000).map(|i| vec![i]).collect();
        edges.push(vec![]);
        assert!(on_cycles(&edges).is_empty());
    }
}
