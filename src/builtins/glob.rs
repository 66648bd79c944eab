//! Shell globs for `findfiles()`, as cf-agent expands them with the C
//! library's `glob()` and no flags.
//!
//! `*`, `?` and `[...]` (negated by `!` or `^`) match within one path
//! component and never match a leading `.` unless the pattern starts
//! with one; a backslash quotes the next byte; braces are not special.
//! `**` is not a glob of its own: cf-agent replaces every `**` in a
//! pattern with `*`, then with `*/*`, and so on up to six components,
//! and gathers what each of those patterns matches. So `a/**/*.txt`
//! does not find `a/x.txt`, and two `**` always stand for the same
//! depth.

use std::fs;
use std::path::Path;

/// How many components a `**` stands for at most.
const MAX_DOUBLE_STAR_DEPTH: usize = 6;

/// Every path `pattern` matches, `**` expanded as cf-agent expands it.
pub fn expand(pattern: &str) -> Vec<String> {
    if !pattern.contains("**") {
        return glob(pattern);
    }
    let mut found = Vec::new();
    for depth in 1..=MAX_DOUBLE_STAR_DEPTH {
        let stars = vec!["*"; depth].join("/");
        found.extend(glob(&pattern.replace("**", &stars)));
    }
    found
}

/// The paths one glob pattern matches, sorted bytewise as `glob()`
/// sorts them.
pub fn glob(pattern: &str) -> Vec<String> {
    let (root, rest) = match pattern.strip_prefix('/') {
        Some(rest) => ("/".to_string(), rest),
        None => (String::new(), pattern),
    };
    let components: Vec<&str> = rest.split('/').collect();
    if !components.iter().any(|c| has_magic(c)) {
        let exists = fs::symlink_metadata(pattern).is_ok();
        return if exists {
            vec![pattern.to_string()]
        } else {
            Vec::new()
        };
    }

    let mut paths = vec![root];
    for (i, component) in components.iter().enumerate() {
        let last = i + 1 == components.len();
        paths = paths
            .iter()
            .flat_map(|base| step(base, component, last))
            .collect();
    }
    paths.sort();
    paths
}

/// The paths one component further down from `base`. An empty last
/// component, from a trailing `/`, keeps only directories.
fn step(base: &str, component: &str, last: bool) -> Vec<String> {
    let join =
        |name: &str| format!("{base}{name}{}", if last { "" } else { "/" });
    if component.is_empty() {
        let is_dir = fs::metadata(base).is_ok_and(|m| m.is_dir());
        return if last && is_dir {
            vec![base.to_string()]
        } else {
            Vec::new()
        };
    }
    if !has_magic(component) {
        let path = join(&unquote(component));
        let exists = match last {
            true => fs::symlink_metadata(&path).is_ok(),
            false => Path::new(&path).is_dir(),
        };
        return if exists { vec![path] } else { Vec::new() };
    }
    let dir = if base.is_empty() { "." } else { base };
    let mut names = entries(dir);
    names.retain(|name| matches(component.as_bytes(), name.as_bytes()));
    if !last {
        names.retain(|name| Path::new(&format!("{base}{name}")).is_dir());
    }
    names.into_iter().map(|name| join(&name)).collect()
}

/// The names in a directory, `.` and `..` among them, as `readdir()`
/// gives them; none when it cannot be read.
fn entries(dir: &str) -> Vec<String> {
    let Ok(read) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let names = read.filter_map(|e| e.ok());
    let names = names.map(|e| e.file_name().to_string_lossy().into_owned());
    [".".to_string(), "..".to_string()]
        .into_iter()
        .chain(names)
        .collect()
}

fn has_magic(component: &str) -> bool {
    component.contains(['*', '?', '['])
}

/// A component without magic, its backslashes removed.
fn unquote(component: &str) -> String {
    let mut out = String::new();
    let mut chars = component.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            c => out.push(c),
        }
    }
    out
}

/// Whether `name` matches the component pattern, as `fnmatch()` with
/// the flag that keeps a leading `.` from matching a wildcard.
pub fn matches(pattern: &[u8], name: &[u8]) -> bool {
    if name.first() == Some(&b'.') && pattern.first() != Some(&b'.') {
        return false;
    }
    match_from(pattern, name)
}

fn match_from(pattern: &[u8], name: &[u8]) -> bool {
    let Some((&first, rest)) = pattern.split_first() else {
        return name.is_empty();
    };
    match first {
        b'*' => (0..=name.len()).any(|skip| match_from(rest, &name[skip..])),
        b'?' => !name.is_empty() && match_from(rest, &name[1..]),
        b'[' => match bracket(rest, name.first().copied()) {
            Some((true, after)) => match_from(after, &name[1..]),
            Some((false, _)) => false,
            // An unclosed bracket is an ordinary byte.
            None => name.first() == Some(&b'[') && match_from(rest, &name[1..]),
        },
        b'\\' if !rest.is_empty() => {
            name.first() == Some(&rest[0]) && match_from(&rest[1..], &name[1..])
        }
        c => name.first() == Some(&c) && match_from(rest, &name[1..]),
    }
}

/// Reads a bracket expression after its `[`: whether `c` is in it and
/// the pattern after its `]`; `None` when it has no closing `]`.
fn bracket(pattern: &[u8], c: Option<u8>) -> Option<(bool, &[u8])> {
    let negated = matches!(pattern.first(), Some(b'!' | b'^'));
    let mut i = usize::from(negated);
    let mut found = false;
    let mut first = true;
    loop {
        let &b = pattern.get(i)?;
        if b == b']' && !first {
            break;
        }
        first = false;
        let (low, next) = match b {
            b'\\' => (*pattern.get(i + 1)?, i + 2),
            b => (b, i + 1),
        };
        let is_range = pattern.get(next) == Some(&b'-')
            && pattern.get(next + 1).is_some_and(|&e| e != b']');
        let (high, next) = match is_range {
            true => (pattern[next + 1], next + 2),
            false => (low, next),
        };
        found |= c.is_some_and(|c| low <= c && c <= high);
        i = next;
    }
    let matched = c.is_some() && found != negated;
    Some((matched, &pattern[i + 1..]))
}

#[cfg(test)]
mod tests {
    use super::matches;

    fn m(pattern: &str, name: &str) -> bool {
        matches(pattern.as_bytes(), name.as_bytes())
    }

    #[test]
    fn wildcards_match_within_a_name() {
        assert!(m("*", "abc"));
        assert!(m("a*c", "abc"));
        assert!(m("a?c", "abc"));
        assert!(!m("a?c", "ac"));
        assert!(m("*.txt", "a.txt"));
        assert!(!m("*.txt", "a.txt~"));
    }

    #[test]
    fn a_leading_dot_needs_a_dot() {
        assert!(!m("*", ".hidden"));
        assert!(!m("?hidden", ".hidden"));
        assert!(m(".*", ".hidden"));
        assert!(m(".*", ".."));
    }

    #[test]
    fn brackets() {
        assert!(m("[a-c].txt", "b.txt"));
        assert!(!m("[a-c].txt", "d.txt"));
        assert!(m("[!a]*", "sub"));
        assert!(!m("[!a]*", "a.txt"));
        assert!(m("[^a]*", "sub"));
        assert!(m("[]]", "]"));
        assert!(m("[a-]", "-"));
        assert!(m("[", "["));
    }

    #[test]
    fn backslash_quotes() {
        assert!(m("\\*", "*"));
        assert!(!m("\\*", "a"));
    }
}
