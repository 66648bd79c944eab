//! The local time zone's offset from UTC at a moment, found as C's
//! `localtime()` finds it.
//!
//! `TZ` names the zone when it is set: empty means UTC, `:NAME` or
//! `NAME` a zone file (absolute, or under `/usr/share/zoneinfo`), and a
//! text that names no file is read as a POSIX rule such as
//! `CET-1CEST,M3.5.0,M10.5.0/3`. Without `TZ` the zone file is
//! `/etc/localtime`. Zone files are read under the sysroot in the TZif
//! format of RFC 8536, the rule at their end included; when nothing can
//! be read the offset is 0, as C falls back to UTC.

use super::Root;
use super::clock::{civil_time, days_from_civil};

/// Seconds to add to `now` to get local time.
pub(super) fn offset_at(root: &Root, now: i64) -> i64 {
    zone(root).map_or(0, |zone| zone.offset_at(now))
}

fn zone(root: &Root) -> Option<Zone> {
    let Some(tz) = &root.tz else {
        return Zone::from_tzif(&root.read_bytes("/etc/localtime")?);
    };
    let name = tz.strip_prefix(':').unwrap_or(tz);
    if name.is_empty() {
        return None;
    }
    let path = match name.starts_with('/') {
        true => name.to_string(),
        false => format!("/usr/share/zoneinfo/{name}"),
    };
    let file = root.read_bytes(&path).and_then(|b| Zone::from_tzif(&b));
    file.or_else(|| Some(Zone::from_rule(Rule::parse(name)?)))
}

/// A zone: its transitions, the offsets they switch to, and the rule
/// for moments past the last transition.
#[derive(Debug, Default)]
struct Zone {
    /// Moments and the index of the offset that starts at each.
    transitions: Vec<(i64, usize)>,
    offsets: Vec<i64>,
    rule: Option<Rule>,
}

impl Zone {
    fn from_rule(rule: Rule) -> Zone {
        Zone {
            rule: Some(rule),
            ..Zone::default()
        }
    }

    fn offset_at(&self, t: i64) -> i64 {
        let before = self.transitions.partition_point(|&(at, _)| at <= t);
        let past_last = before == self.transitions.len();
        if let Some(rule) = self.rule.as_ref().filter(|_| past_last) {
            return rule.offset_at(t);
        }
        let index = before.checked_sub(1).map_or(0, |i| self.transitions[i].1);
        self.offsets.get(index).copied().unwrap_or(0)
    }

    /// Reads a TZif file: the 64-bit data of version 2 and later, with
    /// its footer rule, or the 32-bit data of version 1.
    fn from_tzif(bytes: &[u8]) -> Option<Zone> {
        let header = Header::read(bytes)?;
        if header.version == 0 {
            return header.zone(bytes.get(44..)?, 4);
        }
        let second = bytes.get(44 + header.v1_len()..)?;
        let header = Header::read(second)?;
        let mut zone = header.zone(second.get(44..)?, 8)?;
        let footer = second.get(44 + header.data_len(8)..)?;
        let footer = String::from_utf8_lossy(footer);
        zone.rule = footer
            .trim_matches('\n')
            .lines()
            .next()
            .and_then(Rule::parse);
        Some(zone)
    }
}

/// The counts at the head of a TZif data block.
struct Header {
    version: u8,
    isut: usize,
    isstd: usize,
    leap: usize,
    time: usize,
    types: usize,
    chars: usize,
}

impl Header {
    fn read(bytes: &[u8]) -> Option<Header> {
        if bytes.get(..4)? != b"TZif" {
            return None;
        }
        let count = |i: usize| read_be(bytes.get(20 + 4 * i..24 + 4 * i)?);
        let count = |i| usize::try_from(count(i)?).ok();
        Some(Header {
            version: bytes.get(4)?.saturating_sub(b'0'),
            isut: count(0)?,
            isstd: count(1)?,
            leap: count(2)?,
            time: count(3)?,
            types: count(4)?,
            chars: count(5)?,
        })
    }

    fn v1_len(&self) -> usize {
        self.data_len(4)
    }

    fn data_len(&self, width: usize) -> usize {
        self.time * (width + 1)
            + self.types * 6
            + self.chars
            + self.leap * (width + 4)
            + self.isstd
            + self.isut
    }

    fn zone(&self, data: &[u8], width: usize) -> Option<Zone> {
        let times = data.get(..self.time * width)?;
        let indices = data.get(times.len()..times.len() + self.time)?;
        let types_at = times.len() + indices.len();
        let types = data.get(types_at..types_at + self.types * 6)?;

        let offsets: Vec<i64> =
            types.chunks(6).filter_map(|t| read_be(&t[..4])).collect();
        let mut transitions = Vec::with_capacity(self.time);
        for (time, &index) in times.chunks(width).zip(indices) {
            let index = usize::from(index);
            if index < offsets.len() {
                transitions.push((read_be(time)?, index));
            }
        }
        Some(Zone {
            transitions,
            offsets,
            rule: None,
        })
    }
}

