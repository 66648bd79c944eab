//! Computing values where a promise stands: expanding strings, reading
//! lists, calling builtins and converting to the declared type of a
//! `vars` promise.

use std::path::Path;

use super::lookup::{self, Qualify, data_resolved, namespace_of};
use super::{Bindings, CACHED_CALLS, Evaluator};
use crate::ast::{Attribute, Promise, Rval};
use crate::builtins::{self, Call, Env};
use crate::classes::canonify;
use crate::expand::{self, Expansion, Resolved, Resolver};
use crate::syntax::syntax;
use crate::value::{Data, ListKind, ScalarKind, Str, Value};

/// Where a promise is evaluated: its bundle and the iteration bindings.
pub(super) struct Frame<'e, 'a> {
    pub(super) eval: &'e Evaluator<'a>,
    pub(super) scope: &'e str,
    pub(super) bindings: &'e Bindings,
    /// How many values deep expansion has gone to get here.
    pub(super) depth: usize,
    /// The namespace of references to other bundles' variables.
    pub(super) qualify: Qualify,
}

/// How deep values that hold references are expanded again.
const MAX_EXPANSION_DEPTH: usize = 16;

/// Why a value could not be computed yet.
pub(super) enum Pending {
    /// A reference does not resolve (yet).
    Unresolved,
    /// A function call failed.
    Failed(String),
}

impl Resolver for Frame<'_, '_> {
    fn resolve(&self, name: &str) -> Resolved {
        if let Some((_, item)) =
            self.bindings.iter().rev().find(|(n, _)| &**n == name)
        {
            return Resolved::Scalar(item.clone());
        }
        let located = self.eval.locate(self.scope, name, self.qualify);
        let Some((home, found)) = located else {
            return Resolved::Missing;
        };
        // A value holding references is expanded again where it was
        // defined, as cf-agent expands it when it is used.
        let home = home.unwrap_or(self.scope);
        match found.resolved() {
            Resolved::Scalar(text) => self.expand_again(home, text),
            Resolved::Items(items) => Resolved::Items(
                items
                    .into_iter()
                    .map(|item| match self.expand_again(home, item) {
                        Resolved::Scalar(text) => text,
                        _ => "".into(),
                    })
                    .collect(),
            ),
            Resolved::Missing => Resolved::Missing,
        }
    }
}

impl Frame<'_, '_> {
    /// `text` with its references expanded in `scope`; a reference
    /// chain deeper than [`MAX_EXPANSION_DEPTH`], such as a cycle, stops
    /// there, unresolved.
    fn expand_again(&self, scope: &str, text: Str) -> Resolved {
        if !expand::has_reference(&text) {
            return Resolved::Scalar(text);
        }
        if self.depth >= MAX_EXPANSION_DEPTH {
            return Resolved::Missing;
        }
        let no_bindings = Bindings::new();
        let home = Frame {
            eval: self.eval,
            scope,
            bindings: &no_bindings,
            depth: self.depth + 1,
            qualify: self.qualify,
        };
        Resolved::Scalar(home.expand(&text).text.into())
    }
}

// Builtins name variables in the default namespace, whatever part of
// the promise calls them.
impl Env for Frame<'_, '_> {
    fn lookup(&self, name: &str) -> Option<Value> {
        self.find(name, Qualify::Default)
    }

    fn sysroot(&self) -> &Path {
        &self.eval.options.sysroot
    }

    fn classic_array(&self, name: &str) -> Option<Data> {
        self.eval.classic_array(self.scope, name, Qualify::Default)
    }

    fn class_holds(&self, expr: &str) -> bool {
        self.holds(expr)
    }

    fn define_array(&self, name: &str, elements: Vec<(Vec<Str>, Value)>) {
        let name = name.strip_prefix("default:").unwrap_or(name);
        let (scope, base) = lookup::split_scope(self.scope, name);
        let mut arrays = self.eval.arrays.borrow_mut();
        for (indices, value) in elements {
            let mut var = base.to_string();
            indices.iter().for_each(|i| var += &format!("[{i}]"));
            arrays.push((scope.to_string(), var, value));
        }
    }

    fn call_template(
        &self,
        template: &Rval,
        this: &[(Str, Str)],
    ) -> Option<String> {
        let mut bindings = self.bindings.clone();
        bindings.extend(this.iter().cloned());
        let frame = Frame {
            bindings: &bindings,
            ..*self
        };
        match frame.value(template).ok()? {
            Value::Scalar(_, text) => Some(text.to_string()),
            _ => None,
        }
    }

