//! Policy text to syntax tree.
//!
//! [`parse`] is a pure function: it removes `@if` macro regions, runs the
//! pest grammar in `grammar/cfengine.pest`, and builds the [`ast`] with
//! one function per grammar rule that makes a node. Syntax errors carry
//! the file and span and say what was expected, in English.
//!
//! [`ast`]: crate::ast

use std::path::Path;
use std::rc::Rc;

use pest::Parser as _;
use pest::iterators::Pair;

use crate::ast::{
    Attribute, Body, Bundle, Call, Context, DEFAULT_NAMESPACE, Policy, Promise,
    Rval, Section, Setting, Span,
};
use crate::error::{Error, ErrorKind};
use crate::macros;
use crate::scan;
use crate::value::Str;

/// The pest parser generated from the grammar file.
mod generated {
    #![allow(missing_docs)]

    #[derive(pest_derive::Parser)]
    #[grammar = "../grammar/cfengine.pest"]
    pub struct Grammar;
}

use generated::{Grammar, Rule};

/// How many syntax errors [`syntax_errors`] reports in one file.
pub const MAX_SYNTAX_ERRORS: usize = 100;

/// Every syntax error in `source`, not only the first, for `check`:
/// after each error the statement holding it is blanked out, keeping
/// every byte's place, and the text is parsed again. An error that
/// leaves nothing to blank, such as a missing `}` at the end, is the
/// last one. Errors of the passes before the grammar, such as an
/// unterminated string, stop at once.
///
/// Known shortcoming: an error that blanking cannot repair well, such
/// as a `{` too many, may be followed by errors it caused.
pub fn syntax_errors(source: &str, file: &Path) -> Vec<Error> {
    let text = match macros::strip(source, file) {
        Ok(text) => text,
        Err(error) => return vec![error],
    };
    if let Err(error) = scan::scan(&text, file) {
        return vec![error];
    }

    let mut text = text.into_bytes();
    let mut errors = Vec::new();
    while errors.len() < MAX_SYNTAX_ERRORS {
        // Blanking writes ASCII spaces over whole characters only.
        let current = std::str::from_utf8(&text).expect("still UTF-8");
        if Grammar::parse(Rule::policy, current).is_ok() {
            break;
        }
        let error = detailed_syntax_error(current, file);
        let at = error.place.as_ref().map_or(0, |(_, span)| span.start);
        let statement = scan::statement_around(current, at);
        errors.push(error);
        let blanked = &mut text[statement];
        if blanked.iter().all(u8::is_ascii_whitespace) {
            break;
        }
        blanked
            .iter_mut()
            .filter(|b| !b.is_ascii_whitespace())
            .for_each(|b| *b = b' ');
    }
    errors
}

/// Parses the policy text `source`, read from `file`.
pub fn parse(source: &str, file: &Path) -> Result<Policy, Error> {
    let text = macros::strip(source, file)?;
    scan::scan(&text, file)?;
    let mut pairs = Grammar::parse(Rule::policy, &text)
        .map_err(|_| detailed_syntax_error(&text, file))?;

    let mut policy = Policy::default();
    let Some(top) = pairs.next() else {
        return Ok(policy);
    };
    let file: Rc<Path> = file.into();
    let lines = Lines::new(&text);
    let mut namespace: Str = DEFAULT_NAMESPACE.into();
    for block in top.into_inner() {
        match block.as_rule() {
            Rule::bundle => {
                let mut bundle = bundle(block, &file, &lines);
                bundle.namespace = namespace.clone();
                policy.bundles.push(bundle);
            }
            Rule::body | Rule::promise_block => {
                let mut body = body(block, &file);
                body.namespace = namespace.clone();
                namespace = switched_namespace(&body).unwrap_or(namespace);
                policy.bodies.push(body)
            }
            _ => {}
        }
    }
    Ok(policy)
}

/// The namespace a `body file control` switches to for the rest of its
/// file. cf-agent switches as it reads the attribute, whatever class
/// guards it, and ignores a value that is not a single string.
fn switched_namespace(body: &Body) -> Option<Str> {
    let control = (&*body.keyword, &*body.kind, &*body.name);
    if control != ("body", "file", "control") {
        return None;
    }
    let settings = body.settings.iter().rev();
    let mut values = settings.filter(|s| &*s.attribute.name == "namespace");
    values.find_map(|s| match &s.attribute.value {
        Rval::Str(name, _) | Rval::Word(name, _) => Some(name.clone()),
        _ => None,
    })
}

