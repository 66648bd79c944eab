//! `$(name)` and `${name}` references in strings, and their expansion.
//!
//! A reference may nest others (`$(d[$(k)])`); inner references are
//! expanded first, and the resulting name is looked up through a
//! [`Resolver`]. A reference that does not resolve to a scalar stays in
//! the text as written, and the expansion says it is incomplete, which
//! is how cf-agent decides that a promise must wait for a later pass.

use crate::value::Str;

/// A reference found in a string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reference<'a> {
    /// Where the reference starts in the text it was found in.
    pub start: usize,
    /// The whole reference, `$(` to `)`.
    pub whole: &'a str,
    /// The text inside the brackets, possibly holding references.
    pub inner: &'a str,
}

/// What a name refers to, as far as expansion cares.
pub enum Resolved {
    /// A scalar, expanded in place.
    Scalar(Str),
    /// A list or data container: the promise iterates over its items.
    Items(Vec<Str>),
    /// Nothing by that name (yet).
    Missing,
}

/// Looks names up for expansion.
pub trait Resolver {
    /// What `name` (already expanded) refers to.
    fn resolve(&self, name: &str) -> Resolved;
}

/// The outermost references in `text`, in order.
pub fn references(text: &str) -> Vec<Reference<'_>> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i + 1 < bytes.len() {
        let opens = bytes[i] == b'$' && matches!(bytes[i + 1], b'(' | b'{');
        if let Some(end) = opens.then(|| closing(bytes, i + 1)).flatten() {
            found.push(Reference {
                start: i,
                whole: &text[i..=end],
                inner: &text[i + 2..end],
            });
            i = end + 1;
            continue;
        }
        i += 1;
    }
    found
}

