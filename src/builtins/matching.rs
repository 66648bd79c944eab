//! Builtins that test the items of a list against a regular
//! expression: `grep`, `filter`, `every`, `some` and `none`.
//!
//! Each pattern must match a whole item, as cf-agent anchors it (see
//! [`crate::regex`]). A list argument is a list or a container's
//! top-level primitives, as in the other list builtins; a missing or
//! scalar variable, or a pattern that does not compile, fails the call.

use super::logic::class;
use super::{Call, CallResult};
use crate::regex;
use crate::value::{Str, Value};

/// `grep(regex, list)`: the items the pattern matches whole.
pub fn grep(call: &Call) -> CallResult {
    let pattern = regex::compile(call.string(0)?)?;
    let items = call.strings(1)?;
    let kept = items.into_iter().filter(|i| pattern.is_full_match(i));
    Ok(Value::slist(kept.collect()))
}

/// `filter(pattern, list, is_regex, invert, max)`: the first `max`
/// items that match the pattern whole (or equal it, when `is_regex` is
/// false), or that do not, when `invert` is true.
pub fn filter(call: &Call) -> CallResult {
    let items = call.strings(1)?;
    let is_regex = flag(call, 2)?;
    let invert = flag(call, 3)?;
    let max = usize::try_from(call.int(4)?).unwrap_or(0);
    let text = call.string(0)?;
    let pattern = match is_regex {
        true => Some(regex::compile(text)?),
        false => None,
    };
    let matches = |item: &Str| match &pattern {
        Some(pattern) => pattern.is_full_match(item),
        None => **item == *text,
    };
    let kept = items.into_iter().filter(|i| matches(i) != invert).take(max);
    Ok(Value::slist(kept.collect()))
}

/// A boolean argument, spelled as cf-agent accepts it.
fn flag(call: &Call, i: usize) -> Result<bool, String> {
    match call.string(i)? {
        "true" | "yes" | "on" => Ok(true),
        "false" | "no" | "off" => Ok(false),
        other => Err(format!(
            "function '{}' expected true or false as argument {}, got \
             '{other}'",
            call.name,
            i + 1
        )),
    }
}

/// `every(regex, list)`: whether the pattern matches every item; false
/// for an empty list.
pub fn every(call: &Call) -> CallResult {
    let (matched, total) = count_matches(call)?;
    Ok(class(total > 0 && matched == total))
}

/// `some(regex, list)`: whether the pattern matches any item.
pub fn some(call: &Call) -> CallResult {
    let (matched, _) = count_matches(call)?;
    Ok(class(matched > 0))
}

/// `none(regex, list)`: whether the pattern matches no item; true for an
/// empty list.
pub fn none(call: &Call) -> CallResult {
    let (matched, _) = count_matches(call)?;
    Ok(class(matched == 0))
}

/// How many items the pattern matches whole, and how many there are.
fn count_matches(call: &Call) -> Result<(usize, usize), String> {
    let pattern = regex::compile(call.string(0)?)?;
    let items = call.strings(1)?;
    let matched = items.iter().filter(|i| pattern.is_full_match(i)).count();
    Ok((matched, items.len()))
}

#[cfg(test)]
mod tests {
    use super::super::fake::text;

    // cf-agent: each call on the fake environment's variables.
    #[test]
    fn grep_matches_whole_items() {
        assert_eq!(text("grep", &["[ab]", "l"]), r#"{ "a", "b" }"#);
        assert_eq!(text("grep", &["a|abc", r#"["abc", "a"]"#]), r#"{ "a" }"#);
        assert_eq!(text("grep", &["(", "l"]), "ERR");
        assert_eq!(text("grep", &["a", "missing"]), "ERR");
    }

    #[test]
    fn filter_counts_and_inverts() {
        assert_eq!(
            text("filter", &["[ab]", "l", "true", "false", "1"]),
            r#"{ "a" }"#
        );
        assert_eq!(
            text("filter", &["a", "l", "no", "yes", "9"]),
            r#"{ "b", "c" }"#
        );
        assert_eq!(text("filter", &["(", "l", "false", "false", "9"]), "{  }");
        assert_eq!(text("filter", &["a", "l", "maybe", "false", "9"]), "ERR");
    }

    #[test]
    fn every_some_none_of_empty_lists() {
        assert_eq!(text("every", &[".*", "el"]), "!any");
        assert_eq!(text("some", &[".*", "el"]), "!any");
        assert_eq!(text("none", &[".*", "el"]), "any");
        assert_eq!(text("none", &["a", "missing"]), "ERR");
        assert_eq!(text("every", &[".*", "[null, \"x\"]"]), "any");
    }
}
