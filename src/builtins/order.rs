//! The orderings of `sort()`, read from cf-agent's answers.
//!
//! Each mode reads some items as keys (a number, an IP address, a MAC
//! address) and leaves the others as plain strings. Strings come first,
//! in byte order, then keys in their own order. cf-agent sorts with a
//! merge sort that takes the left item only when it is strictly less
//! than the right one, so items that compare equal come out in the
//! reverse of their order in the list; a not-a-number, which compares
//! equal to everything, lands where that merge sort leaves it, so the
//! same merge sort is used here.

use crate::value::Str;

/// How `sort()` compares items.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Byte order.
    Lex,
    /// Numbers, truncated to integers.
    Int,
    /// Numbers.
    Real,
    /// IPv4 addresses before IPv6 addresses, each in numeric order.
    Ip,
    /// MAC addresses in numeric order.
    Mac,
}

impl Mode {
    /// The mode named as policy names it.
    pub fn from_name(name: &str) -> Option<Mode> {
        Some(match name {
            "lex" => Mode::Lex,
            "int" => Mode::Int,
            "real" => Mode::Real,
            "IP" | "ip" => Mode::Ip,
            "MAC" | "mac" => Mode::Mac,
            _ => return None,
        })
    }
}

/// What an item reads as in a mode; `None` for a plain string.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
enum Key {
    Int(i64),
    Real(f64),
    /// The family (4 or 6) and the address.
    Ip(u8, u128),
    Mac([u8; 6]),
}

fn key(mode: Mode, item: &str) -> Option<Key> {
    match mode {
        Mode::Lex => None,
        Mode::Int => scan_real(item).map(|r| Key::Int(truncate(r))),
        Mode::Real => scan_real(item).map(Key::Real),
        Mode::Ip => parse_ip(item).map(|(family, a)| Key::Ip(family, a)),
        Mode::Mac => parse_mac(item).map(Key::Mac),
    }
}

/// `items` sorted as cf-agent sorts them in `mode`.
pub fn sort(items: &[Str], mode: Mode) -> Vec<Str> {
    let keys: Vec<Option<Key>> =
        items.iter().map(|item| key(mode, item)).collect();
    let less = |a: usize, b: usize| match (&keys[a], &keys[b]) {
        // Not-a-number is neither less nor greater than anything.
        (Some(x), Some(y)) => x < y,
        (Some(_), None) => false,
        (None, Some(_)) => true,
        (None, None) => items[a].as_bytes() < items[b].as_bytes(),
    };
    let order = merge_sort((0..items.len()).collect(), less);
    order.into_iter().map(|i| items[i].clone()).collect()
}

/// A bottom-up merge sort of runs that double in length, the left item
/// taken only when `less(left, right)`.
fn merge_sort(
    mut items: Vec<usize>,
    less: impl Fn(usize, usize) -> bool,
) -> Vec<usize> {
    let mut width = 1;
    while width < items.len() {
        let mut merged = Vec::with_capacity(items.len());
        for run in items.chunks(2 * width) {
            let (left, right) = run.split_at(width.min(run.len()));
            merge(left, right, &less, &mut merged);
        }
        items = merged;
        width *= 2;
    }
    items
}

fn merge(
    left: &[usize],
    right: &[usize],
    less: &impl Fn(usize, usize) -> bool,
    out: &mut Vec<usize>,
) {
    let (mut i, mut j) = (0, 0);
    while i < left.len() && j < right.len() {
        if less(left[i], right[j]) {
            out.push(left[i]);
            i += 1;
        } else {
            out.push(right[j]);
            j += 1;
        }
    }
    out.extend_from_slice(&left[i..]);
    out.extend_from_slice(&right[j..]);
}

/// A real converted to an integer as the x86-64 instruction cf-agent's
/// cast compiles to converts it: not-a-number and values out of range
/// become the lowest integer.
fn truncate(value: f64) -> i64 {
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if value.is_nan() || !(-LIMIT..LIMIT).contains(&value) {
        return i64::MIN;
    }
    value as i64
}