    fn expand_template(&self, text: &str, this: &[(Str, Str)]) -> String {
        // cf-agent puts the `this` values in the text first, so a
        // reference that then does not resolve shows the element.
        let mut text = text.to_string();
        for (name, value) in this {
            text = text
                .replace(&format!("$({name})"), value)
                .replace(&format!("${{{name}}}"), value);
        }
        let text = text.as_str();
        let mut bindings = self.bindings.clone();
        bindings.extend(this.iter().cloned());
        let frame = Frame {
            bindings: &bindings,
            ..*self
        };
        frame.expand(text).text
    }

    fn variables(&self) -> Vec<(String, Value)> {
        let scopes = self.eval.vars.iter();
        scopes
            .flat_map(|(scope, vars)| {
                vars.iter().map(move |(name, value)| {
                    let name = match scope.contains(':') {
                        true => format!("{scope}.{name}"),
                        false => format!("default:{scope}.{name}"),
                    };
                    (name, value.clone())
                })
            })
            .collect()
    }

    /// A path into a container has the container's tags, whether or not
    /// the path leads anywhere, as in cf-agent.
    fn variable_tags(&self, name: &str) -> Option<Vec<Str>> {
        let locate = |name: &str| {
            let (home, _) = self.eval.locate(self.scope, name, self.qualify)?;
            let short = name.rsplit_once('.').map_or(name, |(_, short)| short);
            let base = lookup::split_indices(short).map_or(short, |(b, _)| b);
            Some(self.eval.var_tags(home?, base))
        };
        let base = lookup::split_indices(name).map(|(base, _)| base);
        locate(name).or_else(|| base.and_then(locate))
    }

    fn classes(&self) -> Vec<String> {
        let local = self.eval.local_classes.last().into_iter().flatten();
        let eval = self.eval;
        let all = eval.hard_classes.iter().chain(&eval.global_classes);
        let all = all.chain(local);
        all.cloned().collect()
    }

    fn class_tags(&self, name: &str) -> Option<Vec<Str>> {
        let defined = self.eval.class_defined(name, self.namespace());
        defined.then(|| self.eval.class_tags(name))
    }

    fn method_promisers(&self) -> Vec<Str> {
        self.eval.method_promisers.clone()
    }

    fn verbose(&self, function: &str, message: &str) {
        self.eval.log.builtin(function, message);
    }

    /// cf-agent lists bundles last written first.
    fn bundles(&self) -> Vec<(String, Vec<Str>)> {
        let bundles = self.eval.policy.bundles.iter().rev();
        bundles
            .map(|b| (format!("{}:{}", b.namespace, b.name), bundle_tags(b)))
            .collect()
    }
}

/// The strings the bundle's `meta:` promise `tags` lists as written.
fn bundle_tags(bundle: &crate::ast::Bundle) -> Vec<Str> {
    let meta = bundle
        .sections
        .iter()
        .filter(|s| &*s.promise_type == "meta");
    let promises = meta.flat_map(|s| &s.promises);
    let tags = promises.filter(|p| &*p.promiser == "tags");
    let values = tags.flat_map(|p| &p.attributes).map(|a| &a.value);
    let items = values.flat_map(|value| match value {
        Rval::List(items, _) => items.as_slice(),
        _ => &[],
    });
    let texts = items.filter_map(|item| match item {
        Rval::Str(text, _) => Some(text.clone()),
        _ => None,
    });
    texts.collect()
}

impl<'e, 'a> Frame<'e, 'a> {
    /// The same place, with references to other bundles' variables
    /// taken to `qualify`.
    pub(super) fn qualifying(&self, qualify: Qualify) -> Frame<'e, 'a> {
        Frame { qualify, ..*self }
    }

    /// The namespace of the bundle the promise is in.
    pub(super) fn namespace(&self) -> &str {
        namespace_of(self.scope)
    }

    /// Whether class expression `expr` holds here.
    fn holds(&self, expr: &str) -> bool {
        self.eval.class_expression(expr, self.namespace())
    }

    /// The whole value of variable `name`, or the item an iteration
    /// binds it to.
    fn find(&self, name: &str, qualify: Qualify) -> Option<Value> {
        if let Some((_, item)) =
            self.bindings.iter().rev().find(|(n, _)| &**n == name)
        {
            return Some(Value::string(item.clone()));
        }
        let found = self.eval.lookup(self.scope, name, qualify);
        found.map(|found| found.to_value())
    }

    pub(super) fn expand(&self, text: &str) -> Expansion {
        expand::expand(text, self)
    }

