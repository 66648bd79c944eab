//! Builtins over regular expressions: `regcmp`, `reglist`, `regarray`,
//! `regextract`, `data_regextract`, `regex_replace`, `string_split`,
//! `splitstring` and `lastnode`. Patterns compile through
//! [`crate::regex`], whose documentation says which functions cf-agent
//! anchors.
//!
//! Known shortcomings: in `regex_replace`, cf-agent 3.21 prints
//! leftover memory for `` $` `` and `$'`, so cfmini refuses them rather
//! than guess.

use super::logic::class;
use super::{Call, CallResult, Collection, data};
use crate::json;
use crate::regex::{self, Captures, Options, Regex, compile, slice};
use crate::value::{Data, Object, Str, Value};

/// `regcmp(regex, s)`: whether the pattern matches all of `s`.
pub fn regcmp(call: &Call) -> CallResult {
    let regex = compile(call.string(0)?)?;
    Ok(class(regex.is_full_match(call.string(1)?)))
}

/// `reglist(list, regex)`: whether the pattern matches all of some item
/// of the list, or of some primitive at the top of a container.
pub fn reglist(call: &Call) -> CallResult {
    let items = top_texts(call.collection(0)?);
    let regex = compile(call.string(1)?)?;
    Ok(class(items.iter().any(|item| regex.is_full_match(item))))
}

/// `regarray(array, regex)`: whether the pattern matches all of some
/// top-level value of a classic array or container; keys do not count.
pub fn regarray(call: &Call) -> CallResult {
    let regex = compile(call.string(1)?)?;
    let items = match call.resolve(0) {
        Some(Value::List(_, items)) => Collection::List(items),
        Some(Value::Data(d)) => Collection::Data(d),
        _ => return Ok(class(false)),
    };
    let items = top_texts(items);
    Ok(class(items.iter().any(|item| regex.is_full_match(item))))
}

/// The items of a list, or the primitives at the top of a container.
fn top_texts(collection: Collection) -> Vec<Str> {
    match collection {
        Collection::List(items) => items.to_vec(),
        Collection::Data(d) => top_children(&d)
            .filter(|child| !child.is_container() && **child != Data::Null)
            .filter_map(|child| json::primitive_text(child).map(Str::from))
            .collect(),
    }
}

fn top_children(data: &Data) -> Box<dyn Iterator<Item = &Data> + '_> {
    match data {
        Data::Array(items) => Box::new(items.iter()),
        Data::Object(object) => Box::new(object.iter().map(|(_, v)| v)),
        primitive => Box::new(std::iter::once(primitive)),
    }
}

/// `regextract(regex, s, array)`: whether the pattern matches somewhere
/// in `s`; when it does, the classic array `array` gets the match at
/// key `0` and each group at its number, or at its name when it has one
/// (a group that took no part is empty).
pub fn regextract(call: &Call) -> CallResult {
    let regex = compile(call.string(0)?)?;
    let text = call.string(1)?;
    let Some(captures) = regex.captures(text) else {
        return Ok(class(false));
    };
    let elements = group_pairs(&regex, &captures, text)
        .into_iter()
        .map(|(key, value)| (vec![key], Value::string(value)))
        .collect();
    call.env.define_array(call.string(2)?, elements);
    Ok(class(true))
}

/// `data_regextract(regex, s)`: the groups of the first match, as
/// `regextract` stores them, in a container; an error when nothing
/// matches.
pub fn data_regextract(call: &Call) -> CallResult {
    let regex = compile(call.string(0)?)?;
    let text = call.string(1)?;
    let captures = regex.captures(text).ok_or_else(|| {
        format!(
            "function 'data_regextract' found no match of '{}' in '{text}'",
            regex.source()
        )
    })?;
    let pairs = group_pairs(&regex, &captures, text)
        .into_iter()
        .map(|(key, value)| (key, Data::Str(value)))
        .collect();
    Ok(data(Data::Object(Object::from_unique_pairs(pairs))))
}

/// Each group's key (its name, else its number) and text.
fn group_pairs(
    regex: &Regex,
    captures: &Captures,
    text: &str,
) -> Vec<(Str, Str)> {
    let names = regex.group_names();
    (0..captures.len())
        .map(|i| {
            let key = match names.get(i).cloned().flatten() {
                Some(name) => name,
                None => i.to_string(),
            };
            let value =
                captures.get(i).map_or(String::new(), |r| slice(text, r));
            (key.into(), value.into())
        })
        .collect()
}

