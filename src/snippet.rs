//! Snippets for `cfmini eval`: a piece of policy text that is a whole
//! policy, the inside of a bundle, a single promise, or a value.
//!
//! [`parse`] tries the forms in that order and wraps all but the first
//! into `bundle agent main`. The wrapping opens on the snippet's first
//! line and closes on a line of its own, so line numbers in the wrapped
//! text are the snippet's; [`Snippet::render`] moves a column on the
//! first line back onto the snippet, so an error points at what the user
//! wrote. A value is set as the variable `main.snippet_value` and
//! reported as cf-agent renders it: the text of a scalar, `format("%S")`
//! of a list or data container, `true` or `false` for a class.

use std::path::{Path, PathBuf};

use serde_json::json;

use crate::ast::{Policy, Span};
use crate::builtins::{self, Returns};
use crate::check;
use crate::error::{Error, ErrorKind};
use crate::eval::State;
use crate::load::Loaded;
use crate::parse;
use crate::show;
use crate::value::Value;

/// The variable or class a value snippet sets.
pub const VALUE: &str = "snippet_value";

/// What a snippet turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// A whole policy, run as it stands.
    Policy,
    /// Promise-type sections with their promises.
    Sections,
    /// One promise, a `vars` promise unless it names its type.
    Promise,
    /// A function call or a `$(...)` reference, of the type given.
    Value(Returns),
}

/// A snippet, wrapped into a policy and parsed.
#[derive(Debug)]
pub struct Snippet {
    /// What the snippet is.
    pub form: Form,
    /// The policy it makes.
    pub policy: Policy,
    /// The name it goes by in messages, `<snippet>` or its file.
    pub name: PathBuf,
    text: String,
    wrapped: String,
    prefix: usize,
}

/// Parses `text`, named `name` in messages, as the first form it fits
/// and checks it as `check` would. On failure, the errors of the form
/// the text most looks like.
pub fn parse(text: &str, name: &Path) -> Result<Snippet, Vec<Error>> {
    parse_in(text, name, &Policy::clone)
}

/// Parses `text` as [`parse`] does, checking it as part of the policy
/// `context` makes of it: the bundles and bodies of a session, say.
pub fn parse_in(
    text: &str,
    name: &Path,
    context: &dyn Fn(&Policy) -> Policy,
) -> Result<Snippet, Vec<Error>> {
    for form in candidates(text) {
        match wrap(text, name, form) {
            Ok(snippet) if snippet.fits() => return snippet.checked(context),
            _ => {}
        }
    }
    if is_bare_word(text) {
        let message = format!(
            "'{}' is no snippet: a value is a function call, `$(...)` \
             or `@(...)`; a promise ends with ';'",
            text.trim()
        );
        let start = text.len() - text.trim_start().len();
        let span = Span {
            start,
            end: start + text.trim().len(),
        };
        return Err(vec![Error::at(ErrorKind::Parse, message, name, span)]);
    }
    let likely = likely_form(text);
    let error = match wrap(text, name, likely) {
        Err(e) => shift(e, wrap_text(text, likely).1, text.len()),
        Ok(_) => Error::new(
            ErrorKind::Parse,
            "the snippet holds no bundle, body or promise",
        ),
    };
    Err(vec![error])
}

/// Whether `text` is a whole policy, with a bundle or a body.
pub fn is_policy(text: &str, name: &Path) -> bool {
    wrap(text, name, Form::Policy).is_ok_and(|s| s.fits())
}

/// Whether `text` is one word or number and nothing else, `x`,
/// `sys.arch` or `2.5`, which a user may type hoping for its value.
pub fn is_bare_word(text: &str) -> bool {
    let text = text.trim();
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || "_.:[]-+".contains(c))
}

/// The forms `text` might be, in the order they are tried.
fn candidates(text: &str) -> Vec<Form> {
    let mut forms = vec![Form::Policy, Form::Sections, Form::Promise];
    if let Some(returns) = value_type(text) {
        forms.push(Form::Value(returns));
    }
    forms
}

