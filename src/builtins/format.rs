//! cf-agent's printf-like `format`.
//!
//! `format` follows what cf-agent does with each conversion: `%d`, `%x`
//! and `%o` read their argument like C's `strtol` and print its low 32
//! bits (64 with `l`), `%f` reads like `strtod`, `%s` pads and cuts by
//! bytes, and `%S` prints the slist or data variable its argument names.
//! Other C conversions print `(unhandled format)`; a `%` that starts no
//! conversion ends the result there.
//!
//! `%1$s` reads as `%s`; any other position fails the call, where
//! cf-agent aborts.
//!
//! cf-agent hands each conversion its one argument alone, so a `*`
//! takes that argument as the width or precision, and the number then
//! printed is read past the arguments. In `%*d`, `%.*x` and the like
//! cf-agent 3.21 on x86-64 reads 0 there, every time, and `format`
//! prints 0. Elsewhere `format` fails: cf-agent crashes on `%*s` and
//! prints what memory holds for `%*f` and `%*.*d`.
//!
//! Known shortcomings: `%ls` prints as `%s` (cf-agent's output there
//! is garbled too), and a precision that would
//! cut a character in two cuts before it. A field wider than 4095
//! bytes is printed whole, where cf-agent's result stops at 4095 bytes
//! (`%.70000x` gives 4095 zeros there).

use super::{Call, CallResult, is_c_space, strtod, strtol};
use crate::json;
use crate::value::{ListKind, Str, Value};

/// The conversion characters that end a specification.
const CONVERSIONS: &str = "diouxXeEfFgGaAcsSpn";

/// Length modifiers cf-agent refuses; `l` is allowed.
const REFUSED_MODIFIERS: &str = "hqLjzt";

/// `format(template, arg, ...)`: the template with each conversion
/// replaced by the next argument; extra arguments are ignored.
pub fn format(call: &Call) -> CallResult {
    let mut rest = call.string(0)?;
    let mut out = String::new();
    let mut next_arg = 1;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        if let Some(after) = rest.strip_prefix('%') {
            out.push('%');
            rest = after;
            continue;
        }

        let Some(end) = rest.find(|c| CONVERSIONS.contains(c)) else {
            return Ok(Value::string(out));
        };
        let (spec, conversion) = (&rest[..end], rest.as_bytes()[end]);
        rest = &rest[end + 1..];
        let (spec, by_position) = positional(spec)?;
        // Text that is no specification ends the result, refused
        // modifiers or not (`%z %s` gives what came before it).
        let spec_char = |c: char| {
            "-+ #0123456789.l*".contains(c) || REFUSED_MODIFIERS.contains(c)
        };
        if !spec.chars().all(spec_char) {
            return Ok(Value::string(out));
        }
        if let Some(m) = spec.chars().find(|c| REFUSED_MODIFIERS.contains(*c)) {
            return Err(format!(
                "function 'format' does not allow modifier '{m}' in \
                 '%{spec}{}'",
                conversion as char
            ));
        }
        if next_arg >= call.args.len() {
            return Err("function 'format' has too few arguments".into());
        }

        let at = Arg {
            index: next_arg,
            by_position,
        };
        out.push_str(&convert(call, spec, conversion, at)?);
        next_arg += 1;
    }
    out.push_str(rest);
    Ok(Value::string(out))
}

/// The argument a conversion prints.
#[derive(Clone, Copy)]
struct Arg {
    index: usize,
    /// Whether the conversion named it by position, `%1$`.
    by_position: bool,
}

/// `spec` without a position, and whether it had one: cf-agent formats
/// each conversion alone, with its one argument, so `%1$s` is `%s` and
/// any other position makes it abort.
fn positional(spec: &str) -> Result<(&str, bool), String> {
    let digits = spec.bytes().take_while(u8::is_ascii_digit).count();
    match spec[digits..].strip_prefix('$') {
        None => Ok((spec, false)),
        Some(rest) if &spec[..digits] == "1" => Ok((rest, true)),
        Some(_) => Err(format!(
            "function 'format' cannot take argument {} by position: only \
             %1$ is read, as in cf-agent",
            &spec[..digits]
        )),
    }
}

