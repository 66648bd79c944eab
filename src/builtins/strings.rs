//! Builtins over strings and paths: `concat`, `canonify`,
//! `canonifyuniquely`, the `string_*` family (`string_mustache`
//! renders through [`crate::mustache`]), `escape`, `dirname`,
//! `basename`, `hash`, `hash_to_int`, `translatepath` and `string`.
//!
//! cf-agent works on bytes: lengths, heads and tails count bytes, case
//! changes touch ASCII letters only, and `string_reverse` reverses
//! bytes. Where that cuts a character in two, cf-agent prints the raw
//! bytes; cfmini keeps strings UTF-8, so each broken sequence prints as
//! U+FFFD instead. `escape` puts a backslash before each character that
//! is not an ASCII letter or digit, where cf-agent puts one before each
//! byte of a multi-byte character.

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};

use super::{Call, CallResult, Collection, int, is_c_space};
use crate::json;
use crate::mustache;
use crate::value::{Data, Value};

/// `concat(s, ...)`: the strings one after another.
pub fn concat(call: &Call) -> CallResult {
    let mut out = String::new();
    for i in 0..call.args.len() {
        out.push_str(call.string(i)?);
    }
    Ok(Value::string(out))
}

/// `canonify(s)`: `s` with every byte that is not an ASCII letter, digit
/// or `_` replaced by `_`, so a two-byte character gives two.
pub fn canonify(call: &Call) -> CallResult {
    Ok(Value::string(canonical(call.string(0)?)))
}

fn canonical(text: &str) -> String {
    let keep = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    text.bytes()
        .map(|b| if keep(b) { b as char } else { '_' })
        .collect()
}

/// `canonifyuniquely(s)`: `canonify(s)`, `_` and the SHA-1 of `s`, so
/// that two strings that canonify alike still differ.
pub fn canonifyuniquely(call: &Call) -> CallResult {
    let text = call.string(0)?;
    let digest = hex(&Sha1::digest(text.as_bytes()));
    Ok(Value::string(format!("{}_{digest}", canonical(text))))
}

/// `string_upcase(s)`: ASCII letters in upper case.
pub fn string_upcase(call: &Call) -> CallResult {
    Ok(Value::string(call.string(0)?.to_ascii_uppercase()))
}

/// `string_downcase(s)`: ASCII letters in lower case.
pub fn string_downcase(call: &Call) -> CallResult {
    Ok(Value::string(call.string(0)?.to_ascii_lowercase()))
}

/// `string_length(s)`: the length in bytes.
pub fn string_length(call: &Call) -> CallResult {
    Ok(int(call.string(0)?.len() as i64))
}

/// `string_head(s, n)`: the first `n` bytes; a negative `n` drops the
/// last `-n` instead.
pub fn string_head(call: &Call) -> CallResult {
    let text = call.string(0)?;
    let end = kept_bytes(text.len(), call.int(1)?);
    Ok(Value::string(bytes_text(&text.as_bytes()[..end])))
}

/// `string_tail(s, n)`: the last `n` bytes; a negative `n` drops the
/// first `-n` instead.
pub fn string_tail(call: &Call) -> CallResult {
    let text = call.string(0)?;
    let kept = kept_bytes(text.len(), call.int(1)?);
    let start = text.len() - kept;
    Ok(Value::string(bytes_text(&text.as_bytes()[start..])))
}

/// How many of `len` bytes a head or tail of `n` keeps.
fn kept_bytes(len: usize, n: i64) -> usize {
    let magnitude = usize::try_from(n.unsigned_abs()).unwrap_or(usize::MAX);
    match n >= 0 {
        true => magnitude.min(len),
        false => len.saturating_sub(magnitude),
    }
}

/// Bytes as text, each broken UTF-8 sequence as U+FFFD.
fn bytes_text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `string_reverse(s)`: the bytes in reverse order.
pub fn string_reverse(call: &Call) -> CallResult {
    let mut bytes = call.string(0)?.as_bytes().to_vec();
    bytes.reverse();
    Ok(Value::string(bytes_text(&bytes)))
}

/// `string_trim(s)`: without leading and trailing blanks.
pub fn string_trim(call: &Call) -> CallResult {
    Ok(Value::string(call.string(0)?.trim_matches(is_c_space)))
}

/// `string_replace(s, match, replacement)`: every occurrence of the
/// literal `match`, left to right and not overlapping, replaced; an
/// empty `match` replaces nothing.
pub fn string_replace(call: &Call) -> CallResult {
    let (text, from) = (call.string(0)?, call.string(1)?);
    if from.is_empty() {
        return Ok(Value::string(text));
    }
    Ok(Value::string(text.replace(from, call.string(2)?)))
}

/// `escape(s)`: `s` with a backslash before every character that is not
/// an ASCII letter or digit, so that it matches itself as a regular
/// expression.
pub fn escape(call: &Call) -> CallResult {
    let mut out = String::new();
    for c in call.string(0)?.chars() {
        if !c.is_ascii_alphanumeric() {
            out.push('\\');
        }
        out.push(c);
    }
    Ok(Value::string(out))
}