    /// The value of an rval: strings expanded, lists and data whole.
    pub(super) fn value(&self, rval: &Rval) -> Result<Value, Pending> {
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

    /// An argument of a bundle call, where a string that is exactly
    /// `"@(name)"` passes the whole list or container, as cf-agent
    /// passes it.
    pub(super) fn bundle_arg(&self, rval: &Rval) -> Result<Value, Pending> {
        let Rval::Str(text, _) = rval else {
            return self.value(rval);
        };
        let Some(rest) = text.strip_prefix('@') else {
            return self.value(rval);
        };
        let reference = format!("${rest}");
        match expand::references(&reference).as_slice() {
            [only] if only.whole.len() == reference.len() => {
                self.list_ref(only.inner)
            }
            _ => self.value(rval),
        }
    }

    fn list_ref(&self, name: &str) -> Result<Value, Pending> {
        let name = self.expand(name);
        if !name.complete {
            return Err(Pending::Unresolved);
        }
        self.find(&name.text, self.qualify)
            .ok_or(Pending::Unresolved)
    }

    /// A list literal; `@(x)` members and calls returning lists splice in.
    fn list(&self, items: &[Rval], kind: ListKind) -> Result<Value, Pending> {
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            // `"@(name)"` quoted is `@(name)`.
            let list_ref = match item {
                Rval::Str(text, _) => quoted_list_ref(text),
                Rval::ListRef(name, _) => Some(&**name),
                _ => None,
            };
            match item {
                Rval::Str(text, _) if list_ref.is_none() => {
                    out.push(self.expand(text).text.into())
                }
                // `@(name)` splices a list in; cf-agent leaves data out,
                // and keeps a name that is not defined as written.
                Rval::Str(..) | Rval::ListRef(..) => {
                    let name = list_ref.unwrap_or_default();
                    match self.list_ref(name) {
                        Ok(Value::List(_, list)) => {
                            out.extend(list.iter().cloned())
                        }
                        Ok(Value::Data(_)) => {}
                        Ok(Value::Scalar(_, text)) => out.push(text),
                        Err(_) => out.push(format!("@({name})").into()),
                    }
                }
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
                Some(_) => format!(
                    "function '{}' is not provided by cfmini",
                    call.name
                ),
                None => format!("unknown function '{}'", call.name),
            };
            return Err(Pending::Failed(message));
        };
        let count = call.args.len();
        if count < builtin.min_args
            || builtin.max_args.is_some_and(|max| count > max)
        {
            return Err(Pending::Failed(format!(
                "function '{}' takes {} arguments, got {count}",
                call.name,
                arity_text(builtin.min_args, builtin.max_args)
            )));
        }

        // cf-agent runs a three-argument ifelse() whose arguments do not
        // all resolve, passing them expanded as far as they go.
        let lenient = &*call.name == "ifelse" && count == 3;
        let args = call
            .args
            .iter()
            .enumerate()
            .map(
                |(i, arg)| match (arg, builtins::is_template(&call.name, i)) {
                    (Rval::Str(text, _), true) => {
                        Ok(Value::string(text.clone()))
                    }
                    // Called for each element, through `Call::template`;
                    // cf-agent's maparray takes no such template.
                    (Rval::Call(_), true) if &*call.name == "maparray" => {
                        Err(Pending::Unresolved)
                    }
                    (Rval::Call(_), true) => Ok(Value::string("")),
                    _ => match (self.value(arg), arg) {
                        (Err(Pending::Unresolved), Rval::Str(text, _))
                            if lenient =>
                        {
                            Ok(Value::string(self.expand(text).text))
                        }
                        (value, _) => value,
                    },
                },
            )
            .collect::<Result<Vec<_>, _>>()?;
        let key = CACHED_CALLS
            .contains(&&*call.name)
            .then(|| format!("{}{args:?}", call.name));
        if let Some(value) = key.as_ref().and_then(|k| self.eval.cached(k)) {
            return Ok(value);
        }

        let written = call.args.iter().map(|arg| match arg {
            Rval::ListRef(name, _) => Some(format!("@({name})").into()),
            Rval::Str(text, _) => quoted_list_ref(text).map(|_| text.clone()),
            _ => None,
        });
        let template = call.args.iter().enumerate().find(|(i, arg)| {
            builtins::is_template(&call.name, *i)
                && matches!(arg, Rval::Call(_))
        });
        let invocation = Call {
            name: &call.name,
            args,
            env: self,
            written: written.collect(),
            template: template.map(|(_, arg)| arg),
        };
        let value = (builtin.run)(&invocation).map_err(Pending::Failed)?;
        if let Some(key) = key {
            self.eval.calls.borrow_mut().insert(key, value.clone());
        }
        Ok(value)
    }

