//! `hostrange()`: whether this host is one of a numbered series.
//!
//! cf-agent splits the unqualified host name into a stem and the digits
//! that end it, and holds when the stem is the prefix (in any case) and
//! the number lies in the range. A name without trailing digits, or made
//! of digits alone, is in no range. The range reads as C's
//! `sscanf(range, "%d-%d")` reads it, so text after the second number
//! is ignored and a range given high to low holds nothing.

use super::logic::class;
use super::{Call, CallResult, is_c_space, strtol};
use crate::value::Value;

/// `hostrange(prefix, range)`: whether the host is `prefix` followed by
/// a number within `range`.
pub fn hostrange(call: &Call) -> CallResult {
    let prefix = call.string(0)?;
    let (low, high) = range(call.string(1)?).ok_or_else(|| {
        "function 'hostrange' wants a range of the form X-Y, X and Y \
         decimal numbers"
            .to_string()
    })?;
    let host = match call.env.lookup("sys.uqhost") {
        Some(Value::Scalar(_, host)) => host,
        _ => return Ok(class(false)),
    };
    let holds = numbered(&host).is_some_and(|(stem, number)| {
        stem.eq_ignore_ascii_case(prefix) && (low..=high).contains(&number)
    });
    Ok(class(holds))
}

/// The two numbers of `X-Y`, as `sscanf("%d-%d")` reads them.
fn range(text: &str) -> Option<(i64, i64)> {
    let (low, rest) = strtol(text.trim_start_matches(is_c_space))?;
    let rest = rest.strip_prefix('-')?;
    let (high, _) = strtol(rest.trim_start_matches(is_c_space))?;
    Some((low, high))
}

/// The stem of a host name and the number its trailing digits make;
/// `None` when there are no such digits or nothing before them.
fn numbered(host: &str) -> Option<(&str, i64)> {
    let stem = host.trim_end_matches(|c: char| c.is_ascii_digit());
    if stem.is_empty() || stem.len() == host.len() {
        return None;
    }
    let digits = &host[stem.len()..];
    let number = strtol(digits).map_or(i64::MAX, |(n, _)| n);
    Some((stem, number))
}

#[cfg(test)]
mod tests {
    use super::{numbered, range};

    // cf-agent 3.21 in a UTS namespace: host cpu-07 is in
    // hostrange("cpu-", "1-7") and "CPU-" too, not in ("cpu-0", "1-9");
    // a1b22 is in ("a1b", "20-30"); 99 and cpu-07x are in no range.
    #[test]
    fn hosts_split_at_their_trailing_digits() {
        assert_eq!(numbered("cpu-07"), Some(("cpu-", 7)));
        assert_eq!(numbered("a1b22"), Some(("a1b", 22)));
        assert_eq!(numbered("99"), None);
        assert_eq!(numbered("cpu-07x"), None);
    }

    // cf-agent accepts "1-10-20" and "1- 9" and refuses "5", "-5",
    // "x-y" and " 1 - 9".
    #[test]
    fn ranges_read_as_sscanf_reads_them() {
        assert_eq!(range("1-10-20"), Some((1, 10)));
        assert_eq!(range("1- 9"), Some((1, 9)));
        assert_eq!(range("5"), None);
        assert_eq!(range("-5"), None);
        assert_eq!(range("x-y"), None);
        assert_eq!(range(" 1 - 9"), None);
    }
}