/// A big-endian signed number of 4 or 8 bytes.
fn read_be(bytes: &[u8]) -> Option<i64> {
    match bytes.len() {
        4 => Some(i64::from(i32::from_be_bytes(bytes.try_into().ok()?))),
        8 => Some(i64::from_be_bytes(bytes.try_into().ok()?)),
        _ => None,
    }
}

/// A POSIX `TZ` rule: a standard offset and, when the zone has summer
/// time, its offset and the moments it starts and ends each year.
#[derive(Debug, PartialEq)]
struct Rule {
    /// Seconds east of UTC.
    standard: i64,
    summer: Option<Summer>,
}

#[derive(Debug, PartialEq)]
struct Summer {
    offset: i64,
    start: (Day, i64),
    end: (Day, i64),
}

/// A day of the year as a rule names it.
#[derive(Debug, PartialEq)]
enum Day {
    /// `Jn`: 1 to 365, February 29 never counted.
    Julian(i64),
    /// `n`: 0 to 365, February 29 counted.
    Zero(i64),
    /// `Mm.w.d`: day `d` (0 for Sunday) of week `w` (5 for the last) of
    /// month `m`.
    Month(i64, i64, i64),
}

impl Rule {
    fn parse(text: &str) -> Option<Rule> {
        let mut reader = RuleReader { rest: text };
        let rule = reader.rule()?;
        reader.rest.is_empty().then_some(rule)
    }

    fn offset_at(&self, t: i64) -> i64 {
        let Some(summer) = &self.summer else {
            return self.standard;
        };
        let year = civil_time(t + self.standard).year;
        let start = summer.start.0.day_in(year) * 86_400 + summer.start.1
            - self.standard;
        let end =
            summer.end.0.day_in(year) * 86_400 + summer.end.1 - summer.offset;
        let in_summer = match start < end {
            true => start <= t && t < end,
            false => !(end <= t && t < start),
        };
        if in_summer {
            summer.offset
        } else {
            self.standard
        }
    }
}

impl Day {
    /// Days since the epoch of this day in `year`.
    fn day_in(&self, year: i64) -> i64 {
        let january = days_from_civil(year, 1, 1);
        match *self {
            Day::Julian(n) => {
                let leap = days_from_civil(year, 3, 1) - january == 60;
                january + n - 1 + i64::from(leap && n >= 60)
            }
            Day::Zero(n) => january + n,
            Day::Month(month, week, weekday) => {
                let first = days_from_civil(year, month, 1);
                let next = match month {
                    12 => days_from_civil(year + 1, 1, 1),
                    _ => days_from_civil(year, month + 1, 1),
                };
                let first_weekday = (first + 4).rem_euclid(7);
                let mut day = first + (weekday - first_weekday).rem_euclid(7);
                day += (week - 1) * 7;
                while day >= next {
                    day -= 7;
                }
                day
            }
        }
    }
}

struct RuleReader<'a> {
    rest: &'a str,
}

