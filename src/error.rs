//! The one error type, the exit-code table and the renderer that shows an
//! error at its place in the source.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::ast::Span;

/// What went wrong, which decides the exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad command-line arguments.
    Usage,
    /// A file could not be read.
    Io,
    /// The policy is not valid CFEngine syntax.
    Parse,
    /// The policy parses but fails a check cf-promises makes.
    Check,
    /// The policy ran, but something in it failed.
    Eval,
    /// Not an error: something worth knowing that stops nothing, such
    /// as a call that only cfmini can run.
    Warning,
}

/// Exit codes, one per outcome.
pub mod exit {
    /// The policy ran and nothing failed.
    pub const SUCCESS: i32 = 0;
    /// The policy ran but something failed.
    pub const FAILED: i32 = 1;
    /// A usage or I/O error.
    pub const USAGE: i32 = 2;
    /// A parse or check error.
    pub const INVALID: i32 = 3;
}

impl ErrorKind {
    /// The exit code for an error of this kind.
    pub fn exit_code(self) -> i32 {
        match self {
            ErrorKind::Usage | ErrorKind::Io => exit::USAGE,
            ErrorKind::Parse | ErrorKind::Check => exit::INVALID,
            ErrorKind::Eval => exit::FAILED,
            ErrorKind::Warning => exit::SUCCESS,
        }
    }

    /// The word a rendered message starts with.
    fn label(self) -> &'static str {
        match self {
            ErrorKind::Warning => "warning",
            _ => "error",
        }
    }
}

/// An error with an optional place in a policy file.
#[derive(Clone, Debug)]
pub struct Error {
    /// What went wrong.
    pub kind: ErrorKind,
    /// A lower-case message, offending names quoted.
    pub message: String,
    /// The file and the span in it, when the error has a place.
    pub place: Option<(PathBuf, Span)>,
}

impl Error {
    /// An error with no place.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
            place: None,
        }
    }

    /// An error at `span` of `file`.
    pub fn at(
        kind: ErrorKind,
        message: impl Into<String>,
        file: &Path,
        span: Span,
    ) -> Error {
        Error {
            place: Some((file.to_path_buf(), span)),
            ..Error::new(kind, message)
        }
    }

    /// The error, placed at `file` and `span` when it has no place yet.
    pub fn or_at(mut self, file: &Path, span: Span) -> Error {
        if self.place.is_none() {
            self.place = Some((file.to_path_buf(), span));
        }
        self
    }

    /// The error text with its place: `file:line:col: error: message`,
    /// then the source line and a caret under the column.
    pub fn render(&self, source: Option<&str>) -> String {
        let label = self.kind.label();
        let Some((file, span)) = &self.place else {
            return format!("{label}: {}", self.message);
        };
        let Some(source) = source else {
            return format!("{}: {label}: {}", file.display(), self.message);
        };

        let (line, col, text) = locate(source, span.start);
        let (shown, caret_at) = excerpt(text, col - 1);
        let caret: String = shown
            .chars()
            .take(caret_at)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        format!(
            "{}:{line}:{col}: {label}: {}\n  {shown}\n  {caret}^",
            file.display(),
            self.message
        )
    }
}

/// How many characters of a source line an error shows at most.
const EXCERPT_WIDTH: usize = 100;

/// The part of `line` to show for a caret at character `at`, and the
/// caret's place in it: long lines are cut around the caret, with `...`
/// marking what was cut.
fn excerpt(line: &str, at: usize) -> (String, usize) {
    let count = line.chars().count();
    if count <= EXCERPT_WIDTH {
        return (line.to_string(), at);
    }
    let start = at.saturating_sub(EXCERPT_WIDTH / 2);
    let end = (start + EXCERPT_WIDTH).min(count);
    let middle: String = line.chars().skip(start).take(end - start).collect();
    let head = if start > 0 { "..." } else { "" };
    let tail = if end < count { "..." } else { "" };
    (format!("{head}{middle}{tail}"), at - start + head.len())
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(None))
    }
}

impl std::error::Error for Error {}

/// The 1-based line and column (in characters) of byte `offset`, and the
/// text of that line.
pub fn locate(source: &str, offset: usize) -> (usize, usize, &str) {
    let offset = floor_char_boundary(source, offset.min(source.len()));
    let line_start = source[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = source[offset..]
        .find('\n')
        .map_or(source.len(), |i| offset + i);

    let line = source[..line_start].matches('\n').count() + 1;
    let col = source[line_start..offset].chars().count() + 1;
    let text = source[line_start..line_end].trim_end_matches('\r');
    (line, col, text)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_cut_around_the_caret() {
        let line = format!("{}X{}", "a".repeat(500), "b".repeat(500));
        let (shown, at) = excerpt(&line, 500);
        assert!(shown.starts_with("...") && shown.ends_with("..."));
        assert_eq!(shown.chars().nth(at), Some('X'));
        assert_eq!(excerpt("short", 2), ("short".to_string(), 2));
    }

    #[test]
    fn tabs_keep_the_caret_under_its_column() {
        let error = Error::at(
            ErrorKind::Parse,
            "m",
            Path::new("f.cf"),
            Span { start: 2, end: 2 },
        );
        let shown = error.render(Some("\t\tx"));
        assert!(shown.ends_with("\n  \t\tx\n  \t\t^"), "{shown:?}");
    }
}