/// Where each line of a text starts, to give line numbers for offsets
/// without scanning the text again each time.
struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    fn new(text: &str) -> Lines {
        let newlines = text.match_indices('\n').map(|(i, _)| i + 1);
        Lines {
            starts: std::iter::once(0).chain(newlines).collect(),
        }
    }

    /// The 1-based line holding byte `offset`.
    fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset)
    }
}

fn span(pair: &Pair<Rule>) -> Span {
    let s = pair.as_span();
    Span {
        start: s.start(),
        end: s.end(),
    }
}

fn text(pair: &Pair<Rule>) -> Str {
    pair.as_str().into()
}

fn bundle(pair: Pair<Rule>, file: &Rc<Path>, lines: &Lines) -> Bundle {
    let whole = span(&pair);
    let mut inner = pair.into_inner();
    let mut bundle = Bundle {
        kind: next_text(&mut inner),
        name: next_text(&mut inner),
        namespace: DEFAULT_NAMESPACE.into(),
        params: Vec::new(),
        sections: Vec::new(),
        span: whole,
        file: file.clone(),
    };
    for item in inner {
        match item.as_rule() {
            Rule::params => bundle.params = params(item),
            Rule::section => bundle.sections.push(section(item, lines)),
            _ => {}
        }
    }
    bundle
}

fn body(pair: Pair<Rule>, file: &Rc<Path>) -> Body {
    let whole = span(&pair);
    let keyword = pair.as_str().split_whitespace().next().unwrap_or("body");
    let keyword = keyword.into();
    let mut inner = pair.into_inner();
    let mut body = Body {
        keyword,
        kind: next_text(&mut inner),
        name: next_text(&mut inner),
        namespace: DEFAULT_NAMESPACE.into(),
        params: Vec::new(),
        settings: Vec::new(),
        span: whole,
        file: file.clone(),
    };

    let mut guard = Context::any();
    for item in inner {
        match item.as_rule() {
            Rule::params => body.params = params(item),
            Rule::context => guard = context(item),
            Rule::setting => body.settings.push(Setting {
                context: guard.clone(),
                attribute: first_attribute(item),
            }),
            _ => {}
        }
    }
    body
}

fn next_text(pairs: &mut pest::iterators::Pairs<Rule>) -> Str {
    pairs.next().map(|p| text(&p)).unwrap_or_else(|| "".into())
}

fn params(pair: Pair<Rule>) -> Vec<Str> {
    pair.into_inner().map(|p| text(&p)).collect()
}

fn first_attribute(setting: Pair<Rule>) -> Attribute {
    let pair = setting.into_inner().next();
    attribute(pair.expect("a setting holds an attribute"))
}

fn section(pair: Pair<Rule>, lines: &Lines) -> Section {
    let mut inner = pair.into_inner();
    let keyword = inner.next().expect("a section starts with its type");
    let mut section = Section {
        promise_type: keyword.as_str().trim_end_matches(':').into(),
        promises: Vec::new(),
        span: span(&keyword),
    };

    let mut guard = Context::any();
    for item in inner {
        match item.as_rule() {
            Rule::context => guard = context(item),
            Rule::promise => {
                section.promises.push(promise(item, &guard, lines))
            }
            _ => {}
        }
    }
    section
}

fn context(pair: Pair<Rule>) -> Context {
    let span = span(&pair);
    let inner = pair.into_inner().next().expect("a guard has a body");
    let expr = match inner.as_rule() {
        Rule::quoted_context => string(inner.into_inner().next_back()),
        _ => inner.as_str().trim().into(),
    };
    Context { expr, span }
}

fn promise(pair: Pair<Rule>, guard: &Context, lines: &Lines) -> Promise {
    let whole = span(&pair);
    let line = lines.line(whole.start);
    let mut inner = pair.into_inner();
    let promiser = inner.next().and_then(|p| p.into_inner().next());
    let mut promise = Promise {
        context: guard.clone(),
        promiser: string(promiser),
        promisee: None,
        attributes: Vec::new(),
        span: whole,
        line,
    };
    for item in inner {
        match item.as_rule() {
            Rule::promisee => {
                promise.promisee = item.into_inner().next().map(rval)
            }
            Rule::attribute => promise.attributes.push(attribute(item)),
            _ => {}
        }
    }
    promise
}