/// `regex_replace(s, regex, replacement, options)`: `s` with the first
/// match, or every match with option `g`, replaced. The other options
/// are PCRE's `i`, `m`, `s`, `x` and `U`, and `T` to take the
/// replacement literally; unknown letters are ignored. In the
/// replacement, `$N` and `\N` stand for group N, `$&` for the match and
/// `$+` for the last group that took part.
pub fn regex_replace(call: &Call) -> CallResult {
    let text = call.string(0)?;
    let flags = call.string(3)?;
    let options = replace_options(flags);
    let regex = regex::compile_with(call.string(1)?, options)?;
    let replacement = parse_replacement(call.string(2)?, flags.contains('T'))?;

    let mut matches = regex.captures_all(text);
    if !flags.contains('g') {
        matches.truncate(1);
    }
    let mut out = String::new();
    let mut copied = 0;
    for captures in &matches {
        let Some(whole) = captures.get(0) else {
            continue;
        };
        out += &slice(text, copied..whole.start);
        for piece in &replacement {
            out += &piece.text(captures, text);
        }
        copied = whole.end;
    }
    out += &slice(text, copied..text.len());
    Ok(Value::string(out))
}

fn replace_options(flags: &str) -> Options {
    Options {
        caseless: flags.contains('i'),
        multi_line: flags.contains('m'),
        dotall: flags.contains('s'),
        extended: flags.contains('x'),
        ungreedy: flags.contains('U'),
    }
}

/// One piece of a replacement.
enum Piece {
    Text(String),
    Group(usize),
    LastGroup,
}

impl Piece {
    fn text(&self, captures: &Captures, text: &str) -> String {
        let group = match self {
            Piece::Text(literal) => return literal.clone(),
            Piece::Group(n) => *n,
            Piece::LastGroup => captures.last_matched(),
        };
        captures
            .get(group)
            .map_or(String::new(), |r| slice(text, r))
    }
}

/// Reads a replacement as cf-agent does: a `$` or `\` before digits is
/// a group; `$&` and `$+` are the match and the last group; any other
/// `\c` is `c`, a `\` at the end is dropped, and a `$` before anything
/// else stays as it is.
fn parse_replacement(text: &str, literal: bool) -> Result<Vec<Piece>, String> {
    if literal {
        return Ok(vec![Piece::Text(text.to_string())]);
    }
    let mut pieces = Vec::new();
    let mut plain = String::new();
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if c != '$' && c != '\\' {
            plain.push(c);
            continue;
        }
        let rest = &text[at + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let piece = match (c, rest.chars().next()) {
            _ if digits > 0 => group_number(&rest[..digits]),
            ('$', Some('&')) => Some(Piece::Group(0)),
            ('$', Some('+')) => Some(Piece::LastGroup),
            ('$', Some(q @ ('`' | '\'' | '{'))) => {
                return Err(unsupported_replacement(q));
            }
            ('$', _) => {
                plain.push('$');
                continue;
            }
            ('\\', Some(next)) => {
                plain.push(next);
                chars.next();
                continue;
            }
            _ => continue,
        };
        let skip = if digits > 0 { digits } else { 1 };
        for _ in 0..skip {
            chars.next();
        }
        pieces.push(Piece::Text(std::mem::take(&mut plain)));
        pieces.extend(piece);
    }
    pieces.push(Piece::Text(plain));
    Ok(pieces)
}

/// Group `digits`; a number too large for any pattern names no group.
fn group_number(digits: &str) -> Option<Piece> {
    Some(Piece::Group(digits.parse().unwrap_or(usize::MAX)))
}

fn unsupported_replacement(after: char) -> String {
    match after {
        '{' => "function 'regex_replace' does not take '${...}' in a \
                replacement"
            .to_string(),
        _ => format!(
            "function 'regex_replace' does not support '${after}' in a \
             replacement: cf-agent prints unpredictable bytes for it"
        ),
    }
}

/// `string_split(s, regex, max)`: `s` cut at each match into at most
/// `max` pieces, the last holding the rest. An empty match cuts an
/// empty piece off without moving on, as in cf-agent.
pub fn string_split(call: &Call) -> CallResult {
    let text = call.string(0)?;
    let regex = compile(call.string(1)?)?;
    let max = call.int(2)?;
    if max < 1 {
        return Err(format!(
            "function 'string_split' needs a positive number of pieces, \
             got {max}"
        ));
    }
    let mut pieces = Vec::new();
    let mut rest = text;
    while (pieces.len() as i64) + 1 < max {
        let Some(found) = regex.find_at(rest, 0) else {
            break;
        };
        pieces.push(slice(rest, 0..found.start).into());
        rest = tail(rest, found.end);
    }
    pieces.push(rest.into());
    Ok(Value::slist(pieces))
}

