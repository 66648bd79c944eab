//! A quick pass over policy text before the grammar runs, for what a
//! grammar reports badly: brackets nested so deep that parsing them
//! would exhaust the stack, NUL bytes, strings that never end, and
//! lines or strings so long that parsing them would take minutes.
//!
//! It knows only enough of the syntax to skip strings and comments, as
//! the grammar reads them.

use std::path::Path;

use crate::ast::Span;
use crate::error::{Error, ErrorKind};

/// How deep `(` and `{` may nest. Real policy nests a handful of levels;
/// the limit keeps the recursive grammar and evaluator far from the end
/// of the stack.
pub const MAX_BRACKET_DEPTH: usize = 256;

/// How long one line may be, in bytes. cf-agent reads a 5 MiB line,
/// taking most of a minute; the limit leaves room above that while
/// keeping a parse, and the memory it takes, to seconds and megabytes.
pub const MAX_LINE_BYTES: usize = 16 << 20;

/// How long one quoted string may be, in bytes, newlines included.
pub const MAX_STRING_BYTES: usize = 16 << 20;

/// Checks `text` for what the grammar should not be given.
pub fn scan(text: &str, file: &Path) -> Result<(), Error> {
    let bytes = text.as_bytes();
    let error = |at: usize, message: String| {
        let span = Span { start: at, end: at };
        Err(Error::at(ErrorKind::Parse, message, file, span))
    };

    if let Some(at) = long_line_start(bytes) {
        let message = format!("line longer than {MAX_LINE_BYTES} bytes");
        return error(at, message);
    }

    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            0 => return error(i, "NUL byte in policy text".into()),
            b'#' => i = line_end(bytes, i),
            quote @ (b'"' | b'\'' | b'`') => {
                let Some(end) = string_end(bytes, i, quote) else {
                    return error(i, "unterminated string".into());
                };
                if end - i - 1 > MAX_STRING_BYTES {
                    let message =
                        format!("string longer than {MAX_STRING_BYTES} bytes");
                    return error(i, message);
                }
                i = end;
            }
            b'(' | b'{' => {
                depth += 1;
                if depth > MAX_BRACKET_DEPTH {
                    let message = format!(
                        "brackets nest deeper than {MAX_BRACKET_DEPTH} levels"
                    );
                    return error(i, message);
                }
            }
            b')' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// The statement holding byte `at` of `text`, for skipping it after a
/// syntax error there: from the end of the `;`, block brace or section
/// header (`vars:`, `any::`) before `at`, to the end of the `;` after
/// it, or to the `}` that closes the block first. Braces of lists
/// (`{` after `=>`, `,`, `(` or `{`) belong to the statement. Strings
/// and comments are skipped as the grammar reads them.
pub fn statement_around(text: &str, at: usize) -> std::ops::Range<usize> {
    let bytes = text.as_bytes();
    // Whether each open brace opens a list.
    let mut open: Vec<bool> = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let in_list = open.last() == Some(&true);
        match bytes[i] {
            b'#' => i = line_end(bytes, i),
            quote @ (b'"' | b'\'' | b'`') => {
                match string_end(bytes, i, quote) {
                    Some(end) => i = end,
                    None => return start..bytes.len(),
                }
            }
            b'{' => {
                let list = opens_list(bytes, i);
                open.push(list);
                if !list && i < at {
                    start = i + 1;
                }
            }
            b'}' if !in_list && i >= at => return start..i,
            b'}' => {
                open.pop();
                if !in_list {
                    start = i + 1;
                }
            }
            b';' if !in_list && i >= at => return start..i + 1,
            b';' if !in_list => start = i + 1,
            b':' if !in_list && i < at && ends_header(bytes, i) => {
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    start..bytes.len()
}

/// Whether the `{` at `i` opens a list rather than a block: the last
/// byte before it, white space aside, is `>` of `=>`, `,`, `(` or `{`.
fn opens_list(bytes: &[u8], i: usize) -> bool {
    let before = bytes[..i].iter().rev().find(|b| !b.is_ascii_whitespace());
    matches!(before, Some(b'>' | b',' | b'(' | b'{'))
}

/// Whether the colon at `i` ends a section header or a class guard: a
/// name or `:` before it and white space after it.
fn ends_header(bytes: &[u8], i: usize) -> bool {
    let before = i.checked_sub(1).map(|j| bytes[j]);
    let after = bytes.get(i + 1);
    before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b':')
        && after.is_none_or(|b| b.is_ascii_whitespace())
}

/// Where the first line longer than [`MAX_LINE_BYTES`] starts.
fn long_line_start(bytes: &[u8]) -> Option<usize> {
    let mut start = 0;
    for line in bytes.split(|&b| b == b'\n') {
        if line.len() > MAX_LINE_BYTES {
            return Some(start);
        }
        start += line.len() + 1;
    }
    None
}

/// The index of the newline ending the comment at `start`.
fn line_end(bytes: &[u8], start: usize) -> usize {
    let rest = &bytes[start..];
    start + rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len())
}

/// The index of the quote closing the string opened at `start`; `None`
/// when the text ends first. Backquoted strings have no escapes.
fn string_end(bytes: &[u8], start: usize, quote: u8) -> Option<usize> {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote != b'`' => i += 2,
            b if b == quote => return Some(i),
            0 => return None,
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(text: &str) -> String {
        match scan(text, Path::new("t.cf")) {
            Ok(()) => String::new(),
            Err(e) => e.render(Some(text)),
        }
    }

    #[test]
    fn deep_brackets_are_refused_where_they_pass_the_limit() {
        let deep = "f(".repeat(MAX_BRACKET_DEPTH + 1);
        let shown = message(&deep);
        assert!(shown.contains("nest deeper than 256"), "{shown}");
        assert!(message(&"f(".repeat(MAX_BRACKET_DEPTH)).is_empty());
    }

    #[test]
    fn brackets_in_strings_and_comments_do_not_count() {
        let text = format!("\"{}\" # {}\n", "(".repeat(1000), "{".repeat(1000));
        assert!(message(&text).is_empty());
    }

    #[test]
    fn unterminated_strings_point_at_their_quote() {
        let shown = message("x => \"a\";\ny => \"hello;\n}\n");
        assert!(shown.starts_with("t.cf:2:6: error: unterminated string"));
        assert!(message("'it\\'s'").is_empty());
    }

    #[test]
    fn long_lines_are_refused_at_their_start() {
        let long = format!("x\n{}\n", "a".repeat(MAX_LINE_BYTES + 1));
        let shown = message(&long);
        assert!(
            shown.starts_with("t.cf:2:1: error: line longer than 16777216"),
            "{}",
            &shown[..80]
        );
        let longest = format!("x\n{}\n", "a".repeat(MAX_LINE_BYTES));
        assert!(message(&longest).is_empty());
    }

    #[test]
    fn long_strings_are_refused_at_their_quote() {
        // Short lines, so that only the string's length counts.
        let body = "a\n".repeat(MAX_STRING_BYTES / 2 + 1);
        let shown = message(&format!("x => \"{body}\";"));
        assert!(
            shown.starts_with("t.cf:1:6: error: string longer than 16777216"),
            "{}",
            &shown[..80]
        );
        let longest = "a\n".repeat(MAX_STRING_BYTES / 2);
        assert!(message(&format!("x => '{longest}';")).is_empty());
    }

    #[test]
    fn statements_run_from_the_last_delimiter_to_the_next_semicolon() {
        let text =
            "bundle agent m {\nvars:\n \"x\" string => \"a;\"\n \"y\";\n}";
        let at = text.find("\"y").unwrap();
        let range = statement_around(text, at);
        assert_eq!(&text[range], "\n \"x\" string => \"a;\"\n \"y\";");
        // A guard ends where the statement begins; `}` ends it.
        let text = "{ any:: \"x\" => }";
        let range = statement_around(text, text.find("=>").unwrap());
        assert_eq!(&text[range], " \"x\" => ");
        // A list's braces are part of the statement.
        let text = "{ a => { \"b\" } c; d => { }; }";
        let range = statement_around(text, text.find('c').unwrap());
        assert_eq!(&text[range], " a => { \"b\" } c;");
        let range = statement_around(text, text.find('d').unwrap());
        assert_eq!(&text[range], " d => { };");
    }

    #[test]
    fn nul_bytes_are_refused() {
        assert!(message("a\0b").contains("1:2: error: NUL byte"));
    }
}