/// The index of the bracket that closes the one at `open`.
fn closing(bytes: &[u8], open: usize) -> Option<usize> {
    let (opener, closer) = match bytes[open] {
        b'(' => (b'(', b')'),
        _ => (b'{', b'}'),
    };
    let mut depth = 0usize;
    for (i, &b) in bytes.iter().enumerate().skip(open) {
        if b == opener {
            depth += 1;
        } else if b == closer {
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

/// Whether `text` holds a `$(...)` reference.
pub fn has_reference(text: &str) -> bool {
    !references(text).is_empty()
}

/// Whether `text` still holds a reference, `$(...)` or `@(...)`, as
/// cf-agent checks before it acts on a report.
pub fn is_unexpanded(text: &str) -> bool {
    has_reference(text) || !references(&text.replace('@', "$")).is_empty()
}

/// The result of expanding a string.
pub struct Expansion {
    /// The text, with unresolved references left as written.
    pub text: String,
    /// Whether every reference resolved to a scalar.
    pub complete: bool,
    /// Whether a reference built from other references (`$(d[$(k)])`,
    /// `$(a_$(i))`) failed to resolve. cf-agent never acts on such a
    /// promise, not even by printing it as written.
    pub dangling: bool,
}

/// How deep references may nest inside reference names (`$(a_$(b))` is
/// two deep). Deeper ones stay unresolved: the cost of expanding grows
/// with the cube of the depth, and policy never needs more.
pub const MAX_NESTING: usize = 32;

/// Expands every reference in `text` that resolves to a scalar.
pub fn expand(text: &str, resolver: &dyn Resolver) -> Expansion {
    expand_nested(text, resolver, 0)
}

fn expand_nested(
    text: &str,
    resolver: &dyn Resolver,
    depth: usize,
) -> Expansion {
    let mut out = String::with_capacity(text.len());
    let mut complete = true;
    let mut dangling = false;
    let mut copied = 0;
    for reference in references(text) {
        out.push_str(&text[copied..reference.start]);
        copied = reference.start + reference.whole.len();

        match expand_reference(reference, resolver, depth) {
            Some(value) => out.push_str(&value),
            None => {
                complete = false;
                dangling |= has_reference(reference.inner);
                out.push_str(reference.whole);
            }
        }
    }
    out.push_str(&text[copied..]);
    Expansion {
        text: out,
        complete,
        dangling,
    }
}

/// The scalar a reference stands for, if it resolves to one.
fn expand_reference(
    reference: Reference,
    resolver: &dyn Resolver,
    depth: usize,
) -> Option<Str> {
    if depth >= MAX_NESTING {
        return None;
    }
    let name = expand_nested(reference.inner, resolver, depth + 1);
    if !name.complete {
        return None;
    }
    match resolver.resolve(&name.text) {
        Resolved::Scalar(value) => Some(value),
        Resolved::Items(_) | Resolved::Missing => None,
    }
}

/// The first reference in `text`, innermost first, whose name resolves
/// to a list or container, with its expanded name and items. Names the
/// caller already iterates over resolve to scalars, so they are skipped.
pub fn first_iterable(
    text: &str,
    resolver: &dyn Resolver,
) -> Option<(Str, Vec<Str>)> {
    first_iterable_nested(text, resolver, 0)
}

fn first_iterable_nested(
    text: &str,
    resolver: &dyn Resolver,
    depth: usize,
) -> Option<(Str, Vec<Str>)> {
    if depth >= MAX_NESTING {
        return None;
    }
    for reference in references(text) {
        let inner = reference.inner;
        if let Some(found) = first_iterable_nested(inner, resolver, depth + 1) {
            return Some(found);
        }
        let name = expand_nested(inner, resolver, depth + 1);
        if !name.complete {
            continue;
        }
        if let Resolved::Items(items) = resolver.resolve(&name.text) {
            return Some((name.text.into(), items));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names with scalar values; `l` is a list.
    struct Vars;

    impl Resolver for Vars {
        fn resolve(&self, name: &str) -> Resolved {
            match name {
                "x" => Resolved::Scalar("1".into()),
                "k" => Resolved::Scalar("a".into()),
                "d[a]" => Resolved::Scalar("deep".into()),
                "l" => Resolved::Items(vec!["p".into(), "q".into()]),
                _ => Resolved::Missing,
            }
        }
    }

    #[test]
    fn both_bracket_styles_expand() {
        let e = expand("$(x) ${x}", &Vars);
        assert_eq!((e.text.as_str(), e.complete), ("1 1", true));
    }

    #[test]
    fn inner_references_expand_before_the_outer_name() {
        assert_eq!(expand("$(d[$(k)])", &Vars).text, "deep");
    }

    #[test]
    fn unresolved_references_stay_as_written() {
        let e = expand("a $(nope) b $(l) ${x}", &Vars);
        assert_eq!(e.text, "a $(nope) b $(l) 1");
        assert!(!e.complete);
    }

    #[test]
    fn unresolved_built_names_dangle() {
        assert!(expand("$(d[$(k)][zz])", &Vars).dangling);
        assert!(expand("$(a_$(x))", &Vars).dangling);
        assert!(!expand("$(nope) $(d[$(k)])", &Vars).dangling);
    }

    #[test]
    fn nesting_past_the_limit_stays_unresolved() {
        let deep = |n: usize| "$(".repeat(n) + "x" + &")".repeat(n);
        // $(x) is "1", so $($(x)) names "1", which is not defined.
        assert!(!expand(&deep(2), &Vars).complete);
        assert_eq!(
            expand(&deep(MAX_NESTING + 5), &Vars).text,
            deep(MAX_NESTING + 5)
        );
    }

    #[test]
    fn unclosed_references_are_plain_text() {
        let e = expand("$(x", &Vars);
        assert_eq!((e.text.as_str(), e.complete), ("$(x", true));
    }

    #[test]
    fn the_first_list_mentioned_is_found_first() {
        let (name, items) = first_iterable("$(x) $(l) $(nope)", &Vars).unwrap();
        assert_eq!((&*name, items.len()), ("l", 2));
        assert!(first_iterable("$(x) $(nope)", &Vars).is_none());
    }
}
