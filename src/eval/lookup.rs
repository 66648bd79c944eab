//! Finding a variable by the name policy gives it: `x`, `b.x`,
//! `d[k][0]`, `a[k]` for a classic array, and the `this` variables.

use super::Evaluator;
use crate::expand::Resolved;
use crate::value::{Data, Object, Str, Value};

impl Evaluator<'_> {
    /// The variable `name` (`x`, `b.x`, `d[k][0]`) seen from `scope`.
    pub(super) fn lookup(
        &self,
        current: &str,
        name: &str,
    ) -> Option<Found<'_>> {
        let name = name.strip_prefix("default:").unwrap_or(name);
        let (scope, short) = split_scope(current, name);
        if scope == "this" {
            return this_var(current, short);
        }
        // A dot that names no scope is part of the name: `c_db.02`.
        let (vars, name) = match self.vars.get(scope) {
            Some(vars) => (vars, short),
            None => (self.vars.get(current)?, name),
        };
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
    ) -> Option<Data> {
        let name = name.strip_prefix("default:").unwrap_or(name);
        let (scope, base) = split_scope(current, name);
        let vars = self.vars.get(scope)?;
        let mut root = ArrayNode::default();
        for (var, value) in vars {
            let Some((var_base, indices)) = split_indices(var) else {
                continue;
            };
            if var_base == base {
                root.insert(&indices, value_data(value));
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

/// A variable's value as a data node: lists become arrays of strings.
fn value_data(value: &Value) -> Data {
    match value {
        Value::Scalar(_, text) => Data::Str(text.clone()),
        Value::List(_, items) => {
            Data::Array(items.iter().cloned().map(Data::Str).collect())
        }
        Value::Data(data) => (**data).clone(),
    }
}

/// `this.bundle` and `this.namespace`; `this.promiser` and the
/// `this.promise_*` variables are bound for each promise by the
/// evaluator.
fn this_var<'e>(bundle: &str, name: &str) -> Option<Found<'e>> {
    match name {
        "bundle" => Some(Found::Text(bundle.into())),
        "namespace" => Some(Found::Text("default".into())),
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

    #[test]
    fn indices_are_split_with_nested_brackets_kept() {
        assert_eq!(split_indices("d[a][0]"), Some(("d", vec!["a", "0"])));
        assert_eq!(split_indices("d[x[1]]"), Some(("d", vec!["x[1]"])));
        assert_eq!(split_indices("d[a]junk"), None);
        assert_eq!(split_indices("d[a"), None);
    }
}
