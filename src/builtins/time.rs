//! `strftime`: a time as text, with the conversions of the C library's
//! `strftime` in the C locale, as cf-agent (linked with glibc) prints
//! them.
//!
//! The broken-down time comes from the C library's `gmtime_r` and
//! `localtime_r`, so local time follows `TZ` and `/etc/localtime` as in
//! cf-agent. Every conversion glibc knows is done here, with its flags
//! (`_`, `-`, `0`, `^`, `#`), field widths and the `E` and `O`
//! modifiers, which change nothing in the C locale. A conversion glibc
//! does not know (`%N`, `%q`, `%+`) prints as written.
//!
//! Known shortcoming: `%Y`, `%G` and `%C` of years before 1000 or
//! after 9999 may be padded differently from glibc.

use super::{Call, CallResult};
use crate::system::{MONTHS, WEEKDAYS};
use crate::value::Value;

/// The parts of a time `strftime` prints.
struct Tm {
    year: i64,
    month: usize,
    mday: i64,
    hour: i64,
    min: i64,
    sec: i64,
    wday: i64,
    yday: i64,
    offset: i64,
    zone: String,
    epoch: i64,
}

/// `strftime(mode, template, time)`: the time, in seconds since the
/// epoch, broken down in `gmtime` (UTC) or `localtime` and printed by
/// the template; an error when that prints nothing, as in cf-agent.
pub fn strftime(call: &Call) -> CallResult {
    let mode = call.string(0)?;
    let template = call.string(1)?;
    let time = call.int(2)?;
    if time < 0 {
        return Err(format!(
            "function 'strftime' needs a time of 0 or more, got {time}"
        ));
    }
    let tm = broken_down(time, mode == "localtime").ok_or_else(|| {
        format!("function 'strftime' cannot break down time {time}")
    })?;
    let text = render(template, &tm);
    if text.is_empty() {
        return Err("function 'strftime' printed nothing".to_string());
    }
    Ok(Value::string(text))
}

fn broken_down(time: i64, local: bool) -> Option<Tm> {
    let seconds = libc::time_t::try_from(time).ok()?;
    // SAFETY: `tm` is plain data that `gmtime_r` and `localtime_r`
    // fill in; both are thread-safe and return null on failure.
    let tm = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        let filled = match local {
            true => libc::localtime_r(&seconds, &mut tm),
            false => libc::gmtime_r(&seconds, &mut tm),
        };
        if filled.is_null() {
            return None;
        }
        tm
    };
    Some(Tm {
        year: i64::from(tm.tm_year) + 1900,
        month: usize::try_from(tm.tm_mon).ok()?,
        mday: tm.tm_mday.into(),
        hour: tm.tm_hour.into(),
        min: tm.tm_min.into(),
        sec: tm.tm_sec.into(),
        wday: tm.tm_wday.into(),
        yday: tm.tm_yday.into(),
        offset: tm.tm_gmtoff,
        zone: zone_name(tm.tm_zone),
        epoch: time,
    })
}

fn zone_name(zone: *const libc::c_char) -> String {
    if zone.is_null() {
        return String::new();
    }
    // SAFETY: the C library points `tm_zone` at a static,
    // NUL-terminated name.
    let name = unsafe { std::ffi::CStr::from_ptr(zone) };
    name.to_string_lossy().into_owned()
}

/// Flags and width between `%` and the conversion.
#[derive(Default, Clone, Copy)]
struct Spec {
    pad: Option<u8>,
    upper: bool,
    swap: bool,
    width: Option<usize>,
}

/// The widest field `strftime` pads to, so that a template cannot
/// fill memory.
const MAX_WIDTH: usize = 4096;

