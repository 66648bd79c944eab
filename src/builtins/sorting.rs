//! Ordering strings by a sort mode, as cf-agent orders them for `max()`,
//! `min()` and `sort()`.
//!
//! cf-agent sorts a linked list with a bottom-up merge sort that takes
//! the left element only when it is strictly less than the right one,
//! so equal elements do not keep their order; [`sort`] does the same
//! merges, so ties come out as in cf-agent. `max()` is the last element
//! of the sorted list and `min()` the first.

use super::numbers::{long, strtod_prefix};
use crate::value::Str;

/// How elements compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Bytewise, as C's `strcmp`.
    Lex,
    /// By the number `strtod` reads at the start, truncated to an
    /// integer; elements without one come first, among themselves
    /// bytewise.
    Int,
    /// As `Int`, without truncating.
    Real,
}

impl Mode {
    /// The mode a sort mode argument names: `int` and `real` exactly,
    /// anything else but the address modes is `lex`, as in cf-agent.
    /// The address modes (`IP`, `MAC`) are not provided.
    pub fn named(function: &str, name: &str) -> Result<Mode, String> {
        match name {
            "int" => Ok(Mode::Int),
            "real" => Ok(Mode::Real),
            _ if ["ip", "mac"].contains(&&*name.to_ascii_lowercase()) => {
                Err(format!(
                    "function '{function}' sort mode '{name}' is not \
                     provided by cfmini"
                ))
            }
            _ => Ok(Mode::Lex),
        }
    }

    fn less(self, a: &str, b: &str) -> bool {
        let real = |text: &str| strtod_prefix(text).map(|(x, _)| x);
        match self {
            Mode::Lex => a.as_bytes() < b.as_bytes(),
            Mode::Int => numbers_first(a, b, |t| real(t).map(long)),
            Mode::Real => numbers_first(a, b, real),
        }
    }
}

/// Whether `a` sorts before `b` when each is the number `number` reads
/// from it, and elements without one come first, bytewise.
fn numbers_first<N: PartialOrd>(
    a: &str,
    b: &str,
    number: impl Fn(&str) -> Option<N>,
) -> bool {
    match (number(a), number(b)) {
        (Some(x), Some(y)) => x < y,
        (None, Some(_)) => true,
        (Some(_), None) => false,
        (None, None) => a.as_bytes() < b.as_bytes(),
    }
}

/// `items` sorted by `mode` as cf-agent sorts them: merges of runs of
/// 1, 2, 4, ... elements, each taking the right element on a tie.
pub fn sort(items: &[Str], mode: Mode) -> Vec<Str> {
    let mut list = items.to_vec();
    let mut run = 1;
    while run < list.len() {
        let mut merged = Vec::with_capacity(list.len());
        for pair in list.chunks(2 * run) {
            let (left, right) = pair.split_at(run.min(pair.len()));
            merge(left, right, mode, &mut merged);
        }
        list = merged;
        run *= 2;
    }
    list
}

fn merge(left: &[Str], right: &[Str], mode: Mode, out: &mut Vec<Str>) {
    let (mut i, mut j) = (0, 0);
    while i < left.len() && j < right.len() {
        if mode.less(&left[i], &right[j]) {
            out.push(left[i].clone());
            i += 1;
        } else {
            out.push(right[j].clone());
            j += 1;
        }
    }
    out.extend_from_slice(&left[i..]);
    out.extend_from_slice(&right[j..]);
}

#[cfg(test)]
mod tests {
    use super::{Mode, sort};
    use crate::value::Str;

    fn sorted(items: &[&str], mode: Mode) -> Vec<String> {
        let items: Vec<Str> = items.iter().map(|&s| s.into()).collect();
        sort(&items, mode).iter().map(|s| s.to_string()).collect()
    }

    // cf-agent: sort(...) of these lists.
    #[test]
    fn ties_and_non_numbers_fall_as_in_cf_agent() {
        let c = ["2", "1", "1.0", "3", "1.00", "01", "0", "1.000"];
        let expected = ["0", "1.000", "01", "1.00", "1.0", "1", "2", "3"];
        assert_eq!(sorted(&c, Mode::Int), expected);
        let e = ["2.7", "2.2", "-2.5", "-2.1", "x", "y"];
        let expected = ["x", "y", "-2.1", "-2.5", "2.2", "2.7"];
        assert_eq!(sorted(&e, Mode::Int), expected);
        let expected = ["x", "y", "-2.5", "-2.1", "2.2", "2.7"];
        assert_eq!(sorted(&e, Mode::Real), expected);
        assert_eq!(sorted(&["b", "B", "a"], Mode::Lex), ["B", "a", "b"]);
    }
}
