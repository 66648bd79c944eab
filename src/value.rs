//! Values a policy computes: scalars, lists and data containers.
//!
//! The evaluator stores every variable as a [`Value`]. Data containers are
//! [`Data`] trees built for size: strings are shared `Rc<str>` and objects
//! are insertion-ordered vectors of pairs rather than hash maps, because a
//! host with a million sockets makes `network_connections()` return a
//! million small objects.

use std::rc::Rc;

/// A shared, immutable string.
pub type Str = Rc<str>;

/// What a scalar variable was declared as; it decides how it prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarKind {
    /// `string =>`
    String,
    /// `int =>`
    Int,
    /// `real =>`
    Real,
}

/// What a list variable was declared as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListKind {
    /// `slist =>`
    String,
    /// `ilist =>`
    Int,
    /// `rlist =>`
    Real,
}

/// The value of a variable.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A scalar, already in the text form cf-agent prints.
    Scalar(ScalarKind, Str),
    /// A list of scalars.
    List(ListKind, Rc<[Str]>),
    /// A data container.
    Data(Rc<Data>),
}

impl Value {
    /// The value as data: a scalar as a string, a list as an array of
    /// strings, a container as itself.
    pub fn to_data(&self) -> Data {
        match self {
            Value::Scalar(_, text) => Data::Str(text.clone()),
            Value::List(_, items) => {
                Data::Array(items.iter().cloned().map(Data::Str).collect())
            }
            Value::Data(data) => (**data).clone(),
        }
    }

    /// A plain string scalar.
    pub fn string(text: impl Into<Str>) -> Value {
        Value::Scalar(ScalarKind::String, text.into())
    }

    /// A plain string list.
    pub fn slist(items: Vec<Str>) -> Value {
        Value::List(ListKind::String, items.into())
    }

    /// The name cf-agent's `type()` gives this kind of value.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Scalar(ScalarKind::String, _) => "string",
            Value::Scalar(ScalarKind::Int, _) => "int",
            Value::Scalar(ScalarKind::Real, _) => "real",
            Value::List(ListKind::String, _) => "slist",
            Value::List(ListKind::Int, _) => "ilist",
            Value::List(ListKind::Real, _) => "rlist",
            Value::Data(_) => "data",
        }
    }
}

/// A data container node, as cf-agent's JSON elements.
#[derive(Clone, Debug, PartialEq)]
pub enum Data {
    /// `null`
    Null,
    /// `true` or `false`
    Bool(bool),
    /// A number written without fraction or exponent.
    Int(i64),
    /// A number written with a fraction or exponent.
    Real(f64),
    /// A string.
    Str(Str),
    /// An array.
    Array(Rc<[Data]>),
    /// An object, its keys in insertion order.
    Object(Object),
}

/// The pairs of a JSON object in insertion order, keys unique. Like
/// arrays, objects are shared, not copied, when a value is taken from
/// inside a container.
///
/// Lookup is a linear scan: the objects policies build are small, and a
/// vector of pairs costs a fraction of a hash map's memory. A policy that
/// indexes one huge object many times pays for that scan.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Object {
    pairs: Rc<[(Str, Data)]>,
}

impl Object {
    /// Builds an object from pairs whose keys are known to be unique.
    pub fn from_unique_pairs(pairs: Vec<(Str, Data)>) -> Object {
        Object {
            pairs: pairs.into(),
        }
    }

    /// Builds an object from a fixed number of pairs whose keys are
    /// known to be unique, in one allocation: building from a vector
    /// would allocate twice, which counts when a table makes a million.
    pub fn from_unique_array<const N: usize>(
        pairs: [(Str, Data); N],
    ) -> Object {
        Object {
            pairs: Rc::from(pairs),
        }
    }

    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<&Data> {
        self.pairs.iter().find(|(k, _)| &**k == key).map(|(_, v)| v)
    }

    /// The pairs in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&Str, &Data)> {
        self.pairs.iter().map(|(k, v)| (k, v))
    }

    /// How many pairs there are.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether there are no pairs.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }
}

impl Data {
    /// The child under an object key or an array index given as text.
    pub fn child(&self, key: &str) -> Option<&Data> {
        match self {
            Data::Object(o) => o.get(key),
            Data::Array(a) => key.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => None,
        }
    }

    /// Whether this node is an array or an object.
    pub fn is_container(&self) -> bool {
        matches!(self, Data::Array(_) | Data::Object(_))
    }

    /// The text a primitive expands to inside a string, as cf-agent
    /// expands `$(d[k])`; `None` for containers and null.
    pub fn scalar_text(&self) -> Option<Str> {
        match self {
            Data::Str(s) => Some(s.clone()),
            Data::Int(i) => Some(i.to_string().into()),
            // cf-agent prints reals with two decimals when expanding.
            Data::Real(r) => Some(format!("{r:.2}").into()),
            Data::Bool(b) => Some(if *b { "true" } else { "false" }.into()),
            Data::Null | Data::Array(_) | Data::Object(_) => None,
        }
    }
}