impl RuleReader<'_> {
    fn rule(&mut self) -> Option<Rule> {
        self.name()?;
        let standard = -self.clock()?;
        if self.rest.is_empty() {
            return Some(Rule {
                standard,
                summer: None,
            });
        }

        self.name()?;
        let starts_offset = self
            .rest
            .starts_with(|c: char| c.is_ascii_digit() || c == '+' || c == '-');
        let offset = match starts_offset {
            true => -self.clock()?,
            false => standard + 3600,
        };
        if self.rest.is_empty() {
            self.rest = ",M3.2.0,M11.1.0";
        }
        self.eat(',')?;
        let start = self.change()?;
        self.eat(',')?;
        let end = self.change()?;
        Some(Rule {
            standard,
            summer: Some(Summer { offset, start, end }),
        })
    }

    /// A zone abbreviation: three or more letters, or any text in `<>`.
    fn name(&mut self) -> Option<()> {
        if let Some(quoted) = self.rest.strip_prefix('<') {
            let close = quoted.find('>')?;
            self.rest = &quoted[close + 1..];
            return Some(());
        }
        let len = self
            .rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(self.rest.len());
        self.rest = &self.rest[len..];
        (len >= 3).then_some(())
    }

    /// `[+-]hh[:mm[:ss]]` in seconds.
    fn clock(&mut self) -> Option<i64> {
        let sign = match self.rest.chars().next()? {
            '-' => -1,
            _ => 1,
        };
        self.rest = self.rest.trim_start_matches(['+', '-']);
        let mut seconds = self.number()? * 3600;
        for scale in [60, 1] {
            if self.eat(':').is_none() {
                break;
            }
            seconds += self.number()? * scale;
        }
        Some(sign * seconds)
    }

    /// A day and the time of day it changes at, 02:00 unless given.
    fn change(&mut self) -> Option<(Day, i64)> {
        let day = if self.eat('J').is_some() {
            Day::Julian(self.number()?)
        } else if self.eat('M').is_some() {
            let month = self.number()?;
            self.eat('.')?;
            let week = self.number()?;
            self.eat('.')?;
            Day::Month(month, week, self.number()?)
        } else {
            Day::Zero(self.number()?)
        };
        let time = match self.eat('/') {
            Some(()) => self.clock()?,
            None => 7200,
        };
        Some((day, time))
    }

    fn number(&mut self) -> Option<i64> {
        let len = self
            .rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(self.rest.len());
        let (digits, rest) = self.rest.split_at(len);
        self.rest = rest;
        digits.parse().ok().filter(|n: &i64| *n < 1_000_000)
    }

    fn eat(&mut self, c: char) -> Option<()> {
        self.rest = self.rest.strip_prefix(c)?;
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(year: i64, month: i64, day: i64, hour: i64) -> i64 {
        days_from_civil(year, month, day) * 86_400 + hour * 3600
    }

    #[test]
    fn a_rule_without_summer_time_is_a_fixed_offset() {
        let rule = Rule::parse("UTC0").unwrap();
        assert_eq!(rule.offset_at(0), 0);
        let rule = Rule::parse("<+0530>-5:30").unwrap();
        assert_eq!(rule.offset_at(0), 19_800);
    }

    #[test]
    fn central_european_summer_time_starts_and_ends_at_one_utc() {
        let rule = Rule::parse("CET-1CEST,M3.5.0,M10.5.0/3").unwrap();
        // In 2026 summer time runs from March 29 to October 25.
        assert_eq!(rule.offset_at(at(2026, 3, 29, 0) + 3599), 3600);
        assert_eq!(rule.offset_at(at(2026, 3, 29, 1)), 7200);
        assert_eq!(rule.offset_at(at(2026, 10, 25, 0) + 3599), 7200);
        assert_eq!(rule.offset_at(at(2026, 10, 25, 1)), 3600);
    }

    #[test]
    fn southern_summer_time_spans_the_new_year() {
        let rule = Rule::parse("AEST-10AEDT,M10.1.0,M4.1.0/3").unwrap();
        assert_eq!(rule.offset_at(at(2026, 1, 15, 0)), 39_600);
        assert_eq!(rule.offset_at(at(2026, 7, 15, 0)), 36_000);
    }

    #[test]
    fn julian_days_skip_the_leap_day() {
        assert_eq!(Day::Julian(60).day_in(2024), days_from_civil(2024, 3, 1));
        assert_eq!(Day::Zero(59).day_in(2024), days_from_civil(2024, 2, 29));
    }

    #[test]
    fn bad_rules_are_refused() {
        for text in ["", "U0", "CET", "CET-1CEST,M3", "CET-1x"] {
            assert_eq!(Rule::parse(text), None, "{text}");
        }
    }

    /// A TZif header for `counts` (isut, isstd, leap, time, type, char).
    fn header(counts: [u32; 6]) -> Vec<u8> {
        let mut bytes = b"TZif2".to_vec();
        bytes.extend([0; 15]);
        counts.iter().for_each(|c| bytes.extend(c.to_be_bytes()));
        bytes
    }

    #[test]
    fn truncated_tzif_files_are_refused() {
        let mut file = header([0, 0, 0, 1, 2, 4]);
        assert!(Zone::from_tzif(b"TZif").is_none());
        assert!(Zone::from_tzif(&file).is_none());
        file.extend([0; 3]);
        assert!(Zone::from_tzif(&file).is_none());
    }

    #[test]
    fn a_tzif_file_gives_offsets_by_transition_and_rule() {
        let mut file = header([0; 6]);
        file.extend(header([0, 0, 0, 1, 2, 4]));
        file.extend(1000i64.to_be_bytes());
        file.push(1);
        for offset in [0i32, 3600] {
            file.extend(offset.to_be_bytes());
            file.extend([0, 0]);
        }
        file.extend(b"AB\0\0");
        file.extend(b"\nXYZ-3\n");

        let zone = Zone::from_tzif(&file).unwrap();
        assert_eq!(zone.transitions, vec![(1000, 1)]);
        assert_eq!(zone.offsets, vec![0, 3600]);
        assert_eq!(zone.offset_at(999), 0);
        assert_eq!(zone.offset_at(1000), 10_800);
    }
}
