//! Mustache templates rendered with a data container, as cf-agent's
//! `string_mustache()` renders them.
//!
//! The standard tags work: `{{x}}` (HTML-escaped: `&`, `<`, `>` and
//! `"`), `{{{x}}}` and `{{&x}}` (raw), sections `{{#x}}`, inverted
//! sections `{{^x}}`, comments, `{{=<% %>=}}` delimiters, dotted names
//! and `{{.}}`; tags alone on their line take the line with them.
//! cf-agent adds `{{$x}}` (compact JSON), `{{%x}}` (indented JSON) and
//! `{{@}}`, the key or position being iterated over. Partials
//! (`{{>x}}`) render nothing.
//!
//! Where cf-agent departs from the specification, this follows it:
//!
//! - a section over an object renders once with the object as context,
//!   unless `{{@}}` appears in it before any nested section: then it
//!   renders once per pair, `{{.}}` the value and `{{@}}` the key;
//! - a section or inverted section over a string, a number or null is
//!   an error, and an empty object counts as true;
//! - a closing tag closes the innermost open section, whatever it
//!   names, and a section named `.` finds nothing;
//! - the character right after the opening delimiter decides the kind
//!   of tag, so `{{ $x }}` names a variable `$x`;
//! - a real prints with two decimals, and `{{.}}` or `{{x}}` of a
//!   container is an error.

use crate::json;
use crate::value::Data;

/// One piece of a parsed template.
enum Node {
    Text(String),
    Variable(Kind, String),
    Section {
        name: String,
        inverted: bool,
        iterates_keys: bool,
        body: Vec<Node>,
    },
}

/// How a variable tag prints its value.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Escaped,
    Raw,
    Json,
    PrettyJson,
}

/// Renders `template` with `data` as the outermost context.
pub fn render(template: &str, data: &Data) -> Result<String, String> {
    let tokens = tokenize(template)?;
    let nodes = build(tokens)?;
    let mut out = String::new();
    let mut context = Context {
        stack: vec![data],
        keys: Vec::new(),
    };
    render_nodes(&nodes, &mut context, &mut out)?;
    Ok(out)
}

/// A tag or a run of text, before sections are nested.
enum Token {
    Text(String),
    Variable(Kind, String),
    Open(String, bool),
    Close,
    /// A comment, partial or delimiter change: it renders nothing.
    Silent,
}

impl Token {
    /// Whether the tag may stand alone on a line and take it along.
    fn is_standalone_kind(&self) -> bool {
        matches!(self, Token::Open(..) | Token::Close | Token::Silent)
    }
}

fn tokenize(template: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let (mut open, mut close) = ("{{".to_string(), "}}".to_string());
    let mut rest = template;
    while let Some(at) = rest.find(&open) {
        push_text(&mut tokens, &rest[..at]);
        let tag_start = &rest[at + open.len()..];
        let (token, after) = read_tag(tag_start, &close, rest)?;
        if let Some((new_open, new_close)) = delimiters(&token, tag_start) {
            (open, close) = (new_open, new_close);
        }
        tokens.push(token);
        rest = after;
    }
    push_text(&mut tokens, rest);
    Ok(strip_standalone(tokens))
}

fn push_text(tokens: &mut Vec<Token>, text: &str) {
    if !text.is_empty() {
        tokens.push(Token::Text(text.to_string()));
    }
}

/// Reads one tag from just after its opening delimiter: the token and
/// the text after the closing one.
fn read_tag<'t>(
    text: &'t str,
    close: &str,
    whole: &str,
) -> Result<(Token, &'t str), String> {
    let kind = text.chars().next().unwrap_or(' ');
    let end_mark = match kind {
        '{' => format!("}}{close}"),
        '=' => format!("={close}"),
        _ => close.to_string(),
    };
    let Some(end) = text[kind.len_utf8().min(text.len())..].find(&end_mark)
    else {
        let shown: String = whole.chars().take(30).collect();
        return Err(format!(
            "mustache template has a tag without its end delimiter at \
             '{shown}'"
        ));
    };
    let end = end + kind.len_utf8().min(text.len());
    let inner = &text[..end];
    let after = &text[end + end_mark.len()..];
    let name = |skip: usize| inner[skip..].trim().to_string();
    let token = match kind {
        '!' | '>' | '=' => Token::Silent,
        '#' => Token::Open(name(1), false),
        '^' => Token::Open(name(1), true),
        '/' => Token::Close,
        '{' => Token::Variable(Kind::Raw, name(1)),
        '&' => Token::Variable(Kind::Raw, name(1)),
        '$' => Token::Variable(Kind::Json, name(1)),
        '%' => Token::Variable(Kind::PrettyJson, name(1)),
        _ => Token::Variable(Kind::Escaped, name(0)),
    };
    Ok((token, after))
}

