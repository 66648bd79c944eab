//! When a line typed at the REPL ends an input and when the input goes
//! on to the next line.
//!
//! The test is lexical, not a parse: brackets of all three kinds must
//! be closed outside strings and comments, and the text must end where
//! a promise or a block ends (`;` or `}`), or be a single value such as
//! `canonify("a b")`, which needs no `;`. Anything else waits for more.
//! An input that opens with a promise type alone on its line, such as
//! `reports:`, is a section that may hold several promises: it goes on
//! until an empty line. An empty line ends any input whatever it holds,
//! so that a user stuck in an unclosed string can get out and see the
//! parser's message.

/// Whether `text` is a whole input, ready to evaluate.
pub fn is_complete(text: &str) -> bool {
    if opens_section(text) {
        return false;
    }
    let scan = scan(text);
    if scan.depth > 0 || scan.in_string {
        return false;
    }
    let code = scan.last_code;
    code == Some(';') || code == Some('}') || is_value(text) || is_word(text)
}

/// Whether `text` is a lone word that is not the start of a block, such
/// as `x` typed for its value: complete at once, so that the user hears
/// at once what a value must look like.
fn is_word(text: &str) -> bool {
    let keyword = matches!(text.trim(), "bundle" | "body" | "promise");
    crate::snippet::is_bare_word(text) && !keyword
}

/// Whether the first line of `text` that is not blank or a comment is
/// a promise type alone, `reports:`.
fn opens_section(text: &str) -> bool {
    let first = text
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty() && !line.starts_with('#'));
    let Some(name) = first.and_then(|line| line.strip_suffix(':')) else {
        return false;
    };
    !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether `text` holds nothing but white space and comments.
pub fn is_blank(text: &str) -> bool {
    scan(text).last_code.is_none()
}

/// What a scan of the text found.
struct Scan {
    /// Brackets opened and not closed; negative when more were closed.
    depth: i64,
    /// Whether the text ends inside a quoted string.
    in_string: bool,
    /// The last character outside strings and comments that is not
    /// white space.
    last_code: Option<char>,
}

fn scan(text: &str) -> Scan {
    let mut scan = Scan {
        depth: 0,
        in_string: false,
        last_code: None,
    };
    let mut quote = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if let Some(open) = quote {
            // A backslash keeps the next character inside the string.
            if c == '\\' {
                chars.next();
            } else if c == open {
                quote = None;
                scan.last_code = Some(c);
            }
            continue;
        }
        match c {
            '"' | '\'' | '`' => quote = Some(c),
            '#' => {
                // A comment runs to the end of its line.
                for rest in chars.by_ref() {
                    if rest == '\n' {
                        break;
                    }
                }
                continue;
            }
            '(' | '{' | '[' => scan.depth += 1,
            ')' | '}' | ']' => scan.depth -= 1,
            _ => {}
        }
        if !c.is_whitespace() {
            scan.last_code = Some(c);
        }
    }
    scan.in_string = quote.is_some();
    scan
}

/// Whether `text` reads as one value: a call `name(...)` or a
/// reference `$(...)`, `${...}` or `@(...)`, closed at the end.
fn is_value(text: &str) -> bool {
    let text = text.trim();
    let closed = text.ends_with(')') || text.ends_with('}');
    let reference = ["$(", "${", "@("].iter().any(|p| text.starts_with(p));
    let call = text
        .split_once('(')
        .is_some_and(|(name, _)| is_function_name(name.trim_end()));
    closed && (reference || call)
}

fn is_function_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn promises_end_with_a_semicolon() {
        assert!(is_complete(r#""x" string => "1";"#));
        assert!(!is_complete(r#""x" string => "1""#));
        assert!(is_complete("reports: \"hi\";"));
    }

    #[test]
    fn blocks_end_when_their_braces_close() {
        assert!(!is_complete("bundle agent b {"));
        assert!(!is_complete("bundle agent b {\n reports: \"}\";"));
        assert!(is_complete("bundle agent b {\n reports: \"}\";\n}"));
    }

    #[test]
    fn values_need_no_semicolon() {
        assert!(is_complete(r#"canonify("a b")"#));
        assert!(is_complete("$(sys.arch)"));
        assert!(!is_complete(r#"canonify("a b""#));
        assert!(!is_complete(r#"splitstring("a,b", ","#));
    }

    #[test]
    fn a_section_alone_on_its_line_waits_for_an_empty_line() {
        assert!(!is_complete("reports:\n  \"a\";\n"));
        assert!(!is_complete("# note\nreports:\n  any::\n  \"a\";\n"));
        assert!(is_complete("reports: \"a\";\n"));
    }

    #[test]
    fn a_lone_word_is_complete_unless_it_opens_a_block() {
        assert!(is_complete("sys.arch\n"));
        assert!(!is_complete("bundle\n"));
    }

    #[test]
    fn comments_alone_are_blank() {
        assert!(is_blank("  # a note\n\t\n"));
        assert!(!is_blank("# a note\n\"x\" string => \"1\";"));
    }

    #[test]
    fn strings_and_comments_hide_brackets() {
        assert!(!is_complete(r#""x" string => "a;"#));
        assert!(is_complete("\"x\" string => \"\\\"(\"; # {"));
        assert!(is_complete(r#""x" string => '{';"#));
    }
}
