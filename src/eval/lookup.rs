//! Finding a variable by the name policy gives it: `x`, `b.x`,
//! `ns:b.x`, `d[k][0]`, `a[k]` for a classic array, and the `this`
//! variables.
//!
//! Variables are kept by scope: a bundle's under its name in the
//! default namespace and under `ns:name` in another, the special
//! scopes (`sys`, `const`) under their name.

use std::borrow::Cow;

use super::Evaluator;
use crate::ast::DEFAULT_NAMESPACE;
use crate::expand::Resolved;
use crate::value::{Data, Object, Str, Value};

/// Which namespace a reference to another bundle's variable, `b.x`,
/// names when it does not write one. cf-agent gives it different ones
/// in different parts of a promise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Qualify {
    /// The promise's own namespace: in its promiser, and for the lists
    /// it iterates over.
    Own,
    /// The default namespace: in its attributes, its guard, and the
    /// variable names builtins are given.
    Default,
    /// The default namespace, then the promise's own for a reference
    /// that did not resolve there: cf-agent expands the value of a
    /// `vars` promise and the arguments of a method call a second time
    /// in the bundle's namespace.
    DefaultThenOwn,
}

/// Scopes that belong to no namespace.
const SPECIAL_SCOPES: [&str; 7] =
    ["const", "sys", "mon", "match", "edit", "body", "def"];

impl Evaluator<'_> {
    /// The variable `name` (`x`, `b.x`, `d[k][0]`) seen from `current`.
    pub(super) fn lookup(
        &self,
        current: &str,
        name: &str,
        qualify: Qualify,
    ) -> Option<Found<'_>> {
        self.locate(current, name, qualify).map(|(_, found)| found)
    }

    /// The variable `name` seen from `current`, with the scope it was
    /// found in (`None` for the `this` variables).
    pub(super) fn locate(
        &self,
        current: &str,
        name: &str,
        qualify: Qualify,
    ) -> Option<(Option<&str>, Found<'_>)> {
        let (scopes, short) = scopes_of(current, name, qualify);
        if scopes[0].is_none() {
            return this_var(current, short).map(|found| (None, found));
        }
        let mut names_a_scope = false;
        for scope in scopes.iter().flatten() {
            let Some((home, vars)) = self.vars.get_key_value(&**scope) else {
                continue;
            };
            names_a_scope = true;
            if let Some(found) = find(vars, short) {
                return Some((Some(home), found));
            }
        }
        // A dot that names no scope is part of the name: `c_db.02`.
        if names_a_scope {
            return None;
        }
        let (home, vars) = self.vars.get_key_value(current)?;
        find(vars, name_of(name)).map(|found| (Some(&**home), found))
    }
}

/// A variable, or a node inside a data container, in one scope.
fn find<'e>(
    vars: &'e indexmap::IndexMap<Str, Value>,
    name: &str,
) -> Option<Found<'e>> {
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

/// The scopes a name may be in, in the order to try them.
type Scopes<'n> = [Option<Cow<'n, str>>; 2];

/// The scopes that `name` seen from `current` may be in, and its name
/// within them; none for a `this` variable.
fn scopes_of<'n>(
    current: &'n str,
    name: &'n str,
    qualify: Qualify,
) -> (Scopes<'n>, &'n str) {
    let (namespace, rest) = split_namespace(name);
    let (scope, short) = split_scope(current, rest);
    if scope == "this" {
        return ([None, None], short);
    }
    // A name without a scope is the current bundle's, whatever
    // namespace it writes.
    if scope == current || SPECIAL_SCOPES.contains(&scope) {
        return ([Some(Cow::Borrowed(scope)), None], short);
    }
    let own = namespace_of(current);
    let (first, then) = match (namespace, qualify) {
        (Some(namespace), _) => (namespace, None),
        (None, Qualify::Own) => (own, None),
        (None, Qualify::Default) => (DEFAULT_NAMESPACE, None),
        (None, Qualify::DefaultThenOwn) => (
            DEFAULT_NAMESPACE,
            Some(own).filter(|&n| n != DEFAULT_NAMESPACE),
        ),
    };
    let then = then.map(|namespace| qualified(namespace, scope));
    ([Some(qualified(first, scope)), then], short)
}

