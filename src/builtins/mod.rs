//! The builtin function table and the typed helpers builtins read their
//! arguments through.
//!
//! Each builtin is one row of [`TABLE`] and one function in the module of
//! its family. A row carries an example call and what cf-agent prints
//! for it; `tests/examples.rs` runs them all. The evaluator checks arity
//! against the row before calling, so a builtin only reads arguments
//! that exist.

mod data;
mod dates;
#[cfg(test)]
mod fake;
mod hostrange;
mod infix;
mod logic;
mod math;
pub mod network;
mod numbers;
pub mod refused;
mod sorting;
mod strings;
mod version;

use std::path::Path;
use std::rc::Rc;

use crate::value::{Data, ScalarKind, Str, Value};

/// What a builtin needs from the evaluator besides its arguments.
pub trait Env {
    /// The value of a variable named as policy names it (`x`, `b.x`).
    fn lookup(&self, name: &str) -> Option<Value>;

    /// The directory that stands for `/` when reading `/proc`.
    fn sysroot(&self) -> &Path;

    /// The elements of a classic array (`"a[k]" string => ...`) named
    /// `name`, as one object; `None` when it has none.
    fn classic_array(&self, _name: &str) -> Option<Data> {
        None
    }

    /// Whether the class expression `expr` holds where the call is.
    fn class_holds(&self, _expr: &str) -> bool {
        false
    }

    /// Every class defined where the call is: global ones and those of
    /// the bundle running.
    fn defined_classes(&self) -> Vec<String> {
        Vec::new()
    }

    /// The tags of class `name`: `source=promise` and its `meta` tags for
    /// a `classes` promise's class, `source=agent` and `hardclass` for a
    /// hard class, `source=environment` for one given with `-D`, none for
    /// one a `classes` body defines.
    fn class_tags(&self, _name: &str) -> Vec<Str> {
        Vec::new()
    }
}

/// One call of a builtin: its evaluated arguments and the environment.
pub struct Call<'a> {
    /// The function's name, for messages.
    pub name: &'a str,
    /// The arguments, expanded: scalars, or lists and data from `@(x)`
    /// and nested calls.
    pub args: Vec<Value>,
    /// Variables and the sysroot.
    pub env: &'a dyn Env,
}

/// Why a builtin call failed; the variable it was to set stays undefined.
pub type CallResult = Result<Value, String>;

/// What a builtin returns, as cf-promises checks it against the promise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Returns {
    /// A string scalar.
    String,
    /// An integer scalar.
    Int,
    /// A real scalar.
    Real,
    /// A list of strings.
    Slist,
    /// A data container.
    Data,
    /// A class: `any` when true, `!any` when false.
    Class,
}

/// One row of the builtin table.
pub struct Builtin {
    /// The name policy calls it by.
    pub name: &'static str,
    /// The fewest arguments it takes.
    pub min_args: usize,
    /// The most arguments it takes; `None` for any number.
    pub max_args: Option<usize>,
    /// What it returns.
    pub returns: Returns,
    /// One line saying what it computes.
    pub doc: &'static str,
    /// A call of it, as policy writes it.
    pub example: &'static str,
    /// What a report of the example's value prints, as cf-agent
    /// prints it: scalars as they are, lists and data as `format("%S")`
    /// renders them, classes as `true` or `false`.
    pub yields: &'static str,
    /// The implementation.
    pub run: fn(&Call) -> CallResult,
}

