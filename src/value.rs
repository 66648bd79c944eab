//! Values a policy computes: scalars, lists and data containers.
//!
//! The evaluator stores every variable as a [`Value`]. Data containers are
//! [`Data`] trees built for size: strings are shared `Rc<str>` and objects
//! are insertion-ordered vectors of pairs rather than hash maps, because a
//! host with a million sockets makes `network_connections()` return a
//! million small objects. An array may also make its items on demand
//! ([`LazyItems`]), so that such a table stays compact until a policy
//! reads its rows.

use std::fmt;
use std::ops::Range;
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
    Array(Array),
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

/// The items of a JSON array. Like objects, arrays are shared, not
/// copied, when a value is taken from inside a container.
#[derive(Clone, Default)]
pub struct Array {
    items: Items,
}

#[derive(Clone)]
enum Items {
    Made(Rc<[Data]>),
    Lazy(Rc<dyn LazyItems>),
}

impl Default for Items {
    fn default() -> Items {
        Items::Made(Rc::from([]))
    }
}

/// The items of an array made the first time each is asked for, and
/// kept from then on.
pub trait LazyItems {
    /// How many items there are.
    fn len(&self) -> usize;

    /// Whether there are no items.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The item at `index`, made now if it was not yet.
    fn get(&self, index: usize) -> Option<&Data>;
}

impl Array {
    /// An array whose items are made on demand by `items`.
    pub fn lazy(items: Rc<dyn LazyItems>) -> Array {
        Array {
            items: Items::Lazy(items),
        }
    }

    /// How many items there are.
    pub fn len(&self) -> usize {
        match &self.items {
            Items::Made(items) => items.len(),
            Items::Lazy(items) => items.len(),
        }
    }

    /// Whether there are no items.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The item at `index`.
    pub fn get(&self, index: usize) -> Option<&Data> {
        match &self.items {
            Items::Made(items) => items.get(index),
            Items::Lazy(items) => items.get(index),
        }
    }

    /// The first item.
    pub fn first(&self) -> Option<&Data> {
        self.get(0)
    }

    /// The items in order.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            array: self,
            indices: 0..self.len(),
        }
    }
}

impl From<Vec<Data>> for Array {
    fn from(items: Vec<Data>) -> Array {
        Array {
            items: Items::Made(items.into()),
        }
    }
}

impl FromIterator<Data> for Array {
    fn from_iter<I: IntoIterator<Item = Data>>(items: I) -> Array {
        Array {
            items: Items::Made(items.into_iter().collect()),
        }
    }
}

impl PartialEq for Array {
    fn eq(&self, other: &Array) -> bool {
        // One array shared is equal to itself without making its items.
        let same = match (&self.items, &other.items) {
            (Items::Made(a), Items::Made(b)) => Rc::ptr_eq(a, b),
            (Items::Lazy(a), Items::Lazy(b)) => Rc::ptr_eq(a, b),
            _ => false,
        };
        same || self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl fmt::Debug for Array {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// The items of an [`Array`] in order, made as they are reached.
pub struct Iter<'a> {
    array: &'a Array,
    indices: Range<usize>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a Data;

    fn next(&mut self) -> Option<&'a Data> {
        self.array.get(self.indices.next()?)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.indices.size_hint()
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.array.get(self.indices.next_back()?)
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl<'a> IntoIterator for &'a Array {
    type Item = &'a Data;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
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

#[cfg(test)]
mod tests {
    use std::cell::{Cell, OnceCell};

    use super::*;

    /// Items that are all `n`, counting how many were asked for.
    struct Counted {
        item: OnceCell<Data>,
        len: usize,
        asked: Cell<usize>,
    }

    impl LazyItems for Counted {
        fn len(&self) -> usize {
            self.len
        }

        fn get(&self, index: usize) -> Option<&Data> {
            self.asked.set(self.asked.get() + 1);
            let item = self.item.get_or_init(|| Data::Int(7));
            (index < self.len).then_some(item)
        }
    }

    fn counted(len: usize) -> Rc<Counted> {
        Rc::new(Counted {
            item: OnceCell::new(),
            len,
            asked: Cell::new(0),
        })
    }

    #[test]
    fn a_lazy_array_reads_as_the_array_it_stands_for() {
        let lazy = Array::lazy(counted(3));
        let made = Array::from(vec![Data::Int(7); 3]);
        assert_eq!(lazy, made);
        assert_eq!(lazy.iter().rev().count(), 3);
        assert_eq!(lazy.get(2), Some(&Data::Int(7)));
        assert_eq!(lazy.get(3), None);
        assert_ne!(lazy, Array::from(vec![Data::Int(7); 2]));
    }

    #[test]
    fn a_shared_lazy_array_equals_itself_without_making_items() {
        let items = counted(1_000);
        let array = Array::lazy(items.clone());
        assert_eq!(array.len(), 1_000);
        assert_eq!(array, array.clone());
        assert_eq!(items.asked.get(), 0);
    }
}
