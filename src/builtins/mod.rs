//! The builtin function table and the typed helpers builtins read their
//! arguments through.
//!
//! Each builtin is one row of [`TABLE`] and one function in the module of
//! its family. The evaluator checks arity against the row before calling,
//! so a builtin only reads arguments that exist.

mod data;
pub mod network;
mod strings;

use std::path::Path;

use crate::value::{Data, Value};

/// What a builtin needs from the evaluator besides its arguments.
pub trait Env {
    /// The value of a variable named as policy names it (`x`, `b.x`).
    fn lookup(&self, name: &str) -> Option<Value>;

    /// The directory that stands for `/` when reading `/proc`.
    fn sysroot(&self) -> &Path;
}

/// One call of a builtin: its evaluated arguments and the environment.
pub struct Call<'a> {
    /// The function's name, for messages.
    pub name: &'a str,
    /// The arguments, expanded: scalars, or lists and data from `@(x)`
    /// and nested calls.
    pub args: Vec<Value>,
    /// Variables and the sysroot.
    pub env: &'a dyn Env,
}

/// Why a builtin call failed; the variable it was to set stays undefined.
pub type CallResult = Result<Value, String>;

/// What a builtin returns, as cf-promises checks it against the promise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Returns {
    /// A string scalar.
    String,
    /// An integer scalar.
    Int,
    /// A real scalar.
    Real,
    /// A list of strings.
    Slist,
    /// A data container.
    Data,
    /// A class: `any` when true, `!any` when false.
    Class,
}

/// One row of the builtin table.
pub struct Builtin {
    /// The name policy calls it by.
    pub name: &'static str,
    /// The fewest arguments it takes.
    pub min_args: usize,
    /// The most arguments it takes; `None` for any number.
    pub max_args: Option<usize>,
    /// What it returns.
    pub returns: Returns,
    /// One line saying what it computes.
    pub doc: &'static str,
    /// The implementation.
    pub run: fn(&Call) -> CallResult,
}

/// Every builtin, sorted by name.
pub static TABLE: &[Builtin] = &[
    Builtin {
        name: "network_connections",
        min_args: 0,
        max_args: Some(0),
        returns: Returns::Data,
        doc: "the sockets in /proc/net/{tcp,tcp6,udp,udp6}",
        run: network::network_connections,
    },
];

/// The row of the builtin called `name`.
pub fn find(name: &str) -> Option<&'static Builtin> {
    TABLE.iter().find(|b| b.name == name)
}

impl Call<'_> {
    /// Argument `i` as a string scalar.
    pub fn string(&self, i: usize) -> Result<&str, String> {
        match &self.args[i] {
            Value::Scalar(_, s) => Ok(s),
            other => Err(format!(
                "function '{}' expected a string as argument {}, got {}",
                self.name,
                i + 1,
                other.type_name()
            )),
        }
    }

    /// Argument `i` as a collection: a list or data value passed with
    /// `@(x)` or a nested call, a variable named by a string, or inline
    /// JSON text, in that order, as cf-agent resolves it.
    pub fn collection(&self, i: usize) -> Result<Value, String> {
        let text = match &self.args[i] {
            Value::Scalar(_, text) => text,
            value => return Ok(value.clone()),
        };
        if let Some(value) = self.env.lookup(text) {
            return Ok(value);
        }
        match crate::json::parse(text) {
            Ok(data) if data.is_container() => Ok(Value::Data(data.into())),
            _ => Err(format!(
                "function '{}' could not find variable '{}'",
                self.name, text
            )),
        }
    }
}

/// A data container as a builtin result.
pub fn data(data: Data) -> Value {
    Value::Data(data.into())
}