/// Every builtin, sorted by name.
pub static TABLE: &[Builtin] = &[
    Builtin {
        name: "accumulated",
        min_args: 6,
        max_args: Some(6),
        returns: Returns::Int,
        doc: "a duration in seconds, a year being 365 days and a month 30",
        example: r#"accumulated(0, 0, 1, 1, 1, 1)"#,
        yields: "90061",
        run: dates::accumulated,
    },
    Builtin {
        name: "ago",
        min_args: 6,
        max_args: Some(6),
        returns: Returns::Int,
        doc: "the time that long before now, in seconds since the epoch",
        example: r#"ago(1000, 0, 0, 0, 0, 0)"#,
        yields: "0",
        run: dates::ago,
    },
    Builtin {
        name: "and",
        min_args: 0,
        max_args: None,
        returns: Returns::Class,
        doc: "whether every class expression holds",
        example: r#"and("any", "!nosuchclass")"#,
        yields: "true",
        run: logic::and,
    },
    Builtin {
        name: "canonify",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::String,
        doc: "the string with every byte but letters, digits and _ made _",
        example: r#"canonify("a-b c.d")"#,
        yields: "a_b_c_d",
        run: strings::canonify,
    },
    Builtin {
        name: "cf_version_after",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Class,
        doc: "whether cf-agent's version is after a version",
        example: r#"cf_version_after("3.20")"#,
        yields: "true",
        run: version::after,
    },
    Builtin {
        name: "cf_version_at",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Class,
        doc: "whether cf-agent's version is a version, in the parts it gives",
        example: r#"cf_version_at("3")"#,
        yields: "true",
        run: version::at,
    },
    Builtin {
        name: "cf_version_before",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Class,
        doc: "whether cf-agent's version is before a version",
        example: r#"cf_version_before("3.21")"#,
        yields: "false",
        run: version::before,
    },
    Builtin {
        name: "cf_version_between",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::Class,
        doc: "whether cf-agent's version lies between two versions",
        example: r#"cf_version_between("3.20", "3.22")"#,
        yields: "true",
        run: version::between,
    },
    Builtin {
        name: "cf_version_maximum",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Class,
        doc: "whether cf-agent's version is at most a version",
        example: r#"cf_version_maximum("3.21.1")"#,
        yields: "true",
        run: version::maximum,
    },
    Builtin {
        name: "cf_version_minimum",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Class,
        doc: "whether cf-agent's version is at least a version",
        example: r#"cf_version_minimum("3.22")"#,
        yields: "false",
        run: version::minimum,
    },
    Builtin {
        name: "classify",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Class,
        doc: "whether the canonified text names a defined class",
        example: r#"classify("cfengine-3")"#,
        yields: "true",
        run: logic::classify,
    },
    Builtin {
        name: "classmatch",
        min_args: 0,
        max_args: None,
        returns: Returns::Class,
        doc: "whether a defined class matches a pattern and tags",
        example: r#"classmatch("cfengine_3_.*", "hardclass")"#,
        yields: "true",
        run: logic::classmatch,
    },
    Builtin {
        name: "concat",
        min_args: 0,
        max_args: None,
        returns: Returns::String,
        doc: "the strings one after another",
        example: r#"concat("a", "b", "1")"#,
        yields: "ab1",
        run: strings::concat,
    },
    Builtin {
        name: "countclassesmatching",
        min_args: 0,
        max_args: None,
        returns: Returns::Int,
        doc: "how many defined classes match a pattern and tags",
        example: r#"countclassesmatching("cfengine_3_21_[0-9]+")"#,
        yields: "1",
        run: logic::countclassesmatching,
    },
    Builtin {
        name: "eval",
        min_args: 1,
        max_args: None,
        returns: Returns::String,
        doc: "an infix arithmetic expression's value, or its truth",
        example: r#"eval("2 + 3 * 4", "math", "infix")"#,
        yields: "14.000000",
        run: math::eval,
    },
    Builtin {
        name: "format",
        min_args: 1,
        max_args: None,
        returns: Returns::String,
        doc: "the template with printf-style conversions filled in",
        example: r#"format("%d-%5s|%-3s|%.2f", 7, "x", "y", "3.14159")"#,
        yields: "7-    x|y  |3.14",
        run: strings::format,
    },
    Builtin {
        name: "getindices",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Slist,
        doc: "the positions of an array or the keys of an object",
        example: r#"getindices('{"a": 1, "b": [2]}')"#,
        yields: r#"{ "a", "b" }"#,
        run: data::getindices,
    },
    Builtin {
        name: "getvalues",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Slist,
        doc: "every primitive in a collection, depth first",
        example: r#"getvalues('{"a": 1, "b": [2, 3]}')"#,
        yields: r#"{ "1", "2", "3" }"#,
        run: data::getvalues,
    },
    Builtin {
        name: "hostrange",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::Class,
        doc: "whether the host is a prefix and a number within a range",
        example: r#"hostrange("nosuchhost-", "1-9")"#,
        yields: "false",
        run: hostrange::hostrange,
    },
    Builtin {
        name: "ifelse",
        min_args: 0,
        max_args: None,
        returns: Returns::String,
        doc: "the value after the first class expression that holds",
        example: r#"ifelse("nosuchclass", "a", "any", "b", "c")"#,
        yields: "b",
        run: logic::ifelse,
    },
    Builtin {
        name: "int",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Int,
        doc: "the integer part of a real, read with its unit",
        example: r#"int("-3.7")"#,
        yields: "-3",
        run: math::int,
    },
    Builtin {
        name: "isgreaterthan",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::Class,
        doc: "whether the first value is greater, as numbers or bytewise",
        example: r#"isgreaterthan("10", "9")"#,
        yields: "true",
        run: math::isgreaterthan,
    },
    Builtin {
        name: "islessthan",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::Class,
        doc: "whether the first value is less, as numbers or bytewise",
        example: r#"islessthan("10", "9")"#,
        yields: "false",
        run: math::islessthan,
    },
    Builtin {
        name: "isvariable",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Class,
        doc: "whether a variable by that name is defined",
        example: r#"isvariable("sys.fqhost")"#,
        yields: "true",
        run: logic::isvariable,
    },
    Builtin {
        name: "join",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::String,
        doc: "the top-level elements of a collection joined by a separator",
        example: r#"join("+", '[1, "a", true]')"#,
        yields: "1+a+true",
        run: data::join,
    },
    Builtin {
        name: "laterthan",
        min_args: 6,
        max_args: Some(6),
        returns: Returns::Class,
        doc: "whether now is after a local date, read as on() reads it",
        example: r#"laterthan(2000, 1, 1, 0, 0, 0)"#,
        yields: "true",
        run: dates::laterthan,
    },
    Builtin {
        name: "length",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Int,
        doc: "how many top-level elements a collection has",
        example: r#"length('[1, [2], {"x": 3}]')"#,
        yields: "3",
        run: data::length,
    },
    Builtin {
        name: "max",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::String,
        doc: "the element of a collection that sorts last by a sort mode",
        example: r#"max('[3, "20", 1.5, "x"]', "int")"#,
        yields: "20",
        run: math::max,
    },
    Builtin {
        name: "mean",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Real,
        doc: "the mean of the numbers in a collection",
        example: "mean('[1, 2, 4]')",
        yields: "2.333333",
        run: math::mean,
    },
    Builtin {
        name: "mergedata",
        min_args: 0,
        max_args: None,
        returns: Returns::Data,
        doc: "the collections merged into one container",
        example: r#"mergedata('{"a": 1}', '{"b": 2}')"#,
        yields: r#"{"a":1,"b":2}"#,
        run: data::mergedata,
    },
    Builtin {
        name: "min",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::String,
        doc: "the element of a collection that sorts first by a sort mode",
        example: r#"min('["b", "a", "c"]', "lex")"#,
        yields: "a",
        run: math::min,
    },
    Builtin {
        name: "network_connections",
        min_args: 0,
        max_args: Some(0),
        returns: Returns::Data,
        doc: "the sockets in /proc/net/{tcp,tcp6,udp,udp6}",
        example: "network_connections()",
        yields: r#"{"tcp":[],"tcp6":[],"udp":[],"udp6":[]}"#,
        run: network::network_connections,
    },
    Builtin {
        name: "not",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Class,
        doc: "whether the class expression does not hold",
        example: r#"not("nosuchclass")"#,
        yields: "true",
        run: logic::not,
    },
    Builtin {
        name: "now",
        min_args: 0,
        max_args: Some(0),
        returns: Returns::Int,
        doc: "the current time, in seconds since the epoch",
        example: r#"isgreaterthan(now(), "1700000000")"#,
        yields: "true",
        run: dates::now,
    },
    Builtin {
        name: "nth",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::String,
        doc: "the element at a position or key of a collection",
        example: r#"nth('["a", "b"]', 1)"#,
        yields: "b",
        run: data::nth,
    },
    Builtin {
        name: "on",
        min_args: 6,
        max_args: Some(6),
        returns: Returns::Int,
        doc: "a local date in seconds since the epoch, month and day one higher",
        example: r#"on(1970, 1, 1, 0, 0, 0)"#,
        yields: "2764800",
        run: dates::on,
    },
    Builtin {
        name: "or",
        min_args: 0,
        max_args: None,
        returns: Returns::Class,
        doc: "whether any class expression holds",
        example: r#"or("nosuchclass", "any")"#,
        yields: "true",
        run: logic::or,
    },
    Builtin {
        name: "parsejson",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Data,
        doc: "the container JSON text holds",
        example: r#"parsejson('{"k": [1, 2.5]}')"#,
        yields: r#"{"k":[1,2.5000]}"#,
        run: data::parsejson,
    },
    Builtin {
        name: "product",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Real,
        doc: "the product of the numbers in a collection",
        example: "product('[2, 3.5]')",
        yields: "7.000000",
        run: math::product,
    },
    Builtin {
        name: "randomint",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::Int,
        doc: "a random integer from the lower bound up to the upper one",
        example: "randomint(5, 5)",
        yields: "5",
        run: math::randomint,
    },
    Builtin {
        name: "splayclass",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::Class,
        doc: "whether the five-minute slot a text hashes to is now",
        example: r#"and("!any", splayclass("s14", "hourly"))"#,
        yields: "false",
        run: dates::splayclass,
    },
    Builtin {
        name: "storejson",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::String,
        doc: "a collection as indented JSON text",
        example: "storejson('[1]')",
        yields: "[\n  1\n]",
        run: data::storejson,
    },
    Builtin {
        name: "strcmp",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::Class,
        doc: "whether the two strings are equal",
        example: r#"strcmp("a", "a")"#,
        yields: "true",
        run: logic::strcmp,
    },
    Builtin {
        name: "sum",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Real,
        doc: "the sum of the numbers in a collection",
        example: "sum('[1, 2.5]')",
        yields: "3.500000",
        run: math::sum,
    },
    Builtin {
        name: "variance",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Real,
        doc: "the sample variance of the numbers in a collection",
        example: "variance('[1, 2, 4]')",
        yields: "2.333333",
        run: math::variance,
    },
];