/// `dirname(path)`: the path without its last component, as C's
/// `dirname` gives it (`.` for a bare name), but empty for an empty
/// path, as cf-agent gives it.
pub fn dirname(call: &Call) -> CallResult {
    let path = call.string(0)?;
    if path.is_empty() {
        return Ok(Value::string(""));
    }
    let trimmed = path.trim_end_matches('/');
    let dir = match trimmed.rfind('/') {
        _ if trimmed.is_empty() => "/",
        None => ".",
        Some(slash) => match trimmed[..slash].trim_end_matches('/') {
            "" => "/",
            dir => dir,
        },
    };
    Ok(Value::string(dir))
}

/// `basename(path, [suffix])`: the last component of the path, without
/// `suffix` when it ends with it and is more than it.
pub fn basename(call: &Call) -> CallResult {
    let path = call.string(0)?;
    let trimmed = path.trim_end_matches('/');
    let base = match trimmed.rfind('/') {
        _ if trimmed.is_empty() && !path.is_empty() => "/",
        Some(slash) => &trimmed[slash + 1..],
        None => trimmed,
    };
    let base = match call.args.len() > 1 {
        true => strip_suffix(base, call.string(1)?),
        false => base,
    };
    Ok(Value::string(base))
}

fn strip_suffix<'t>(name: &'t str, suffix: &str) -> &'t str {
    match name.strip_suffix(suffix) {
        Some(stem) if !stem.is_empty() => stem,
        _ => name,
    }
}

/// `string_mustache(template, container)`: the Mustache template
/// rendered with the container (see [`crate::mustache`]); further
/// arguments are ignored. Without a
/// container it renders `datastate()`, every variable and class.
pub fn string_mustache(call: &Call) -> CallResult {
    let data = match call.args.len() {
        0 => return Err("function 'string_mustache' needs a template".into()),
        1 => super::introspect::state(call),
        // cf-agent ignores arguments past the container.
        _ => mustache_data(call)?,
    };
    let text = mustache::render(call.string(0)?, &data)
        .map_err(|e| format!("function 'string_mustache': {e}"))?;
    Ok(Value::string(text))
}

fn mustache_data(call: &Call) -> Result<Data, String> {
    match call.collection(1)? {
        Collection::Data(d) => Ok((*d).clone()),
        Collection::List(items) => {
            Ok(Data::Array(items.iter().cloned().map(Data::Str).collect()))
        }
    }
}