/// The form whose syntax error best explains a text that fits none.
fn likely_form(text: &str) -> Form {
    let text = text.trim_start();
    let word: String = text
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let after = text[word.len()..].trim_start();
    match value_type(text) {
        _ if matches!(&*word, "bundle" | "body" | "promise") => Form::Policy,
        Some(returns) => Form::Value(returns),
        None if !word.is_empty() && after.starts_with(':') => Form::Sections,
        None => Form::Promise,
    }
}

/// The type a value snippet has: the return type of the builtin it
/// calls, `string` for a scalar reference and `slist` for a list
/// reference; `None` when it is neither.
fn value_type(text: &str) -> Option<Returns> {
    let text = text.trim();
    if text.starts_with("$(") || text.starts_with("${") {
        return Some(Returns::String);
    }
    if text.starts_with("@(") || text.starts_with("@{") {
        return Some(Returns::Slist);
    }
    let (name, _) = text.split_once('(')?;
    let name = name.trim_end();
    let is_name = !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    // An unknown function is left to the check, which names it.
    is_name.then(|| builtins::find(name).map_or(Returns::String, |b| b.returns))
}

/// The text of `form` around `text`, and the length of what comes
/// before it.
fn wrap_text(text: &str, form: Form) -> (String, usize) {
    let (prefix, suffix) = match form {
        Form::Policy => (String::new(), String::new()),
        Form::Sections => ("bundle agent main { ".into(), "\n}\n".into()),
        Form::Promise => ("bundle agent main { vars: ".into(), "\n}\n".into()),
        Form::Value(returns) => value_wrapping(returns, text),
    };
    (format!("{prefix}{text}{suffix}"), prefix.len())
}

/// The promise that sets a value and the report that prints it. A list
/// reference goes in braces, since a list promise takes no bare `@(x)`.
fn value_wrapping(returns: Returns, text: &str) -> (String, String) {
    let (open, close) = match text.trim_start().starts_with('@') {
        true => ("{ ", " }"),
        false => ("", ""),
    };
    let (promise, report) = match returns {
        Returns::Class => (
            format!("classes: \"{VALUE}\" expression =>"),
            format!(
                "\"true\" if => \"{VALUE}\"; \"false\" unless => \"{VALUE}\";"
            ),
        ),
        Returns::Slist | Returns::Ilist | Returns::Rlist | Returns::Data => (
            format!("vars: \"{VALUE}\" {} =>", type_name(returns)),
            format!("\"$(with)\" with => format(\"%S\", {VALUE});"),
        ),
        scalar => (
            format!("vars: \"{VALUE}\" {} =>", type_name(scalar)),
            format!("\"$({VALUE})\";"),
        ),
    };
    let prefix = format!("bundle agent main {{ {promise} {open}");
    (prefix, format!("{close}\n;\nreports:\n{report}\n}}\n"))
}

fn type_name(returns: Returns) -> &'static str {
    match returns {
        Returns::Int => "int",
        Returns::Real => "real",
        Returns::Slist => "slist",
        Returns::Ilist => "ilist",
        Returns::Rlist => "rlist",
        Returns::Data => "data",
        _ => "string",
    }
}

fn wrap(text: &str, name: &Path, form: Form) -> Result<Snippet, Error> {
    let (wrapped, prefix) = wrap_text(text, form);
    let policy = parse::parse(&wrapped, name)?;
    Ok(Snippet {
        form,
        policy,
        name: name.to_path_buf(),
        text: text.to_string(),
        wrapped,
        prefix,
    })
}

/// An error in the wrapped text, moved onto the snippet: a place in the
/// wrapping counts as the nearest end of the snippet.
fn shift(mut error: Error, prefix: usize, len: usize) -> Error {
    if let Some((_, span)) = &mut error.place {
        let at = |offset: usize| offset.saturating_sub(prefix).min(len);
        *span = Span {
            start: at(span.start),
            end: at(span.end),
        };
    }
    error
}

impl Snippet {
    /// Whether the parsed text is what its form asks for: a policy with
    /// a bundle or body, wrapped text with at least one promise.
    fn fits(&self) -> bool {
        match self.form {
            Form::Policy => {
                !self.policy.bundles.is_empty()
                    || !self.policy.bodies.is_empty()
            }
            _ => self
                .policy
                .bundles
                .iter()
                .flat_map(|b| &b.sections)
                .any(|s| !s.promises.is_empty()),
        }
    }

