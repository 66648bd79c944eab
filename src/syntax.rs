//! What the policy language allows, as cf-promises 3.21 describes it:
//! function signatures, the promise types of each bundle type, and the
//! attributes of each promise type and body type.
//!
//! The table lives in `syntax.txt`, recorded from
//! `cf-promises --syntax-description` by `tests/oracle/regen-syntax`,
//! and is split into rows on first use; the words of a row are read
//! when the row is first asked for. The functions cfmini has and
//! cf-agent lacks are added from [`CFMINI_ONLY`], so that a policy
//! calling them passes the checks; `cfmini check` warns of them.

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
    functions: Rows<Function>,
    bundle_types: Rows<Vec<&'static str>>,
    promise_types: Rows<Attributes>,
    body_types: Rows<Attributes>,
}

/// The attributes of a promise or body type, sorted by name, each with
/// its type, then for a number or menu its range after a colon:
/// `int:0,99`, `option:fix,warn,nop`.
#[derive(Debug)]
pub struct Attributes {
    pairs: Vec<(&'static str, &'static str)>,
}

/// The rows of one kind, sorted by name. Each row keeps the rest of
/// its line and reads it on first use: a run looks up a few of the
/// table's two hundred rows, and reading them all would cost more than
/// the whole run of a small policy.
#[derive(Debug)]
struct Rows<T> {
    /// Names and the rest of their lines.
    rows: Vec<(&'static str, &'static str)>,
    /// What each row reads as, once read.
    read: Box<[OnceLock<T>]>,
}

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
        let Some((kind, name, rest)) = split_row(line) else {
            continue;
        };
        match kind {
            "function" => syntax.functions.push(name, rest),
            "bundle" => syntax.bundle_types.push(name, rest),
            "promise" => syntax.promise_types.push(name, rest),
            _ => syntax.body_types.push(name, rest),
        }
    }
    syntax.functions.finish();
    syntax.bundle_types.finish();
    syntax.promise_types.finish();
    syntax.body_types.finish();
    syntax
}

