//! `format()` with any template and arguments.
#![no_main]

use std::path::Path;

use cfmini::builtins::{self, Call, Env};
use cfmini::value::Value;
use libfuzzer_sys::fuzz_target;

/// No variables: `%S` of a name finds nothing.
struct NoVariables;

impl Env for NoVariables {
    fn lookup(&self, _name: &str) -> Option<Value> {
        None
    }

    fn sysroot(&self) -> &Path {
        Path::new("/nonexistent")
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // NUL separates the template from the arguments.
    let args: Vec<Value> = text.split('\0').map(Value::string).collect();
    let format = builtins::find("format").expect("format is a builtin");
    let call = Call {
        name: "format",
        written: vec![None; args.len()],
        args,
        env: &NoVariables,
        template: None,
    };
    let _ = (format.run)(&call);
});
