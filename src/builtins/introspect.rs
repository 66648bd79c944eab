//! Builtins that look at what is defined: `variablesmatching`,
//! `variablesmatching_as_data`, `classesmatching`, `bundlesmatching`,
//! `datastate`, `bundlestate`, `callstack_promisers`,
//! `getvariablemetatags` and `getclassmetatags`.
//!
//! A name pattern must match a variable's full name
//! (`default:bundle.name`) or a class's name whole. Tag patterns, when
//! given, keep the names with at least one tag that one of them matches
//! whole. A pattern that does not compile matches nothing, as in
//! cf-agent, which logs the error and returns an empty list.
//!
//! cf-agent lists names in the order of its internal hash tables, which
//! depends on how it hashes; cfmini lists them in byte order, so a
//! policy that relies on the order of several names sees another one.

use std::rc::Rc;

use super::{Call, CallResult, data};
use crate::regex::{self, Regex};
use crate::value::{Data, Object, Str, Value};

/// `variablesmatching(regex, tag...)`: the full names of the variables
/// the pattern matches.
pub fn variablesmatching(call: &Call) -> CallResult {
    let names = matching_variables(call)?.into_iter().map(|(n, _)| n);
    Ok(Value::slist(names.map(Str::from).collect()))
}

/// `variablesmatching_as_data(regex, tag...)`: the variables the pattern
/// matches, as an object from full name to value; scalars are strings
/// and lists arrays of strings.
pub fn variablesmatching_as_data(call: &Call) -> CallResult {
    let pairs = matching_variables(call)?
        .into_iter()
        .map(|(name, value)| (Str::from(name), value_data(&value)))
        .collect();
    Ok(data(Data::Object(Object::from_unique_pairs(pairs))))
}

fn matching_variables(call: &Call) -> Result<Vec<(String, Value)>, String> {
    let Some(filter) = Filter::new(call)? else {
        return Ok(Vec::new());
    };
    let mut found: Vec<(String, Value)> = call
        .env
        .variables()
        .into_iter()
        .filter(|(name, _)| filter.keeps(name, || call.env.variable_tags(name)))
        .collect();
    found.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    Ok(found)
}

fn value_data(value: &Value) -> Data {
    match value {
        Value::Scalar(_, text) => Data::Str(text.clone()),
        Value::List(_, items) => {
            Data::Array(items.iter().cloned().map(Data::Str).collect())
        }
        Value::Data(d) => (**d).clone(),
    }
}

/// `classesmatching(regex, tag...)`: the names of the classes defined
/// that the pattern matches.
pub fn classesmatching(call: &Call) -> CallResult {
    let Some(filter) = Filter::new(call)? else {
        return Ok(Value::slist(Vec::new()));
    };
    let mut names: Vec<String> = call
        .env
        .classes()
        .into_iter()
        .filter(|name| filter.keeps(name, || call.env.class_tags(name)))
        .collect();
    names.sort();
    Ok(Value::slist(names.into_iter().map(Str::from).collect()))
}

/// `bundlesmatching(regex, tag...)`: the full names (`ns:bundle`) of
/// the bundles the pattern matches, in the order cf-agent lists them.
/// Unlike the other functions here, a pattern that does not compile
/// fails the call, and only the first tag pattern counts, as in cf-agent.
pub fn bundlesmatching(call: &Call) -> CallResult {
    let Some(mut filter) = Filter::new(call)? else {
        let bad = (0..call.args.len())
            .filter_map(|i| call.string(i).ok())
            .find(|p| regex::compile(p).is_err())
            .unwrap_or_default();
        return Err(format!(
            "function 'bundlesmatching' cannot compile pattern '{bad}'"
        ));
    };
    filter.tags.truncate(1);
    let names = call.env.bundles().into_iter().filter_map(|(name, tags)| {
        filter.keeps(&name, || Some(tags)).then(|| Str::from(name))
    });
    Ok(Value::slist(names.collect()))
}

/// `datastate()`: the classes defined and the variables of every bundle,
/// as `{"classes": {NAME: true}, "vars": {BUNDLE: {NAME: VALUE}}}`, each
/// object's keys sorted as cf-agent sorts them. A bundle outside the
/// `default` namespace is keyed `ns:bundle`.
pub fn datastate(call: &Call) -> CallResult {
    Ok(data(state(call)))
}

/// The container [`datastate`] returns.
pub fn state(call: &Call) -> Data {
    let mut classes = call.env.classes();
    classes.sort();
    classes.dedup();
    let classes = classes
        .into_iter()
        .map(|name| (Str::from(name), Data::Bool(true)))
        .collect();
    let pairs = vec![
        ("classes".into(), sorted_object(classes)),
        ("vars".into(), state_vars(call)),
    ];
    Data::Object(Object::from_unique_pairs(pairs))
}

fn state_vars(call: &Call) -> Data {
    let mut scopes: Vec<(String, Vec<(Str, Data)>)> = Vec::new();
    for (full, value) in call.env.variables() {
        let name = full.strip_prefix("default:").unwrap_or(&full);
        let Some((scope, var)) = split_scope(name) else {
            continue;
        };
        let entry = (Str::from(var), value_data(&value));
        match scopes.iter_mut().find(|(s, _)| s == scope) {
            Some((_, vars)) => vars.push(entry),
            None => scopes.push((scope.to_string(), vec![entry])),
        }
    }
    let pairs = scopes
        .into_iter()
        .map(|(scope, vars)| (Str::from(scope), sorted_object(vars)))
        .collect();
    sorted_object(pairs)
}