fn attribute(pair: Pair<Rule>) -> Attribute {
    let whole = span(&pair);
    let mut inner = pair.into_inner();
    let name = next_text(&mut inner);
    let value = inner.next().map(rval);
    Attribute {
        name,
        value: value.unwrap_or(Rval::Str("".into(), whole)),
        span: whole,
    }
}

fn rval(pair: Pair<Rule>) -> Rval {
    let at = span(&pair);
    match pair.as_rule() {
        Rule::string => Rval::Str(string(Some(pair)), at),
        Rule::list => Rval::List(pair.into_inner().map(rval).collect(), at),
        Rule::call => Rval::Call(call(pair)),
        Rule::naked_var => naked_var(pair.as_str(), at),
        _ => Rval::Word(text(&pair), at),
    }
}

/// `$(x)` unquoted is the string `"$(x)"`; `@(x)` names a whole list.
fn naked_var(raw: &str, at: Span) -> Rval {
    match raw.strip_prefix('@') {
        Some(rest) => Rval::ListRef(rest[1..rest.len() - 1].into(), at),
        None => Rval::Str(raw.into(), at),
    }
}

fn call(pair: Pair<Rule>) -> Call {
    let at = span(&pair);
    let mut inner = pair.into_inner();
    Call {
        name: next_text(&mut inner),
        args: inner.map(rval).collect(),
        span: at,
    }
}

/// The value of a string token: quotes removed and escapes applied.
fn string(pair: Option<Pair<Rule>>) -> Str {
    let Some(pair) = pair else { return "".into() };
    let quoted = match pair.as_rule() {
        Rule::string => pair.into_inner().next().map(|p| p.as_str()),
        _ => Some(pair.as_str()),
    };
    unquote(quoted.unwrap_or("\"\""))
}

/// Removes the quotes of a string token. In double and single quotes a
/// backslash before a quote or a backslash is dropped, and every other
/// backslash is kept, as cf-agent reads them; backquotes keep all.
pub fn unquote(token: &str) -> Str {
    let body = &token[1..token.len() - 1];
    if token.starts_with('`') || !body.contains('\\') {
        return body.into();
    }

    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('\\', Some(&next @ ('"' | '\'' | '\\'))) => {
                out.push(next);
                chars.next();
            }
            _ => out.push(c),
        }
    }
    out.into()
}

impl Context {
    /// The implicit guard of promises written before any guard.
    pub fn any() -> Context {
        Context {
            expr: "any".into(),
            span: Span::default(),
        }
    }
}

/// Parses `text` again, recording what each rule expected, to explain
/// why it failed. The record slows parsing, so only a failed parse
/// pays for it.
fn detailed_syntax_error(text: &str, file: &Path) -> Error {
    pest::set_error_detail(true);
    let result = Grammar::parse(Rule::policy, text);
    pest::set_error_detail(false);
    match result {
        Err(error) => syntax_error(error, file),
        Ok(_) => {
            Error::at(ErrorKind::Parse, "syntax error", file, Span::default())
        }
    }
}

/// A located syntax error saying what could have come where parsing got
/// furthest: literal tokens such as `';'` and the rules being tried.
fn syntax_error(error: pest::error::Error<Rule>, file: &Path) -> Error {
    let Some(attempts) = error.parse_attempts() else {
        let at = error_offset(&error);
        return Error::at(ErrorKind::Parse, "syntax error", file, at);
    };

    let tokens = attempts.expected_tokens();
    let mut names: Vec<String> = tokens
        .iter()
        .filter_map(|token| token_name(&token.to_string()))
        .collect();
    let rules = attempts.call_stacks().into_iter().filter_map(|s| s.parent);
    let rules = rules.filter(|rule| *rule != Rule::policy);
    names.extend(rules.map(|rule| rule_name(rule).to_string()));
    names.sort();
    names.dedup();

    let at = Span {
        start: attempts.max_position,
        end: attempts.max_position,
    };
    Error::at(ErrorKind::Parse, expected(&names), file, at)
}