/// The number at the start of `text`, as C's `sscanf("%lf")` reads it:
/// blanks, a sign, then a decimal or hexadecimal number, `inf`,
/// `infinity` or `nan`; `None` when there is none.
pub fn scan_real(text: &str) -> Option<f64> {
    let text = text.trim_start_matches(super::is_c_space);
    let (negative, rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let magnitude = scan_unsigned(rest)?;
    Some(if negative { -magnitude } else { magnitude })
}

fn scan_unsigned(text: &str) -> Option<f64> {
    let lower = text.get(..8).unwrap_or(text).to_ascii_lowercase();
    if lower.starts_with("nan") {
        return Some(f64::NAN);
    }
    if let Some(rest) = lower.strip_prefix("inf") {
        // Once past `inf`, an `i` commits sscanf to `infinity`.
        let whole = !rest.starts_with('i') || rest == "inity";
        return whole.then_some(f64::INFINITY);
    }
    let bytes = text.as_bytes();
    if bytes.len() > 1 && bytes[0] == b'0' && matches!(bytes[1], b'x' | b'X') {
        return scan_hex(&bytes[2..]);
    }
    scan_decimal(text)
}

/// Digits with an optional fraction, then an exponent if one is whole,
/// read as `strtod` reads them.
fn scan_decimal(text: &str) -> Option<f64> {
    super::numbers::decimal(text).map(|(value, _)| value)
}

/// A hexadecimal number after its `0x`: digits with an optional
/// fraction and an optional binary exponent; at least one digit.
fn scan_hex(bytes: &[u8]) -> Option<f64> {
    let mut value = 0.0f64;
    let mut scale = 0i32;
    let mut seen = false;
    let mut i = 0;
    let mut fraction = false;
    while let Some(&c) = bytes.get(i) {
        if c == b'.' && !fraction {
            fraction = true;
        } else if let Some(d) = (c as char).to_digit(16) {
            value = value * 16.0 + f64::from(d);
            scale -= if fraction { 4 } else { 0 };
            seen = true;
        } else {
            break;
        }
        i += 1;
    }
    if !seen {
        return None;
    }
    Some(value * 2f64.powi(scale + binary_exponent(&bytes[i..])))
}

fn binary_exponent(bytes: &[u8]) -> i32 {
    if !matches!(bytes.first(), Some(b'p' | b'P')) {
        return 0;
    }
    let text = std::str::from_utf8(&bytes[1..]).unwrap_or_default();
    match super::strtol(text) {
        Some((exponent, _)) => exponent.clamp(-4000, 4000) as i32,
        None => 0,
    }
}

/// An IPv4 address (family 4) or an IPv6 address (family 6), as
/// cf-agent's address reader takes them; see [`parse_ipv4`] and
/// [`parse_ipv6`].
fn parse_ip(text: &str) -> Option<(u8, u128)> {
    if let Some(v4) = parse_ipv4(text.as_bytes()) {
        return Some((4, u128::from(v4)));
    }
    parse_ipv6(text).map(|v6| (6, v6))
}

/// Four decimal octets up to 255 separated by dots, with any number of
/// leading zeros, optionally followed by `:port` (a port up to 65535,
/// which does not take part in comparisons).
///
/// cf-agent's reader also forgives one stray byte at the very end when
/// a digit comes before it, and then drops the number being read:
/// `1.1.1.5x` reads as 1.1.1.0 and `1.1x` as 1.0.0.0.
fn parse_ipv4(text: &[u8]) -> Option<u32> {
    let mut octets = [0u32; 4];
    let (mut index, mut current, mut has_digit) = (0, 0u32, false);
    let mut port: Option<(u32, usize)> = None;
    for (i, &c) in text.iter().enumerate() {
        if let Some((value, digits)) = port.as_mut() {
            *value = *value * 10
                + u32::from(c.is_ascii_digit().then_some(c)? - b'0');
            *digits += 1;
            if *value > 65535 {
                return None;
            }
            continue;
        }
        match c {
            b'0'..=b'9' => {
                current = current * 10 + u32::from(c - b'0');
                if current > 255 {
                    return None;
                }
                has_digit = true;
            }
            b'.' if index < 3 && has_digit => {
                octets[index] = current;
                index += 1;
                (current, has_digit) = (0, false);
            }
            b':' if index == 3 && has_digit => {
                octets[3] = current;
                port = Some((0, 0));
            }
            _ if i + 1 == text.len() && has_digit => {
                return Some(pack(octets));
            }
            _ => return None,
        }
    }

    match port {
        Some((_, digits)) => (digits > 0).then(|| pack(octets)),
        None if index == 3 && has_digit => {
            octets[3] = current;
            Some(pack(octets))
        }
        None => None,
    }
}

fn pack(octets: [u32; 4]) -> u32 {
    octets.iter().fold(0, |acc, &o| acc << 8 | o)
}

/// Groups of lowercase hexadecimal digits (each at most `ffff`)
/// separated by colons, eight of them or fewer around one `::`;
/// optionally in brackets followed by `:port`.
///
/// cf-agent's reader differs from the standard in ways this follows: a
/// colon at either end of a group list stands for one more zero group
/// (`:1:2:3:4:5:6:7` is `0:1:2:3:4:5:6:7`, `1::2:` is `1::2:0`, and so
/// `::1:2:3:4:5:6:7` has too many groups); a trailing colon without
/// `::` is refused; and with a port, the groups after `::` are lost
/// (`[::1]:80` reads as `::`). Uppercase digits and dotted IPv4 tails
/// are refused.
fn parse_ipv6(text: &str) -> Option<u128> {
    let (inner, has_port) = match text.strip_prefix('[') {
        Some(rest) => {
            let close = rest.find(']')?;
            let after = &rest[close + 1..];
            (&rest[..close], bracket_port(after)?)
        }
        None => (text, false),
    };
    if inner.contains(":::") {
        return None;
    }
    let groups = match inner.split_once("::") {
        Some((head, tail)) => compressed(head, tail, has_port)?,
        None => uncompressed(inner)?,
    };
    Some(groups.iter().fold(0, |acc, &g| acc << 16 | u128::from(g)))
}

/// Whether text after `]` holds a port: none for no text, `Some(true)`
/// for `:` and a port up to 65535.
fn bracket_port(after: &str) -> Option<bool> {
    if after.is_empty() {
        return Some(false);
    }
    let digits = after.strip_prefix(':')?;
    let valid = !digits.is_empty()
        && digits.bytes().all(|c| c.is_ascii_digit())
        && digits.parse::<u32>().is_ok_and(|p| p <= 65535);
    valid.then_some(true)
}

fn compressed(head: &str, tail: &str, has_port: bool) -> Option<[u16; 8]> {
    if tail.contains("::") {
        return None;
    }
    let head = groups(head, true, false)?;
    let tail = groups(tail, false, true)?;
    if head.len() + tail.len() > 7 {
        return None;
    }
    let mut out = [0u16; 8];
    out[..head.len()].copy_from_slice(&head);
    if !has_port {
        out[8 - tail.len()..].copy_from_slice(&tail);
    }
    Some(out)
}

fn uncompressed(inner: &str) -> Option<[u16; 8]> {
    groups(inner, true, false)?.try_into().ok()
}

/// The groups of `text` split at colons; an empty first group (when
/// `empty_first`) or last group (when `empty_last`) reads as zero.
fn groups(text: &str, empty_first: bool, empty_last: bool) -> Option<Vec<u16>> {
    let parts: Vec<&str> = text.split(':').collect();
    let last = parts.len() - 1;
    let group = |(i, part): (usize, &&str)| {
        if part.is_empty() {
            let allowed = (i == 0 && empty_first) || (i == last && empty_last);
            return allowed.then_some(0);
        }
        let hex = part.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'));
        let value = u32::from_str_radix(part, 16).ok().filter(|_| hex)?;
        u16::try_from(value).ok()
    };
    parts.iter().enumerate().map(group).collect()
}

/// Six bytes read as C's `sscanf` reads them: with
/// `"%hhx:%hhx:%hhx:%hhx:%hhx:%hhx"` from text longer than twelve bytes,
/// else with `"%2hhx"` six times, so `aabbccddeeff` is an address;
/// `None` unless all six are read.
fn parse_mac(text: &str) -> Option<[u8; 6]> {
    let colons = text.len() > 12;
    let width = if colons { None } else { Some(2) };
    let mut rest = text.as_bytes();
    let mut mac = [0u8; 6];
    for (i, byte) in mac.iter_mut().enumerate() {
        if colons && i > 0 {
            rest = rest.strip_prefix(b":")?;
        }
        let (value, after) = scan_hex_byte(rest, width)?;
        *byte = value;
        rest = after;
    }
    Some(mac)
}

/// One `%hhx` conversion of at most `width` bytes (blanks before it not
/// counted): an optional sign, an optional `0x`, hexadecimal digits.
/// The value saturates as `strtoul` does and keeps its low byte.
fn scan_hex_byte(text: &[u8], width: Option<usize>) -> Option<(u8, &[u8])> {
    let start = text.iter().take_while(|&&c| is_c_space_byte(c)).count();
    let text = &text[start..];
    let limit = width.unwrap_or(usize::MAX).min(text.len());
    let mut i = 0;
    let negative = matches!(text.first(), Some(b'-')) && limit > 0;
    if limit > 0 && matches!(text[0], b'+' | b'-') {
        i = 1;
    }
    let mut value: u64 = 0;
    let mut digits = 0;
    if i + 1 < limit && text[i] == b'0' && matches!(text[i + 1], b'x' | b'X') {
        i += 2;
        digits = 1;
    }
    while i < limit {
        let Some(d) = (text[i] as char).to_digit(16) else {
            break;
        };
        value = value.saturating_mul(16).saturating_add(u64::from(d));
        digits += 1;
        i += 1;
    }
    if digits == 0 {
        return None;
    }
    let value = if negative {
        value.wrapping_neg()
    } else {
        value
    };
    Some((value as u8, &text[i..]))
}

fn is_c_space_byte(c: u8) -> bool {
    super::is_c_space(char::from(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(mode: Mode, items: &[&str]) -> Vec<String> {
        let items: Vec<Str> = items.iter().map(|&s| s.into()).collect();
        sort(&items, mode).iter().map(|s| s.to_string()).collect()
    }

    // cf-agent: sort() of each list, in each mode.
    #[test]
    fn strings_come_first_in_byte_order() {
        assert_eq!(
            sorted(Mode::Lex, &["b", "c", "a", "B", "", "10", "9", "é", "_"]),
            ["", "10", "9", "B", "_", "a", "b", "c", "é"]
        );
        assert_eq!(
            sorted(Mode::Int, &["100", "9", "abc", "", "1e2", "0x10"]),
            ["", "abc", "9", "0x10", "1e2", "100"]
        );
    }

    #[test]
    fn equal_items_come_out_reversed() {
        assert_eq!(
            sorted(Mode::Int, &["3", "1", "2", "1.0", "01", "1"]),
            ["1", "01", "1.0", "1", "2", "3"]
        );
        assert_eq!(
            sorted(Mode::Real, &["1", "1.5", "1.2", "1.0"]),
            ["1.0", "1", "1.2", "1.5"]
        );
    }

    #[test]
    fn not_a_number_lands_where_the_merge_leaves_it() {
        let items = [
            "nan", "inf", "-inf", "5", "NAN", "infinity", "0x1p3", "  3", "3 ",
        ];
        assert_eq!(
            sorted(Mode::Real, &items),
            [
                "-inf", "3 ", "  3", "5", "0x1p3", "infinity", "NAN", "inf",
                "nan"
            ]
        );
        assert_eq!(
            sorted(Mode::Int, &items),
            [
                "infinity", "NAN", "-inf", "inf", "nan", "3 ", "  3", "5",
                "0x1p3"
            ]
        );
    }

    #[test]
    fn numbers_read_as_sscanf_reads_them() {
        let items = [
            "1e", "1ex", "1e+", "1e+x", "0x", "0xg", "0x1g", ".5", ".", "-",
            "-.5", "nan(12)", "1e400", "-1e400", "2", "0",
        ];
        assert_eq!(scan_real("infinit"), None);
        assert_eq!(scan_real("infx"), Some(f64::INFINITY));
        assert_eq!(scan_real("-INFINITYx"), Some(f64::NEG_INFINITY));
        assert_eq!(
            sorted(Mode::Real, &items),
            [
                "-", ".", "0x", "0xg", "-1e400", "0", ".5", "0x1g", "1e+x",
                "1e+", "1ex", "1e", "2", "1e400", "nan(12)", "-.5"
            ]
        );
        assert_eq!(
            sorted(Mode::Int, &items),
            [
                "-", ".", "0x", "0xg", "-1e400", "1e400", "nan(12)", "0",
                "-.5", ".5", "0x1g", "1e+x", "1e+", "1ex", "1e", "2"
            ]
        );
    }

    #[test]
    fn ipv4_addresses() {
        let ip = |text: &str| parse_ipv4(text.as_bytes());
        assert_eq!(ip("10.0.0.1"), Some(0x0a00_0001));
        assert_eq!(ip("010.0.0.01"), Some(0x0a00_0001));
        assert_eq!(ip("1.1.1.1:80"), Some(0x0101_0101));
        assert_eq!(ip("1.1.1.5x"), Some(0x0101_0100));
        assert_eq!(ip("1.1.1.5."), Some(0x0101_0100));
        assert_eq!(ip("1.1x"), Some(0x0100_0000));
        assert_eq!(ip("1:"), Some(0));
        for bad in [
            "1.1.1",
            "1.1.1.",
            "1.1.1.256",
            "1.1.1.5xx",
            "1.1.1.x",
            "1.1.1.5:",
            "1.1.1.5:65536",
            "1.1.1.5:8x",
            " 1.1.1.1",
            "1.1.1.1/8",
            "",
        ] {
            assert_eq!(ip(bad), None, "{bad}");
        }
    }

    #[test]
    fn ipv6_addresses() {
        let v6 = |text: &str| parse_ipv6(text).map(|a| format!("{a:032x}"));
        let hex = |text: &str| Some(text.replace(':', ""));
        assert_eq!(v6("::1"), hex("0000:0000:0000:0000:0000:0000:0000:0001"));
        assert_eq!(v6("[::1]"), v6("::1"));
        assert_eq!(v6("[::1]:80"), v6("::"));
        assert_eq!(v6("[1:2::3]:8"), v6("1:2::"));
        assert_eq!(v6("[1:2:3:4:5:6:7:8]:9"), v6("1:2:3:4:5:6:7:8"));
        assert_eq!(v6(":1::"), v6("0:1::"));
        assert_eq!(v6("1::2:"), v6("1::2:0"));
        assert_eq!(v6(":1:2:3:4:5:6:7"), v6("0:1:2:3:4:5:6:7"));
        assert_eq!(v6("1:2:3:4:5:6::7"), v6("1:2:3:4:5:6:0:7"));
        assert_eq!(v6("00001::"), v6("1::"));
        for bad in [
            "A::",
            "::g",
            ":::",
            "1::2::3",
            "fffff::",
            "1:2:3:4:5:6:7::",
            "::1:2:3:4:5:6:7",
            "1:2:3:4:5:6:7",
            "1:2:3:4:5:6:7:",
            "::1 ",
            "::ffff:1.2.3.4",
            "[::1]x",
            "[::1]:",
            "[::1]:65536",
            "[]",
            ":",
        ] {
            assert_eq!(v6(bad), None, "{bad}");
        }
    }

    #[test]
    fn ip_order_puts_ipv4_first() {
        assert_eq!(
            sorted(Mode::Ip, &["::1", "abc", "10.0.0.10", "9.1.1.1", "1::"]),
            ["abc", "9.1.1.1", "10.0.0.10", "::1", "1::"]
        );
    }

    #[test]
    fn mac_addresses() {
        let mac = |text: &str| parse_mac(text).map(|m| format!("{m:02x?}"));
        let bytes = |b: [u8; 6]| Some(format!("{b:02x?}"));
        assert_eq!(
            mac("aa:bb:cc:dd:ee:ff"),
            bytes([170, 187, 204, 221, 238, 255])
        );
        assert_eq!(mac("aabbccddeeff"), mac("aa:bb:cc:dd:ee:ff"));
        assert_eq!(mac("01020304050"), bytes([1, 2, 3, 4, 5, 0]));
        assert_eq!(mac("0x0102030405"), bytes([0, 1, 2, 3, 4, 5]));
        assert_eq!(mac("1:2:3:4:5:6:7"), bytes([1, 2, 3, 4, 5, 6]));
        assert_eq!(mac("100:0:0:0:0:0"), bytes([0; 6]));
        assert_eq!(mac("-1:0:0:0:0:00"), bytes([255, 0, 0, 0, 0, 0]));
        assert_eq!(mac("0x:1:1:1:1:11"), bytes([0, 1, 1, 1, 1, 0x11]));
        assert_eq!(
            mac("fffffffffffffffffff:0:0:0:0:0"),
            bytes([255, 0, 0, 0, 0, 0])
        );
        for bad in [
            "0:1:2:3:4:5",
            "aa:bb:cc:dd:ee",
            "aabbcc",
            "1:1:1:1:1:11",
            "xyz",
        ] {
            assert_eq!(mac(bad), None, "{bad}");
        }
    }
}