    /// The value of a `vars` promise of type `kind`; `None` when it must
    /// wait for a later pass.
    pub(super) fn typed_value(
        &self,
        kind: &str,
        rval: &Rval,
    ) -> Result<Option<Value>, String> {
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
    /// returning one.
    pub(super) fn class_value(&self, rval: &Rval) -> Truth {
        match self.value(rval) {
            // cf-agent treats an empty condition as one that does not
            // resolve.
            Ok(Value::Scalar(_, expr)) if expr.is_empty() => Truth::Unresolved,
            Ok(Value::Scalar(_, expr)) => Truth::Holds(self.holds(&expr)),
            Ok(_) | Err(Pending::Unresolved) => Truth::Unresolved,
            Err(Pending::Failed(message)) => Truth::Failed(message),
        }
    }

    /// Whether a `classes` promise defines its class.
    pub(super) fn class_promise_holds(&self, promise: &Promise) -> Truth {
        let mut holds = true;
        for Attribute { name, value, .. } in &promise.attributes {
            let result = match &**name {
                "expression" => match self.class_value(value) {
                    Truth::Holds(holds) => Some(holds),
                    other => return other,
                },
                "not" => self.member(value).map(|b| !b),
                "and" => self.members(value).map(|m| m.iter().all(|b| *b)),
                "or" => self.members(value).map(|m| m.iter().any(|b| *b)),
                // cf-agent's xor holds for an odd number of members.
                "xor" => self
                    .members(value)
                    .map(|m| m.iter().filter(|b| **b).count() % 2 == 1),
                _ => continue,
            };
            match result {
                Some(result) => holds &= result,
                None => return Truth::Unresolved,
            }
        }
        Truth::Holds(holds)
    }

    /// The classes a `classes` promise that holds defines: the
    /// promiser, and the class `select_class` or `dist` chooses where
    /// the choice is certain (one class to select from, or one weight
    /// above zero). Otherwise cf-agent chooses by a hash of the host's
    /// identity or at random, which cfmini cannot predict, so that comes
    /// with an error rather than a guess.
    pub(super) fn class_choice(
        &self,
        promise: &Promise,
        promiser: &str,
    ) -> (Vec<String>, Option<String>) {
        let promiser = canonify(promiser);
        if let Some(select) = promise.attribute("select_class") {
            let names = self.class_names(&select.value);
            return match &names[..] {
                [] => (Vec::new(), Some(NO_CLASSES_TO_SELECT.to_string())),
                [name] => (vec![promiser, canonify(name)], None),
                _ => (vec![promiser], Some(unpredictable("select_class"))),
            };
        }
        let Some(dist) = promise.attribute("dist") else {
            return (vec![promiser], None);
        };

        let weights = self.class_names(&dist.value);
        let weight = |w: &Str| real_text(w).unwrap_or(0.0);
        if weights.iter().any(|w| weight(w) < 0.0) {
            return (Vec::new(), Some(NEGATIVE_WEIGHT.to_string()));
        }
        let positive: Vec<&Str> =
            weights.iter().filter(|w| weight(w) > 0.0).collect();
        match &positive[..] {
            [] => (Vec::new(), None),
            [w] => {
                let chosen = canonify(&format!("{promiser}_{w}"));
                (vec![promiser, chosen], None)
            }
            _ => (vec![promiser], Some(unpredictable("dist"))),
        }
    }

    /// The items of a list attribute, as far as they resolve.
    fn class_names(&self, rval: &Rval) -> Vec<Str> {
        match self.value(rval) {
            Ok(Value::List(_, items)) => items.to_vec(),
            Ok(Value::Scalar(_, text)) => vec![text],
            _ => Vec::new(),
        }
    }

    /// A member of `and`, `or`, `xor` or `not`. An unresolved one reads
    /// as the name of a class that is not defined, as cf-agent reads it.
    fn member(&self, rval: &Rval) -> Option<bool> {
        match (rval, self.class_value(rval)) {
            (_, Truth::Holds(holds)) => Some(holds),
            (Rval::Str(text, _), Truth::Unresolved) => {
                Some(self.holds(&self.expand(text).text))
            }
            _ => None,
        }
    }

    /// The members of an `and`, `or` or `xor` list, `@(list)` members
    /// and list-valued calls spliced in.
    fn members(&self, rval: &Rval) -> Option<Vec<bool>> {
        let Rval::List(items, _) = rval else {
            return self.spliced(rval);
        };
        let mut members = Vec::with_capacity(items.len());
        for item in items {
            match item {
                Rval::ListRef(..) | Rval::Call(_) => {
                    members.extend(self.spliced(item)?)
                }
                _ => members.push(self.member(item)?),
            }
        }
        Some(members)
    }

    /// Each class expression a list or scalar value holds.
    fn spliced(&self, rval: &Rval) -> Option<Vec<bool>> {
        match self.value(rval).ok()? {
            Value::List(_, items) => {
                Some(items.iter().map(|e| self.holds(e)).collect())
            }
            Value::Scalar(_, expr) => Some(vec![self.holds(&expr)]),
            Value::Data(_) => None,
        }
    }
}

/// The name in a string that is exactly one list reference, `"@(x)"`.
pub(super) fn quoted_list_ref(text: &str) -> Option<&str> {
    let name = text.strip_prefix("@(")?.strip_suffix(')')?;
    let mut depth = 0i32;
    for c in name.chars() {
        match c {
            '(' => depth += 1,
            ')' if depth == 0 => return None,
            ')' => depth -= 1,
            _ => {}
        }
    }
    (depth == 0).then_some(name)
}

const NO_CLASSES_TO_SELECT: &str = "select_class has no classes to select";
const NEGATIVE_WEIGHT: &str = "dist has a negative weight";

fn unpredictable(attribute: &str) -> String {
    format!(
        "{attribute} chooses among several classes in a way internal to \
         cf-agent (a hash of the host's identity, or chance), which cfmini \
         cannot predict"
    )
}

/// What a class-valued attribute comes to.
pub(super) enum Truth {
    /// It resolved to a class expression, which holds or not.
    Holds(bool),
    /// A reference in it does not resolve (yet).
    Unresolved,
    /// A function in it failed.
    Failed(String),
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
        ("string", Value::Scalar(_, text)) => {
            Ok(Value::Scalar(ScalarKind::String, text))
        }
        ("int", Value::Scalar(_, text)) => int_text(&text)
            .map(|i| Value::Scalar(ScalarKind::Int, i.to_string().into()))
            .ok_or_else(|| format!("cannot parse '{text}' as an integer")),
        // cf-agent keeps a builtin's real that is not a number as
        // printed, `nan` or `-nan`.
        ("real", Value::Scalar(ScalarKind::Real, text))
            if text.ends_with("nan") =>
        {
            Ok(Value::Scalar(ScalarKind::Real, text))
        }
        ("real", Value::Scalar(_, text)) => real_text(&text)
            .map(|r| Value::Scalar(ScalarKind::Real, real_print(r).into()))
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

/// An integer as cf-agent reads an `int` value: as C's `strtol`, then
/// one unit suffix (`k`, `m`, `g` powers of 1000, `K`, `M`, `G` powers of
/// 1024, `%` negating), or `inf`; `now` is the current time.
pub fn int_text(text: &str) -> Option<i64> {
    if text.trim() == "now" {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?;
        return i64::try_from(now.as_secs()).ok();
    }
    builtins::parse_int(text.trim())
}

/// A real as cf-agent reads a `real` value: the number C's `strtod`
/// reads at the start (`nan` included, `inf` not), then at most one
/// character: a unit suffix as for integers (`1.5k` is 1500, `50%` is
/// -50), or any other, which is ignored (`1.5x` is 1.5). The value must
/// stay within ±9.99999e100.
pub fn real_text(text: &str) -> Option<f64> {
    let value = builtins::cf_real(text.trim()).ok()?;
    (value.is_nan() || value.abs() <= 9.99999e100).then_some(value)
}

/// A real printed as cf-agent prints a `real` variable: six decimals,
/// and `nan` or `-nan` as C's printf writes them.
pub fn real_print(value: f64) -> String {
    match (value.is_nan(), value.is_sign_negative()) {
        (true, true) => "-nan".to_string(),
        (true, false) => "nan".to_string(),
        _ => format!("{value:.6}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // cf-agent prints int => "1k" as 1000 and "1K" as 1024, and rejects
    // "0x10" and "1.5".
    #[test]
    fn integers_take_unit_suffixes() {
        assert_eq!(int_text("1k"), Some(1000));
        assert_eq!(int_text("1K"), Some(1024));
        assert_eq!(int_text("2M"), Some(2 << 20));
        assert_eq!(int_text("-3m"), Some(-3_000_000));
        assert_eq!(int_text("0x10"), None);
        assert_eq!(int_text("1.5"), None);
    }

    // cf-agent prints real => "0.5" as 0.500000.
    #[test]
    fn reals_print_with_six_decimals() {
        let value = convert("real", Value::string("0.5")).unwrap();
        assert_eq!(value, Value::Scalar(ScalarKind::Real, "0.500000".into()));
    }
}