/// `hash(s, algorithm)`: the digest of `s` in lower-case hex, by
/// `md5`, `sha1`, `sha256`, `sha384` or `sha512`.
pub fn hash(call: &Call) -> CallResult {
    let (text, algorithm) = (call.string(0)?.as_bytes(), call.string(1)?);
    let digest = match algorithm {
        "md5" => hex(&Md5::digest(text)),
        "sha1" => hex(&Sha1::digest(text)),
        "sha256" => hex(&Sha256::digest(text)),
        "sha384" => hex(&Sha384::digest(text)),
        "sha512" => hex(&Sha512::digest(text)),
        other => {
            return Err(format!(
                "function 'hash' does not know hash algorithm '{other}'"
            ));
        }
    };
    Ok(Value::string(digest))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `hash_to_int(lower, upper, s)`: an integer from `lower` up to, not
/// including, `upper` chosen by the SHA-256 of `s`: its first eight
/// bytes, read little-endian, modulo the width of the range. The bounds
/// may come in either order; an empty range gives its bound.
pub fn hash_to_int(call: &Call) -> CallResult {
    let (a, b) = (call.int(0)?, call.int(1)?);
    let (lower, upper) = (a.min(b), a.max(b));
    let digest = Sha256::digest(call.string(2)?.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    let width = upper.abs_diff(lower);
    if width == 0 {
        return Ok(int(lower));
    }
    let offset = u64::from_le_bytes(first) % width;
    Ok(int(lower.wrapping_add_unsigned(offset)))
}

/// `translatepath(path)`: the path as this system writes it, which on
/// Unix is the path as given. cf-promises refuses a path that is not
/// absolute when it is written in the call, and cf-agent stops on an
/// empty one; a path built from variables passes as it is.
pub fn translatepath(call: &Call) -> CallResult {
    let path = call.string(0)?;
    if path.is_empty() {
        return Err("function 'translatepath' was given an empty path".into());
    }
    Ok(Value::string(path))
}

/// `string(x)`: a scalar as it is, a list or container passed with
/// `@(x)` as one-line JSON. A name is a string, not a variable.
pub fn string(call: &Call) -> CallResult {
    let text = match &call.args[0] {
        Value::Scalar(_, text) => text.to_string(),
        Value::List(_, items) => {
            let items = items.iter().cloned().map(Data::Str).collect();
            json::to_compact(&Data::Array(items))
        }
        Value::Data(d) => json::to_compact(d),
    };
    Ok(Value::string(text))
}

#[cfg(test)]
mod tests {
    use super::super::fake::{run, show, text};
    use crate::value::Value;

    #[test]
    fn concat() {
        assert_eq!(text("concat", &["a", "b", "c"]), "abc");
        assert_eq!(text("concat", &[]), "");
        assert_eq!(text("concat", &["a"]), "a");
        // cf-agent: bare words are strings, not variables.
        assert_eq!(text("concat", &["l"]), "l");
        let list = Value::slist(vec!["a".into()]);
        assert_eq!(show(run("concat", vec![list])), "ERR");
    }

    #[test]
    fn canonify_works_bytewise() {
        assert_eq!(
            text("canonify", &["a.b-c/d é_Z9:x y"]),
            "a_b_c_d____Z9_x_y"
        );
        assert_eq!(
            text("canonify", &["ab\tc\"d'e$f[g]h{i}j@k"]),
            "ab_c_d_e_f_g_h_i_j_k"
        );
        assert_eq!(text("canonify", &[""]), "");
        assert_eq!(text("canonify", &["l"]), "l");
    }

    // What cf-agent printed for each.
    #[test]
    fn canonifyuniquely_adds_the_sha1() {
        assert_eq!(
            text("canonifyuniquely", &["a-b c"]),
            "a_b_c_3f639dfce4d567b68e82879b95926bc7e0d28a5f"
        );
        assert_eq!(
            text("canonifyuniquely", &[""]),
            "_da39a3ee5e6b4b0d3255bfef95601890afd80709"
        );
    }

    #[test]
    fn case_heads_tails_and_lengths_work_on_bytes() {
        assert_eq!(text("string_upcase", &["abc é ß xyz-1"]), "ABC é ß XYZ-1");
        assert_eq!(text("string_downcase", &["ABC É XYZ-1"]), "abc É xyz-1");
        let heads = [("3", "abc"), ("-2", "abcd"), ("10", "abcdef")];
        for (n, head) in heads.into_iter().chain([("0", ""), ("-10", "")]) {
            assert_eq!(text("string_head", &["abcdef", n]), head, "{n}");
        }
        let tails = [("3", "def"), ("-2", "cdef"), ("10", "abcdef")];
        for (n, tail) in tails.into_iter().chain([("0", ""), ("-10", "")]) {
            assert_eq!(text("string_tail", &["abcdef", n]), tail, "{n}");
        }
        assert_eq!(text("string_head", &["aébc", "2"]), "a\u{fffd}");
        assert_eq!(text("string_length", &["é"]), "2");
        assert_eq!(text("string_reverse", &["abc"]), "cba");
        assert_eq!(text("string_head", &["abc", "x"]), "ERR");
    }

    #[test]
    fn trim_replace_and_escape() {
        assert_eq!(text("string_trim", &["\t\n a b \n"]), "a b");
        assert_eq!(text("string_trim", &["   "]), "");
        assert_eq!(text("string_replace", &["abcabc", "b", "XX"]), "aXXcaXXc");
        assert_eq!(text("string_replace", &["aaaa", "aa", "a"]), "aa");
        assert_eq!(text("string_replace", &["abc", "", "x"]), "abc");
        assert_eq!(text("escape", &["a.b_c d-1"]), r"a\.b\_c\ d\-1");
    }

    #[test]
    fn dirname_and_basename_follow_cf_agent() {
        let dirs = [
            ("/a/b/c", "/a/b"),
            ("/a/b/c/", "/a/b"),
            ("c", "."),
            ("/", "/"),
            ("/c", "/"),
            ("a//b", "a"),
            ("", ""),
            ("a/", "."),
            ("//", "/"),
            ("a/b//", "a"),
        ];
        for (path, dir) in dirs {
            assert_eq!(text("dirname", &[path]), dir, "{path}");
        }
        let bases = [("/a/b/c", "c"), ("/a/b/c/", "c"), ("/", "/")];
        for (path, base) in bases.into_iter().chain([("", ""), ("a//", "a")]) {
            assert_eq!(text("basename", &[path]), base, "{path}");
        }
        assert_eq!(text("basename", &["c.txt", ".txt"]), "c");
        assert_eq!(text("basename", &["/a/c.txt", "c.txt"]), "c.txt");
        assert_eq!(text("basename", &["a/b.tar.gz", "gz"]), "b.tar.");
    }

    #[test]
    fn hashes() {
        assert_eq!(
            text("hash", &["abc", "md5"]),
            "900150983cd24fb0d6963f7d28e17f72"
        );
        assert_eq!(
            text("hash", &["abc", "sha256"]),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(text("hash", &["abc", "crypt"]), "ERR");
    }

    // What cf-agent printed for each.
    #[test]
    fn hash_to_int_takes_sha256_modulo_the_range() {
        for (args, value) in [
            (["0", "1000", "abc"], "874"),
            (["0", "1000", ""], "227"),
            (["5", "6", "abc"], "5"),
            (["10", "0", "abc"], "4"),
            (["-10", "10", "abc"], "4"),
            (["5", "5", "abc"], "5"),
            (["0", "20", "abc"], "14"),
            (["-10", "10", "abcd"], "6"),
            (["0", "1000", "é"], "146"),
        ] {
            assert_eq!(text("hash_to_int", &args), value, "{args:?}");
        }
    }
}
