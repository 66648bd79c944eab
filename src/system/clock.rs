//! The clock: `sys.date`, `sys.systime` and the time classes, in local
//! time and in GMT, and `sys.uptime`.
//!
//! Local time follows the host's time zone as C's `localtime()` does:
//! `TZ` when it is set, else `/etc/localtime` under the sysroot; see
//! [`super::tz`] for what is read from them.

use super::{Root, System, tz};
use crate::classes::canonify;

impl System {
    /// `sys.systime`, `sys.sysday`, `sys.uptime`, `sys.date` and
    /// `sys.cdate`.
    pub(super) fn add_clock_vars(&mut self, root: &Root, now: i64) {
        self.sys_int("systime", now);
        self.sys_int("sysday", now.div_euclid(86_400));
        if let Some(seconds) = uptime_seconds(root) {
            self.sys_int("uptime", seconds / 60);
        }

        let local = civil_time(now + tz::offset_at(root, now));
        self.sys("date", local.ctime());
        self.sys("cdate", canonify(&local.ctime()));
    }

    /// The time classes for `now`, each in local time and with a `GMT_`
    /// prefix in GMT.
    pub(super) fn add_time_classes(&mut self, root: &Root, now: i64) {
        let local = civil_time(now + tz::offset_at(root, now));
        for name in time_classes(&local) {
            self.class(&name);
        }
        for name in time_classes(&civil_time(now)) {
            self.class(&format!("GMT_{name}"));
        }
    }
}

/// Whole seconds since boot, the first field of `/proc/uptime`.
fn uptime_seconds(root: &Root) -> Option<i64> {
    let text = root.read("/proc/uptime")?;
    let first = text.split_whitespace().next()?;
    let whole = first.split('.').next()?;
    whole.parse().ok()
}

/// A broken-down time.
#[derive(Debug, PartialEq)]
pub(super) struct CivilTime {
    pub year: i64,
    /// 0 for January.
    pub month: usize,
    pub day: i64,
    /// 0 for Sunday.
    pub weekday: usize,
    pub hour: i64,
    pub minute: i64,
    pub second: i64,
}

/// The months' names, January first.
pub const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
/// The weekdays' names, Sunday first as C's `tm_wday` counts.
pub const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

impl CivilTime {
    /// `Fri Dec  4 17:01:03 2026`, as C's `ctime()`.
    pub fn ctime(&self) -> String {
        format!(
            "{} {} {:2} {:02}:{:02}:{:02} {}",
            &WEEKDAYS[self.weekday][..3],
            &MONTHS[self.month][..3],
            self.day,
            self.hour,
            self.minute,
            self.second,
            self.year
        )
    }
}

/// Days since 1970-01-01 for a civil date (H. Hinnant's algorithm);
/// `month` counts from 1.
pub(super) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Seconds since the epoch to a civil time (the inverse of
/// [`days_from_civil`] for the date).
pub(super) fn civil_time(seconds: i64) -> CivilTime {
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);

    CivilTime {
        year,
        month: (month - 1) as usize,
        day,
        weekday: (days + 4).rem_euclid(7) as usize,
        hour: secs / 3600,
        minute: secs % 3600 / 60,
        second: secs % 60,
    }
}

/// The time classes cf-agent defines for a moment.
fn time_classes(t: &CivilTime) -> Vec<String> {
    let quarter = t.minute / 15 + 1;
    let five = t.minute / 5 * 5;
    let shift =
        ["Night", "Morning", "Afternoon", "Evening"][t.hour as usize / 6];
    vec![
        format!("Lcycle_{}", t.year.rem_euclid(3)),
        format!("Yr{:04}", t.year),
        MONTHS[t.month].to_string(),
        WEEKDAYS[t.weekday].to_string(),
        format!("Day{}", t.day),
        shift.to_string(),
        format!("Hr{:02}", t.hour),
        format!("Hr{}", t.hour),
        format!("Q{quarter}"),
        format!("Hr{:02}_Q{quarter}", t.hour),
        format!("Min{:02}", t.minute),
        format!("Min{:02}_{:02}", five, (five + 5) % 60),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_time_matches_a_known_moment() {
        // 2026-12-04 18:57:05 UTC, a Friday.
        let t = civil_time(1_796_410_625);
        assert_eq!(t.ctime(), "Fri Dec  4 18:57:05 2026");
        assert_eq!(days_from_civil(2026, 12, 4), 1_796_410_625 / 86_400);
    }

    #[test]
    fn dates_round_trip_across_leap_days_and_eras() {
        for days in [-800_000, -1, 0, 59, 60, 11_016, 2_932_896] {
            let t = civil_time(days * 86_400);
            let month = t.month as i64 + 1;
            assert_eq!(days_from_civil(t.year, month, t.day), days);
        }
    }

    #[test]
    fn classes_name_the_hour_both_ways_and_the_five_minutes() {
        let t = civil_time(
            days_from_civil(2026, 3, 9) * 86_400 + 9 * 3600 + 58 * 60,
        );
        let classes = time_classes(&t);
        for name in ["Hr09", "Hr9", "Hr09_Q4", "Q4", "Min58", "Min55_00"] {
            assert!(classes.contains(&name.to_string()), "{name}");
        }
        for name in ["Monday", "March", "Day9", "Morning", "Yr2026"] {
            assert!(classes.contains(&name.to_string()), "{name}");
        }
        assert!(classes.contains(&"Lcycle_1".to_string()));
    }
}
