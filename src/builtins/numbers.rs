//! Reading and printing numbers as cf-agent does: C's `strtod` with its
//! hexadecimal, infinite and not-a-number forms, cf-agent's own reading
//! of a real with a unit, and C's `%f`.

use super::is_c_space;

/// C's `strtod` on `text`: the value of the longest prefix that reads as
/// a number, after blanks, and the length of that prefix; `None` when no
/// prefix does.
pub fn strtod_prefix(text: &str) -> Option<(f64, usize)> {
    let blanks = text.len() - text.trim_start_matches(is_c_space).len();
    let rest = &text[blanks..];
    let (negative, unsigned) = match rest.as_bytes().first() {
        Some(b'-') => (true, &rest[1..]),
        Some(b'+') => (false, &rest[1..]),
        _ => (false, rest),
    };
    let sign = rest.len() - unsigned.len();
    let (magnitude, len) = unsigned_prefix(unsigned)?;
    let value = if negative { -magnitude } else { magnitude };
    Some((value, blanks + sign + len))
}

fn unsigned_prefix(text: &str) -> Option<(f64, usize)> {
    let lower = text.get(..8).unwrap_or(text).to_ascii_lowercase();
    if lower.starts_with("infinity") {
        return Some((f64::INFINITY, 8));
    }
    if lower.starts_with("inf") {
        return Some((f64::INFINITY, 3));
    }
    if lower.starts_with("nan") {
        return Some((f64::NAN, 3 + nan_payload(&text[3..])));
    }
    if lower.starts_with("0x")
        && let Some((value, len)) = hexadecimal(&text[2..])
    {
        return Some((value, 2 + len));
    }
    decimal(text)
}

/// The length of `(chars)` after `nan`, 0 when there is none.
fn nan_payload(text: &str) -> usize {
    let Some(inside) = text.strip_prefix('(') else {
        return 0;
    };
    let chars = inside
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
        .count();
    match inside.as_bytes().get(chars) {
        Some(b')') => chars + 2,
        _ => 0,
    }
}

/// Digits with an optional fraction and an optional exponent.
pub(super) fn decimal(text: &str) -> Option<(f64, usize)> {
    let bytes = text.as_bytes();
    let digits = |from: usize| {
        let tail = bytes.get(from..).unwrap_or_default();
        from + tail.iter().take_while(|c| c.is_ascii_digit()).count()
    };
    let whole = digits(0);
    let mut end = whole;
    if bytes.get(end) == Some(&b'.') {
        end = digits(end + 1);
    }
    if whole == 0 && end <= 1 {
        return None;
    }

    if matches!(bytes.get(end), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(bytes.get(end + 1), Some(b'+' | b'-')));
        let exponent_end = digits(end + 1 + sign);
        if exponent_end > end + 1 + sign {
            end = exponent_end;
        }
    }
    Some((text[..end].parse().ok()?, end))
}

/// Hexadecimal digits with an optional fraction and an optional binary
/// exponent (`p`), after `0x`.
fn hexadecimal(text: &str) -> Option<(f64, usize)> {
    let bytes = text.as_bytes();
    let mut mantissa: u128 = 0;
    let mut scale: i32 = 0;
    let mut end = 0;
    let mut seen_point = false;
    let mut digits = 0;
    while let Some(&b) = bytes.get(end) {
        if b == b'.' && !seen_point {
            seen_point = true;
        } else if let Some(d) = (b as char).to_digit(16) {
            digits += 1;
            // Past 30 digits the value no longer changes a double.
            if mantissa >> 120 == 0 {
                mantissa = mantissa * 16 + u128::from(d);
                scale -= if seen_point { 4 } else { 0 };
            } else if !seen_point {
                scale += 4;
            }
        } else {
            break;
        }
        end += 1;
    }
    if digits == 0 {
        return None;
    }

    let (exponent, len) = binary_exponent(&text[end..]);
    let value = mantissa as f64 * 2f64.powi(scale.saturating_add(exponent));
    Some((value, end + len))
}

/// The value and length of `p[+-]digits`, or 0 and 0.
fn binary_exponent(text: &str) -> (i32, usize) {
    let Some(rest) = text.strip_prefix(['p', 'P']) else {
        return (0, 0);
    };
    let Some((value, tail)) = super::strtol(rest) else {
        return (0, 0);
    };
    let value = i32::try_from(value.clamp(-100_000, 100_000)).unwrap_or(0);
    (value, text.len() - tail.len())
}

