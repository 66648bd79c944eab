//! Arithmetic builtins: `eval()` of infix expressions, and the numbers
//! of lists.

use super::logic::class;
use super::{Call, CallResult, infix};
use crate::value::Value;

/// `eval(expression, mode, options)`: the expression's value with six
/// decimals, or in `class` mode whether it is other than 0. An
/// expression that does not parse is the empty string (false in `class`
/// mode), without an error, as in cf-agent. A mode other than `class`
/// is `math`, the only options are `infix`, and more arguments are
/// ignored.
pub fn eval(call: &Call) -> CallResult {
    let text = call.string(0)?;
    let class_mode = call.args.len() > 1 && call.string(1)? == "class";
    let value = infix::evaluate(text).map_err(|e| {
        format!("function 'eval' cannot evaluate '{text}': it holds {e}")
    })?;
    Ok(match (class_mode, value) {
        (true, value) => class(value.is_some_and(infix::truth)),
        (false, Some(value)) => Value::string(infix::print(value)),
        (false, None) => Value::string(""),
    })
}
