//! Arithmetic builtins: `eval()` of infix expressions, the numbers of
//! lists, reading and comparing numbers, and random integers.

use std::cmp::Ordering;

use super::logic::class;
use super::sorting::{self, Mode};
use super::{Call, CallResult, infix, numbers, real, strtod};
use crate::value::{Str, Value};

/// `eval(expression, mode, options)`: the expression's value with six
/// decimals, or in `class` mode whether it is other than 0. An
/// expression that does not parse is the empty string (false in `class`
/// mode), without an error, as in cf-agent. A mode other than `class`
/// is `math`, the only options are `infix`, and more arguments are
/// ignored.
pub fn eval(call: &Call) -> CallResult {
    let text = call.string(0)?;
    let class_mode = call.args.len() > 1 && call.string(1)? == "class";
    let value = infix::evaluate(text).map_err(|e| {
        format!("function 'eval' cannot evaluate '{text}': it holds {e}")
    })?;
    Ok(match (class_mode, value) {
        (true, value) => class(value.is_some_and(infix::truth)),
        (false, Some(value)) => Value::string(numbers::print(value)),
        (false, None) => Value::string(""),
    })
}

/// The numbers in collection argument `i`, each read as C's `strtod`
/// reads it (0 when it is not a number).
fn values_of(call: &Call, i: usize) -> Result<Vec<f64>, String> {
    let items = call.scalars(i)?;
    Ok(items.iter().map(|item| strtod(item)).collect())
}

/// `sum(list)`: the sum of the numbers in a list or container.
pub fn sum(call: &Call) -> CallResult {
    Ok(real(values_of(call, 0)?.iter().fold(0.0, |sum, x| sum + x)))
}

/// `product(list)`: the product of the numbers in a list or container.
/// When both factors are NaN, cf-agent's product keeps the later one,
/// sign included, so this one does too.
pub fn product(call: &Call) -> CallResult {
    let times = |product: f64, x: &f64| {
        if x.is_nan() { *x } else { product * x }
    };
    Ok(real(values_of(call, 0)?.iter().fold(1.0, times)))
}

/// `mean(list)`: the mean of the numbers, as Welford's running mean
/// computes it (as cf-agent does, last bits included).
pub fn mean(call: &Call) -> CallResult {
    Ok(real(running(call)?.0))
}

/// `variance(list)`: the sample variance of the numbers (divided by one
/// less than their count), 0 for a single number.
pub fn variance(call: &Call) -> CallResult {
    let (_, squares, count) = running(call)?;
    let variance = if count > 1 {
        squares / (count - 1) as f64
    } else {
        0.0
    };
    Ok(real(variance))
}

/// Welford's running mean and sum of squared deviations of the numbers
/// in argument 0, and their count; an error when there are none.
fn running(call: &Call) -> Result<(f64, f64, usize), String> {
    let numbers = values_of(call, 0)?;
    if numbers.is_empty() {
        return Err(format!("function '{}' has no numbers to use", call.name));
    }
    let (mut mean, mut squares) = (0.0, 0.0);
    for (i, x) in numbers.iter().enumerate() {
        let delta = x - mean;
        mean += delta / (i + 1) as f64;
        squares += delta * (x - mean);
    }
    Ok((mean, squares, numbers.len()))
}

/// `max(list, mode)`: the element that sorts last by `mode`.
pub fn max(call: &Call) -> CallResult {
    let sorted = sorted(call)?;
    sorted
        .last()
        .cloned()
        .map(Value::string)
        .ok_or_else(|| empty(call))
}

/// `min(list, mode)`: the element that sorts first by `mode`.
pub fn min(call: &Call) -> CallResult {
    let sorted = sorted(call)?;
    sorted
        .first()
        .cloned()
        .map(Value::string)
        .ok_or_else(|| empty(call))
}

fn sorted(call: &Call) -> Result<Vec<Str>, String> {
    let mode = Mode::named(call.name, call.string(1)?)?;
    Ok(sorting::sort(&call.scalars(0)?, mode))
}

fn empty(call: &Call) -> String {
    format!("function '{}' got an empty list", call.name)
}

/// `int(text)`: the integer part of a real, read with its unit as
/// cf-agent reads reals.
pub fn int(call: &Call) -> CallResult {
    let text = call.string(0)?;
    let value = numbers::cf_real(text)
        .map_err(|why| numbers::not_real(call.name, text, why))?;
    let truncated = value.trunc();
    if !(i64::MIN as f64..i64::MAX as f64).contains(&truncated) {
        return Err(format!(
            "function 'int' cannot hold '{text}' in a 64-bit integer"
        ));
    }
    Ok(super::int(truncated as i64))
}

/// `isgreaterthan(a, b)`: whether `a` is greater, as numbers when both
/// start with one, else bytewise.
pub fn isgreaterthan(call: &Call) -> CallResult {
    Ok(class(compare(call)? == Some(Ordering::Greater)))
}

/// `islessthan(a, b)`: whether `a` is less, as `isgreaterthan` compares.
pub fn islessthan(call: &Call) -> CallResult {
    Ok(class(compare(call)? == Some(Ordering::Less)))
}

/// How the arguments compare: as reals when both start with a number
/// (where more than a unit after one is an error, as in cf-agent), else
/// as bytes; `None` when a number is not a number.
fn compare(call: &Call) -> Result<Option<Ordering>, String> {
    let (a, b) = (call.string(0)?, call.string(1)?);
    let starts_with_number = |t: &str| numbers::strtod_prefix(t).is_some();
    if !starts_with_number(a) || !starts_with_number(b) {
        return Ok(Some(a.as_bytes().cmp(b.as_bytes())));
    }
    let real = |text: &str| {
        numbers::cf_real(text)
            .map_err(|why| numbers::not_real(call.name, text, why))
    };
    Ok(real(a)?.partial_cmp(&real(b)?))
}

/// `randomint(a, b)`: a random integer from the lower bound up to, not
/// including, the upper one (either argument may be the lower); the
/// bound itself when they are equal.
pub fn randomint(call: &Call) -> CallResult {
    let (a, b) = (i128::from(call.int(0)?), i128::from(call.int(1)?));
    let (low, high) = (a.min(b), a.max(b));
    if low == high {
        return Ok(super::int(low as i64));
    }
    let offset = i128::from(random()) % (high - low);
    Ok(super::int((low + offset) as i64))
}

/// A random number, from the keys the standard library draws from the
/// operating system for its hash maps.
fn random() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish()
}
