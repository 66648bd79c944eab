//! Regular expressions with the semantics cf-agent gives them: PCRE,
//! matching bytes (no UTF mode, so `.` matches one byte of `é`), with
//! `^` and `$` matching at every line and `.` matching a newline.
//!
//! Every builtin compiles its patterns through [`compile`] (cf-agent's
//! default options) or [`compile_with`] (explicit ones, as
//! `regex_replace` takes them), which keep compiled patterns in a
//! per-thread cache, and reports a bad pattern as an error naming it.
//!
//! cf-agent anchors some functions' patterns at both ends and not
//! others. Anchoring is not `^(?:...)$`: cf-agent takes the first
//! match PCRE finds and checks that it spans the whole text, so
//! `a|abc` does not match `abc` in an anchored function, because `a`
//! is found first. [`Regex::is_full_match`] does exactly that. What
//! cf-agent 3.21 does, function by function:
//!
//! - anchored ([`Regex::is_full_match`]): `regcmp`, `reglist`,
//!   `regarray`, `grep`, `filter` (regex mode), `some`, `every`,
//!   `none`, `classmatch`, `classesmatching`, `countclassesmatching`,
//!   `variablesmatching`;
//! - unanchored ([`Regex::is_match`], [`Regex::captures`]):
//!   `regextract`, `data_regextract`, `regex_replace`, `string_split`,
//!   `splitstring`, `lastnode`.
//!
//! `regex_replace` is the one function that does not use the default
//! options: it takes its own (`i`, `m`, `s`, `x`, `U`), so `^` there
//! matches only at the start unless `m` is given.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;
use std::rc::Rc;

/// Compile-time options, as PCRE names them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Options {
    /// Letters match either case (`i`).
    pub caseless: bool,
    /// `^` and `$` match at every line (`m`).
    pub multi_line: bool,
    /// `.` matches a newline too (`s`).
    pub dotall: bool,
    /// Blanks and `#` comments in the pattern are ignored (`x`).
    pub extended: bool,
    /// Quantifiers are lazy unless followed by `?` (`U`).
    pub ungreedy: bool,
}

/// The options cf-agent compiles every pattern with, but those of
/// `regex_replace`.
pub const DEFAULT: Options = Options {
    caseless: false,
    multi_line: true,
    dotall: true,
    extended: false,
    ungreedy: false,
};

/// A compiled pattern.
pub struct Regex {
    inner: pcre2::bytes::Regex,
}

/// How many compiled patterns the cache keeps before it starts over:
/// plenty for any policy, and a bound for one that builds patterns
/// from iterated values.
const CACHE_LIMIT: usize = 4096;

thread_local! {
    static CACHE: RefCell<HashMap<(String, Options), Rc<Regex>>> =
        RefCell::default();
}

/// `pattern` compiled with cf-agent's default options ([`DEFAULT`]).
pub fn compile(pattern: &str) -> Result<Rc<Regex>, String> {
    compile_with(pattern, DEFAULT)
}

/// `pattern` compiled with `options`; the error names the pattern and
/// says what is wrong where.
pub fn compile_with(
    pattern: &str,
    options: Options,
) -> Result<Rc<Regex>, String> {
    let key = (pattern.to_string(), options);
    if let Some(found) = CACHE.with(|c| c.borrow().get(&key).cloned()) {
        return Ok(found);
    }
    let regex = Rc::new(build(pattern, options)?);
    CACHE.with(|c| {
        let mut cache = c.borrow_mut();
        if cache.len() >= CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(key, regex.clone());
    });
    Ok(regex)
}

fn build(pattern: &str, options: Options) -> Result<Regex, String> {
    // PCRE2 has no compile option for ungreedy in this binding; the
    // inline setting means the same.
    let source = match options.ungreedy {
        true => format!("(?U){pattern}"),
        false => pattern.to_string(),
    };
    let inner = pcre2::bytes::RegexBuilder::new()
        .caseless(options.caseless)
        .multi_line(options.multi_line)
        .dotall(options.dotall)
        .extended(options.extended)
        .jit_if_available(true)
        .build(&source)
        .map_err(|e| bad_pattern(pattern, &e))?;
    Ok(Regex { inner })
}

fn bad_pattern(pattern: &str, error: &pcre2::Error) -> String {
    // The binding's text starts with its own two labels.
    let text = error.to_string();
    let reason = text.splitn(3, ": ").nth(2).unwrap_or(&text);
    match error.offset() {
        Some(offset) => format!(
            "regular expression '{pattern}' is invalid at offset {offset}: \
             {reason}"
        ),
        None => format!("regular expression '{pattern}' is invalid: {reason}"),
    }
}

/// The capture groups of one match, as byte ranges of the text.
pub struct Captures {
    groups: Vec<Option<Range<usize>>>,
}

impl Captures {
    /// The range group `i` matched; group 0 is the whole match. `None`
    /// for a group that took no part in the match or does not exist.
    pub fn get(&self, i: usize) -> Option<Range<usize>> {
        self.groups.get(i).cloned().flatten()
    }

    /// How many groups the pattern has, group 0 included.
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// Whether there are no groups at all (never: group 0 is there).
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The number of the last group that took part in the match, as
    /// PCRE counts it (0 when only the whole match did).
    pub fn last_matched(&self) -> usize {
        self.groups.iter().rposition(Option::is_some).unwrap_or(0)
    }
}

impl Regex {
    /// Whether the pattern matches anywhere in `text`. A match that
    /// exceeds PCRE's limits counts as no match, as in cf-agent.
    pub fn is_match(&self, text: &str) -> bool {
        self.find_at(text, 0).is_some()
    }