/// The widest field width or precision `format` pads to: wide enough
/// for any report, small enough that `%999999999s` cannot fill memory.
const MAX_FIELD_WIDTH: usize = 1 << 20;

/// A parsed conversion specification, between `%` and the conversion.
#[derive(Default)]
struct Spec {
    left: bool,
    plus: bool,
    space: bool,
    alternate: bool,
    zero: bool,
    width: usize,
    precision: Option<usize>,
    long: bool,
}

/// Parses flags, width, precision and `l`s; `None` if anything is left,
/// which C's printf would print as it is.
fn parse_spec(text: &str) -> Option<Spec> {
    let mut spec = Spec::default();
    let mut rest = text;
    while let Some(flag) = rest.chars().next() {
        match flag {
            '-' => spec.left = true,
            '+' => spec.plus = true,
            ' ' => spec.space = true,
            '#' => spec.alternate = true,
            '0' => spec.zero = true,
            _ => break,
        }
        rest = &rest[1..];
    }

    let (width, after) = split_digits(rest);
    spec.width = width.unwrap_or(0);
    rest = after;
    if let Some(after_dot) = rest.strip_prefix('.') {
        let (precision, after) = split_digits(after_dot);
        spec.precision = Some(precision.unwrap_or(0));
        rest = after;
    }
    spec.long = rest.starts_with('l');
    rest.trim_start_matches('l').is_empty().then_some(spec)
}

/// The number the leading digits of `text` spell, and what follows.
fn split_digits(text: &str) -> (Option<usize>, &str) {
    let end = text.bytes().take_while(u8::is_ascii_digit).count();
    (text[..end].parse().ok(), &text[end..])
}

/// The text one conversion of argument `at` prints.
fn convert(
    call: &Call,
    text: &str,
    conversion: u8,
    at: Arg,
) -> Result<String, String> {
    if text.contains('*') {
        return convert_starred(call, text, conversion, at);
    }
    let arg = at.index;
    let Some(spec) = parse_spec(text) else {
        return Ok(format!("%{text}{}", conversion as char));
    };
    let widest = spec.width.max(spec.precision.unwrap_or(0));
    if widest > MAX_FIELD_WIDTH {
        return Err(format!(
            "function 'format' allows fields of at most {MAX_FIELD_WIDTH} \
             characters, got {widest} in '%{text}{}'",
            conversion as char
        ));
    }
    match conversion {
        b's' => Ok(pad_text(&spec, call.string(arg)?)),
        b'S' => Ok(pad_text(&spec, &collection_text(call, arg)?)),
        b'd' => Ok(format_int(&spec, read_int(call.string(arg)?), 10)),
        b'x' => Ok(format_int(&spec, read_int(call.string(arg)?), 16)),
        b'o' => Ok(format_int(&spec, read_int(call.string(arg)?), 8)),
        b'f' => Ok(format_real(&spec, strtod(call.string(arg)?))),
        _ => Ok("(unhandled format)".into()),
    }
}

/// The text of a conversion whose width or precision is `*`: the
/// argument, read as the conversion reads it and cut to 32 bits, gives
/// the number the `*` stands for, and the value printed is 0, as in
/// cf-agent; after `%1$` the value is the argument too. A negative
/// width pads on the right; a negative precision is none.
fn convert_starred(
    call: &Call,
    text: &str,
    conversion: u8,
    at: Arg,
) -> Result<String, String> {
    let arg = at.index;
    let whole = format!("%{text}{}", conversion as char);
    let base = match conversion {
        b'd' => 10,
        b'x' => 16,
        b'o' => 8,
        b's' | b'S' | b'f' => {
            return Err(format!(
                "function 'format' cannot print '{whole}': cf-agent reads \
                 its value past the arguments there"
            ));
        }
        _ => return Ok("(unhandled format)".into()),
    };
    if text.matches('*').count() > 1 {
        return Err(format!(
            "function 'format' cannot print '{whole}': cf-agent reads \
             one of its numbers past the arguments there"
        ));
    }

    let number = read_int(call.string(arg)?) as i32;
    let text = match (number < 0, text.contains(".*")) {
        (true, true) => text.replace(".*", ""),
        // `-` read as a flag, then the width.
        (true, false) => {
            text.replace('*', &format!("-{}", number.unsigned_abs()))
        }
        (false, _) => text.replace('*', &number.to_string()),
    };
    let Some(spec) = parse_spec(&text) else {
        return Ok(format!("%{text}{}", conversion as char));
    };
    if spec.width.max(spec.precision.unwrap_or(0)) > MAX_FIELD_WIDTH {
        return Err(format!(
            "function 'format' allows fields of at most {MAX_FIELD_WIDTH} \
             characters, got {number} for '*' in '{whole}'"
        ));
    }
    let value = match at.by_position {
        true => read_int(call.string(arg)?),
        false => 0,
    };
    Ok(format_int(&spec, value, base))
}