    fn checked(
        self,
        context: &dyn Fn(&Policy) -> Policy,
    ) -> Result<Snippet, Vec<Error>> {
        let errors = check::check(&context(&self.policy));
        if errors.is_empty() {
            return Ok(self);
        }
        Err(errors.into_iter().map(|e| self.shifted(e)).collect())
    }

    /// `error` placed in the snippet instead of the wrapped text.
    fn shifted(&self, error: Error) -> Error {
        shift(error, self.prefix, self.text.len())
    }

    /// The error text, its place in the snippet.
    pub fn render(&self, error: &Error) -> String {
        self.shifted(error.clone()).render(Some(&self.text))
    }

    /// The policy as [`Loaded`] from the wrapped text: the inputs of a
    /// whole policy given as text are not read.
    pub fn loaded(&self) -> Loaded {
        Loaded {
            policy: self.policy.clone(),
            sources: vec![(self.name.clone(), self.wrapped.clone())],
            unresolved: Vec::new(),
        }
    }

    /// Whether the snippet is a value, printed alone.
    pub fn is_value(&self) -> bool {
        matches!(self.form, Form::Value(_))
    }

    /// A value snippet's text, as the report of the run left it;
    /// `None` when the value was never set (a call that failed).
    pub fn value_text(
        &self,
        state: &State,
        reports: &[String],
    ) -> Option<String> {
        if self.form != Form::Value(Returns::Class) {
            value_of(state)?;
        }
        reports.first().cloned()
    }

    /// A value snippet's value as pretty JSON.
    pub fn value_json(
        &self,
        state: &State,
        reports: &[String],
    ) -> Option<String> {
        let value = match self.form {
            Form::Value(Returns::Class) => {
                json!(reports.first().is_some_and(|r| r == "true"))
            }
            _ => show::value_json(&value_of(state)?.value),
        };
        let text: Option<String> = serde_json::to_string_pretty(&value).ok();
        text.map(|t| t + "\n")
    }

    /// A value snippet's value as the run left it; `None` for a class
    /// or when the value was never set.
    pub fn value<'s>(&self, state: &'s State) -> Option<&'s Value> {
        value_of(state).map(|v| &v.value)
    }
}

fn value_of(state: &State) -> Option<&crate::eval::StateVar> {
    let name = format!("default:main.{VALUE}");
    state.vars.iter().find(|v| v.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(text: &str) -> Form {
        parse(text, Path::new("<snippet>")).unwrap().form
    }

    #[test]
    fn forms_are_tried_in_order() {
        assert_eq!(form("bundle agent b { reports: \"x\"; }"), Form::Policy);
        assert_eq!(form("reports: \"x\";"), Form::Sections);
        assert_eq!(form("\"x\" string => \"1\";"), Form::Promise);
        assert_eq!(form("canonify(\"a b\")"), Form::Value(Returns::String));
        assert_eq!(
            form("splitstring(\"a\", \",\", 2)"),
            Form::Value(Returns::Slist)
        );
        assert_eq!(form("isvariable(\"x\")"), Form::Value(Returns::Class));
        assert_eq!(form("$(sys.arch)"), Form::Value(Returns::String));
        assert_eq!(form("@(sys.interfaces)"), Form::Value(Returns::Slist));
    }

    #[test]
    fn a_bare_word_is_told_what_a_value_is() {
        let errors = parse(" sys.arch", Path::new("<snippet>")).unwrap_err();
        assert!(errors[0].message.contains("function call"));
        let (_, span) = errors[0].place.as_ref().unwrap();
        assert_eq!((span.start, span.end), (1, 9));
    }

    #[test]
    fn errors_are_placed_in_the_snippet_text() {
        let errors = parse("\"x\" string => ;", Path::new("<snippet>"));
        let error = &errors.unwrap_err()[0];
        let (_, span) = error.place.as_ref().unwrap();
        assert_eq!(span.start, "\"x\" string => ".len());
    }
}
