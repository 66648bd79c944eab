//! A quick pass over policy text before the grammar runs, for what a
//! grammar reports badly: brackets nested so deep that parsing them
//! would exhaust the stack, NUL bytes, and strings that never end.
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

/// Checks `text` for what the grammar should not be given.
pub fn scan(text: &str, file: &Path) -> Result<(), Error> {
    let bytes = text.as_bytes();
    let error = |at: usize, message: String| {
        let span = Span { start: at, end: at };
        Err(Error::at(ErrorKind::Parse, message, file, span))
    };

    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            0 => return error(i, "NUL byte in policy text".into()),
            b'#' => i = line_end(bytes, i),
            quote @ (b'"' | b'\'' | b'`') => {
                match string_end(bytes, i, quote) {
                    Some(end) => i = end,
                    None => return error(i, "unterminated string".into()),
                }
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
    fn nul_bytes_are_refused() {
        assert!(message("a\0b").contains("1:2: error: NUL byte"));
    }
}
