//! Any text into the lenient JSON reader, and what it reads back out.
//!
//! Reading back what is written out is no property to check: keys are
//! written as they are, quotes and all, as cf-agent writes them.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = cfmini::json::is_valid(text);
    let _ = cfmini::json::parse_value(text);
    if let Ok(parsed) = cfmini::json::parse(text) {
        let _ = cfmini::json::to_compact(&parsed);
        let _ = cfmini::json::to_pretty(&parsed);
    }
});