/// The new delimiters a `{{=<% %>=}}` tag sets.
fn delimiters(token: &Token, tag: &str) -> Option<(String, String)> {
    if !matches!(token, Token::Silent) || !tag.starts_with('=') {
        return None;
    }
    let inner = tag[1..].split('=').next()?;
    let mut parts = inner.split_whitespace();
    let (open, close) = (parts.next()?, parts.next()?);
    Some((open.to_string(), close.to_string()))
}

/// Drops the blanks and the line end around each tag that stands
/// alone on its line.
fn strip_standalone(tokens: Vec<Token>) -> Vec<Token> {
    let mut tokens: Vec<Option<Token>> = tokens.into_iter().map(Some).collect();
    for i in 0..tokens.len() {
        let standalone =
            tokens[i].as_ref().is_some_and(Token::is_standalone_kind);
        if standalone && alone_on_line(&tokens, i) {
            trim_line(&mut tokens, i);
        }
    }
    tokens.into_iter().flatten().collect()
}

fn text_of(token: &Option<Token>) -> Option<&str> {
    match token {
        Some(Token::Text(text)) => Some(text),
        _ => None,
    }
}

/// Whether only blanks stand between the tag at `i` and the line ends
/// (or the template's ends) on both sides.
fn alone_on_line(tokens: &[Option<Token>], i: usize) -> bool {
    let before = match i.checked_sub(1).map(|p| &tokens[p]) {
        None => Some(""),
        Some(token) => text_of(token),
    };
    let after = match tokens.get(i + 1) {
        None => Some(""),
        Some(token) => text_of(token),
    };
    let (Some(before), Some(after)) = (before, after) else {
        return false;
    };
    let line_start = before.rsplit('\n').next().unwrap_or("");
    let starts_line = before.contains('\n') || i <= 1;
    let line_end = after.split('\n').next().unwrap_or("");
    let ends_line = after.contains('\n') || i + 2 >= tokens.len();
    starts_line
        && ends_line
        && is_blank(line_start)
        && is_blank(line_end.trim_end_matches('\r'))
}

fn is_blank(text: &str) -> bool {
    text.chars().all(|c| c == ' ' || c == '\t')
}

fn trim_line(tokens: &mut [Option<Token>], i: usize) {
    if let Some(Some(Token::Text(before))) =
        i.checked_sub(1).map(|p| &mut tokens[p])
    {
        let keep = before.rfind('\n').map_or(0, |n| n + 1);
        before.truncate(keep);
    }
    if let Some(Some(Token::Text(after))) = tokens.get_mut(i + 1) {
        let cut = after.find('\n').map_or(after.len(), |n| n + 1);
        after.drain(..cut);
    }
}

/// Nests sections; a closing tag closes the innermost open section.
fn build(tokens: Vec<Token>) -> Result<Vec<Node>, String> {
    let mut open: Vec<(String, bool, Vec<Node>)> = Vec::new();
    let mut current: Vec<Node> = Vec::new();
    for token in tokens {
        match token {
            Token::Text(text) => current.push(Node::Text(text)),
            Token::Variable(kind, name) => {
                current.push(Node::Variable(kind, name))
            }
            Token::Open(name, inverted) => {
                open.push((name, inverted, std::mem::take(&mut current)));
            }
            Token::Close => {
                let Some((name, inverted, outer)) = open.pop() else {
                    return Err(
                        "mustache template closes a section it never opened"
                            .to_string(),
                    );
                };
                let body = std::mem::replace(&mut current, outer);
                let iterates_keys = names_key_first(&body);
                current.push(Node::Section {
                    name,
                    inverted,
                    iterates_keys,
                    body,
                });
            }
            Token::Silent => {}
        }
    }
    match open.pop() {
        Some((name, ..)) => {
            Err(format!("mustache template ends inside section '{name}'"))
        }
        None => Ok(current),
    }
}

/// Whether `{{@}}` comes in the body before any nested section.
fn names_key_first(body: &[Node]) -> bool {
    for node in body {
        match node {
            Node::Variable(_, name) if name == "@" => return true,
            Node::Section { .. } => return false,
            _ => {}
        }
    }
    false
}

/// The key that names the whole container, whatever the context.
const TOP: &str = "-top-";

/// The contexts a name is looked up in, innermost last, and the keys
/// or positions being iterated over.
struct Context<'d> {
    stack: Vec<&'d Data>,
    keys: Vec<String>,
}

impl<'d> Context<'d> {
    /// The value a tag names; `None` when nothing by that name exists.
    fn lookup(&self, name: &str) -> Option<&'d Data> {
        if name == "." {
            return self.stack.last().copied();
        }
        // cf-agent's name for the whole container the template renders.
        if name == TOP {
            return self.stack.first().copied();
        }
        let mut parts = name.split('.');
        let first = parts.next()?;
        let mut found = self
            .stack
            .iter()
            .rev()
            .find_map(|context| object_field(context, first))?;
        for part in parts {
            found = object_field(found, part)?;
        }
        Some(found)
    }
}

