//! The infix arithmetic `eval()` reads, as cf-agent 3.21 reads it.
//!
//! Its grammar is odder than its documentation says, and cfmini follows
//! the behaviour:
//!
//! - There are two levels of binary operators, both left-associative:
//!   `*`, `/`, `%` and `^` bind tighter than `+`, `-`, `==`, `>=`, `>`,
//!   `<=` and `<`, so `1==1+1` is 2 and `2*3^2` is 36.
//! - A number is an optional `-` glued to digits with an optional
//!   fraction (no exponent), then optionally, after blanks, one of the
//!   units `k`, `m`, `g`, `t`, `p` in either case (powers of 1000). There
//!   is no unary minus: `-(3)` does not parse, `3--2` is 5.
//! - A function (`ceil`, `floor`, `log10`, `log2`, `log`, `sqrt`, `sin`,
//!   `cos`, `tan`, `asin`, `acos`, `atan`, `abs`, `step`) is followed at
//!   once by `(`, and its argument is a single operand: `sqrt(2*8)` does
//!   not parse, `sqrt((2*8))` does. A call applies the function named
//!   last before its `)`, so in `sqrt(ceil(16.5))` both calls are `ceil`
//!   and the value is 17.
//! - A constant matches as a prefix, in the documented order, so `pi_2`
//!   reads as `pi` and `exp(1)` as `e`; `1_pi` reads as the number 1.
//! - Blanks (spaces and tabs) may follow a number, a unit, an operator,
//!   `(`, `)` and a function's `(`, but not a constant: `pi *2` is `pi`.
//! - Whatever follows the first operator that does not parse is
//!   ignored: `3 + x` is 3, `1e3` is 1.
//! - `%` truncates both sides to 64-bit integers, as C's `long`, where a
//!   value out of range (or not a number) becomes the most negative one.
//! - Comparisons answer 1 or 0, and `==`, `>=` and `<=` take values
//!   closer than 1e-17 as equal.
//! - Only the first 1023 bytes are read, so a longer expression loses
//!   its end, and a `)` past that point is missing.

use super::numbers::long;

/// A parsed expression.
#[derive(Debug)]
enum Expr {
    Number(f64),
    /// A call of the function at this index of [`FUNCTIONS`].
    Apply(usize, Box<Expr>),
    Binary(u8, Box<Expr>, Box<Expr>),
}

/// How many bytes of an expression cf-agent reads.
const MAX_TEXT: usize = 1023;

/// Values closer than this compare as equal.
const MARGIN: f64 = 1e-17;

/// The named values, in the order cf-agent tries them.
const CONSTANTS: [(&str, f64); 13] = [
    ("e", std::f64::consts::E),
    ("log2e", std::f64::consts::LOG2_E),
    ("log10e", std::f64::consts::LOG10_E),
    ("ln2", std::f64::consts::LN_2),
    ("ln10", std::f64::consts::LN_10),
    ("pi", std::f64::consts::PI),
    ("pi_2", std::f64::consts::FRAC_PI_2),
    ("pi_4", std::f64::consts::FRAC_PI_4),
    ("1_pi", std::f64::consts::FRAC_1_PI),
    ("2_pi", std::f64::consts::FRAC_2_PI),
    ("2_sqrtpi", std::f64::consts::FRAC_2_SQRT_PI),
    ("sqrt2", std::f64::consts::SQRT_2),
    ("sqrt1_2", std::f64::consts::FRAC_1_SQRT_2),
];

/// A function of one operand.
type Function = fn(f64) -> f64;

/// The functions, each called with one operand.
const FUNCTIONS: [(&str, Function); 14] = [
    ("ceil", f64::ceil),
    ("floor", f64::floor),
    ("log10", f64::log10),
    ("log2", f64::log2),
    ("log", f64::ln),
    ("sqrt", f64::sqrt),
    ("sin", f64::sin),
    ("cos", f64::cos),
    ("tan", f64::tan),
    ("asin", f64::asin),
    ("acos", f64::acos),
    ("atan", f64::atan),
    ("abs", f64::abs),
    ("step", step),
];

fn step(x: f64) -> f64 {
    if x < 0.0 { 0.0 } else { 1.0 }
}

/// The value of `text`; `Ok(None)` when it does not parse. An empty text
/// is 0. A remainder by zero, or of the most negative integer by -1, is
/// an error: cf-agent dies of it.
pub fn evaluate(text: &str) -> Result<Option<f64>, String> {
    if text.is_empty() {
        return Ok(Some(0.0));
    }
    // A character cut in two would not parse either, so cutting before
    // it reads the same.
    let mut end = text.len().min(MAX_TEXT);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut parser = Parser {
        text: &text[..end],
        at: 0,
    };
    parser.blanks();
    match parser.sum() {
        Some(expr) => value(&expr, &mut 0).map(Some),
        None => Ok(None),
    }
}

