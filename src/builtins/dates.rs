//! Builtins of dates and durations: `now`, `on`, `ago`, `accumulated`,
//! `laterthan` and `splayclass`, as cf-agent 3.21 computes them.
//!
//! cf-agent reads each argument as an integer (with units), and one that
//! does not read stands for -678, its marker for "no integer", with no
//! error for the call. Durations count a year as 365 days and a month as
//! 30. `on()` hands its fields to the C library's `mktime` in local
//! time with the month and the day one higher than written: cf-agent
//! passes the month as C's zero-based month and adds one to the day, so
//! `on(2000, 1, 1, 0, 0, 0)` is 2 February 2000.

use super::{Call, CallResult, int};

/// What cf-agent reads for an integer argument that does not read.
const NO_INTEGER: i64 = -678;

/// Seconds in a year, month, day, hour, minute and second of a duration.
const UNITS: [i64; 6] = [31_536_000, 2_592_000, 86_400, 3_600, 60, 1];

/// `now()`: the current time, in seconds since the epoch.
pub fn now(_call: &Call) -> CallResult {
    Ok(int(current_time()))
}

/// `accumulated(y, m, d, h, min, s)`: the duration in seconds.
pub fn accumulated(call: &Call) -> CallResult {
    Ok(int(duration(call)))
}

/// `ago(y, m, d, h, min, s)`: the time that long before now, 0 when that
/// is before the epoch.
pub fn ago(call: &Call) -> CallResult {
    Ok(int(current_time().wrapping_sub(duration(call)).max(0)))
}

/// `on(y, m, d, h, min, s)`: the time of that local date, with cf-agent's
/// reading of month and day (see the module's documentation).
pub fn on(call: &Call) -> CallResult {
    Ok(int(local_time(call)?))
}

/// `laterthan(y, m, d, h, min, s)`: whether now is after the time
/// `on()` gives for the same arguments.
pub fn laterthan(call: &Call) -> CallResult {
    Ok(super::logic::class(current_time() > local_time(call)?))
}

fn fields(call: &Call) -> [i64; 6] {
    std::array::from_fn(|i| call.int(i).unwrap_or(NO_INTEGER))
}

fn duration(call: &Call) -> i64 {
    let fields = fields(call).into_iter().zip(UNITS);
    fields.fold(0, |sum, (n, unit)| sum.wrapping_add(n.wrapping_mul(unit)))
}

fn current_time() -> i64 {
    let now = std::time::SystemTime::now();
    match now.duration_since(std::time::UNIX_EPOCH) {
        Ok(since) => i64::try_from(since.as_secs()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_secs()).unwrap_or(0),
    }
}

/// The C library's `mktime` of the fields as cf-agent fills them in.
fn local_time(call: &Call) -> Result<i64, String> {
    let [year, month, day, hour, minute, second] = fields(call);
    let field = |n: i64| libc::c_int::try_from(n).ok();
    let tm = (|| {
        // SAFETY: `tm` is plain data; every field mktime reads is set.
        let mut tm: libc::tm = unsafe { std::mem::zeroed() };
        tm.tm_year = field(year - 1900)?;
        tm.tm_mon = field(month)?;
        tm.tm_mday = field(day + 1)?;
        tm.tm_hour = field(hour)?;
        tm.tm_min = field(minute)?;
        tm.tm_sec = field(second)?;
        tm.tm_isdst = -1;
        Some(tm)
    })();
    let unrepresentable =
        || format!("function '{}' cannot represent that date", call.name);
    let mut tm = tm.ok_or_else(unrepresentable)?;
    // SAFETY: `tm` is a valid, initialised struct tm; mktime only reads
    // and normalises it.
    // mktime's -1 for a date it cannot represent is what cf-agent
    // returns too.
    let time = unsafe { libc::mktime(&mut tm) };
    // `time_t` is narrower than 64 bits on some platforms.
    #[allow(clippy::useless_conversion)]
    Ok(i64::from(time))
}

/// `splayclass(text, policy)`: whether the five-minute slot the text
/// hashes to is the current one, among the twelve of the hour for
/// `hourly` and the 288 of the day for any other policy, in local time.
/// The hash is Jenkins' one-at-a-time hash of the text's bytes, modulo
/// 8192, scaled to the slots, as cf-agent computes it.
pub fn splayclass(call: &Call) -> CallResult {
    let text = call.string(0)?;
    let hourly = call.string(1)? == "hourly";
    let (hour, minute) = local_hour_minute()?;
    let (slots, current) = if hourly {
        (12, minute / 5)
    } else {
        (288, hour * 12 + minute / 5)
    };
    let slot =
        u64::from(super::lists::one_at_a_time(text) % 8192) * slots / 8192;
    Ok(super::logic::class(slot == current))
}

/// The local hour and minute now, from the C library's `localtime_r`.
fn local_hour_minute() -> Result<(u64, u64), String> {
    // `time_t` is narrower than 64 bits on some platforms.
    #[allow(clippy::useless_conversion)]
    let now: libc::time_t = current_time()
        .try_into()
        .map_err(|_| "the clock is out of range".to_string())?;
    // SAFETY: `tm` is plain data that localtime_r fills in; it returns
    // null on failure, checked below.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let filled = unsafe { libc::localtime_r(&now, &mut tm) };
    if filled.is_null() {
        return Err("function 'splayclass' cannot read the local time".into());
    }
    let field = |n: libc::c_int| u64::try_from(n).unwrap_or(0);
    Ok((field(tm.tm_hour), field(tm.tm_min)))
}

#[cfg(test)]
mod tests {
    use super::super::lists::one_at_a_time;

    // cf-agent 3.21 at 19:47 held splayclass("s14", "hourly") (slot 9 of
    // 12) and splayclass("s391", "daily") (slot 237 of 288).
    #[test]
    fn texts_hash_to_the_slots_cf_agent_gives_them() {
        let slot = |text: &str, slots: u64| {
            u64::from(one_at_a_time(text) % 8192) * slots / 8192
        };
        assert_eq!(slot("s14", 12), 9);
        assert_eq!(slot("s391", 288), 237);
    }
}