fn object_field<'d>(data: &'d Data, key: &str) -> Option<&'d Data> {
    match data {
        Data::Object(object) => object.get(key),
        _ => None,
    }
}

fn render_nodes<'d>(
    nodes: &'d [Node],
    context: &mut Context<'d>,
    out: &mut String,
) -> Result<(), String> {
    for node in nodes {
        match node {
            Node::Text(text) => out.push_str(text),
            Node::Variable(kind, name) => {
                out.push_str(&variable(context, *kind, name)?)
            }
            Node::Section {
                name,
                inverted,
                iterates_keys,
                body,
            } => {
                // cf-agent finds nothing for a section named `.`.
                let value = match name.as_str() {
                    "." => None,
                    name => context.lookup(name),
                };
                let section = Section {
                    name,
                    body,
                    iterates_keys: *iterates_keys,
                };
                match inverted {
                    true => inverted_section(&section, value, context, out)?,
                    false => section.render(value, context, out)?,
                }
            }
        }
    }
    Ok(())
}

fn variable(
    context: &Context,
    kind: Kind,
    name: &str,
) -> Result<String, String> {
    if name == "@" {
        return context.keys.last().cloned().ok_or_else(|| {
            "mustache tag {{@}} is used where nothing is iterated over"
                .to_string()
        });
    }
    let Some(value) = context.lookup(name) else {
        return Ok(String::new());
    };
    match (kind, value) {
        (Kind::Json, d) if d.is_container() => Ok(json::to_compact(d)),
        (Kind::PrettyJson, d) if d.is_container() => Ok(json::to_pretty(d)),
        (_, d) if d.is_container() => Err(format!(
            "mustache tag '{name}' names a container; use {{{{${name}}}}} \
             or {{{{%{name}}}}} to print it as JSON"
        )),
        (Kind::Escaped, d) => Ok(escape_html(&scalar(d))),
        (_, d) => Ok(scalar(d)),
    }
}

/// A primitive as a tag prints it: reals with two decimals, null as
/// nothing.
fn scalar(data: &Data) -> String {
    data.scalar_text()
        .map(|s| s.to_string())
        .unwrap_or_default()
}

fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// A section about to render.
struct Section<'d> {
    name: &'d str,
    body: &'d [Node],
    iterates_keys: bool,
}

impl<'d> Section<'d> {
    fn render(
        &self,
        value: Option<&'d Data>,
        context: &mut Context<'d>,
        out: &mut String,
    ) -> Result<(), String> {
        match value {
            None | Some(Data::Bool(false)) => Ok(()),
            // `{{.}}` inside a true section is `true`, as in cf-agent.
            Some(value @ Data::Bool(true)) => {
                context.stack.push(value);
                let result = render_nodes(self.body, context, out);
                context.stack.pop();
                result
            }
            Some(Data::Array(items)) => {
                let children = items.iter().enumerate();
                let children = children.map(|(i, item)| (i.to_string(), item));
                self.each(children, context, out)
            }
            Some(object @ Data::Object(pairs)) if self.iterates_keys => {
                context.stack.push(object);
                let children = pairs.iter().map(|(k, v)| (k.to_string(), v));
                let result = self.each(children, context, out);
                context.stack.pop();
                result
            }
            Some(object @ Data::Object(_)) => {
                context.stack.push(object);
                let result = render_nodes(self.body, context, out);
                context.stack.pop();
                result
            }
            Some(_) => Err(not_a_section(self.name)),
        }
    }

    /// Renders the body once per child, each pushed with its key.
    fn each(
        &self,
        children: impl Iterator<Item = (String, &'d Data)>,
        context: &mut Context<'d>,
        out: &mut String,
    ) -> Result<(), String> {
        for (key, child) in children {
            context.stack.push(child);
            context.keys.push(key);
            let result = render_nodes(self.body, context, out);
            context.keys.pop();
            context.stack.pop();
            result?;
        }
        Ok(())
    }
}

fn inverted_section<'d>(
    section: &Section<'d>,
    value: Option<&'d Data>,
    context: &mut Context<'d>,
    out: &mut String,
) -> Result<(), String> {
    let empty = match value {
        None | Some(Data::Bool(false)) => true,
        Some(Data::Array(items)) => items.is_empty(),
        Some(Data::Bool(true)) | Some(Data::Object(_)) => false,
        Some(_) => return Err(not_a_section(section.name)),
    };
    match empty {
        true => render_nodes(section.body, context, out),
        false => Ok(()),
    }
}

fn not_a_section(name: &str) -> String {
    format!("mustache section '{name}' needs a boolean, an array or an object")
}

