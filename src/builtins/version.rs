//! Builtins comparing the version cfmini answers for, cf-agent's
//! [`CF_VERSION`], with a version in policy.
//!
//! cf-agent reads the version as C's `sscanf(text, "%d.%d.%d")` does, so
//! it compares only the parts that read: `3` matches any 3.x, `3.x` and
//! `3 .21` read as `3`, and `3.21.0.1` as `3.21.0`. Text that does not
//! start with a number is an error.

use std::cmp::Ordering::{self, Equal, Greater, Less};

use super::logic::class;
use super::{Call, CallResult, is_c_space, strtol};
use crate::macros::CF_VERSION;

/// `cf_version_maximum(v)`: whether cf-agent's version is at most `v`.
pub fn maximum(call: &Call) -> CallResult {
    Ok(class(against(call, 0)? != Greater))
}

/// `cf_version_minimum(v)`: whether cf-agent's version is at least `v`.
pub fn minimum(call: &Call) -> CallResult {
    Ok(class(against(call, 0)? != Less))
}

/// `cf_version_after(v)`: whether cf-agent's version is after `v`.
pub fn after(call: &Call) -> CallResult {
    Ok(class(against(call, 0)? == Greater))
}

/// `cf_version_before(v)`: whether cf-agent's version is before `v`.
pub fn before(call: &Call) -> CallResult {
    Ok(class(against(call, 0)? == Less))
}

/// `cf_version_at(v)`: whether cf-agent's version is `v`, in the parts
/// `v` gives.
pub fn at(call: &Call) -> CallResult {
    Ok(class(against(call, 0)? == Equal))
}

/// `cf_version_between(low, high)`: whether cf-agent's version is at
/// least `low` and at most `high`.
pub fn between(call: &Call) -> CallResult {
    let low = against(call, 0)?;
    let high = against(call, 1)?;
    Ok(class(low != Less && high != Greater))
}

/// How cf-agent's version compares with the one argument `i` gives.
fn against(call: &Call, i: usize) -> Result<Ordering, String> {
    let text = call.string(i)?;
    let parts = parts(text).ok_or_else(|| {
        format!("function '{}' cannot read version '{text}'", call.name)
    })?;
    let ours = CF_VERSION.map(i64::from);
    Ok(ours[..parts.len()].cmp(&parts))
}

/// The numbers `sscanf(text, "%d.%d.%d")` reads; `None` when the first
/// does not.
fn parts(text: &str) -> Option<Vec<i64>> {
    let mut parts = Vec::new();
    let mut rest = text;
    while parts.len() < 3 {
        let number = rest.trim_start_matches(is_c_space);
        let Some((value, tail)) = strtol(number) else {
            break;
        };
        parts.push(value);
        match tail.strip_prefix('.') {
            Some(tail) => rest = tail,
            None => break,
        }
    }
    (!parts.is_empty()).then_some(parts)
}

#[cfg(test)]
mod tests {
    use super::parts;

    // cf-agent 3.21.0 finds cf_version_at() true for each of these.
    #[test]
    fn versions_read_as_sscanf_reads_them() {
        assert_eq!(parts("3.21.0.1"), Some(vec![3, 21, 0]));
        assert_eq!(parts("3 .21"), Some(vec![3]));
        assert_eq!(parts(" 3.21"), Some(vec![3, 21]));
        assert_eq!(parts("3..21"), Some(vec![3]));
        assert_eq!(parts("03.021"), Some(vec![3, 21]));
        assert_eq!(parts("x"), None);
        assert_eq!(parts(""), None);
    }
}
