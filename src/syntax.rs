//! What the policy language allows, as cf-promises 3.21 describes it:
//! function signatures, the promise types of each bundle type, and the
//! attributes of each promise type and body type.
//!
//! The table lives in `syntax.txt`, recorded from
//! `cf-promises --syntax-description` by `tests/oracle/regen-syntax`,
//! and is read once, on first use. The functions cfmini has and
//! cf-agent lacks are added from [`CFMINI_ONLY`], so that a policy
//! calling them passes the checks; `cfmini check` warns of them.

use std::collections::HashMap;
use std::sync::OnceLock;

const TABLE: &str = include_str!("syntax.txt");

/// Signatures of the functions only cfmini has, in the table's form.
/// Optional arguments read as variadic here; the builtin's row holds
/// the exact arity, which the evaluator enforces.
const CFMINI_ONLY: &str = "function network_sockets data ...\n";

/// A function's signature.
#[derive(Debug)]
pub struct Function {
    /// What it returns: `string`, `slist`, `data`, `context`, ...
    pub returns: &'static str,
    /// The types of its fixed parameters.
    pub params: Vec<&'static str>,
    /// Whether more arguments may follow the fixed ones.
    pub variadic: bool,
}

/// The language description.
#[derive(Debug, Default)]
pub struct Syntax {
    functions: HashMap<&'static str, Function>,
    bundle_types: HashMap<&'static str, Vec<&'static str>>,
    promise_types: HashMap<&'static str, Attributes>,
    body_types: HashMap<&'static str, Attributes>,
}

/// Attribute names and their types.
type Attributes = HashMap<&'static str, &'static str>;

/// The description, read on first use.
pub fn syntax() -> &'static Syntax {
    static SYNTAX: OnceLock<Syntax> = OnceLock::new();
    SYNTAX.get_or_init(|| read_table(TABLE, CFMINI_ONLY))
}

fn read_table(table: &'static str, extra: &'static str) -> Syntax {
    let mut syntax = Syntax::default();
    let all = table.lines().chain(extra.lines());
    let lines = all.filter(|l| !l.starts_with('#'));
    for line in lines {
        let mut words = line.split_whitespace();
        let (Some(kind), Some(name)) = (words.next(), words.next()) else {
            continue;
        };
        match kind {
            "function" => {
                syntax.functions.insert(name, function(words));
            }
            "bundle" => {
                syntax.bundle_types.insert(name, words.collect());
            }
            "promise" => {
                syntax.promise_types.insert(name, attributes(words));
            }
            _ => {
                syntax.body_types.insert(name, attributes(words));
            }
        }
    }
    syntax
}

fn function(mut words: impl Iterator<Item = &'static str>) -> Function {
    let returns = words.next().unwrap_or("string");
    let mut params: Vec<&str> = words.collect();
    let variadic = params.last() == Some(&"...");
    if variadic {
        params.pop();
    }
    Function {
        returns,
        params,
        variadic,
    }
}

fn attributes(words: impl Iterator<Item = &'static str>) -> Attributes {
    words.filter_map(|w| w.split_once(':')).collect()
}

impl Syntax {
    /// The signature of function `name`.
    pub fn function(&self, name: &str) -> Option<&Function> {
        self.functions.get(name)
    }

    /// The promise types a bundle of type `bundle_type` may hold;
    /// `None` for an unknown bundle type.
    pub fn promise_types_of(&self, bundle_type: &str) -> Option<&[&str]> {
        self.bundle_types.get(bundle_type).map(Vec::as_slice)
    }

    /// The type of `attribute` in promise type `promise_type`; `None`
    /// when either is unknown.
    pub fn promise_attribute(
        &self,
        promise_type: &str,
        attribute: &str,
    ) -> Option<&'static str> {
        self.promise_types
            .get(promise_type)?
            .get(attribute)
            .copied()
    }

    /// The built-in promise types, in no particular order.
    pub fn promise_types(&self) -> impl Iterator<Item = &'static str> {
        self.promise_types.keys().copied()
    }

    /// Whether `promise_type` is a built-in promise type.
    pub fn is_promise_type(&self, promise_type: &str) -> bool {
        self.promise_types.contains_key(promise_type)
    }

    /// The attributes of body type `body_type`, if it is known.
    pub fn body_attributes(&self, body_type: &str) -> Option<&Attributes> {
        self.body_types.get(body_type)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_read_with_variadic_marks() {
        let join = syntax().function("join").unwrap();
        assert_eq!((join.returns, join.params.len()), ("string", 2));
        assert!(!join.variadic);
        assert!(syntax().function("concat").unwrap().variadic);
        let net = syntax().function("network_connections").unwrap();
        assert_eq!((net.returns, net.params.len()), ("data", 0));
    }

    #[test]
    fn functions_only_cfmini_has_are_those_of_its_table() {
        for line in CFMINI_ONLY.lines() {
            let name = line.split_whitespace().nth(1).unwrap();
            assert!(crate::builtins::is_cfmini_only(name), "{name}");
        }
        for (name, _) in crate::builtins::CFMINI_ONLY {
            assert!(syntax().function(name).is_some(), "{name}");
        }
    }

    #[test]
    fn bundle_types_list_their_promise_types() {
        let common = syntax().promise_types_of("common").unwrap();
        assert!(common.contains(&"vars") && !common.contains(&"files"));
        assert!(syntax().promise_types_of("weird").is_none());
    }

    #[test]
    fn attributes_carry_their_types() {
        let s = syntax();
        assert_eq!(s.promise_attribute("vars", "slist"), Some("slist"));
        assert_eq!(s.promise_attribute("reports", "with"), Some("string"));
        assert_eq!(s.promise_attribute("reports", "nosuch"), None);
        let control = s.body_attributes("common").unwrap();
        assert_eq!(control.get("bundlesequence"), Some(&"slist"));
    }
}
