//! Class expressions and the hard classes cf-agent defines on Linux.
//!
//! An expression joins class names with `.` or `&` (and), `|` or `||`
//! (or), `!` (not) and parentheses; `!` binds tightest, `|` loosest.
//! Variables in a guard are expanded before the expression is evaluated.

use std::collections::HashSet;

/// Whether `expr` holds, given a test for single class names.
///
/// A malformed expression is false, as cf-agent treats it, and the
/// message says why.
pub fn evaluate(
    expr: &str,
    is_defined: &dyn Fn(&str) -> bool,
) -> Result<bool, String> {
    let mut parser = ExprParser {
        text: expr.as_bytes(),
        pos: 0,
        depth: 0,
        is_defined,
    };
    // Like cf-agent, text after a whole expression is not read: `linux)`
    // and `any-x` hold where `linux` and `any` do.
    parser.or()
}

/// How deep parentheses and `!` may nest in a class expression.
const MAX_DEPTH: usize = 256;

/// A recursive-descent reader that evaluates as it goes.
struct ExprParser<'a> {
    text: &'a [u8],
    pos: usize,
    depth: usize,
    is_defined: &'a dyn Fn(&str) -> bool,
}

impl ExprParser<'_> {
    fn or(&mut self) -> Result<bool, String> {
        let mut value = self.and()?;
        while self.eat(b'|') {
            self.eat(b'|');
            value |= self.and()?;
        }
        Ok(value)
    }

    fn and(&mut self) -> Result<bool, String> {
        let mut value = self.not()?;
        while self.eat(b'.') || self.eat(b'&') {
            value &= self.not()?;
        }
        Ok(value)
    }

    fn not(&mut self) -> Result<bool, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!(
                "class expression nests deeper than {MAX_DEPTH} levels"
            ));
        }
        let value = self.negated_or_grouped();
        self.depth -= 1;
        value
    }

    fn negated_or_grouped(&mut self) -> Result<bool, String> {
        if self.eat(b'!') {
            // cf-agent refuses `!!`.
            if self.peek() == Some(b'!') {
                return Err("'!!' in class expression".into());
            }
            return Ok(!self.not()?);
        }
        if self.eat(b'(') {
            let value = self.or()?;
            if !self.eat(b')') {
                return Err("missing ')' in class expression".into());
            }
            return Ok(value);
        }
        self.name()
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_space();
        self.text.get(self.pos).copied()
    }

    fn name(&mut self) -> Result<bool, String> {
        self.skip_space();
        let start = self.pos;
        while self.pos < self.text.len() && is_name_byte(self.text[self.pos]) {
            self.pos += 1;
        }
        if start == self.pos {
            return Err("expected a class name in class expression".into());
        }
        let name = String::from_utf8_lossy(&self.text[start..self.pos]);
        Ok((self.is_defined)(&name))
    }

    fn eat(&mut self, byte: u8) -> bool {
        self.skip_space();
        let found = self.text.get(self.pos) == Some(&byte);
        if found {
            self.pos += 1;
        }
        found
    }

    fn skip_space(&mut self) {
        while matches!(self.text.get(self.pos), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b':' || b >= 0x80
}

/// A class name as cf-agent makes it: every byte that is not a letter,
/// digit or underscore becomes an underscore.
pub fn canonify(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                b as char
            } else {
                '_'
            }
        })
        .collect()
}

/// The set of defined class names.
pub type ClassSet = HashSet<String>;

#[cfg(test)]
mod tests {
    use super::*;

    fn holds(expr: &str) -> bool {
        let defined = |name: &str| matches!(name, "any" | "linux" | "a");
        evaluate(expr, &defined).unwrap()
    }

    #[test]
    fn and_binds_tighter_than_or() {
        assert!(holds("nope.linux|a"));
        assert!(!holds("nope.(linux|a)"));
        assert!(holds("nope&linux||a"));
    }

    #[test]
    fn not_applies_to_the_nearest_operand() {
        assert!(holds("!nope.linux"));
        assert!(!holds("!(nope|linux)"));
        assert!(holds("linux.!windows"));
    }

    // cf-promises refuses each of these as a syntax error in a context.
    #[test]
    fn malformed_expressions_are_errors() {
        let defined = |_: &str| true;
        for expr in ["(linux", "linux..a", "", "!", "&linux", "linux|"] {
            assert!(evaluate(expr, &defined).is_err(), "{expr}");
        }
        for expr in ["linux&&any", "any.(", "()", "!!linux"] {
            assert!(evaluate(expr, &defined).is_err(), "{expr}");
        }
    }

    // cf-agent: each of these holds where the leading name does.
    #[test]
    fn text_after_a_whole_expression_is_not_read() {
        for expr in ["linux)", "any-x", "linux,any", "any!"] {
            assert!(holds(expr), "{expr}");
        }
    }

    #[test]
    fn nesting_past_the_limit_is_an_error() {
        let defined = |_: &str| true;
        let deep =
            "(".repeat(MAX_DEPTH + 1) + "any" + &")".repeat(MAX_DEPTH + 1);
        assert!(evaluate(&deep, &defined).is_err());
        assert!(evaluate(&"!".repeat(100_000), &defined).is_err());
    }

    // cf-agent's canonify("a-b.c d/é") is "a_b_c_d___": each byte of a
    // multi-byte character becomes one underscore.
    #[test]
    fn canonify_replaces_every_other_byte() {
        assert_eq!(canonify("a-b.c d/é"), "a_b_c_d___");
    }
}
