//! The `mon` variables and classes cf-monitord leaves for cf-agent in
//! the state directory's `env_data`.
//!
//! Each line of the file is `@name={"a","b"}` for a list,
//! `name=value` for a string, or else a class name. A file older than
//! an hour is ignored (cf-agent deletes it; cfmini leaves it alone).
//! The observations cf-monitord keeps in its database are not read.

use std::time::UNIX_EPOCH;

use super::clock::civil_time;
use super::{MAX_SECONDS, Root, System, tz};
use crate::value::{ListKind, Str, Value};

/// How old `env_data` may be, in seconds.
const MAX_AGE: i64 = 3600;

impl System {
    /// `mon.env_time`, the `mon` variables and the classes of
    /// `STATEDIR/env_data`.
    pub(super) fn add_monitor(
        &mut self,
        root: &Root,
        statedir: &str,
        now: i64,
    ) {
        let path = format!("{statedir}/env_data");
        let Some(mtime) = modified(root, &path) else {
            return;
        };
        let Some(text) = root.read(&path).filter(|_| mtime >= now - MAX_AGE)
        else {
            return;
        };
        let mtime = mtime.clamp(-MAX_SECONDS, MAX_SECONDS);
        let local = civil_time(mtime + tz::offset_at(root, mtime));
        self.put("mon", "env_time", Value::string(local.ctime()));
        for line in text.lines() {
            self.add_monitor_line(line);
        }
    }

    fn add_monitor_line(&mut self, line: &str) {
        if let Some(list) = line.strip_prefix('@') {
            if let Some((name, value)) = name_value(list) {
                let items =
                    parse_shown_list(value).unwrap_or_else(|| vec!["".into()]);
                self.put(
                    "mon",
                    name,
                    Value::List(ListKind::String, items.into()),
                );
            }
        } else if line.contains('=') {
            if let Some((name, value)) = name_value(line) {
                self.put("mon", name, Value::string(value));
            }
        } else {
            self.class(line);
        }
    }
}

/// The seconds since the epoch a file was last written.
fn modified(root: &Root, path: &str) -> Option<i64> {
    let metadata = std::fs::metadata(root.path(path)).ok()?;
    let since = metadata.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
    i64::try_from(since.as_secs()).ok()
}

/// `name=value` as `sscanf("%255[^=]=%255[^\n]")` splits it: both
/// parts must be there, each cut to 255 bytes.
fn name_value(line: &str) -> Option<(&str, &str)> {
    let (name, value) = line.split_once('=')?;
    if name.is_empty() || value.is_empty() {
        return None;
    }
    Some((cut(name, 255), cut(value, 255)))
}

fn cut(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// A list written as policy shows one, `{"a", 'b'}`; `None` when the
/// text is not such a list or the list is empty, which cf-agent reads
/// as a list of one empty string.
fn parse_shown_list(text: &str) -> Option<Vec<Str>> {
    let inner = text.trim().strip_prefix('{')?.strip_suffix('}')?;
    let mut items = Vec::new();
    let mut rest = inner.trim_start();
    while !rest.is_empty() {
        let quote = rest.chars().next().filter(|c| matches!(c, '"' | '\''))?;
        let (item, after) = quoted(&rest[1..], quote)?;
        items.push(Str::from(item));
        let after = after.trim_start();
        rest = match after.strip_prefix(',') {
            Some(more) => more.trim_start(),
            None if after.is_empty() => after,
            None => return None,
        };
    }
    Some(items).filter(|items| !items.is_empty())
}

/// The text up to the closing `quote`, backslashes escaping the next
/// character, and what follows it.
fn quoted(text: &str, quote: char) -> Option<(String, &str)> {
    let mut out = String::new();
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?.1),
            c if c == quote => return Some((out, &text[i + 1..])),
            c => out.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(text: &str) -> Option<Vec<String>> {
        parse_shown_list(text)
            .map(|items| items.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn shown_lists_take_either_quote_and_blanks() {
        assert_eq!(list("{'a','b'}"), Some(vec!["a".into(), "b".into()]));
        assert_eq!(
            list("{ \"c\" , \"d\" }"),
            Some(vec!["c".into(), "d".into()])
        );
        assert_eq!(list("{\"x\\\"y\"}"), Some(vec!["x\"y".into()]));
    }

    #[test]
    fn other_text_is_no_list() {
        for text in ["notalist", "{}", "{a,b}", "{\"a\" \"b\"}", "{\"a\""] {
            assert_eq!(list(text), None, "{text}");
        }
    }

    #[test]
    fn name_and_value_must_both_be_there() {
        assert_eq!(name_value("x=y=z"), Some(("x", "y=z")));
        assert_eq!(name_value("novalue="), None);
        assert_eq!(name_value("=x"), None);
    }
}
