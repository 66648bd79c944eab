//! Any text with `$(...)` and `${...}` references, expanded against
//! names that resolve to scalars, lists or nothing.
#![no_main]

use cfmini::expand::{self, Resolved, Resolver};
use libfuzzer_sys::fuzz_target;

/// Names starting with `l` are lists, with `m` missing, and any other
/// name is a scalar whose value may itself hold a reference.
struct Names;

impl Resolver for Names {
    fn resolve(&self, name: &str) -> Resolved {
        match name.chars().next() {
            Some('l') => Resolved::Items(vec!["1".into(), name.into()]),
            Some('m') | None => Resolved::Missing,
            Some(_) => Resolved::Scalar(format!("$({name})").into()),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for reference in expand::references(text) {
        // Each reference is a slice of the text it was found in.
        assert_eq!(
            &text[reference.start..][..reference.whole.len()],
            reference.whole
        );
    }
    let _ = expand::has_reference(text);
    let _ = expand::is_unexpanded(text);
    let _ = expand::expand(text, &Names);
    let _ = expand::first_iterable(text, &Names);
});
