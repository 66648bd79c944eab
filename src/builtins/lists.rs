//! Builtins that make a list from lists: sorting, reversing,
//! deduplicating, shuffling, set differences, slices, and the ranges of
//! `expandrange`, `irange` and `rrange`.
//!
//! A list argument is a list or a data container (see
//! `Call::strings`): a container gives the primitives at its top, so
//! `sort('[3, "a", [1]]')` sorts `3` and `a`.

use std::collections::HashSet;

use super::order::{self, Mode};
use super::{Call, CallResult, parse_int, strtod};
use crate::value::{Str, Value};

/// `sort(list, mode)`: the list sorted by `lex` (the default), `int`,
/// `real`, `IP` or `MAC`; see [`order`].
pub fn sort(call: &Call) -> CallResult {
    let items = call.strings(0)?;
    let mode = match call.args.len() {
        1 => Mode::Lex,
        _ => {
            let name = call.string(1)?;
            Mode::from_name(name).ok_or_else(|| {
                format!("function 'sort' has no sorting mode '{name}'")
            })?
        }
    };
    Ok(Value::slist(order::sort(&items, mode)))
}

/// `reverse(list)`: the list backwards.
pub fn reverse(call: &Call) -> CallResult {
    let mut items = call.strings(0)?;
    items.reverse();
    Ok(Value::slist(items))
}

/// `unique(list)`: the list with each item's first occurrence only.
pub fn unique(call: &Call) -> CallResult {
    Ok(Value::slist(first_occurrences(call.strings(0)?)))
}

fn first_occurrences(items: Vec<Str>) -> Vec<Str> {
    let mut seen = HashSet::new();
    items
        .into_iter()
        .filter(|i| seen.insert(i.clone()))
        .collect()
}

/// `difference(a, b)`: the distinct items of `a` that `b` lacks, in
/// `a`'s order.
pub fn difference(call: &Call) -> CallResult {
    set_operation(call, false)
}

/// `intersection(a, b)`: the distinct items of `a` that `b` has too, in
/// `a`'s order.
pub fn intersection(call: &Call) -> CallResult {
    set_operation(call, true)
}

fn set_operation(call: &Call, keep_common: bool) -> CallResult {
    let first = call.strings(0)?;
    let second: HashSet<Str> = call.strings(1)?.into_iter().collect();
    let kept = first_occurrences(first)
        .into_iter()
        .filter(|item| second.contains(item) == keep_common)
        .collect();
    Ok(Value::slist(kept))
}

/// `sublist(list, "head" | "tail", count)`: the first or last `count`
/// items.
pub fn sublist(call: &Call) -> CallResult {
    let items = call.strings(0)?;
    let count = call.int(2)?;
    let count = usize::try_from(count).map_err(|_| {
        format!("function 'sublist' needs a count of 0 or more, got {count}")
    })?;
    let count = count.min(items.len());
    let kept = match call.string(1)? {
        "head" => &items[..count],
        "tail" => &items[items.len() - count..],
        other => {
            return Err(format!(
                "function 'sublist' takes 'head' or 'tail', got '{other}'"
            ));
        }
    };
    Ok(Value::slist(kept.to_vec()))
}

/// `shuffle(list, seed)`: the list in the order cf-agent gives it for
/// that seed.
///
/// cf-agent hashes the seed with Bob Jenkins' one-at-a-time hash, seeds
/// the C library's `rand()` with it, runs a Fisher-Yates shuffle from
/// the last position down and hands the list back reversed. The C
/// library is glibc, whose `rand()` is reproduced by [`GlibcRandom`].
pub fn shuffle(call: &Call) -> CallResult {
    let mut items = call.strings(0)?;
    let mut random = GlibcRandom::new(one_at_a_time(call.string(1)?));
    for i in (1..items.len()).rev() {
        let j = random.next() as usize % (i + 1);
        items.swap(i, j);
    }
    items.reverse();
    Ok(Value::slist(items))
}

/// Bob Jenkins' one-at-a-time hash of the bytes of `text`.
pub(super) fn one_at_a_time(text: &str) -> u32 {
    let mut hash: u32 = 0;
    for byte in text.bytes() {
        hash = hash.wrapping_add(u32::from(byte));
        hash = hash.wrapping_add(hash << 10);
        hash ^= hash >> 6;
    }
    hash = hash.wrapping_add(hash << 3);
    hash ^= hash >> 11;
    hash.wrapping_add(hash << 15)
}

/// glibc's `rand()` after `srand(seed)`: an additive feedback generator,
/// `r[i] = r[i-31] + r[i-3]`, over 34 values seeded by a linear
/// congruential generator, the first 310 outputs discarded.
struct GlibcRandom {
    ring: [u32; 34],
    at: usize,
}