/// `rest` after byte `end`, which a byte-wise match may place inside a
/// character: the broken bytes are dropped.
fn tail(rest: &str, end: usize) -> &str {
    let mut end = end;
    while !rest.is_char_boundary(end) {
        end += 1;
    }
    &rest[end..]
}

/// `splitstring(s, regex, max)`: `s` cut at each match, keeping the
/// first `max` pieces; an empty match ends the cutting, and an empty
/// `s` gives no pieces.
pub fn splitstring(call: &Call) -> CallResult {
    let text = call.string(0)?;
    let max = usize::try_from(call.int(2)?).unwrap_or(0);
    // cf-agent splits nothing when the pattern does not compile.
    let Ok(regex) = compile(call.string(1)?) else {
        let whole = (max > 0 && !text.is_empty()).then(|| Str::from(text));
        return Ok(Value::slist(whole.into_iter().collect()));
    };
    let pieces = split_pieces(text, &regex, max);
    Ok(Value::slist(pieces.into_iter().map(Str::from).collect()))
}

fn split_pieces(text: &str, regex: &Regex, max: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    if text.is_empty() {
        return pieces;
    }
    let mut rest = text;
    while pieces.len() < max {
        match regex.find_at(rest, 0) {
            Some(found) if !found.is_empty() => {
                pieces.push(slice(rest, 0..found.start));
                rest = tail(rest, found.end);
            }
            _ => {
                pieces.push(rest.to_string());
                break;
            }
        }
    }
    pieces
}

