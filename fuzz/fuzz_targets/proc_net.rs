//! Any bytes as a /proc/net socket table.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = cfmini::builtins::network::parse_table(data);
});