impl GlibcRandom {
    fn new(seed: u32) -> GlibcRandom {
        let mut ring = [0u32; 34];
        ring[0] = seed.max(1);
        for i in 1..31 {
            let previous = i64::from(ring[i - 1] as i32);
            let mut word =
                16807 * (previous % 127_773) - 2836 * (previous / 127_773);
            if word < 0 {
                word += 2_147_483_647;
            }
            ring[i] = word as u32;
        }
        for i in 31..34 {
            ring[i] = ring[i - 31];
        }
        let mut random = GlibcRandom { ring, at: 0 };
        for _ in 34..344 {
            random.step();
        }
        random
    }

    /// The next value of the sequence, `r[i]`.
    fn step(&mut self) -> u32 {
        let value = self.ring[(self.at + 3) % 34]
            .wrapping_add(self.ring[(self.at + 31) % 34]);
        self.ring[self.at] = value;
        self.at = (self.at + 1) % 34;
        value
    }

    /// What `rand()` returns next.
    fn next(&mut self) -> u32 {
        self.step() >> 1
    }
}

/// `expandrange("host[1-10].x", step)`: the text with its first
/// `[from-to]` replaced by every `step`th number from `from` to `to`
/// (downwards when `to` is smaller). A missing `]` ends the range at
/// the end of the text, and anything after the second number inside the
/// brackets is ignored.
pub fn expandrange(call: &Call) -> CallResult {
    let text = call.string(0)?;
    // The step is read as C's `atol` reads it: `2k` is 2.
    let step_text = call.string(1)?.trim_start_matches(super::is_c_space);
    let step = super::strtol(step_text).map_or(0, |(step, _)| step);
    let (prefix, range, suffix) = split_range(text);
    let (from, to) = match range {
        Some(range) => read_range(range)?,
        None => (0, 0),
    };
    let span = from.abs_diff(to);
    if step < 1 || step.unsigned_abs() > span {
        return Err(format!(
            "function 'expandrange' needs a step between 1 and the size \
             of the range, got {step}"
        ));
    }

    let direction = if to < from { -step } else { step };
    let mut items = Vec::new();
    let mut n = from;
    while (direction > 0 && n <= to) || (direction < 0 && n >= to) {
        items.push(format!("{prefix}{n}{suffix}").into());
        n += direction;
    }
    Ok(Value::slist(items))
}

/// The text before `[`, inside the brackets, and after `]`; no range
/// when no `[` is followed by a digit or a minus sign.
fn split_range(text: &str) -> (&str, Option<&str>, &str) {
    let open = text.char_indices().find(|&(i, c)| {
        c == '['
            && matches!(text.as_bytes().get(i + 1), Some(b'0'..=b'9' | b'-'))
    });
    let Some((open, _)) = open else {
        return (text, None, "");
    };
    let inner = &text[open + 1..];
    match inner.find(']') {
        Some(close) => {
            (&text[..open], Some(&inner[..close]), &inner[close + 1..])
        }
        None => (&text[..open], Some(inner), ""),
    }
}

/// `from-to` at the start of a range, read as `sscanf("%ld-%ld")`.
fn read_range(range: &str) -> Result<(i64, i64), String> {
    let malformed = || {
        format!("function 'expandrange' found a malformed range '[{range}]'")
    };
    let trimmed = range.trim_start_matches(super::is_c_space);
    let (from, rest) = super::strtol(trimmed).ok_or_else(malformed)?;
    let rest = rest.strip_prefix('-').ok_or_else(malformed)?;
    let rest = rest.trim_start_matches(super::is_c_space);
    let (to, _) = super::strtol(rest).ok_or_else(malformed)?;
    Ok((from, to))
}

/// `irange(a, b)`: an integer range, smaller end first, as the text
/// `a,b` that attributes of range type read.
pub fn irange(call: &Call) -> CallResult {
    let read = |i: usize| {
        let text = call.string(i)?;
        parse_int(text).ok_or_else(|| {
            format!("function 'irange' expected an integer, got '{text}'")
        })
    };
    let (a, b) = (read(0)?, read(1)?);
    Ok(Value::string(format!("{},{}", a.min(b), a.max(b))))
}

/// `rrange(a, b)`: a real range as text. cf-agent 3.21 writes the first
/// bound twice, `a,a`, whatever the second, and so does this.
pub fn rrange(call: &Call) -> CallResult {
    let text = call.string(0)?;
    let from = real_with_unit(text).ok_or_else(|| {
        format!("function 'rrange' expected a real number, got '{text}'")
    })?;
    Ok(Value::string(format!("{from:.6},{from:.6}")))
}

