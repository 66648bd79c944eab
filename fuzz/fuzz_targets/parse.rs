//! Any bytes as policy text: parsing and checking must return, never
//! panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Policy files are read as UTF-8 before parsing; other bytes are
    // refused by the reader, so only text reaches the parser.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(policy) = cfmini::parse::parse(text, Path::new("fuzz.cf")) {
        let _ = cfmini::check::check(&policy);
    }
});