/// What `%S` prints for argument `arg`, which must name an slist
/// (`{ "a", "b" }`, quotes escaped) or a data variable (one-line JSON).
/// cf-agent takes neither inline JSON, nor values from `@(x)` or nested
/// calls, nor ilists and rlists here.
fn collection_text(call: &Call, arg: usize) -> Result<String, String> {
    let name = call.string(arg)?;
    match call.env.lookup(name) {
        Some(Value::Data(d)) => Ok(json::to_compact(&d)),
        Some(Value::List(ListKind::String, items)) => Ok(slist_text(&items)),
        Some(other) => Err(format!(
            "function 'format' expected an slist or data variable for \
             '%S', got {} variable '{name}'",
            other.type_name()
        )),
        None => Err(call.missing(arg)),
    }
}

/// A list as `%S` prints it: `{ "a", "b" }`, quotes escaped.
pub fn slist_text(items: &[Str]) -> String {
    let quoted: Vec<String> = items
        .iter()
        .map(|item| format!("\"{}\"", item.replace('"', "\\\"")))
        .collect();
    format!("{{ {} }}", quoted.join(", "))
}

/// Pads or cuts text as `%s` does; width and precision count bytes.
fn pad_text(spec: &Spec, text: &str) -> String {
    let mut end = spec.precision.unwrap_or(text.len()).min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    pad(spec, "", &text[..end], false)
}

/// `prefix` and `body` padded to the width: on the right when
/// left-justified, with zeros between them when `zeros`, else with
/// spaces on the left.
fn pad(spec: &Spec, prefix: &str, body: &str, zeros: bool) -> String {
    let len = prefix.len() + body.len();
    let fill = spec.width.saturating_sub(len);
    if spec.left {
        format!("{prefix}{body}{}", " ".repeat(fill))
    } else if zeros {
        format!("{prefix}{}{body}", "0".repeat(fill))
    } else {
        format!("{}{prefix}{body}", " ".repeat(fill))
    }
}

/// Reads an integer argument as C's `strtol` does, 0 when none.
fn read_int(text: &str) -> i64 {
    strtol(text.trim_start_matches(is_c_space)).map_or(0, |(n, _)| n)
}

/// Prints an integer in `base` as C's printf does for `d`, `x` or `o`,
/// on 32 bits unless the specification says `l`.
fn format_int(spec: &Spec, value: i64, base: u32) -> String {
    let value = if spec.long {
        value
    } else {
        i64::from(value as i32)
    };
    let (negative, magnitude) = match base {
        10 => (value < 0, value.unsigned_abs()),
        _ if spec.long => (false, value as u64),
        _ => (false, u64::from(value as u32)),
    };

    let mut digits = match base {
        16 => format!("{magnitude:x}"),
        8 => format!("{magnitude:o}"),
        _ => magnitude.to_string(),
    };
    if spec.precision == Some(0) && magnitude == 0 {
        digits.clear();
    }
    if let Some(precision) = spec.precision {
        // Built by hand: std's `{:0>N$}` panics past 65535.
        let zeros = precision.saturating_sub(digits.len());
        digits.insert_str(0, &"0".repeat(zeros));
    }
    if base == 8 && spec.alternate && !digits.starts_with('0') {
        digits.insert(0, '0');
    }

    let prefix = match base {
        10 => sign(spec, negative),
        16 if spec.alternate && magnitude != 0 => "0x",
        _ => "",
    };
    pad(spec, prefix, &digits, spec.zero && spec.precision.is_none())
}