/// The row of the builtin called `name`, among those cfmini runs and
/// those it refuses to run.
pub fn find(name: &str) -> Option<&'static Builtin> {
    let mut rows = TABLE.iter().chain(refused::REFUSED);
    rows.find(|b| b.name == name)
}

impl Call<'_> {
    /// Argument `i` as a string scalar.
    pub fn string(&self, i: usize) -> Result<&str, String> {
        match &self.args[i] {
            Value::Scalar(_, s) => Ok(s),
            other => Err(format!(
                "function '{}' expected a string as argument {}, got {}",
                self.name,
                i + 1,
                other.type_name()
            )),
        }
    }

    /// Argument `i` as an integer, read as cf-agent reads integers in
    /// function arguments (see [`parse_int`]).
    pub fn int(&self, i: usize) -> Result<i64, String> {
        let text = self.string(i)?;
        parse_int(text).ok_or_else(|| {
            format!(
                "function '{}' expected an integer as argument {}, got '{}'",
                self.name,
                i + 1,
                text
            )
        })
    }

    /// Argument `i` resolved as cf-agent resolves a collection argument:
    /// a list or data value passed with `@(x)` or a nested call, else the
    /// variable named by the string (of any type), else inline JSON text
    /// holding an array or object; `None` when it is none of these.
    pub fn resolve(&self, i: usize) -> Option<Value> {
        let text = match &self.args[i] {
            Value::Scalar(_, text) => text,
            value => return Some(value.clone()),
        };
        if let Some(value) = self.env.lookup(text) {
            return Some(value);
        }
        if let Some(array) = self.env.classic_array(text) {
            return Some(Value::Data(array.into()));
        }
        match crate::json::parse(text) {
            Ok(data) => Some(Value::Data(data.into())),
            Err(_) => None,
        }
    }

    /// Argument `i` as a list or a data container, resolved as
    /// [`Call::resolve`] does; a scalar variable is an error.
    pub fn collection(&self, i: usize) -> Result<Collection, String> {
        match self.resolve(i) {
            Some(Value::List(_, items)) => Ok(Collection::List(items)),
            Some(Value::Data(d)) => Ok(Collection::Data(d)),
            Some(scalar) => Err(format!(
                "function '{}' expected a list or data container as \
                 argument {}, got {} variable '{}'",
                self.name,
                i + 1,
                scalar.type_name(),
                self.arg_text(i),
            )),
            None => Err(self.missing(i)),
        }
    }

    /// The elements of the collection argument `i` as text: a list's
    /// items, or the primitives at the top of a container (reals with
    /// two decimals, as `$(d[k])` prints them), nulls and nested
    /// containers left out, as cf-agent's arithmetic on lists reads them.
    pub fn scalars(&self, i: usize) -> Result<Vec<Str>, String> {
        Ok(match self.collection(i)? {
            Collection::List(items) => items.to_vec(),
            Collection::Data(d) => match &*d {
                Data::Array(items) => {
                    items.iter().filter_map(Data::scalar_text).collect()
                }
                Data::Object(object) => {
                    object.iter().filter_map(|(_, v)| v.scalar_text()).collect()
                }
                primitive => primitive.scalar_text().into_iter().collect(),
            },
        })
    }

    /// The error for argument `i` naming no variable.
    pub fn missing(&self, i: usize) -> String {
        format!(
            "function '{}' could not find variable '{}'",
            self.name,
            self.arg_text(i)
        )
    }

    /// The text of argument `i` when it is a scalar, else empty.
    fn arg_text(&self, i: usize) -> &str {
        match &self.args[i] {
            Value::Scalar(_, text) => text,
            _ => "",
        }
    }
}