#[cfg(test)]
mod tests {
    use super::render;
    use crate::json;

    fn data() -> crate::value::Data {
        json::parse(
            r#"{"name": "x<y>&z", "n": 3, "r": 1.5, "t": true, "f": false,
                "z": null, "e": [], "eo": {}, "l": ["a", "b"],
                "o": {"k": "v", "k2": [1, 2]}, "o2": {"a": "x", "b": "y"},
                "objs": [{"a": 1}, {"a": 2}], "s": ""}"#,
        )
        .unwrap()
    }

    fn show(template: &str) -> String {
        render(template, &data()).unwrap_or_else(|_| "ERR".to_string())
    }

    // Each as cf-agent rendered it.
    #[test]
    fn variables() {
        assert_eq!(
            show("[{{name}}] [{{{name}}}] [{{&name}}] [{{n}}] [{{r}}]"),
            "[x&lt;y&gt;&amp;z] [x<y>&z] [x<y>&z] [3] [1.50]"
        );
        assert_eq!(
            show("[{{t}}] [{{f}}] [{{z}}] [{{nosuch}}]"),
            "[true] [false] [] []"
        );
        assert_eq!(
            show("{{$o}}|{{$l}}|{{$n}}|{{$name}}"),
            r#"{"k":"v","k2":[1,2]}|["a","b"]|3|x<y>&z"#
        );
        assert_eq!(show("{{%l}}"), "[\n  \"a\",\n  \"b\"\n]");
        assert_eq!(
            show("{{ name }}|{{ $n }}|{{o.k}}|{{l.0}}"),
            "x&lt;y&gt;&amp;z||v|"
        );
        assert_eq!(show("{{l}}"), "ERR");
        assert_eq!(show("{{@}}"), "ERR");
    }

    #[test]
    fn sections() {
        assert_eq!(
            show(
                "{{#l}}<{{.}}>{{/l}}|{{#t}}T{{/t}}|{{#f}}F{{/f}}|{{^f}}notF{{/f}}|{{#e}}E{{/e}}|{{^e}}noE{{/e}}"
            ),
            "<a><b>|T||notF||noE"
        );
        assert_eq!(
            show("{{#o}}{{k}}{{/o}}|{{#objs}}{{a}},{{/objs}}"),
            "v|1,2,"
        );
        assert_eq!(show("{{#eo}}EO{{/eo}}|{{^eo}}noEO{{/eo}}"), "EO|");
        assert_eq!(show("{{#o}}{{#k2}}{{.}}{{k}}{{/k2}}{{/o}}"), "1v2v");
        assert_eq!(show("{{#l}}({{#.}}{{.}}{{/.}}){{/l}}"), "()()");
        assert_eq!(show("{{#n}}x{{/n}}"), "ERR");
        assert_eq!(show("{{^z}}x{{/z}}"), "ERR");
        assert_eq!(
            show("[{{#nosuch}}x{{/nosuch}}][{{^nosuch}}y{{/nosuch}}]"),
            "[][y]"
        );
    }

    #[test]
    fn keys_iterate_objects_when_named_first() {
        assert_eq!(show("{{#o2}}[{{a}}]{{/o2}}"), "[x]");
        assert_eq!(show("{{#o2}}[{{@}}:{{a}}]{{/o2}}"), "[a:x][b:x]");
        assert_eq!(show("{{#o2}}[{{@}}={{.}}]{{/o2}}"), "[a=x][b=y]");
        assert_eq!(show("{{#o2}}{{a}}{{@}}{{/o2}}"), "xaxb");
        assert_eq!(show("{{#o2}}{{@}}{{#t}}x{{/t}}{{/o2}}"), "axbx");
        assert_eq!(show("{{#o2}}{{#t}}x{{/t}}{{@}}{{/o2}}"), "ERR");
        assert_eq!(
            show("{{#l}}{{@}}{{/l}}|{{#o}}{{#k2}}{{@}}{{/k2}}{{/o}}"),
            "01|01"
        );
        assert_eq!(show("{{#eo}}[{{@}}]{{/eo}}"), "");
    }

    #[test]
    fn template_syntax() {
        assert_eq!(
            show("{{! comment }}a{{=<% %>=}}<%name%>{{name}}<%={{ }}=%>{{n}}"),
            "ax&lt;y&gt;&amp;z{{name}}3"
        );
        assert_eq!(show("  {{#l}}  \nx{{.}}\n  {{/l}}  \nend"), "xa\nxb\nend");
        assert_eq!(show("{{>part}}"), "");
        assert_eq!(show("{{#l}}"), "ERR");
        assert_eq!(show("{{/l}}"), "ERR");
        assert_eq!(show("{{#l}}{{/o}}"), "");
        assert_eq!(show("{{name"), "ERR");
    }
}