/// Whether `x` reads as true: not within the margin of 0.
pub fn truth(x: f64) -> bool {
    x.abs() >= MARGIN || x.is_nan()
}

/// The value of `expr`, where `named` is the function named last, the
/// one a call applies.
fn value(expr: &Expr, named: &mut usize) -> Result<f64, String> {
    match expr {
        Expr::Number(x) => Ok(*x),
        Expr::Apply(function, arg) => {
            *named = *function;
            let arg = value(arg, named)?;
            Ok((FUNCTIONS[*named].1)(arg))
        }
        Expr::Binary(op, left, right) => {
            let left = value(left, named)?;
            binary(*op, left, value(right, named)?)
        }
    }
}

fn binary(op: u8, a: f64, b: f64) -> Result<f64, String> {
    let equal = (a - b).abs() < MARGIN;
    let flag = |holds: bool| if holds { 1.0 } else { 0.0 };
    Ok(match op {
        b'+' => a + b,
        b'-' => a - b,
        b'*' => a * b,
        b'/' => a / b,
        b'^' => a.powf(b),
        b'%' => remainder(a, b)?,
        b'=' => flag(equal),
        b'G' => flag(a > b || equal),
        b'>' => flag(a > b),
        b'L' => flag(a < b || equal),
        _ => flag(a < b),
    })
}

/// `a % b` on both truncated to C's `long`.
fn remainder(a: f64, b: f64) -> Result<f64, String> {
    let quotient = long(a).checked_rem(long(b));
    let message = "a remainder by zero, which cf-agent dies of";
    quotient
        .map(|r| r as f64)
        .ok_or_else(|| message.to_string())
}

struct Parser<'a> {
    text: &'a str,
    at: usize,
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        &self.text[self.at..]
    }

    fn eat(&mut self, word: &str) -> bool {
        let found = self.rest().starts_with(word);
        if found {
            self.at += word.len();
        }
        found
    }

    fn blanks(&mut self) {
        let rest = self.rest();
        self.at += rest.len() - rest.trim_start_matches([' ', '\t']).len();
    }

    /// Operands joined by `+`, `-` and comparisons.
    fn sum(&mut self) -> Option<Expr> {
        const OPERATORS: [(&str, u8); 7] = [
            ("+", b'+'),
            ("-", b'-'),
            ("==", b'='),
            (">=", b'G'),
            (">", b'>'),
            ("<=", b'L'),
            ("<", b'<'),
        ];
        self.chain(&OPERATORS, Self::product)
    }

    /// Operands joined by `*`, `/`, `%`, and `^` or `**` for a power.
    fn product(&mut self) -> Option<Expr> {
        const OPERATORS: [(&str, u8); 5] = [
            ("**", b'^'),
            ("*", b'*'),
            ("/", b'/'),
            ("%", b'%'),
            ("^", b'^'),
        ];
        self.chain(&OPERATORS, Self::operand)
    }

    /// Operands read by `next` joined by `operators`, left to right; a
    /// trailing operator without an operand is left unread.
    fn chain(
        &mut self,
        operators: &[(&str, u8)],
        next: fn(&mut Self) -> Option<Expr>,
    ) -> Option<Expr> {
        let mut expr = next(self)?;
        loop {
            let before = self.at;
            let op = operators.iter().find(|(word, _)| self.eat(word));
            let Some(&(_, op)) = op else {
                self.at = before;
                return Some(expr);
            };
            self.blanks();
            let Some(right) = next(self) else {
                self.at = before;
                return Some(expr);
            };
            expr = Expr::Binary(op, Box::new(expr), Box::new(right));
        }
    }

    /// A number, a function call, a constant or a parenthesised sum.
    fn operand(&mut self) -> Option<Expr> {
        self.number()
            .or_else(|| self.call())
            .or_else(|| self.constant())
            .or_else(|| self.parenthesised(Self::sum))
    }

    fn number(&mut self) -> Option<Expr> {
        let start = self.at;
        self.eat("-");
        let digits = |p: &mut Self| {
            let rest = p.rest();
            let count = rest.bytes().take_while(u8::is_ascii_digit).count();
            p.at += count;
            count
        };
        let whole = digits(self);
        let fraction = if self.eat(".") { digits(self) } else { 0 };
        let number = self.text[start..self.at].parse::<f64>();
        let (true, Ok(number)) = (whole + fraction > 0, number) else {
            self.at = start;
            return None;
        };
        self.blanks();
        Some(Expr::Number(number * self.unit()))
    }

    /// The scale of a unit after a number and the blanks after it, 1
    /// when none follows.
    fn unit(&mut self) -> f64 {
        let scale = match self.rest().bytes().next() {
            Some(b'k' | b'K') => 1e3,
            Some(b'm' | b'M') => 1e6,
            Some(b'g' | b'G') => 1e9,
            Some(b't' | b'T') => 1e12,
            Some(b'p' | b'P') => 1e15,
            _ => return 1.0,
        };
        self.at += 1;
        self.blanks();
        scale
    }

    fn call(&mut self) -> Option<Expr> {
        let start = self.at;
        for (index, (name, _)) in FUNCTIONS.iter().enumerate() {
            if self.eat(name) {
                if let Some(arg) = self.parenthesised(Self::operand) {
                    return Some(Expr::Apply(index, Box::new(arg)));
                }
                self.at = start;
            }
        }
        None
    }

    fn constant(&mut self) -> Option<Expr> {
        let (_, value) = CONSTANTS.iter().find(|(name, _)| self.eat(name))?;
        Some(Expr::Number(*value))
    }

    /// `(` and blanks, what `inner` reads, then `)` and blanks.
    fn parenthesised(
        &mut self,
        inner: fn(&mut Self) -> Option<Expr>,
    ) -> Option<Expr> {
        let start = self.at;
        let expr = self.enclosed(inner);
        if expr.is_none() {
            self.at = start;
        }
        expr
    }

    fn enclosed(
        &mut self,
        inner: fn(&mut Self) -> Option<Expr>,
    ) -> Option<Expr> {
        if !self.eat("(") {
            return None;
        }
        self.blanks();
        let expr = inner(self)?;
        if !self.eat(")") {
            return None;
        }
        self.blanks();
        Some(expr)
    }
}

