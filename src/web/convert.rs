//! JS values ⇄ [`Value`].
//!
//! [`to_value`] accepts what `JSON.stringify` would keep of a plain object and rejects what would
//! silently lose data: functions, symbols, BigInts, class instances (a `Map` would become `{}`),
//! cycles (bounded by [`MAX_DEPTH`]) and getters that throw. `undefined` members are dropped and
//! non-finite numbers become `null`, as in JSON. `Date`s become ISO strings.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use crate::core::error::{Error, Result};
use crate::core::value::Value;

/// Deepest nesting accepted in properties; deeper (or cyclic) input is
/// [`Error::PropertiesInvalid`].
pub const MAX_DEPTH: usize = 32;

/// Converts a JS value; see the module docs for what is rejected.
pub fn to_value(js: &JsValue) -> Result<Value> {
    let object_proto = Object::get_prototype_of(&Object::new());
    convert(js, 0, &object_proto)
}

fn convert(js: &JsValue, depth: usize, object_proto: &Object) -> Result<Value> {
    if depth > MAX_DEPTH {
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
    if Array::is_array(js) {
        let array: &Array = js.unchecked_ref();
        let mut items = Vec::with_capacity(array.length() as usize);
        for item in array.iter() {
            items.push(convert(&item, depth + 1, object_proto)?);
        }
        return Ok(Value::Array(items));
    }
    if let Some(date) = js.dyn_ref::<js_sys::Date>() {
        return match date.get_time().is_finite() {
            true => Ok(Value::String(date.to_iso_string().into())),
            false => Ok(Value::Null),
        };
    }
    let proto = Object::get_prototype_of(js);
    if !(proto.is_null() || proto == *object_proto) {
        return Err(Error::PropertiesInvalid);
    }
    let object: &Object = js.unchecked_ref();
    let keys = Object::keys(object);
    let mut entries = Vec::with_capacity(keys.length() as usize);
    for key in keys.iter() {
        let member = Reflect::get(object, &key).map_err(|_| Error::PropertiesInvalid)?;
        if member.is_undefined() {
            continue;
        }
        let name = key.as_string().ok_or(Error::PropertiesInvalid)?;
        entries.push((name, convert(&member, depth + 1, object_proto)?));
    }
    Ok(Value::Object(entries))
}

/// Converts a [`Value`] into fresh plain JS objects and arrays.
pub fn to_js(value: &Value) -> JsValue {
    match value {
        Value::Null => JsValue::NULL,
        Value::Bool(b) => JsValue::from_bool(*b),
        Value::Number(n) => JsValue::from_f64(*n),
        Value::String(s) => JsValue::from_str(s),
        Value::Array(items) => items.iter().map(to_js).collect::<Array>().into(),
        Value::Object(entries) => {
            let object = Object::new();
            for (key, member) in entries {
                let key = JsValue::from_str(key);
                let member = to_js(member);
                if key == "__proto__" {
                    // A plain assignment would replace the prototype; define an own property.
                    let descriptor = Object::new();
                    let _ = Reflect::set(&descriptor, &"value".into(), &member);
                    for flag in ["enumerable", "writable", "configurable"] {
                        let _ = Reflect::set(&descriptor, &flag.into(), &JsValue::TRUE);
                    }
                    Object::define_property(&object, &key, &descriptor);
                } else {
                    let _ = Reflect::set(&object, &key, &member);
                }
            }
            object.into()
        }
    }
}