/// The sign C's printf puts before a signed number.
fn sign(spec: &Spec, negative: bool) -> &'static str {
    if negative {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    }
}

/// The most fractional digits a double's exact decimal value has (for
/// 2^-1074, the smallest).
const EXACT_FRACTION_DIGITS: usize = 1074;

/// Prints a real as C's printf does for `f`.
fn format_real(spec: &Spec, value: f64) -> String {
    let precision = spec.precision.unwrap_or(6);
    let body = if value.is_nan() {
        "nan".to_string()
    } else if value.is_infinite() {
        "inf".to_string()
    } else {
        // std's `{:.N$}` panics past 65535; a double has no non-zero
        // digit past its exact ones, so the rest are zeros.
        let exact = precision.min(EXACT_FRACTION_DIGITS);
        let mut body = format!("{:.exact$}", value.abs());
        body.push_str(&"0".repeat(precision - exact));
        if spec.alternate && precision == 0 {
            body.push('.');
        }
        body
    };
    // C never pads inf and nan with zeros.
    let zeros = spec.zero && value.is_finite();
    pad(spec, sign(spec, value.is_sign_negative()), &body, zeros)
}

#[cfg(test)]
mod tests {
    use super::super::fake::{run, s, show, text};
    use crate::value::Value;

    fn format(args: &[&str]) -> String {
        text("format", args)
    }

    #[test]
    fn format_strings() {
        let args = ["%s|%5s|%-5s|%.2s|%5.1s|", "abc", "ab", "ab", "abc", "abc"];
        assert_eq!(format(&args), "abc|   ab|ab   |ab|    a|");
        assert_eq!(format(&["%10.4s|", "abcdefg"]), "      abcd|");
        assert_eq!(format(&["%05s|%-s|%#s|", "a", "x", "x"]), "    a|x|x|");
        assert_eq!(format(&["[%s]", ""]), "[]");
        assert_eq!(format(&["%.s|", "ab"]), "|");
        // Widths count bytes: é takes two.
        assert_eq!(format(&["%3s|%5s|%-5s|", "é", "é", "é"]), " é|   é|é   |");
        assert_eq!(format(&["%s", "%d"]), "%d");
        assert_eq!(format(&["%s", "l"]), "l");
    }

    #[test]
    fn precisions_past_65535_are_padded_without_panicking() {
        // Found by fuzzing: std's formatting panicked on these widths.
        let shown = format(&["%.0x%.00000000000551615x.0x(", " ", "%. \u{2}"]);
        assert_eq!(shown, format!("{}.0x(", "0".repeat(551615)));
        let shown = format(&["%.70000f", "0.5"]);
        assert_eq!(shown, format!("0.5{}", "0".repeat(69999)));
        // 2^-1074 = 5^1074 / 10^1074: its last digit, a 5, is the
        // 1074th after the point; the precision asks 26 more.
        let tiny = format(&["%.1100f", "4.9406564584124654e-324"]);
        let exact_end = "0.".len() + 1074;
        assert_eq!(&tiny[exact_end - 5..exact_end], "65625");
        assert_eq!(tiny[exact_end..], "0".repeat(26));
    }

    #[test]
    fn format_integers() {
        let args = [
            "%d|%5d|%-5d|%05d|%+d|%d",
            "42",
            "42",
            "42",
            "42",
            "42",
            "-7",
        ];
        assert_eq!(format(&args), "42|   42|42   |00042|+42|-7");
        let args = ["%.3d|%5.3d|%5.2d|%-05d|%0-5d|", "7", "7", "3", "3", "3"];
        assert_eq!(format(&args), "007|  007|   03|3    |3    |");
        assert_eq!(format(&["%-+5d|% d|%.d|", "3", "3", "0"]), "+3   | 3||");
        let args = ["%x|%o|%5x|%#x|%#o", "255", "8", "255", "255", "8"];
        assert_eq!(format(&args), "ff|10|   ff|0xff|010");
        let args = ["%#5x|%-#8x|%#x|%#o|%#5o", "255", "255", "0", "0", "8"];
        assert_eq!(format(&args), " 0xff|0xff    |0|0|  010");
        assert_eq!(format(&["%-05x|%+x|% x", "10", "10", "10"]), "a    |a|a");
    }