    /// Whether the first match in `text` spans all of it: the anchored
    /// test of the functions the module documentation lists.
    pub fn is_full_match(&self, text: &str) -> bool {
        self.find_at(text, 0) == Some(0..text.len())
    }

    /// The first match at or after byte `start`; `^` and lookbehinds
    /// still see the text before `start`.
    pub fn find_at(&self, text: &str, start: usize) -> Option<Range<usize>> {
        let found = self.inner.find_at(text.as_bytes(), start).ok()??;
        Some(found.start()..found.end())
    }

    /// The groups of the first match at or after byte `start`.
    pub fn captures_at(&self, text: &str, start: usize) -> Option<Captures> {
        let mut locations = self.inner.capture_locations();
        self.inner
            .captures_read_at(&mut locations, text.as_bytes(), start)
            .ok()??;
        let groups = (0..locations.len())
            .map(|i| locations.get(i).map(|(s, e)| s..e))
            .collect();
        Some(Captures { groups })
    }

    /// The groups of the first match in `text`.
    pub fn captures(&self, text: &str) -> Option<Captures> {
        self.captures_at(text, 0)
    }

    /// Every match in `text`, left to right, as PCRE's global matching
    /// finds them: after an empty match the search goes on one byte
    /// further, after any other where it ended (so `a*` in `baac`
    /// matches at 0, 1..3, 3 and 4). PCRE would first try a non-empty
    /// match where the empty one was; only a lazy or alternating
    /// pattern that can match both ways tells the difference.
    pub fn captures_all(&self, text: &str) -> Vec<Captures> {
        let mut all = Vec::new();
        let mut at = 0;
        while at <= text.len() {
            let Some(captures) = self.captures_at(text, at) else {
                break;
            };
            let whole = captures.get(0).unwrap_or(at..at);
            at = match whole.is_empty() {
                true => whole.end + 1,
                false => whole.end,
            };
            all.push(captures);
        }
        all
    }

    /// The pattern as written.
    pub fn source(&self) -> &str {
        let source = self.inner.as_str();
        source.strip_prefix("(?U)").unwrap_or(source)
    }

    /// The names of the groups, by number; `None` for unnamed ones.
    pub fn group_names(&self) -> &[Option<String>] {
        self.inner.capture_names()
    }
}

/// The text a byte range of `text` covers. A range that cuts a
/// character in two, which byte-wise matching allows, takes the
/// replacement character for the broken bytes: cfmini keeps strings
/// UTF-8, where cf-agent keeps the raw bytes.
pub fn slice(text: &str, range: Range<usize>) -> String {
    String::from_utf8_lossy(&text.as_bytes()[range]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_match_takes_the_first_match_found() {
        let alternation = compile("a|abc").unwrap();
        assert!(!alternation.is_full_match("abc"));
        assert!(alternation.is_match("abc"));
        assert!(compile("abc|a").unwrap().is_full_match("abc"));
        assert!(!compile("abc").unwrap().is_full_match("abc\n"));
        assert!(compile("").unwrap().is_full_match(""));
        assert!(compile("x*").unwrap().is_full_match(""));
    }

    #[test]
    fn default_options_are_multi_line_and_dotall() {
        assert!(compile("a.c").unwrap().is_full_match("a\nc"));
        assert!(compile("^b").unwrap().is_match("a\nb"));
        let plain = compile_with("^b", Options::default()).unwrap();
        assert!(!plain.is_match("a\nb"));
    }

    #[test]
    fn matching_is_bytewise() {
        let dot = compile("^.$").unwrap();
        assert!(!dot.is_match("é"));
        assert_eq!(compile(".").unwrap().captures_all("é").len(), 2);
        assert_eq!(slice("é", 0..1), "\u{fffd}");
    }

    #[test]
    fn options_apply() {
        let caseless = Options {
            caseless: true,
            ..Options::default()
        };
        assert!(compile_with("ABC", caseless).unwrap().is_match("abc"));
        let ungreedy = Options {
            ungreedy: true,
            ..Options::default()
        };
        let lazy = compile_with("a+", ungreedy).unwrap();
        assert_eq!(lazy.find_at("aaa", 0), Some(0..1));
        let extended = Options {
            extended: true,
            ..Options::default()
        };
        assert!(compile_with("a b", extended).unwrap().is_match("ab"));
    }

    #[test]
    fn global_matching_steps_over_empty_matches() {
        let starts: Vec<_> = compile("a*")
            .unwrap()
            .captures_all("baaac")
            .iter()
            .map(|c| c.get(0).unwrap())
            .collect();
        assert_eq!(starts, [0..0, 1..4, 4..4, 5..5]);
    }

    #[test]
    fn groups_and_names() {
        let regex = compile("(?<n>b)(x)?(c)").unwrap();
        let captures = regex.captures("abc").unwrap();
        assert_eq!(captures.get(0), Some(1..3));
        assert_eq!(captures.get(1), Some(1..2));
        assert_eq!(captures.get(2), None);
        assert_eq!(captures.len(), 4);
        assert_eq!(captures.last_matched(), 3);
        assert_eq!(regex.group_names()[1].as_deref(), Some("n"));
    }

    #[test]
    fn bad_patterns_are_errors_naming_them() {
        let error = compile("a(").err().unwrap();
        assert!(error.starts_with("regular expression 'a(' is invalid"));
        assert!(error.contains("offset 2"), "{error}");
    }
}