/// The key of bundle `scope` of `namespace` among the scopes.
fn qualified<'n>(namespace: &str, scope: &'n str) -> Cow<'n, str> {
    match namespace {
        DEFAULT_NAMESPACE => Cow::Borrowed(scope),
        namespace => Cow::Owned(format!("{namespace}:{scope}")),
    }
}

/// Splits `ns:b.x` into `ns` and `b.x`; a colon inside `[...]` is part
/// of an index.
fn split_namespace(name: &str) -> (Option<&str>, &str) {
    let head = name.find('[').map_or(name, |i| &name[..i]);
    match head.find(':') {
        Some(colon) => (Some(&name[..colon]), &name[colon + 1..]),
        None => (None, name),
    }
}

/// `name` without the namespace it may write.
fn name_of(name: &str) -> &str {
    split_namespace(name).1
}

/// The namespace of a scope: `ns` for `ns:b`, `default` for `b`.
pub(super) fn namespace_of(scope: &str) -> &str {
    scope
        .split_once(':')
        .map_or(DEFAULT_NAMESPACE, |(ns, _)| ns)
}

/// The bundle name of a scope: `b` for `ns:b` and for `b`.
fn bundle_of(scope: &str) -> &str {
    scope.split_once(':').map_or(scope, |(_, name)| name)
}

impl Evaluator<'_> {
    /// The classic array `name` (`"a[k]"` variables) seen from
    /// `current`, as one object: `a[k]` is key `k`, and `a[k][j]` nests
    /// `j` inside `k`.
    ///
    /// Keys come in the order they were first defined. cf-agent lists
    /// them in the order of its internal hash table instead, so
    /// `getindices` of a classic array of several keys may list them in
    /// another order than cf-agent does.
    pub(super) fn classic_array(
        &self,
        current: &str,
        name: &str,
        qualify: Qualify,
    ) -> Option<Data> {
        let (scopes, base) = scopes_of(current, name, qualify);
        let mut scopes = scopes.iter().flatten();
        let vars = scopes.find_map(|s| self.vars.get(&**s))?;
        // `a[k]` names the level below `k` of classic array `a`.
        let (base, prefix) = split_indices(base).unwrap_or((base, Vec::new()));
        let mut root = ArrayNode::default();
        for (var, value) in vars {
            let Some((var_base, indices)) = split_indices(var) else {
                continue;
            };
            let below = indices.strip_prefix(prefix.as_slice());
            match below {
                Some(rest) if var_base == base && !rest.is_empty() => {
                    root.insert(rest, Value::to_data(value))
                }
                _ => {}
            }
        }
        root.into_data()
    }
}

/// A classic array being folded into nested objects.
#[derive(Default)]
struct ArrayNode {
    value: Option<Data>,
    children: Vec<(Str, ArrayNode)>,
}

impl ArrayNode {
    fn insert(&mut self, path: &[&str], value: Data) {
        let Some((first, rest)) = path.split_first() else {
            self.value = Some(value);
            return;
        };
        let at = match self.children.iter().position(|(k, _)| &**k == *first) {
            Some(at) => at,
            None => {
                self.children.push(((*first).into(), ArrayNode::default()));
                self.children.len() - 1
            }
        };
        self.children[at].1.insert(rest, value);
    }

    fn into_data(self) -> Option<Data> {
        if self.children.is_empty() {
            return self.value;
        }
        let pairs = self.children.into_iter();
        let pairs = pairs.filter_map(|(k, node)| Some((k, node.into_data()?)));
        Some(Data::Object(Object::from_unique_pairs(pairs.collect())))
    }
}

/// `this.bundle` and `this.namespace`; `this.promiser` and the
/// `this.promise_*` variables are bound for each promise by the
/// evaluator.
fn this_var<'e>(scope: &str, name: &str) -> Option<Found<'e>> {
    match name {
        "bundle" => Some(Found::Text(bundle_of(scope).into())),
        "namespace" => Some(Found::Text(namespace_of(scope).into())),
        _ => None,
    }
}

