//! Tab completion at the REPL: commands, function names, promise types,
//! and the names of the variables and classes the session holds.

use std::cell::RefCell;
use std::rc::Rc;

use rustyline::completion::{Completer, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Helper};

use crate::builtins;
use crate::syntax::syntax;

/// The REPL's commands, as completion offers them.
pub const COMMANDS: [&str; 9] = [
    ":help", ":vars", ":classes", ":load", ":reset", ":json", ":table",
    ":type", ":quit",
];

/// The names the session defines, updated after each input.
#[derive(Debug, Default)]
pub struct Names {
    /// Variables as a policy in the session's bundle refers to them:
    /// `x` for its own, `bundle.x` for other bundles'.
    pub vars: Vec<String>,
    /// Classes, global and the session bundle's.
    pub classes: Vec<String>,
}

/// The rustyline helper: completion only; hints, highlighting and
/// validation are left as rustyline does them, since the REPL decides
/// itself where an input ends.
pub struct Completion {
    pub names: Rc<RefCell<Names>>,
}

impl Completion {
    /// The words that may stand where `word` is being typed; `in_reference`
    /// when it follows `$(` or `@(`, where only variables make sense.
    fn candidates(
        &self,
        word: &str,
        first: bool,
        in_reference: bool,
    ) -> Vec<String> {
        let names = self.names.borrow();
        let mut words: Vec<String> = Vec::new();
        if word.starts_with(':') && first {
            words.extend(COMMANDS.iter().map(|c| c.to_string()));
        } else if in_reference {
            words.extend(names.vars.iter().cloned());
        } else {
            words
                .extend(builtins::TABLE.iter().map(|b| format!("{}(", b.name)));
            words.extend(syntax().promise_types().map(|t| format!("{t}:")));
            words.extend(names.classes.iter().cloned());
            words.extend(names.vars.iter().cloned());
        }
        words.retain(|w| w.starts_with(word));
        words.sort();
        words.dedup();
        words
    }
}

impl Completer for Completion {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = &line[..pos];
        let start = before.rfind(|c: char| !is_word_char(c)).map_or(0, |i| {
            i + before[i..].chars().next().map_or(1, char::len_utf8)
        });
        let word = &before[start..];
        let first = before[..start].trim().is_empty();
        let in_reference = before[..start].ends_with("$(")
            || before[..start].ends_with("${")
            || before[..start].ends_with("@(");
        let pairs = self
            .candidates(word, first, in_reference)
            .into_iter()
            .map(|w| Pair {
                display: w.clone(),
                replacement: w,
            })
            .collect();
        Ok((start, pairs))
    }
}

/// Characters of the words completion replaces: names, scopes, the
/// namespace colon and the leading colon of a command.
fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':')
}

impl Hinter for Completion {
    type Hint = String;
}

impl Highlighter for Completion {}

impl Validator for Completion {}

impl Helper for Completion {}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete(line: &str, names: Names) -> Vec<String> {
        let completion = Completion {
            names: Rc::new(RefCell::new(names)),
        };
        let history = rustyline::history::DefaultHistory::new();
        let context = Context::new(&history);
        let (_, pairs) =
            completion.complete(line, line.len(), &context).unwrap();
        pairs.into_iter().map(|p| p.replacement).collect()
    }

    #[test]
    fn completes_functions_and_promise_types() {
        let found = complete("canon", Names::default());
        assert_eq!(found, ["canonify(", "canonifyuniquely("]);
        assert_eq!(complete("repo", Names::default()), ["reports:"]);
    }

    #[test]
    fn completes_variables_inside_references() {
        let names = Names {
            vars: vec!["ports".into(), "sys.arch".into()],
            classes: vec!["portable".into()],
        };
        assert_eq!(complete("\"$(por", names), ["ports"]);
    }

    #[test]
    fn completes_commands_at_the_start_only() {
        assert_eq!(complete(":cl", Names::default()), [":classes"]);
        assert!(complete("\"x\" :cl", Names::default()).is_empty());
    }
}