/// Reads an integer as cf-agent reads one in a function argument: like
/// C's `strtol` (leading blanks, a sign, digits, saturating), then one
/// trailing byte may be a unit (`k` 1000, `K` 1024, `m`, `M`, `g`, `G`)
/// or `%`, which cf-agent encodes as a negative number; any other single
/// trailing byte is ignored and two or more are an error. `inf` is
/// cf-agent's infinity, 999999999.
pub fn parse_int(text: &str) -> Option<i64> {
    let text = text.trim_start_matches(is_c_space);
    if text == "inf" {
        return Some(999_999_999);
    }
    let (value, rest) = strtol(text)?;
    let mut suffix = rest.bytes();
    let scale: i64 = match (suffix.next(), suffix.next()) {
        (None, _) => 1,
        (Some(_), Some(_)) => return None,
        (Some(b'%'), None) => -1,
        (Some(unit), None) => unit_scale(unit),
    };
    Some(value.saturating_mul(scale))
}

fn unit_scale(unit: u8) -> i64 {
    match unit {
        b'k' => 1000,
        b'K' => 1024,
        b'm' => 1_000_000,
        b'M' => 1 << 20,
        b'g' => 1_000_000_000,
        b'G' => 1 << 30,
        _ => 1,
    }
}

/// Whether `c` is blank as C's `isspace` sees it.
pub fn is_c_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{b}' | '\u{c}' | '\r')
}