    // cf-agent gives a starred conversion its one argument as the
    // number for the `*` and prints 0, read past the arguments.
    #[test]
    fn format_takes_the_argument_for_a_star_and_prints_zero() {
        assert_eq!(format(&["%-*d|", "3"]), "0  |");
        assert_eq!(format(&["%*d|%d", "3", "7"]), "  0|7");
        assert_eq!(format(&["%*d|", "-3"]), "0  |");
        assert_eq!(format(&["%.*d|%.*d", "3", "-3"]), "000|0");
        assert_eq!(format(&["%*x|%0*o", "4294967299", "2"]), "  0|00");
        assert_eq!(format(&["%*e", "2"]), "(unhandled format)");
    }

    // After %1$ cf-agent prints the argument itself with the `*` it
    // gives, the same on every run.
    #[test]
    fn format_by_position_prints_the_argument_for_a_star() {
        assert_eq!(format(&["[%1$*d]", "5"]), "[    5]");
        assert_eq!(format(&["[%1$.*d]", "5"]), "[00005]");
        assert_eq!(format(&["[%1$*x]", "12"]), "[           c]");
        assert_eq!(format(&["[%1$-*d]", "4"]), "[4   ]");
        assert_eq!(format(&["[%1$*d]", "-4"]), "[-4  ]");
    }

    #[test]
    fn format_refuses_a_star_where_cf_agent_prints_garbage() {
        for template in ["%*s", "%.*f", "%*.*d", "%*S"] {
            let args = vec![s(template), s("2"), s("3")];
            let message = run("format", args).unwrap_err();
            assert!(message.contains("cannot print"), "{template}: {message}");
        }
    }

    #[test]
    fn format_reads_integers_like_strtol_into_32_bits() {
        for (arg, printed) in [
            ("abc", "0"),
            ("12abc", "12"),
            ("1.9", "1"),
            ("", "0"),
            (" 12", "12"),
            ("+5", "5"),
            ("-", "0"),
            ("0x10", "0"),
            ("1e3", "1"),
            ("1k", "1"),
            ("99999999999999999999", "-1"),
            ("4294967297", "1"),
            ("-2147483649", "2147483647"),
        ] {
            assert_eq!(format(&["%d", arg]), printed, "{arg}");
        }
        assert_eq!(format(&["%x|%x", "-1", "4294967296"]), "ffffffff|0");
        assert_eq!(format(&["%x", "4294967295"]), "ffffffff");
        assert_eq!(format(&["%o", "-8"]), "37777777770");
        let args =
            ["%ld|%lx|%lo|%lld", "99999999999999999999", "-1", "-1", "2"];
        assert_eq!(
            format(&args),
            "9223372036854775807|ffffffffffffffff|1777777777777777777777|2"
        );
    }

    #[test]
    fn format_reals() {
        let args =
            ["%f|%.2f|%8.3f|%-8.1f|%f", "3.14159", "2.5", "1", "1", "abc"];
        assert_eq!(format(&args), "3.141590|2.50|   1.000|1.0     |0.000000");
        let args = [
            "%.0f|%.0f|%.0f|%.1f|%.2f",
            "0.5",
            "1.5",
            "2.5",
            "0.25",
            "1.005",
        ];
        assert_eq!(format(&args), "0|2|2|0.2|1.00");
        let args = [
            "%010.3f|%-10.3f|%+f|% .1f",
            "-3.14159",
            "-3.14159",
            "0",
            "-0",
        ];
        assert_eq!(format(&args), "-00003.142|-3.142    |+0.000000|-0.0");
        let args = [
            "%08.3f|%+.1f|% f|%#.0f|%.f",
            "3.14159",
            "2",
            "2",
            "3",
            "2.7",
        ];
        assert_eq!(format(&args), "0003.142|+2.0| 2.000000|3.|3");
        assert_eq!(
            format(&["%.0f|%.10f|%lf", "2.5", "0.1", "4.5"]),
            "2|0.1000000000|4.500000"
        );
        assert_eq!(
            format(&["%f|%f|%f", "1e3", " 2.5x", "-0"]),
            "1000.000000|2.500000|-0.000000"
        );
        let args = [
            "%f|%f|%f|%f|%5f|%05f",
            "inf",
            "-inf",
            "1e400",
            "nan",
            "inf",
            "nan",
        ];
        assert_eq!(format(&args), "inf|-inf|inf|nan|  inf|  nan");
    }