/// Why text is not a real number to cf-agent.
#[derive(Debug, PartialEq)]
pub enum NotReal {
    /// No number at its start.
    Unparsed,
    /// A number, a byte, then a word: the ending as cf-agent names it,
    /// the byte and the word.
    Anomalous(String),
}

/// A real as cf-agent reads one where a function wants a number: the
/// number C's `strtod` reads, then optionally one byte that is a unit
/// (`k` 1000, `K` 1024, `m`, `M`, `g`, `G`, or `%`, which negates) or is
/// ignored, then nothing but blanks.
pub fn cf_real(text: &str) -> Result<f64, NotReal> {
    let (value, len) = strtod_prefix(text).ok_or(NotReal::Unparsed)?;
    let rest = &text[len..];
    let Some(&unit) = rest.as_bytes().first() else {
        return Ok(value);
    };
    let after = &rest.as_bytes()[1..];
    let blank = |b: &u8| is_c_space(char::from(*b));
    let start = after.iter().position(|b| !blank(b));
    if let Some(start) = start {
        let len = after[start..].iter().take_while(|b| !blank(b)).count();
        let mut ending = vec![unit];
        ending.extend_from_slice(&after[start..start + len]);
        let ending = String::from_utf8_lossy(&ending).into_owned();
        return Err(NotReal::Anomalous(ending));
    }
    let scale = match unit {
        b'%' => -1.0,
        unit => super::unit_scale(unit) as f64,
    };
    Ok(value * scale)
}

/// The error of a function that read `text` where it wanted a real.
pub fn not_real(function: &str, text: &str, why: NotReal) -> String {
    match why {
        NotReal::Unparsed => {
            format!(
                "function '{function}' failed to parse real number '{text}'"
            )
        }
        NotReal::Anomalous(ending) => format!(
            "function '{function}' found the anomalous ending '{ending}' \
             while parsing real number '{text}'"
        ),
    }
}

/// `x` as C's `%f` prints it: six decimals, `inf`, or `nan` with the
/// sign it carries.
pub fn print(x: f64) -> String {
    let sign = if x.is_sign_negative() { "-" } else { "" };
    if x.is_nan() {
        format!("{sign}nan")
    } else if x.is_infinite() {
        format!("{sign}inf")
    } else {
        format!("{x:.6}")
    }
}

/// `x` converted to a 64-bit integer as x86-64 converts a double: by
/// truncation, with the most negative value for anything out of range.
pub fn long(x: f64) -> i64 {
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if !(-LIMIT..LIMIT).contains(&x) {
        i64::MIN
    } else {
        x as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Option<(String, usize)> {
        strtod_prefix(text).map(|(x, len)| (print(x), len))
    }

    // glibc's strtod reads these so (cf-agent's sum() of each shows it).
    #[test]
    fn reads_what_strtod_reads() {
        assert_eq!(read("0x10"), Some(("16.000000".into(), 4)));
        assert_eq!(read("0x1p3"), Some(("8.000000".into(), 5)));
        assert_eq!(read(" 4"), Some(("4.000000".into(), 2)));
        assert_eq!(read("1e3x"), Some(("1000.000000".into(), 3)));
        assert_eq!(read("1e"), Some(("1.000000".into(), 1)));
        assert_eq!(read("-nan"), Some(("-nan".into(), 4)));
        assert_eq!(read("Infinity"), Some(("inf".into(), 8)));
        assert_eq!(read("0x"), Some(("0.000000".into(), 1)));
        assert_eq!(read("."), None);
        assert_eq!(read("x"), None);
        assert_eq!(read("+-1"), None);
    }

    // cf-agent's int() of each: 2000, 2048, -1, 1, and errors.
    #[test]
    fn cf_real_takes_one_unit_byte() {
        assert_eq!(cf_real("2k"), Ok(2000.0));
        assert_eq!(cf_real("2K"), Ok(2048.0));
        assert_eq!(cf_real("1%"), Ok(-1.0));
        assert_eq!(cf_real("1t"), Ok(1.0));
        assert_eq!(cf_real("5 "), Ok(5.0));
        let anomalous = |e: &str| Err(NotReal::Anomalous(e.into()));
        assert_eq!(cf_real("1,5"), anomalous(",5"));
        assert_eq!(cf_real("5 x y"), anomalous(" x"));
        assert_eq!(cf_real(""), Err(NotReal::Unparsed));
    }
}
