//! Builtins of dates and durations: `now`, `on`, `ago`, `accumulated`
//! and `laterthan`, as cf-agent 3.21 computes them.
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