/// `bundlestate(bundle)`: the variables of one bundle as [`datastate`]
/// keys them; a bundle is named as there, `ns:bundle` outside
/// `default` and without a namespace inside it, as cf-agent finds it.
pub fn bundlestate(call: &Call) -> CallResult {
    let name = call.string(0)?;
    let vars = state_vars(call);
    let found = match &vars {
        Data::Object(scopes) => scopes.get(name).cloned(),
        _ => None,
    };
    found.map(data).ok_or_else(|| {
        format!("function 'bundlestate' found no variables of bundle '{name}'")
    })
}

/// `callstack_promisers()`: the promisers of the `methods` promises that
/// called down to the bundle the call is in, outermost first; empty in a
/// bundle the bundlesequence runs. cf-agent expands each where the call
/// is, not where it was written, so `$(this.bundle)` names the callee
/// and the caller's unqualified variables stay as written.
pub fn callstack_promisers(call: &Call) -> CallResult {
    let promisers = call.env.method_promisers().into_iter();
    let expanded = promisers.map(|p| call.env.expand_template(&p, &[]));
    Ok(Value::slist(expanded.map(Str::from).collect()))
}

/// A full name (less `default:`) split into its bundle, `ns:bundle`
/// outside `default`, and the variable's name: bundle names hold no dot.
fn split_scope(name: &str) -> Option<(&str, &str)> {
    let start = name.find(':').map_or(0, |colon| colon + 1);
    let dot = start + name[start..].find('.')?;
    Some((&name[..dot], &name[dot + 1..]))
}

fn sorted_object(mut pairs: Vec<(Str, Data)>) -> Data {
    pairs.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    pairs.dedup_by(|a, b| a.0 == b.0);
    Data::Object(Object::from_unique_pairs(pairs))
}

/// A name pattern and tag patterns, the call's arguments.
struct Filter {
    name: Rc<Regex>,
    tags: Vec<Rc<Regex>>,
}

impl Filter {
    /// The call's patterns; `None` when one does not compile, so that
    /// nothing matches.
    fn new(call: &Call) -> Result<Option<Filter>, String> {
        if call.args.is_empty() {
            return Err(format!(
                "function '{}' needs at least one argument",
                call.name
            ));
        }
        let mut patterns = Vec::with_capacity(call.args.len());
        for i in 0..call.args.len() {
            match regex::compile(call.string(i)?) {
                Ok(pattern) => patterns.push(pattern),
                Err(_) => return Ok(None),
            }
        }
        let name = patterns.remove(0);
        Ok(Some(Filter {
            name,
            tags: patterns,
        }))
    }

    fn keeps(
        &self,
        name: &str,
        tags: impl FnOnce() -> Option<Vec<Str>>,
    ) -> bool {
        if !self.name.is_full_match(name) {
            return false;
        }
        if self.tags.is_empty() {
            return true;
        }
        let tags = tags().unwrap_or_default();
        tags.iter()
            .any(|tag| self.tags.iter().any(|p| p.is_full_match(tag)))
    }
}

/// `getvariablemetatags(name, key)`: the meta tags of a variable, or,
/// with `key`, the values of its `key=value` tags.
pub fn getvariablemetatags(call: &Call) -> CallResult {
    let name = call.string(0)?;
    let tags = call.env.variable_tags(name).ok_or_else(|| {
        format!("function 'getvariablemetatags' found no variable '{name}'")
    })?;
    selected_tags(call, tags)
}

/// `getclassmetatags(name, key)`: the meta tags of a class, or, with
/// `key`, the values of its `key=value` tags.
pub fn getclassmetatags(call: &Call) -> CallResult {
    let name = call.string(0)?;
    let tags = call.env.class_tags(name).ok_or_else(|| {
        format!("function 'getclassmetatags' found no class '{name}'")
    })?;
    selected_tags(call, tags)
}

fn selected_tags(call: &Call, tags: Vec<Str>) -> CallResult {
    if call.args.len() < 2 {
        return Ok(Value::slist(tags));
    }
    let key = call.string(1)?;
    let values = tags.iter().filter_map(|tag| {
        let (k, value) = tag.split_once('=')?;
        (k == key).then(|| Str::from(value))
    });
    Ok(Value::slist(values.collect()))
}

#[cfg(test)]
mod tests {
    use super::super::fake::text;

    // The fake environment defines no classes and lists no variables.
    #[test]
    fn nothing_defined_matches_nothing() {
        assert_eq!(text("variablesmatching", &[".*"]), "{  }");
        assert_eq!(text("variablesmatching_as_data", &[".*"]), "{}");
        assert_eq!(text("classesmatching", &[".*", "t"]), "{  }");
        assert_eq!(text("classesmatching", &["("]), "{  }");
        assert_eq!(text("classesmatching", &[]), "ERR");
    }

    // cf-agent: getvariablemetatags() of a variable declared with
    // meta => { "t1", "t2=x" }.
    #[test]
    fn tags_by_key() {
        assert_eq!(
            text("getvariablemetatags", &["s"]),
            r#"{ "source=promise", "t1", "t2=x" }"#
        );
        assert_eq!(text("getvariablemetatags", &["s", "t2"]), r#"{ "x" }"#);
        assert_eq!(
            text("getvariablemetatags", &["s", "source"]),
            r#"{ "promise" }"#
        );
        assert_eq!(text("getvariablemetatags", &["s", "t1"]), "{  }");
    }

    #[test]
    fn tags_of_undefined_names_fail() {
        assert_eq!(text("getvariablemetatags", &["nosuch"]), "ERR");
        assert_eq!(text("getclassmetatags", &["nosuch", "k"]), "ERR");
    }
}