/// A line's kind, name and the words after them, separated by single
/// spaces as the table writes them; `None` for a line of fewer than
/// two words.
fn split_row(line: &str) -> Option<(&str, &str, &str)> {
    let (kind, rest) = line.split_once(' ')?;
    let (name, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    if kind.is_empty() || name.is_empty() {
        return None;
    }
    Some((kind, name, rest))
}

impl<T> Default for Rows<T> {
    fn default() -> Self {
        Rows {
            rows: Vec::new(),
            read: Box::default(),
        }
    }
}

impl<T> Rows<T> {
    fn push(&mut self, name: &'static str, rest: &'static str) {
        self.rows.push((name, rest));
    }

    /// Sorts the rows by name, unless the table already has them so;
    /// of rows with one name the last stays, as a later line replaces
    /// an earlier one.
    fn finish(&mut self) {
        if !self.rows.is_sorted_by(|a, b| a.0 < b.0) {
            self.rows.reverse();
            self.rows.sort_by_key(|&(name, _)| name);
            self.rows.dedup_by_key(|&mut (name, _)| name);
        }
        let unread = std::iter::repeat_with(OnceLock::new);
        self.read = unread.take(self.rows.len()).collect();
    }

    fn find(&self, name: &str) -> Option<usize> {
        self.rows.binary_search_by_key(&name, |&(n, _)| n).ok()
    }

    /// The row `name`, its words read by `read` on first use.
    fn get(&self, name: &str, read: fn(&'static str) -> T) -> Option<&T> {
        let at = self.find(name)?;
        Some(self.read[at].get_or_init(|| read(self.rows[at].1)))
    }

    fn names(&self) -> impl Iterator<Item = &'static str> {
        self.rows.iter().map(|&(name, _)| name)
    }
}

fn function(words: &'static str) -> Function {
    let mut words = words.split_whitespace();
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

fn promise_types(words: &'static str) -> Vec<&'static str> {
    words.split_whitespace().collect()
}

fn attributes(words: &'static str) -> Attributes {
    let words = words.split_whitespace();
    let mut pairs: Vec<_> = words.filter_map(|w| w.split_once(':')).collect();
    if !pairs.is_sorted() {
        pairs.sort_by_key(|&(name, _)| name);
    }
    Attributes { pairs }
}

impl Attributes {
    /// The type of attribute `name`.
    pub fn get(&self, name: &str) -> Option<&'static str> {
        self.typed(name).map(|(kind, _)| kind)
    }

    /// The type of attribute `name` and its range: the lowest and
    /// highest number, `0,99`, or the words a menu offers,
    /// `fix,warn,nop`. The range is empty for other types.
    pub fn typed(&self, name: &str) -> Option<(&'static str, &'static str)> {
        let found = self.pairs.binary_search_by_key(&name, |&(n, _)| n);
        let kind = self.pairs[found.ok()?].1;
        Some(kind.split_once(':').unwrap_or((kind, "")))
    }

    /// Whether there is an attribute `name`.
    pub fn contains_key(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

impl Syntax {
    /// The signature of function `name`.
    pub fn function(&self, name: &str) -> Option<&Function> {
        self.functions.get(name, function)
    }

    /// The promise types a bundle of type `bundle_type` may hold;
    /// `None` for an unknown bundle type.
    pub fn promise_types_of(&self, bundle_type: &str) -> Option<&[&str]> {
        let found = self.bundle_types.get(bundle_type, promise_types);
        found.map(Vec::as_slice)
    }

    /// The type of `attribute` in promise type `promise_type`; `None`
    /// when either is unknown.
    pub fn promise_attribute(
        &self,
        promise_type: &str,
        attribute: &str,
    ) -> Option<&'static str> {
        let found = self.promise_types.get(promise_type, attributes);
        found?.get(attribute)
    }

    /// The attributes of promise type `promise_type`; `None` for one
    /// that is not built in.
    pub fn promise_attributes(
        &self,
        promise_type: &str,
    ) -> Option<&Attributes> {
        self.promise_types.get(promise_type, attributes)
    }

    /// The built-in promise types, sorted by name.
    pub fn promise_types(&self) -> impl Iterator<Item = &'static str> {
        self.promise_types.names()
    }

    /// Whether `promise_type` is a built-in promise type.
    pub fn is_promise_type(&self, promise_type: &str) -> bool {
        self.promise_types.find(promise_type).is_some()
    }

    /// The attributes of body type `body_type`, if it is known.
    pub fn body_attributes(&self, body_type: &str) -> Option<&Attributes> {
        self.body_types.get(body_type, attributes)
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
        assert_eq!(control.get("bundlesequence"), Some("slist"));
    }

    #[test]
    fn numbers_and_menus_carry_their_ranges() {
        let action = syntax().body_attributes("action").unwrap();
        let policy = action.typed("action_policy");
        assert_eq!(policy, Some(("option", "fix,warn,nop")));
        let elapsed = action.typed("ifelapsed");
        assert_eq!(elapsed, Some(("int", "0,99999999999")));
        let printfile = syntax().body_attributes("printfile").unwrap();
        assert_eq!(printfile.typed("file_to_print"), Some(("string", "")));
    }

    #[test]
    fn every_row_is_found_by_its_name() {
        let lines = TABLE.lines().chain(CFMINI_ONLY.lines());
        for line in lines.filter(|l| !l.starts_with('#')) {
            let (kind, name, _) = split_row(line).unwrap();
            let found = match kind {
                "function" => syntax().function(name).is_some(),
                "bundle" => syntax().promise_types_of(name).is_some(),
                "promise" => syntax().is_promise_type(name),
                _ => syntax().body_attributes(name).is_some(),
            };
            assert!(found, "{kind} {name}");
        }
    }

    fn body_attribute(body_type: &str, name: &str) -> Option<&'static str> {
        syntax().body_attributes(body_type)?.get(name)
    }

    #[test]
    fn every_listed_attribute_is_found_with_its_type() {
        for line in TABLE.lines() {
            let (kind, name, rest) = split_row(line).unwrap();
            let pairs = rest.split(' ').filter_map(|w| w.split_once(':'));
            for (attribute, typed) in pairs {
                let expected = typed.split(':').next();
                let found = match kind {
                    "promise" => syntax().promise_attribute(name, attribute),
                    "body" => body_attribute(name, attribute),
                    _ => continue,
                };
                assert_eq!(found, expected, "{kind} {name} {attribute}");
            }
        }
    }
}