#[cfg(test)]
mod tests {
    use super::super::numbers::print;
    use super::{evaluate, truth};

    fn shown(text: &str) -> String {
        match evaluate(text) {
            Ok(Some(x)) => print(x),
            Ok(None) => "unparsed".into(),
            Err(_) => "error".into(),
        }
    }

    // cf-agent prints these for eval(TEXT, "math", "infix").
    #[test]
    fn levels_blanks_and_trailing_text_follow_cf_agent() {
        assert_eq!(shown("1==1+1"), "2.000000");
        assert_eq!(shown("2*3^2"), "36.000000");
        assert_eq!(shown("1 k + 2"), "1002.000000");
        assert_eq!(shown("pi *2"), "3.141593");
        assert_eq!(shown("3 + x"), "3.000000");
        assert_eq!(shown("sqrt(ceil(16.5))"), "17.000000");
        assert_eq!(shown("abs(sqrt2)"), "1.414214");
        assert_eq!(shown("(1"), "unparsed");
        assert_eq!(shown(""), "0.000000");
    }

    // cf-agent reads 1023 bytes: "0...07" of 1024 bytes is 0, and 512
    // nested parentheses do not close.
    #[test]
    fn only_the_first_1023_bytes_count() {
        let digits = format!("{}7", "0".repeat(1022));
        assert_eq!(shown(&digits), "7.000000");
        assert_eq!(shown(&format!("0{digits}")), "0.000000");
        let nested = |n| format!("{}1{}", "(".repeat(n), ")".repeat(n));
        assert_eq!(shown(&nested(511)), "1.000000");
        assert_eq!(shown(&nested(512)), "unparsed");
        assert_eq!(shown(&format!("{}é", "0".repeat(1022))), "0.000000");
    }

    #[test]
    fn not_a_number_keeps_its_sign() {
        assert_eq!(shown("0/0"), "-nan");
        assert_eq!(shown("asin(2)"), "nan");
        assert_eq!(shown("-3/0"), "-inf");
    }

    // cf-agent dies of SIGFPE on a remainder by zero; cfmini fails the
    // call instead.
    #[test]
    fn remainder_by_zero_is_an_error() {
        assert_eq!(shown("10%0"), "error");
        assert_eq!(shown("0/0%-1"), "error");
        assert_eq!(shown("(5%0"), "unparsed");
    }

    #[test]
    fn truth_has_a_margin_around_zero() {
        assert!(!truth(1e-18));
        assert!(truth(1e-17));
        assert!(truth(f64::NAN));
    }
}
