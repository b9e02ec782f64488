//! JS values ⇄ [`Value`], through JSON text: one string crosses the boundary either way.
//!
//! [`to_value`] takes what `JSON.stringify` keeps of a value and rejects what it would silently
//! lose: functions, symbols, BigInts and class instances (a `Map` would become `{}`; an object
//! with its own `toJSON`, such as a `Date`, counts as what `toJSON` returns), cycles, nesting
//! deeper than [`MAX_DEPTH`], and getters or proxy traps that throw. `undefined` members are
//! dropped and non-finite numbers become `null`, as in JSON. A value is serialised by the
//! browser (with a replacer that enforces those rules) and parsed by [`json::parse`]; nothing the
//! page hands over can make an exception escape through the wasm. `toJSON` methods an old library
//! put on built-in prototypes (Prototype.js turns arrays into strings) are set aside meanwhile.

use crate::prelude::*;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;

use crate::core::error::{Error, Result};
use crate::core::json;
use crate::core::value::Value;

/// Deepest nesting accepted in properties; deeper (or cyclic) input is
/// [`Error::PropertiesInvalid`].
pub const MAX_DEPTH: usize = 32;

/// Deepest nesting read back from storage: properties at [`MAX_DEPTH`] plus the levels the
/// stored outbox wraps around them.
pub const STORED_MAX_DEPTH: usize = MAX_DEPTH + 8;

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    /// `JSON.stringify(value)` with persona's rules: the text, or 1 when the value is not
    /// acceptable, or 2 when it holds an array longer than any event can be. Never throws.
    fn stringify_checked(value: &JsValue) -> JsValue;
}

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    /// `JSON.parse(text)`, `null` when it throws.
    fn parse_json(text: &str) -> JsValue;
    /// `'' + n`: JavaScript's shortest round-trip form of a number.
    fn number_text(n: f64) -> String;
}

/// Converts a JS value given by the page; see the module docs for what is rejected.
pub fn to_value(js: &JsValue) -> Result<Value> {
    let text = stringify_checked(js);
    match text.as_string() {
        Some(text) => from_json(&text, MAX_DEPTH).ok_or(Error::PropertiesInvalid),
        // Longer arrays cannot fit in an event of at most 32 KiB: refused before being walked.
        None if text.as_f64() == Some(2.0) => Err(Error::EventTooLarge),
        None => Err(Error::PropertiesInvalid),
    }
}

/// Parses JSON text, no deeper than `max_depth`, with the browser reading non-integer numbers.
pub fn from_json(text: &str, max_depth: usize) -> Option<Value> {
    json::parse(text, max_depth, &js_sys::parse_float)
}

/// Converts a [`Value`] into fresh plain JS objects and arrays: JSON text written in Rust
/// ([`json`]) and one `JSON.parse`, which costs one string crossing instead of one per key and
/// value. `JSON.parse` makes `"__proto__"` an own property, never a prototype.
pub fn to_js(value: &Value) -> JsValue {
    parse_js(&to_json(value))
}

/// JSON text this module wrote, as fresh JS objects (`JSON.parse`; `null` if it is not JSON).
pub fn parse_js(json: &str) -> JsValue {
    parse_json(json)
}

/// The JSON text of `value`, with the browser formatting the rare non-integer number.
pub fn to_json(value: &Value) -> String {
    json::to_string(value, &js_number)
}

/// `Number.prototype.toString`: JavaScript's (and `JSON.stringify`'s) shortest round-trip form.
pub(crate) fn js_number(n: f64, out: &mut String) {
    out.push_str(&number_text(n));
}