/// A real with an optional unit suffix, as cf-agent reads reals in
/// function arguments: `1k` is 1000, `1K` 1024.
fn real_with_unit(text: &str) -> Option<f64> {
    let text = text.trim();
    let digits_end = text
        .rfind(|c: char| c.is_ascii_digit() || c == '.')
        .map_or(0, |i| i + 1);
    let (number, unit) = text.split_at(digits_end);
    let scale = match unit {
        "" => 1.0,
        "k" => 1e3,
        "K" => 1024.0,
        "m" => 1e6,
        "M" => 1_048_576.0,
        "g" => 1e9,
        "G" => 1_073_741_824.0,
        _ => return None,
    };
    let value = strtod(number);
    (!number.is_empty()).then_some(value * scale)
}

#[cfg(test)]
mod tests {
    use super::super::fake::text;
    use super::*;

    // glibc: srand(seed) then rand() four times.
    #[test]
    fn glibc_random_sequence() {
        let first = |seed| {
            let mut random = GlibcRandom::new(seed);
            [random.next(), random.next(), random.next(), random.next()]
        };
        assert_eq!(first(1), [1804289383, 846930886, 1681692777, 1714636915]);
        assert_eq!(first(0), first(1));
        assert_eq!(first(12345), [383100999, 858300821, 357768173, 455528251]);
        assert_eq!(
            first(0x8000_0001),
            [1081815585, 5219348, 1080917272, 1083470877]
        );
        assert_eq!(
            first(u32::MAX),
            [254925627, 1205188300, 366127624, 1401405153]
        );
    }

    // cf-agent: shuffle() of a to j with each seed.
    #[test]
    fn shuffle_follows_cf_agent() {
        let letters = r#"["a","b","c","d","e","f","g","h","i","j"]"#;
        for (seed, order) in [
            (
                "",
                r#"{ "d", "h", "b", "f", "g", "a", "c", "e", "i", "j" }"#,
            ),
            (
                "skruf",
                r#"{ "b", "d", "e", "f", "c", "a", "j", "g", "h", "i" }"#,
            ),
            (
                "1",
                r#"{ "c", "j", "a", "e", "f", "h", "d", "b", "g", "i" }"#,
            ),
            (
                "2",
                r#"{ "i", "a", "j", "c", "f", "d", "b", "g", "e", "h" }"#,
            ),
        ] {
            assert_eq!(text("shuffle", &[letters, seed]), order, "{seed}");
        }
        assert_eq!(text("shuffle", &["el", "x"]), "{  }");
    }

    #[test]
    fn set_operations_keep_first_occurrences() {
        assert_eq!(text("difference", &["l", r#"["b"]"#]), r#"{ "a", "c" }"#);
        assert_eq!(
            text("intersection", &["l", r#"["c","a"]"#]),
            r#"{ "a", "c" }"#
        );
        assert_eq!(
            text("unique", &[r#"[1, "1", 1.0, true, "true", null, [1]]"#]),
            r#"{ "1", "1.0000", "true" }"#
        );
    }

    #[test]
    fn expandrange_forms() {
        assert_eq!(
            text("expandrange", &["host[1-10].x", "3"]),
            r#"{ "host1.x", "host4.x", "host7.x", "host10.x" }"#
        );
        assert_eq!(
            text("expandrange", &["a[3-1]", "1"]),
            r#"{ "a3", "a2", "a1" }"#
        );
        assert_eq!(
            text("expandrange", &["a[1-3", "1"]),
            r#"{ "a1", "a2", "a3" }"#
        );
        assert_eq!(
            text("expandrange", &["a[1-2-3]", "1"]),
            r#"{ "a1", "a2" }"#
        );
        assert_eq!(
            text("expandrange", &["a[-1-0]", "1"]),
            r#"{ "a-1", "a0" }"#
        );
        assert_eq!(
            text("expandrange", &["a[1-5]", "2k"]),
            r#"{ "a1", "a3", "a5" }"#
        );
        for (range, step) in [
            ("plain", "1"),
            ("a[x-y]", "1"),
            ("a[1]", "1"),
            ("a[ 1 - 3 ]", "1"),
            ("a[5-5]", "1"),
            ("a[1-3]", "3"),
            ("a[1-3]", "0"),
            ("a[1-3]", "x"),
        ] {
            assert_eq!(text("expandrange", &[range, step]), "ERR", "{range}");
        }
    }

    #[test]
    fn ranges_as_text() {
        assert_eq!(text("irange", &["5", "1"]), "1,5");
        assert_eq!(text("irange", &["1k", "-2"]), "-2,1000");
        assert_eq!(text("irange", &["inf", "0"]), "0,999999999");
        assert_eq!(text("rrange", &["2.5", "1"]), "2.500000,2.500000");
        assert_eq!(text("rrange", &["1k", "2"]), "1000.000000,1000.000000");
        assert_eq!(text("irange", &["x", "1"]), "ERR");
    }
}
