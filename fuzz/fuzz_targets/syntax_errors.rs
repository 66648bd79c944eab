//! Any text through `check`'s error recovery, which blanks out each
//! statement holding a syntax error and parses again.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = Path::new("fuzz.cf");
    let errors = cfmini::parse::syntax_errors(text, file);
    // Recovery finds an error exactly when parsing fails.
    assert_eq!(errors.is_empty(), cfmini::parse::parse(text, file).is_ok());
    assert!(errors.len() <= cfmini::parse::MAX_SYNTAX_ERRORS);
});