/// C's `strtol` in base 10 on text without leading blanks: the value of
/// an optional sign and at least one digit, saturating at the bounds of
/// `i64`, and the text after them.
pub fn strtol(text: &str) -> Option<(i64, &str)> {
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let digits = unsigned.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }

    let mut value: i64 = 0;
    for d in unsigned[..digits].bytes() {
        let d = i64::from(d - b'0');
        value = value.saturating_mul(10);
        value = if negative {
            value.saturating_sub(d)
        } else {
            value.saturating_add(d)
        };
    }
    Some((value, &unsigned[digits..]))
}

/// Reads a real argument as C's `strtod` does, 0 when none.
pub fn strtod(text: &str) -> f64 {
    numbers::strtod_prefix(text).map_or(0.0, |(x, _)| x)
}

/// A list or a data container, as a collection argument resolves.
pub enum Collection {
    /// The items of a list of any kind.
    List(Rc<[Str]>),
    /// A data container.
    Data(Rc<Data>),
}

/// An integer scalar as a builtin result.
pub fn int(n: i64) -> Value {
    Value::Scalar(ScalarKind::Int, n.to_string().into())
}

/// A real scalar as a builtin result, printed as C's `%f` prints it.
pub fn real(x: f64) -> Value {
    Value::Scalar(ScalarKind::Real, numbers::print(x).into())
}

/// A data container as a builtin result.
pub fn data(data: Data) -> Value {
    Value::Data(data.into())
}

#[cfg(test)]
mod table_tests {
    use super::TABLE;
    use crate::syntax::syntax;

    #[test]
    fn names_are_sorted_unique_and_documented() {
        for pair in TABLE.windows(2) {
            assert!(
                pair[0].name < pair[1].name,
                "{} out of order",
                pair[1].name
            );
        }
        for row in TABLE {
            assert!(!row.doc.is_empty(), "{} has no doc line", row.name);
            let call = format!("{}(", row.name);
            assert!(row.example.contains(&call), "{} example", row.name);
        }
    }

    /// Every row takes the arguments cf-promises says the function takes.
    #[test]
    fn arity_agrees_with_cf_promises() {
        for row in TABLE {
            let function = syntax().function(row.name).expect(row.name);
            let fixed = function.params.len();
            let max = (!function.variadic).then_some(fixed);
            assert!(row.min_args <= fixed, "{}", row.name);
            assert!(max.is_none() || row.max_args == max, "{}", row.name);
        }
    }

    /// Every builtin is called by at least one language case, whose
    /// expected output comes from cf-agent.
    #[test]
    fn every_builtin_has_a_language_case() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cases");
        let mut cases = String::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "cf") {
                cases += &std::fs::read_to_string(path).unwrap();
            }
        }
        for row in TABLE {
            let call = format!("{}(", row.name);
            assert!(cases.contains(&call), "no case calls {}", row.name);
        }
    }
}