/// The template with each conversion replaced.
fn render(template: &str, tm: &Tm) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let (spec, conversion, after) = parse_spec(&rest[at + 1..]);
        let written = &rest[at..rest.len() - after.len()];
        match conversion.and_then(|c| convert(c, spec, tm)) {
            Some(text) => out.push_str(&text),
            None => out.push_str(written),
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// Reads flags, width and `E`/`O` after a `%`: the specification, the
/// conversion character and what follows it.
fn parse_spec(text: &str) -> (Spec, Option<char>, &str) {
    let mut spec = Spec::default();
    let mut chars = text.char_indices().peekable();
    while let Some(&(_, c)) = chars.peek() {
        match c {
            '_' => spec.pad = Some(b' '),
            '-' => spec.pad = Some(0),
            '0' => spec.pad = Some(b'0'),
            '^' => spec.upper = true,
            '#' => spec.swap = true,
            _ => break,
        }
        chars.next();
    }
    let mut width = None;
    while let Some(&(_, c)) = chars.peek() {
        let Some(digit) = c.to_digit(10) else { break };
        let w: usize = width.unwrap_or(0);
        width = Some((w * 10 + digit as usize).min(MAX_WIDTH));
        chars.next();
    }
    spec.width = width;
    if let Some(&(_, 'E' | 'O')) = chars.peek() {
        chars.next();
    }
    match chars.next() {
        Some((at, c)) => (spec, Some(c), &text[at + c.len_utf8()..]),
        None => (spec, None, ""),
    }
}

/// One conversion; `None` for one glibc does not know.
fn convert(conversion: char, spec: Spec, tm: &Tm) -> Option<String> {
    let zeroed =
        |value: i64, width: usize| Some(number(value, width, b'0', spec));
    let spaced =
        |value: i64, width: usize| Some(number(value, width, b' ', spec));
    let text =
        |text: &str, swap_to_upper: bool| Some(word(text, spec, swap_to_upper));
    let hour12 = (tm.hour + 11) % 12 + 1;
    let day = WEEKDAYS[tm.wday.rem_euclid(7) as usize];
    let month = MONTHS[tm.month % 12];
    match conversion {
        'a' => text(&day[..3], true),
        'A' => text(day, true),
        'b' | 'h' => text(&month[..3], true),
        'B' => text(month, true),
        'p' => text(if tm.hour < 12 { "AM" } else { "PM" }, false),
        'P' => text(if tm.hour < 12 { "am" } else { "pm" }, false),
        'Z' => text(&tm.zone, false),
        'c' => text(&render("%a %b %e %H:%M:%S %Y", tm), true),
        'D' | 'x' => text(&render("%m/%d/%y", tm), true),
        'F' => text(&render("%Y-%m-%d", tm), true),
        'r' => text(&render("%I:%M:%S %p", tm), true),
        'R' => text(&render("%H:%M", tm), true),
        'T' | 'X' => text(&render("%H:%M:%S", tm), true),
        'n' => text("\n", true),
        't' => text("\t", true),
        '%' => text("%", true),
        'C' => zeroed(tm.year.div_euclid(100), 2),
        'd' => zeroed(tm.mday, 2),
        'e' => spaced(tm.mday, 2),
        'H' => zeroed(tm.hour, 2),
        'I' => zeroed(hour12, 2),
        'k' => spaced(tm.hour, 2),
        'l' => spaced(hour12, 2),
        'j' => zeroed(tm.yday + 1, 3),
        'm' => zeroed(tm.month as i64 + 1, 2),
        'M' => zeroed(tm.min, 2),
        'S' => zeroed(tm.sec, 2),
        's' => zeroed(tm.epoch, 1),
        'u' => zeroed((tm.wday + 6) % 7 + 1, 1),
        'w' => zeroed(tm.wday, 1),
        'U' => zeroed((tm.yday + 7 - tm.wday) / 7, 2),
        'W' => zeroed((tm.yday + 7 - (tm.wday + 6) % 7) / 7, 2),
        'V' => zeroed(iso_week(tm).1, 2),
        'G' => zeroed(iso_week(tm).0, 1),
        'g' => zeroed(iso_week(tm).0.rem_euclid(100), 2),
        'y' => zeroed(tm.year.rem_euclid(100), 2),
        'Y' => zeroed(tm.year, 1),
        'z' => Some(zone_offset(tm.offset, spec)),
        _ => None,
    }
}

/// A number padded to its natural width with `natural_pad`, or as the
/// flags and width say.
fn number(value: i64, natural: usize, natural_pad: u8, spec: Spec) -> String {
    let digits = value.unsigned_abs().to_string();
    let sign = if value < 0 { "-" } else { "" };
    let pad = spec.pad.unwrap_or(natural_pad);
    let width = match pad {
        0 => 0,
        _ => spec.width.unwrap_or(natural),
    };
    let fill = width.saturating_sub(sign.len() + digits.len());
    match pad {
        b' ' => format!("{}{sign}{digits}", " ".repeat(fill)),
        _ => format!("{sign}{}{digits}", "0".repeat(fill)),
    }
}

/// A word padded with spaces to the width (zeros with `0`), in upper
/// case with `^`; `#` swaps to upper case (`swap_to_upper`) or lower.
fn word(text: &str, spec: Spec, swap_to_upper: bool) -> String {
    let text = if spec.upper || (spec.swap && swap_to_upper) {
        text.to_ascii_uppercase()
    } else if spec.swap {
        text.to_ascii_lowercase()
    } else {
        text.to_string()
    };
    let fill = spec.width.unwrap_or(0).saturating_sub(text.len());
    let pad = match spec.pad {
        Some(b'0') => "0",
        _ => " ",
    };
    format!("{}{text}", pad.repeat(fill))
}

/// `+hhmm` or `-hhmm`.
fn zone_offset(offset: i64, spec: Spec) -> String {
    let sign = if offset < 0 { '-' } else { '+' };
    let minutes = offset.unsigned_abs() / 60;
    let value = (minutes / 60 * 100 + minutes % 60) as i64;
    let digits = number(value, 4, b'0', Spec { pad: None, ..spec });
    format!("{sign}{digits}")
}

/// The ISO 8601 year and week of the time.
fn iso_week(tm: &Tm) -> (i64, i64) {
    let monday_based = (tm.wday + 6) % 7;
    let week = (tm.yday - monday_based + 10) / 7;
    if week < 1 {
        return (tm.year - 1, iso_weeks(tm.year - 1));
    }
    if week > iso_weeks(tm.year) {
        return (tm.year + 1, 1);
    }
    (tm.year, week)
}

/// How many ISO weeks `year` has: 53 when it starts on a Thursday, or
/// on a Wednesday in a leap year.
fn iso_weeks(year: i64) -> i64 {
    let p = |y: i64| {
        (y + y.div_euclid(4) - y.div_euclid(100) + y.div_euclid(400))
            .rem_euclid(7)
    };
    if p(year) == 4 || p(year - 1) == 3 {
        53
    } else {
        52
    }
}

#[cfg(test)]
mod tests {
    use super::super::fake::text;

    fn gmtime(template: &str, time: &str) -> String {
        text("strftime", &["gmtime", template, time])
    }

    // Each as cf-agent printed it for 1234567890, a Friday.
    #[test]
    fn every_conversion() {
        let expected = [
            ("a", "Fri"),
            ("A", "Friday"),
            ("b", "Feb"),
            ("B", "February"),
            ("c", "Fri Feb 13 23:31:30 2009"),
            ("C", "20"),
            ("d", "13"),
            ("D", "02/13/09"),
            ("e", "13"),
            ("F", "2009-02-13"),
            ("g", "09"),
            ("G", "2009"),
            ("h", "Feb"),
            ("H", "23"),
            ("I", "11"),
            ("j", "044"),
            ("k", "23"),
            ("l", "11"),
            ("m", "02"),
            ("M", "31"),
            ("n", "\n"),
            ("N", "%N"),
            ("p", "PM"),
            ("P", "pm"),
            ("r", "11:31:30 PM"),
            ("R", "23:31"),
            ("s", "1234567890"),
            ("S", "30"),
            ("t", "\t"),
            ("T", "23:31:30"),
            ("u", "5"),
            ("U", "06"),
            ("V", "07"),
            ("w", "5"),
            ("W", "06"),
            ("x", "02/13/09"),
            ("X", "23:31:30"),
            ("y", "09"),
            ("Y", "2009"),
            ("z", "+0000"),
            ("Z", "GMT"),
            ("+", "%+"),
            ("%", "%"),
        ];
        for (conversion, printed) in expected {
            let template = format!("%{conversion}");
            assert_eq!(gmtime(&template, "1234567890"), printed, "{template}");
        }
    }

    #[test]
    fn flags_widths_and_modifiers() {
        let template = "%Ey %Od %-d %_d %05d %^a %#b %10A %E %O %q %";
        assert_eq!(
            gmtime(template, "1234567890"),
            "09 13 13 13 00013 FRI FEB     Friday %E %O %q %"
        );
        assert_eq!(gmtime("%_H|%-m|%#p|%3e", "0"), " 0|1|am|  1");
        assert_eq!(gmtime("%s %c", "0"), "0 Thu Jan  1 00:00:00 1970");
        assert_eq!(gmtime("%Y-%m-%d", "99999999999"), "5138-11-16");
    }

    #[test]
    fn iso_weeks_at_year_ends() {
        // 2021-01-01 is in week 53 of 2020; 2024-12-30 in week 1 of 2025.
        assert_eq!(gmtime("%G-%V", "1609459200"), "2020-53");
        assert_eq!(gmtime("%G-%V", "1735516800"), "2025-01");
    }

    #[test]
    fn empty_results_and_negative_times_fail() {
        assert_eq!(gmtime("", "0"), "ERR");
        assert_eq!(gmtime("%Y", "-1"), "ERR");
    }
}