/// A variable found by name: a whole value, or a node inside data.
pub(super) enum Found<'e> {
    Text(Str),
    Value(&'e Value),
    Data(&'e Data),
}

impl Found<'_> {
    pub(super) fn resolved(&self) -> Resolved {
        match self {
            Found::Text(text) => Resolved::Scalar(text.clone()),
            Found::Value(Value::Scalar(_, text)) => {
                Resolved::Scalar(text.clone())
            }
            Found::Value(Value::List(_, items)) => {
                Resolved::Items(items.to_vec())
            }
            Found::Value(Value::Data(data)) => data_resolved(data),
            Found::Data(data) => data_resolved(data),
        }
    }

    pub(super) fn to_value(&self) -> Value {
        match self {
            Found::Text(text) => Value::string(text.clone()),
            Found::Value(value) => (*value).clone(),
            Found::Data(data) => Value::Data((*data).clone().into()),
        }
    }
}

/// A primitive expands in place; a container iterates over its
/// primitive children, nulls and containers left out, as cf-agent does.
pub(super) fn data_resolved(data: &Data) -> Resolved {
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
    Resolved::Items(
        children.into_iter().filter_map(Data::scalar_text).collect(),
    )
}

/// Splits `b.x` into scope `b` and name `x`; a dot inside `[...]` is
/// part of an index, not a scope.
pub(super) fn split_scope<'n>(
    current: &'n str,
    name: &'n str,
) -> (&'n str, &'n str) {
    let head = name.find('[').map_or(name, |i| &name[..i]);
    match head.find('.') {
        Some(dot) => (&name[..dot], &name[dot + 1..]),
        None => (current, name),
    }
}

/// Splits `d[a][0]` into `d` and `["a", "0"]`.
pub(super) fn split_indices(name: &str) -> Option<(&str, Vec<&str>)> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_is_split_at_the_first_dot_before_an_index() {
        assert_eq!(split_scope("main", "x"), ("main", "x"));
        assert_eq!(split_scope("main", "g.x"), ("g", "x"));
        assert_eq!(split_scope("main", "d[a.b]"), ("main", "d[a.b]"));
        assert_eq!(split_scope("main", "g.d[a.b]"), ("g", "d[a.b]"));
    }

    fn scopes(current: &str, name: &str, qualify: Qualify) -> Vec<String> {
        let (scopes, _) = scopes_of(current, name, qualify);
        scopes.into_iter().flatten().map(Cow::into_owned).collect()
    }

    #[test]
    fn other_bundles_take_the_namespace_the_part_of_the_promise_gives() {
        let own = Qualify::Own;
        assert_eq!(scopes("n:b", "x", own), ["n:b"]);
        assert_eq!(scopes("n:b", "m.x", own), ["n:m"]);
        assert_eq!(scopes("n:b", "m.x", Qualify::Default), ["m"]);
        assert_eq!(scopes("n:b", "m.x", Qualify::DefaultThenOwn), ["m", "n:m"]);
        assert_eq!(scopes("b", "m.x", Qualify::DefaultThenOwn), ["m"]);
        assert_eq!(scopes("b", "n:m.x", Qualify::Default), ["n:m"]);
        assert_eq!(scopes("n:b", "default:m.x", own), ["m"]);
        assert_eq!(scopes("n:b", "sys.fqhost", own), ["sys"]);
        assert_eq!(scopes("n:b", "d[a:b]", own), ["n:b"]);
        assert!(scopes("n:b", "this.bundle", own).is_empty());
    }

    #[test]
    fn indices_are_split_with_nested_brackets_kept() {
        assert_eq!(split_indices("d[a][0]"), Some(("d", vec!["a", "0"])));
        assert_eq!(split_indices("d[x[1]]"), Some(("d", vec!["x[1]"])));
        assert_eq!(split_indices("d[a]junk"), None);
        assert_eq!(split_indices("d[a"), None);
    }
}