    #[test]
    fn format_percent_and_unknown_conversions() {
        assert_eq!(format(&["%%|100%%|%", "x"]), "%|100%|");
        assert_eq!(format(&["abc%"]), "abc");
        assert_eq!(format(&["%", "x"]), "");
        // A % that starts no conversion ends the result.
        for template in [
            "a%zb", "a%5%b", "a%yb|%s", "a%lz|", "a%hy|", "a%5yb|", "a%5",
        ] {
            assert_eq!(format(&[template, "x", "y"]), "a", "{template}");
        }
        let args =
            ["a%X|%e|%E|%F|%g|%G|%a|%A|%c|%i|%u|%p|%n|%s", "1", "1", "1"];
        let unhandled = "(unhandled format)|".repeat(13);
        let with_args = [&args[..], &["1"; 10], &["z"]].concat();
        assert_eq!(format(&with_args), format!("a{unhandled}z"));
        // glibc prints a malformed specification as it is.
        assert_eq!(format(&["a%3.2.1d|", "5"]), "a%3.2.1d|");
    }

    #[test]
    fn format_refuses_some_modifiers_and_missing_arguments() {
        for template in ["%hd", "%qd", "%Ld", "%jd", "%zd", "a%zs|"] {
            assert_eq!(format(&[template, "3"]), "ERR", "{template}");
        }
        assert_eq!(format(&["%s"]), "ERR");
        assert_eq!(format(&["%s %s", "a"]), "ERR");
        assert_eq!(format(&["a", "b", "c"]), "a");
        assert_eq!(format(&["%s", "a", "b"]), "a");
    }

    #[test]
    fn format_big_s_prints_slist_and_data_variables() {
        assert_eq!(format(&["%S", "l"]), r#"{ "a", "b", "c" }"#);
        assert_eq!(format(&["%S", "el"]), "{  }");
        assert_eq!(format(&["%S", "q"]), r#"{ "a\"b", "c\d", "" }"#);
        assert_eq!(
            format(&["%S", "d"]),
            r#"[1,"x",[2,3],{"k":"v"},null,true,2.5000]"#
        );
        assert_eq!(
            format(&["%S", "o"]),
            r#"{"a":[1,2],"b":1,"c":{"x":"y"},"f":false,"n":null}"#
        );
        assert_eq!(format(&["%S", "eo"]), "{}");
        assert_eq!(format(&["%S %s", "l", "x"]), r#"{ "a", "b", "c" } x"#);
        assert_eq!(format(&["%S|%S", "l", "el"]), r#"{ "a", "b", "c" }|{  }"#);
    }

    #[test]
    fn format_big_s_pads_and_cuts_like_s() {
        assert_eq!(format(&["%.3S|", "l"]), "{ \"|");
        assert_eq!(format(&["a%20S|", "el"]), "a                {  }|");
        assert_eq!(format(&["a%-20S|", "l"]), "a{ \"a\", \"b\", \"c\" }   |");
        assert_eq!(format(&["%5S|", "l"]), r#"{ "a", "b", "c" }|"#);
    }

    #[test]
    fn format_big_s_refuses_anything_but_a_named_variable() {
        for arg in [
            "s",
            "missing",
            "hello world",
            "il",
            "rl",
            r#"{"a":1}"#,
            "[1,2]",
        ] {
            assert_eq!(format(&["%S", arg]), "ERR", "{arg}");
        }
        let list = Value::slist(vec!["a".into()]);
        assert_eq!(show(run("format", vec![s("%S"), list.clone()])), "ERR");
        assert_eq!(show(run("format", vec![s("%s"), list])), "ERR");
    }
}