/// `lastnode(s, regex)`: the last piece of `s` cut as `splitstring`
/// cuts it; an error for an empty `s`.
pub fn lastnode(call: &Call) -> CallResult {
    let text = call.string(0)?;
    let regex = compile(call.string(1)?)?;
    match split_pieces(text, &regex, usize::MAX).pop() {
        Some(last) => Ok(Value::string(last)),
        None => Err("function 'lastnode' got an empty string".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fake::{run, s, show, text};

    fn holds(name: &str, args: &[&str]) -> bool {
        text(name, args) == "any"
    }

    // Each as cf-agent answered.
    #[test]
    fn regcmp_is_anchored_at_the_first_match() {
        assert!(holds("regcmp", &["a.c", "abc"]));
        assert!(!holds("regcmp", &["b", "abc"]));
        assert!(!holds("regcmp", &["a|abc", "abc"]));
        assert!(holds("regcmp", &["a.c", "a\nc"]));
        assert!(holds("regcmp", &["(?i)ABC", "abc"]));
        assert_eq!(text("regcmp", &["(", "abc"]), "ERR");
    }

    #[test]
    fn reglist_and_regarray_match_top_level_values() {
        assert!(holds("reglist", &["l", "b|abc|c"]));
        assert!(!holds("reglist", &["l", "ab"]));
        assert!(holds("reglist", &[r#"["abc"]"#, "abc"]));
        assert!(holds("reglist", &["d", "1"]));
        assert!(!holds("reglist", &["d", "2"]));
        assert!(!holds("reglist", &["el", ".*"]));
        assert!(holds("regarray", &["o", "1"]));
        assert!(!holds("regarray", &["o", "a"]));
        assert!(!holds("regarray", &["nosuch", ".*"]));
    }

    #[test]
    fn data_regextract_names_groups() {
        let args = [r"^(?<first>\w)(.)", "abc"];
        assert_eq!(
            text("data_regextract", &args),
            r#"{"0":"ab","2":"b","first":"a"}"#
        );
        assert_eq!(
            text("data_regextract", &["x(y)?", "x"]),
            r#"{"0":"x","1":""}"#
        );
        assert_eq!(text("data_regextract", &["q", "x"]), "ERR");
    }

    fn replace(args: [&str; 4]) -> String {
        text("regex_replace", &args)
    }

    #[test]
    fn regex_replace_options() {
        assert_eq!(replace(["abcabc", "b", "X", "g"]), "aXcaXc");
        assert_eq!(replace(["abcabc", "B", "X", "gi"]), "aXcaXc");
        assert_eq!(replace(["abcabc", "b", "X", ""]), "aXcabc");
        assert_eq!(replace(["a\nb", "^b", "X", ""]), "a\nb");
        assert_eq!(replace(["a\nb", "^b", "X", "m"]), "a\nX");
        assert_eq!(replace(["a\nb", "a.b", "X", "s"]), "X");
        assert_eq!(replace(["abc", "a b", "X", "x"]), "Xc");
        assert_eq!(replace(["aaa", "a+", "X", "U"]), "Xaa");
        assert_eq!(replace(["aaa", "", "-", "g"]), "-a-a-a-");
        assert_eq!(replace(["baaac", "a*", "-", "g"]), "-b--c-");
        assert_eq!(replace(["aéb", ".", "X", "g"]), "XXXX");
        assert_eq!(replace(["abc", "b", "X", "q"]), "aXc");
    }

    #[test]
    fn regex_replace_references() {
        assert_eq!(replace(["abc", "(a)(b)", r"$2$1\2\1", ""]), "babac");
        assert_eq!(replace(["abc", "(b)", "[$1$]", "T"]), "a[$1$]c");
        assert_eq!(replace(["abc", "(b)", r"$9|\9|$|\|\x", ""]), "a||$||xc");
        let eleven = "(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)";
        assert_eq!(replace(["abcdefghijkl", eleven, r"$10\10", ""]), "jjl");
        assert_eq!(replace(["abc", "b", "[$&]", ""]), "a[b]c");
        assert_eq!(replace(["abc", "(a)(b)", "[$+]", ""]), "[b]c");
        assert_eq!(replace(["abc", "b", "[$+]", ""]), "a[b]c");
        assert_eq!(replace(["abc", "b", "$$", ""]), "a$$c");
        assert_eq!(replace(["abc", "(b)", "$01", ""]), "abc");
        assert_eq!(replace(["abc", "b", "\\", ""]), "ac");
        for refused in ["${1}", "$`", "$'"] {
            assert_eq!(replace(["abc", "b", refused, ""]), "ERR");
        }
    }

    #[test]
    fn string_split_keeps_the_rest_in_the_last_piece() {
        let split = |args: [&str; 3]| text("string_split", &args);
        assert_eq!(split(["a,b,,c", ",", "10"]), r#"{ "a", "b", "", "c" }"#);
        assert_eq!(split(["a,b,c,d", ",", "2"]), r#"{ "a", "b,c,d" }"#);
        let empties = format!("{{ {}\"abc\" }}", "\"\", ".repeat(9));
        assert_eq!(split(["abc", "", "10"]), empties);
        assert_eq!(split(["", ",", "10"]), r#"{ "" }"#);
        assert_eq!(split([",a,", ",", "10"]), r#"{ "", "a", "" }"#);
        assert_eq!(split(["a(b)c", r"(\()", "10"]), r#"{ "a", "b)c" }"#);
        assert_eq!(split(["a,b", ",", "0"]), "ERR");
    }

    #[test]
    fn splitstring_drops_what_exceeds_the_maximum() {
        let split = |args: [&str; 3]| text("splitstring", &args);
        assert_eq!(split(["a,b,,c", ",", "10"]), r#"{ "a", "b", "", "c" }"#);
        assert_eq!(split(["a,b,c,d", ",", "2"]), r#"{ "a", "b" }"#);
        assert_eq!(split(["", ",", "10"]), "{  }");
        assert_eq!(split(["a1b22c", "[0-9]+", "10"]), r#"{ "a", "b", "c" }"#);
        assert_eq!(split(["abcb", "b*", "10"]), r#"{ "abcb" }"#);
        assert_eq!(split(["a,b", ",", "0"]), "{  }");
    }

    #[test]
    fn lastnode_is_the_last_piece() {
        for (args, last) in [
            (["a/b/c", "/"], "c"),
            (["a.b.c", r"\."], "c"),
            (["abc", "/"], "abc"),
            (["a/b/", "/"], ""),
            (["a:b;c", "[:;]"], "c"),
            (["abc", ""], "abc"),
            (["a.b", "."], ""),
            (["xaybz", "a|b"], "z"),
            (["/", "/"], ""),
        ] {
            assert_eq!(text("lastnode", &args), last, "{args:?}");
        }
        assert_eq!(text("lastnode", &["", "/"]), "ERR");
    }

    #[test]
    fn regextract_sets_the_array() {
        let result = run("regextract", vec![s("a(x)?(b)"), s("abc"), s("r")]);
        assert_eq!(show(result), "any");
        let result = run("regextract", vec![s("q"), s("abc"), s("r")]);
        assert_eq!(show(result), "!any");
    }
}
