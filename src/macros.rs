//! `@if` / `@else` / `@endif` regions, resolved before parsing.
//!
//! cf-agent drops the lines of a region whose condition does not hold for
//! its own version. cfmini answers for version [`CF_VERSION`] and blanks
//! dropped lines rather than deleting them, so every byte offset the
//! grammar reports still points into the original text.

use std::path::Path;

use crate::ast::Span;
use crate::error::{Error, ErrorKind};
use crate::system::FEATURES;

/// The cf-agent version whose answers cfmini reproduces.
pub const CF_VERSION: [u32; 3] = [3, 21, 0];

/// The text with dropped `@if` regions and all macro lines blanked.
pub fn strip(source: &str, file: &Path) -> Result<String, Error> {
    if !source.contains('@') {
        return Ok(source.to_string());
    }

    let mut out = String::with_capacity(source.len());
    let mut open: Option<(bool, Span)> = None;
    let mut offset = 0;
    for line in source.split_inclusive('\n') {
        let at = Span {
            start: offset,
            end: offset + line.len(),
        };
        offset += line.len();
        let keep = match_line(line, &mut open, file, at)?;
        if keep {
            out.push_str(line);
        } else {
            out.extend(line.chars().map(|c| if c == '\n' { c } else { ' ' }));
        }
    }

    match open {
        Some((_, at)) => Err(Error::at(
            ErrorKind::Parse,
            "'@if' without '@endif'",
            file,
            at,
        )),
        None => Ok(out),
    }
}

/// Updates the open region for one line; says whether to keep the line.
fn match_line(
    line: &str,
    open: &mut Option<(bool, Span)>,
    file: &Path,
    at: Span,
) -> Result<bool, Error> {
    let error = |message: &str| Error::at(ErrorKind::Parse, message, file, at);
    let words = line.split('#').next().unwrap_or("").trim();
    let keyword = words.split_whitespace().next().unwrap_or("");
    if !matches!(keyword, "@if" | "@else" | "@endif") {
        return Ok(open.is_none_or(|(holds, _)| holds));
    }
    if line.starts_with(char::is_whitespace) {
        let message = format!("'{keyword}' must start its line");
        return Err(error(&message));
    }
    if let Some(condition) = words.strip_prefix("@if") {
        if open.is_some() {
            return Err(error("nested '@if' is not allowed"));
        }
        let holds = condition_holds(condition.trim()).map_err(|m| error(&m))?;
        *open = Some((holds, at));
        return Ok(false);
    }
    if keyword == "@else" {
        let Some((holds, start)) = *open else {
            return Err(error("'@else' without '@if'"));
        };
        *open = Some((!holds, start));
        return Ok(false);
    }
    if open.take().is_none() {
        return Err(error("'@endif' without '@if'"));
    }
    Ok(false)
}

/// Evaluates `minimum_version(3.18)` and its kin for [`CF_VERSION`].
fn condition_holds(condition: &str) -> Result<bool, String> {
    let unknown = || format!("unknown '@if' condition '{condition}'");
    let (name, rest) = condition.split_once('(').ok_or_else(unknown)?;
    let args = rest.strip_suffix(')').ok_or_else(unknown)?;
    let args: Vec<&str> = args.split(',').map(str::trim).collect();

    let version = |i: usize| -> Result<[u32; 3], String> {
        args.get(i)
            .and_then(|a| parse_version(a))
            .ok_or_else(unknown)
    };
    let cmp = |i: usize| version(i).map(|v| compare(CF_VERSION, v));
    use std::cmp::Ordering::*;
    match name.trim() {
        "minimum_version" => Ok(cmp(0)? != Less),
        "maximum_version" => Ok(cmp(0)? != Greater),
        "before_version" => Ok(cmp(0)? == Less),
        "after_version" => Ok(cmp(0)? == Greater),
        "at_version" => Ok(cmp(0)? == Equal),
        "between_versions" => Ok(cmp(0)? != Less && cmp(1)? != Greater),
        "feature" => Ok(has_feature(args.first().copied().unwrap_or(""))),
        _ => Err(unknown()),
    }
}

/// Whether cf-agent announces `feature` (`xml`, `tls_1_3`, or a prefix
/// of one such as `tls`).
fn has_feature(feature: &str) -> bool {
    let feature = feature.trim_matches('"');
    FEATURES.iter().any(|leaf| {
        *leaf == feature
            || leaf
                .strip_prefix(feature)
                .is_some_and(|r| r.starts_with('_'))
    })
}

/// `3.18` or `3.18.2`; missing parts are wildcards, read as equal.
fn parse_version(text: &str) -> Option<[u32; 3]> {
    let mut parts = [u32::MAX; 3];
    for (slot, piece) in parts.iter_mut().zip(text.split('.')) {
        *slot = piece.parse().ok()?;
    }
    (parts[0] != u32::MAX).then_some(parts)
}

fn compare(ours: [u32; 3], theirs: [u32; 3]) -> std::cmp::Ordering {
    for (a, b) in ours.into_iter().zip(theirs) {
        if b == u32::MAX {
            break;
        }
        if a != b {
            return a.cmp(&b);
        }
    }
    std::cmp::Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(text: &str) -> String {
        let out = strip(text, Path::new("t.cf")).unwrap();
        assert_eq!(out.len(), text.len(), "offsets must not move");
        out.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn regions_hold_for_this_version() {
        let text = "@if minimum_version(3.18)\nnew\n@else\nold\n@endif\n";
        assert_eq!(kept(text), "new");
        let text = "@if minimum_version(3.22)\nnew\n@else\nold\n@endif\n";
        assert_eq!(kept(text), "old");
        assert_eq!(kept("@if at_version(3.21)\nyes\n@endif\n"), "yes");
        assert_eq!(kept("@if before_version(3.21.1)\nyes\n@endif\n"), "yes");
        let text = "@if between_versions(3.20, 3.22)\nyes\n@endif\n";
        assert_eq!(kept(text), "yes");
        assert_eq!(kept("@if feature(xml)\nyes\n@endif\n"), "yes");
        assert_eq!(kept("@if feature(tls)\nyes\n@endif\n"), "yes");
        assert_eq!(kept("@if feature(nonsense)\nyes\n@endif\n"), "");
    }

    // cf-agent reads a comment after a macro, and refuses a macro that
    // does not start its line.
    #[test]
    fn macro_lines_may_end_in_comments_but_not_start_indented() {
        let text =
            "@if minimum_version(3.0) # new\nyes\n@else # old\nno\n@endif\n";
        assert_eq!(kept(text), "yes");
        let indented = "  @if minimum_version(3.0)\nyes\n@endif\n";
        assert!(strip(indented, Path::new("t.cf")).is_err());
    }

    #[test]
    fn unbalanced_regions_are_errors() {
        let path = Path::new("t.cf");
        assert!(strip("@if minimum_version(3.1)\nx\n", path).is_err());
        assert!(strip("@endif\n", path).is_err());
        assert!(strip("@if nonsense\n@endif\n", path).is_err());
    }
}
