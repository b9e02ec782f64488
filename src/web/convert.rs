//! JS values ⇄ [`Value`].
//!
//! [`to_value`] accepts what `JSON.stringify` would keep of a plain object and rejects what would
//! silently lose data: functions, symbols, BigInts, class instances (a `Map` would become `{}`),
//! cycles (bounded by [`MAX_DEPTH`]) and getters that throw. `undefined` members are dropped and
//! non-finite numbers become `null`, as in JSON. `Date`s become ISO strings.
//!
//! Hostile values (a revoked `Proxy`, traps that throw) are errors too, never exceptions that
//! escape through the wasm: every reflective call that can throw is bound with `catch`.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;

use crate::core::error::{Error, Result};
use crate::core::json;
use crate::core::value::Value;

/// Deepest nesting accepted in properties; deeper (or cyclic) input is
/// [`Error::PropertiesInvalid`].
pub const MAX_DEPTH: usize = 32;

/// Longer arrays cannot fit in an event of at most 32 KiB, so they are refused before being
/// walked ([`Error::EventTooLarge`]).
const MAX_ARRAY_LEN: f64 = 32_768.0;

/// Deepest nesting read back from storage: properties at [`MAX_DEPTH`] plus the levels the
/// stored outbox wraps around them.
pub const STORED_MAX_DEPTH: usize = MAX_DEPTH + 8;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = Array, js_name = isArray, catch)]
    fn try_is_array(value: &JsValue) -> core::result::Result<bool, JsValue>;
    #[wasm_bindgen(js_namespace = Object, js_name = getPrototypeOf, catch)]
    fn try_prototype_of(value: &JsValue) -> core::result::Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = Object, js_name = keys, catch)]
    fn try_keys(value: &JsValue) -> core::result::Result<Array, JsValue>;
}

/// Converts a JS value given by the page; see the module docs for what is rejected.
pub fn to_value(js: &JsValue) -> Result<Value> {
    to_value_within(js, MAX_DEPTH)
}

/// [`to_value`] with another nesting limit.
pub fn to_value_within(js: &JsValue, max_depth: usize) -> Result<Value> {
    let protos = Protos {
        object: Object::get_prototype_of(&Object::new()).into(),
        date: Object::get_prototype_of(&js_sys::Date::new_0()).into(),
        max_depth,
    };
    convert(js, 0, &protos)
}

struct Protos {
    object: JsValue,
    date: JsValue,
    max_depth: usize,
}

fn convert(js: &JsValue, depth: usize, protos: &Protos) -> Result<Value> {
    if depth > protos.max_depth {
        return Err(Error::PropertiesInvalid);
    }
    if js.is_null() || js.is_undefined() {
        return Ok(Value::Null);
    }
    if let Some(b) = js.as_bool() {
        return Ok(Value::Bool(b));
    }
    if let Some(n) = js.as_f64() {
        return Ok(if n.is_finite() { Value::Number(n) } else { Value::Null });
    }
    if let Some(s) = js.as_string() {
        return Ok(Value::String(s));
    }
    if js.is_function() || js.is_symbol() || js.is_bigint() || !js.is_object() {
        return Err(Error::PropertiesInvalid);
    }
    let invalid = |_| Error::PropertiesInvalid;
    if try_is_array(js).map_err(invalid)? {
        let length = Reflect::get(js, &"length".into()).map_err(invalid)?.as_f64().unwrap_or(0.0);
        if length > MAX_ARRAY_LEN {
            return Err(Error::EventTooLarge);
        }
        let mut items = Vec::new();
        for i in 0..length as u32 {
            let item = Reflect::get_u32(js, i).map_err(invalid)?;
            items.push(convert(&item, depth + 1, protos)?);
        }
        return Ok(Value::Array(items));
    }
    let proto = try_prototype_of(js).map_err(invalid)?;
    if proto == protos.date {
        // JSON's own rendering of a Date: an ISO string, or null when invalid.
        let text = js_sys::JSON::stringify(js).map_err(invalid)?;
        let parsed = js_sys::JSON::parse(&String::from(text)).map_err(invalid)?;
        return Ok(parsed.as_string().map_or(Value::Null, Value::String));
    }
    if !(proto.is_null() || proto == protos.object) {
        return Err(Error::PropertiesInvalid);
    }
    let keys = try_keys(js).map_err(invalid)?;
    let mut entries = Vec::with_capacity(keys.length() as usize);
    for key in keys.iter() {
        let member = Reflect::get(js, &key).map_err(invalid)?;
        if member.is_undefined() {
            continue;
        }
        let name = key.as_string().ok_or(Error::PropertiesInvalid)?;
        entries.push((name, convert(&member, depth + 1, protos)?));
    }
    Ok(Value::Object(entries))
}

/// Converts a [`Value`] into fresh plain JS objects and arrays: JSON text written in Rust
/// ([`json`]) and one `JSON.parse`, which costs one string crossing instead of one per key and
/// value. `JSON.parse` makes `"__proto__"` an own property, never a prototype.
pub fn to_js(value: &Value) -> JsValue {
    js_sys::JSON::parse(&to_json(value)).unwrap_or(JsValue::NULL)
}

/// The JSON text of `value`, with the browser formatting the rare non-integer number.
pub fn to_json(value: &Value) -> String {
    json::to_string(value, &js_number)
}

/// `Number.prototype.toString`: JavaScript's (and `JSON.stringify`'s) shortest round-trip form.
fn js_number(n: f64, out: &mut String) {
    match js_sys::Number::from(n).to_string_with_radix(10) {
        Ok(text) => out.push_str(&String::from(text)),
        Err(_) => out.push_str("null"),
    }
}
