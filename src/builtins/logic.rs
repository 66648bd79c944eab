//! Builtins that answer with a class: true as `any`, false as `!any`,
//! so that the result reads as a class expression wherever it is used.

use super::{Call, CallResult};
use crate::classes::canonify;
use crate::regex;
use crate::value::Value;

/// The class expression for a truth value.
pub fn class(holds: bool) -> Value {
    Value::string(if holds { "any" } else { "!any" })
}

/// `isvariable(name)`: whether a variable, array element or data node
/// by that name is defined. As cf-agent reads the name, an index left
/// open (`d[k`) is dropped and so is text after the last `]`.
pub fn isvariable(call: &Call) -> CallResult {
    let name = call.string(0)?;
    Ok(class(call.env.lookup(variable_name(name)).is_some()))
}

fn variable_name(name: &str) -> &str {
    if let Some(open) = name.rfind('[')
        && !name[open..].contains(']')
    {
        return &name[..open];
    }
    match name.rfind(']') {
        Some(close) => &name[..=close],
        None => name,
    }
}

/// `and(a, b, ...)`: whether every class expression holds; with none,
/// it holds.
pub fn and(call: &Call) -> CallResult {
    let holds = expressions(call)?.iter().all(|e| call.env.class_holds(e));
    Ok(class(holds))
}

/// `or(a, b, ...)`: whether any class expression holds.
pub fn or(call: &Call) -> CallResult {
    let holds = expressions(call)?.iter().any(|e| call.env.class_holds(e));
    Ok(class(holds))
}

/// `not(a)`: whether the class expression does not hold.
pub fn not(call: &Call) -> CallResult {
    Ok(class(!call.env.class_holds(call.string(0)?)))
}

/// `ifelse(c1, v1, c2, v2, ..., default)`: the value after the first
/// class expression that holds, else the last argument. An expression
/// that does not parse does not hold.
pub fn ifelse(call: &Call) -> CallResult {
    if call.args.len().is_multiple_of(2) {
        return Err("function 'ifelse' takes an odd number of arguments, \
                    pairs of a class expression and a value, then a default"
            .into());
    }
    let strings = expressions(call)?;
    let mut pairs = strings.chunks_exact(2);
    let chosen = pairs.find(|pair| call.env.class_holds(pair[0]));
    let value = chosen.map_or(strings[strings.len() - 1], |pair| pair[1]);
    Ok(Value::string(value))
}

/// `classify(text)`: whether the canonified text names a defined class.
pub fn classify(call: &Call) -> CallResult {
    let name = canonify(call.string(0)?);
    Ok(class(call.env.class_holds(&name)))
}

/// `classmatch(regex, tag...)`: whether a defined class matches the
/// pattern, and when tags are given, has a tag matching one of them.
pub fn classmatch(call: &Call) -> CallResult {
    Ok(class(matching_classes(call)? > 0))
}

/// `countclassesmatching(regex, tag...)`: how many defined classes
/// `classmatch()` would find.
pub fn countclassesmatching(call: &Call) -> CallResult {
    let count = matching_classes(call)?;
    Ok(super::int(i64::try_from(count).unwrap_or(i64::MAX)))
}

/// How many defined classes match the pattern in argument 0 in whole,
/// and have a tag matching one of the later arguments in whole, if any
/// are given. A pattern that does not compile matches nothing: cf-agent
/// logs it and goes on.
fn matching_classes(call: &Call) -> Result<usize, String> {
    let args = expressions(call)?;
    let Some((pattern, tags)) = args.split_first() else {
        let name = call.name;
        return Err(format!(
            "function '{name}' requires at least one argument"
        ));
    };
    let Ok(pattern) = regex::compile(pattern) else {
        return Ok(0);
    };
    let tags: Vec<_> =
        tags.iter().filter_map(|t| regex::compile(t).ok()).collect();
    let tagged = |name: &str| {
        let has = call.env.class_tags(name).unwrap_or_default();
        has.iter()
            .any(|tag| tags.iter().any(|t| t.is_full_match(tag)))
    };
    let classes = call.env.classes();
    let matching = classes.iter().filter(|name| {
        pattern.is_full_match(name) && (args.len() == 1 || tagged(name))
    });
    Ok(matching.count())
}

/// `strcmp(a, b)`: whether the strings are equal.
pub fn strcmp(call: &Call) -> CallResult {
    Ok(class(call.string(0)? == call.string(1)?))
}

fn expressions<'c>(call: &'c Call) -> Result<Vec<&'c str>, String> {
    (0..call.args.len()).map(|i| call.string(i)).collect()
}

#[cfg(test)]
mod tests {
    use super::super::fake::text;

    // cf-agent: isvariable("s") holds where s is defined and
    // isvariable("nope") does not; names inside data and arrays are
    // pinned by the language case fn_isvariable.
    #[test]
    fn isvariable_holds_for_defined_names_only() {
        assert_eq!(text("isvariable", &["s"]), "any");
        assert_eq!(text("isvariable", &["nope"]), "!any");
    }
}
