//! The text of `cfmini help`: one builtin described from its row of the
//! table, or the whole table listed one line per builtin.

use crate::builtins::refused::REFUSED;
use crate::builtins::{Builtin, Returns, TABLE, cfmini_only_help, find};
use crate::syntax::syntax;

/// What `cfmini help NAME` prints for the builtin `name`: its arity,
/// what it returns, its doc, its example and what cf-agent prints for
/// the example. `None` when cfmini has no builtin by that name.
pub fn function(name: &str) -> Option<String> {
    let row = find(name)?;
    if is_refused(row) {
        return Some(format!(
            "{}({}) -> {}\n\n    {}: cfmini refuses to call it, and a \
             policy that does fails there\n",
            row.name,
            arity(row),
            returns(row.returns),
            row.doc
        ));
    }
    let mut text = format!(
        "{}({}) -> {}\n\n    {}\n\n",
        row.name,
        arity(row),
        returns(row.returns),
        row.doc
    );
    text += &format!("example:\n    {}\n", row.example);
    if let Some(help) = cfmini_only_help(row.name) {
        text += &format!(
            "prints, on a host with no sockets:\n    {}\n\n{help}",
            indent(row.yields)
        );
    } else {
        text += &format!("cf-agent prints:\n    {}\n", indent(row.yields));
    }
    Some(text)
}

/// Why `name` is not a builtin of cfmini: a CFEngine function it does
/// not provide, or no function at all.
pub fn not_a_function(name: &str) -> String {
    match syntax().function(name) {
        Some(_) => format!(
            "'{name}' is a CFEngine function that cfmini does not provide"
        ),
        None => format!("no command or function is called '{name}'"),
    }
}

/// Every builtin, one line each: name, arity, return type and doc;
/// then the functions cfmini refuses, with what they would do.
pub fn function_list() -> String {
    let rows = || TABLE.iter().chain(REFUSED);
    let width = rows().map(|row| row.name.len()).max().unwrap_or(0);
    let lines = rows().map(|row| {
        let shape = format!("{} -> {}", arity(row), returns(row.returns));
        let refused = if is_refused(row) { " (refused)" } else { "" };
        format!("{:width$}  {shape:14}  {}{refused}\n", row.name, row.doc)
    });
    lines.collect()
}

fn is_refused(row: &Builtin) -> bool {
    REFUSED.iter().any(|refused| refused.name == row.name)
}

/// `2`, `1..3` or `1..` arguments.
fn arity(row: &Builtin) -> String {
    match row.max_args {
        Some(max) if max == row.min_args => max.to_string(),
        Some(max) => format!("{}..{max}", row.min_args),
        None => format!("{}..", row.min_args),
    }
}

fn returns(kind: Returns) -> &'static str {
    match kind {
        Returns::String => "string",
        Returns::Int => "int",
        Returns::Real => "real",
        Returns::Slist => "slist",
        Returns::Ilist => "ilist",
        Returns::Rlist => "rlist",
        Returns::Irange => "irange",
        Returns::Rrange => "rrange",
        Returns::Data => "data",
        Returns::Class => "class",
    }
}

/// A value of several lines, indented under its heading.
fn indent(text: &str) -> String {
    text.replace('\n', "\n    ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_builtin_is_described_from_its_row() {
        let text = function("canonify").unwrap();
        assert!(text.starts_with("canonify(1) -> string\n"), "{text}");
        assert!(text.contains("example:\n    canonify("), "{text}");
        assert!(function("nosuchfunction").is_none());
    }

    #[test]
    fn a_builtin_only_cfmini_has_says_so_and_not_what_cf_agent_prints() {
        let text = function("network_sockets").unwrap();
        assert!(text.contains("exists in cfmini only"), "{text}");
        assert!(text.contains("PROTOCOL  all, tcp or udp"), "{text}");
        assert!(!text.contains("cf-agent prints"), "{text}");
        let list = function_list();
        let line = list.lines().find(|l| l.starts_with("network_sockets "));
        assert!(line.is_some_and(|l| l.contains("cfmini only")), "{list}");
    }

    #[test]
    fn a_missing_function_is_told_from_an_unknown_name() {
        assert!(not_a_function("nosuch").contains("no command or function"));
        let cfengine = ["hostinnetgroup", "execresult", "remotescalar"];
        for name in cfengine.into_iter().filter(|n| find(n).is_none()) {
            assert!(not_a_function(name).contains("does not provide"));
        }
    }

    #[test]
    fn the_list_has_one_line_per_builtin_and_refusal() {
        let rows = TABLE.len() + REFUSED.len();
        assert_eq!(function_list().lines().count(), rows);
    }
}