fn error_offset(error: &pest::error::Error<Rule>) -> Span {
    let offset = match error.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((start, _)) => start,
    };
    Span {
        start: offset,
        end: offset,
    }
}

/// A token in words: characters that start a kind of token are named
/// by that kind; white space and comments are never worth naming.
fn token_name(token: &str) -> Option<String> {
    let name = match token {
        "#" | "\u{feff}" => return None,
        blank if blank.trim().is_empty() => return None,
        "\"" | "'" | "`" => "a quoted string",
        "_" => "a name",
        "$" | "@" => "a variable reference",
        range if range.contains("..") => "a name",
        literal => return Some(format!("'{literal}'")),
    };
    Some(name.to_string())
}

/// "syntax error: expected ';' or ','".
fn expected(names: &[String]) -> String {
    match names {
        [] => "syntax error".to_string(),
        [one] => format!("syntax error: expected {one}"),
        [init @ .., last] => {
            format!("syntax error: expected {} or {last}", init.join(", "))
        }
    }
}

/// The English name of each rule, for error messages.
fn rule_name(rule: Rule) -> &'static str {
    match rule {
        Rule::EOI => "end of file",
        Rule::WHITESPACE | Rule::COMMENT => "white space",
        Rule::policy => "a policy",
        Rule::block => "a bundle or body",
        Rule::bundle => "'bundle'",
        Rule::body => "'body'",
        Rule::promise_block => "'promise'",
        Rule::block_type => "a block type",
        Rule::block_name => "a block name",
        Rule::params => "a parameter list",
        Rule::param => "a parameter name",
        Rule::body_item => "an attribute or a class guard",
        Rule::setting => "an attribute",
        Rule::section => "a promise type such as 'vars:'",
        Rule::promise_type => "a promise type such as 'vars:'",
        Rule::context => "a class guard",
        Rule::quoted_context => "a quoted class guard",
        Rule::class_context => "a class expression",
        Rule::context_char => "a class expression",
        Rule::promise => "a promise",
        Rule::promiser => "a promiser string",
        Rule::promisee => "'->'",
        Rule::attribute => "an attribute",
        Rule::attribute_name => "an attribute name",
        Rule::rval => "a value",
        Rule::scalar => "a string, a name or a function call",
        Rule::list => "a list",
        Rule::call => "a function call",
        Rule::function_name => "a function name",
        Rule::bare_word => "a name",
        Rule::naked_var => "a variable reference",
        Rule::var_body | Rule::var_nested | Rule::var_open => "a variable name",
        Rule::string | Rule::dq_string | Rule::sq_string | Rule::bq_string => {
            "a quoted string"
        }
        Rule::identifier | Rule::symbol | Rule::word_char => "a name",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> Policy {
        match parse(text, Path::new("t.cf")) {
            Ok(policy) => policy,
            Err(e) => panic!("{}", e.render(Some(text))),
        }
    }

    fn parse_err(text: &str) -> String {
        let error = parse(text, Path::new("t.cf")).err();
        error.map(|e| e.render(Some(text))).unwrap_or_default()
    }

    // cf-agent prints `q"q b\b n\nn` for "q\"q b\\b n\nn": a backslash
    // goes before a quote or a backslash, every other one stays.
    #[test]
    fn unquote_drops_backslash_only_before_quotes_and_backslash() {
        assert_eq!(
            &*unquote(r#""q\"q b\\b n\nn s\'s""#),
            r#"q"q b\b n\nn s's"#
        );
        assert_eq!(&*unquote(r#"'q\'q d\"d'"#), r#"q'q d"d"#);
        assert_eq!(&*unquote(r"`back\tick`"), r"back\tick");
    }

    #[test]
    fn bundle_sections_guards_and_promises_are_read() {
        let policy = parse_ok(
            "bundle agent main(a, b) {\n vars:\n  linux.!windows::\n \
             \"x\" -> { \"p\" } string => \"v\", comment => \"c\";\n \
             reports:\n  \"$(x)\";\n}\n",
        );
        let bundle = &policy.bundles[0];
        assert_eq!((&*bundle.kind, &*bundle.name), ("agent", "main"));
        assert_eq!(bundle.params.len(), 2);
        let vars = &bundle.sections[0];
        assert_eq!(&*vars.promise_type, "vars");
        let promise = &vars.promises[0];
        assert_eq!(&*promise.context.expr, "linux.!windows");
        assert_eq!(promise.attributes.len(), 2);
        assert!(promise.promisee.is_some());
        assert_eq!(&*bundle.sections[1].promises[0].context.expr, "any");
    }

    #[test]
    fn rvals_of_every_kind_are_read() {
        let policy = parse_ok(
            "bundle agent main { vars: \"x\" slist => { \"a\", 'b', \
             @(l), f(g(\"x\"), y), $(z), }; }",
        );
        let value = &policy.bundles[0].sections[0].promises[0].attributes[0];
        let Rval::List(items, _) = &value.value else {
            panic!("expected a list, got {:?}", value.value);
        };
        assert!(matches!(&items[2], Rval::ListRef(name, _) if &**name == "l"));
        let Rval::Call(call) = &items[3] else {
            panic!("expected a call, got {:?}", items[3]);
        };
        assert!(matches!(&call.args[0], Rval::Call(_)));
        assert!(matches!(&call.args[1], Rval::Word(w, _) if &**w == "y"));
        assert!(matches!(&items[4], Rval::Str(s, _) if &**s == "$(z)"));
    }

    #[test]
    fn bodies_keep_the_guard_of_each_setting() {
        let policy = parse_ok(
            "body common control {\n bundlesequence => { \"main\" };\n \
             linux::\n inputs => { \"lib.cf\" };\n}\n",
        );
        let body = &policy.bodies[0];
        assert_eq!(&*body.settings[0].context.expr, "any");
        assert_eq!(&*body.settings[1].context.expr, "linux");
    }

    // cf-agent switches namespace as it reads the attribute, so the
    // body that switches is in the namespace before it.
    #[test]
    fn file_control_switches_the_namespace_of_later_blocks() {
        let policy = parse_ok(
            "bundle agent a {}\nbody file control { namespace => \"n1\"; }\n\
             bundle agent b {}\nbody file control { any:: namespace => n2; }\n\
             body classes c {}\n",
        );
        let namespaces: Vec<&str> =
            policy.bundles.iter().map(|b| &*b.namespace).collect();
        assert_eq!(namespaces, ["default", "n1"]);
        let namespaces: Vec<&str> =
            policy.bodies.iter().map(|b| &*b.namespace).collect();
        assert_eq!(namespaces, ["default", "n1", "n2"]);
        assert_eq!(&*policy.bundles[1].scope(), "n1:b");
    }

    #[test]
    fn quoted_guards_keep_their_variables() {
        let policy =
            parse_ok("bundle agent m { reports: \"$(c)\"::\n \"x\"; }");
        let promise = &policy.bundles[0].sections[0].promises[0];
        assert_eq!(&*promise.context.expr, "$(c)");
    }

    // cf-promises: "Expected promise type, got 'reports: any::'".
    #[test]
    fn guard_on_the_promise_type_line_is_an_error() {
        let message = parse_err("bundle agent m { reports: any:: \"x\"; }");
        assert!(message.starts_with("t.cf:1:32: error:"), "{message}");
        parse_ok("bundle agent m { reports:\n any:: \"x\"; }");
    }

    #[test]
    fn comments_may_stand_anywhere() {
        parse_ok(
            "# head\nbundle # a\n agent main # b\n { # c\n vars: # d\n \
             \"x\" # e\n string # f\n => # g\n \"y\" # h\n ; # i\n }",
        );
    }

    #[test]
    fn missing_semicolon_is_located_and_named() {
        let text = "bundle agent main {\nvars:\n  \"x\" string => \"a\"\n  \"y\";\n}\n";
        let message = parse_err(text);
        assert!(message.starts_with("t.cf:4:3: error:"), "{message}");
        assert!(message.contains("expected ',' or ';'"), "{message}");
    }

    #[test]
    fn unfinished_call_says_what_may_follow() {
        let message =
            parse_err("bundle agent m { vars: \"x\" string => f(\"a\", ; }");
        assert!(message.contains("1:45"), "{message}");
        assert!(message.contains("a quoted string"), "{message}");
    }
}
