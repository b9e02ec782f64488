//! The core's ports implemented with browser APIs.

use crate::prelude::*;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;

use crate::core::condition;
use crate::core::error::{Error, Result};
use crate::core::platform::{Clock, Codec, Entropy, Storage};
use crate::core::value::Value;
use crate::web::convert;

/// localStorage, `Date.now`, `JSON` and web crypto.
///
/// When localStorage cannot be opened (disabled cookies, sandboxed iframe, some private modes)
/// reads find nothing and writes fail with [`Error::StorageUnavailable`]: the tracker then works
/// from memory for this page view.
pub struct WebPlatform {
    /// Whether `localStorage` could be opened when persona started.
    storage: bool,
}

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    /// Whether `localStorage` can be opened (the browser may refuse it, or have none).
    fn open_storage() -> bool;
    /// On `localStorage`: `getItem(k)` (op 0, the item or `null`), `setItem(k, v)` (op 1, 0),
    /// `removeItem(k)` (op 2, 0) or the keys as a JSON array of strings (op 3). When the browser
    /// throws: 2 for a full quota, else 1. Never throws.
    fn storage(op: u32, k: &str, v: &str) -> JsValue;
    /// `crypto.getRandomValues(buf)`: false when the browser has no secure random numbers.
    fn fill_random(buf: &mut [u8]) -> bool;
}

impl WebPlatform {
    /// Opens localStorage if the browser lets us.
    pub fn new() -> WebPlatform {
        WebPlatform { storage: open_storage() }
    }

    /// True when localStorage could be opened.
    pub fn has_storage(&self) -> bool {
        self.storage
    }

    /// Runs storage operation `op` (see [`storage`]): the browser's answer, or the error when
    /// it threw.
    fn run(&self, op: u32, key: &str, value: &str) -> Result<Option<JsValue>> {
        if !self.storage {
            return Ok(None);
        }
        let out = storage(op, key, value);
        match out.as_f64() {
            Some(2.0) => Err(Error::StorageFull),
            Some(1.0) => Err(Error::StorageUnavailable),
            _ => Ok(Some(out)),
        }
    }
}

impl Default for WebPlatform {
    fn default() -> WebPlatform {
        WebPlatform::new()
    }
}

impl Storage for WebPlatform {
    fn get(&self, key: &str) -> Result<Option<String>> {
        Ok(self.run(0, key, "").map_err(|_| Error::StorageUnavailable)?.and_then(|v| v.as_string()))
    }

    fn set(&self, key: &str, value: &str) -> Result<()> {
        self.run(1, key, value)?.ok_or(Error::StorageUnavailable).map(drop)
    }

    fn keys(&self) -> Result<Vec<String>> {
        let Some(json) = self.run(3, "", "").map_err(|_| Error::StorageUnavailable)? else {
            return Ok(Vec::new());
        };
        let keys = json.as_string().and_then(|text| convert::from_json(&text, 1));
        // A plain loop: `filter_map(..).collect()` costs its own iterator code in the wasm.
        let mut out = Vec::new();
        if let Some(Value::Array(items)) = keys {
            for item in items {
                if let Value::String(key) = item {
                    out.push(key);
                }
            }
        }
        Ok(out)
    }

    fn remove(&self, key: &str) -> Result<()> {
        self.run(2, key, "").map_err(|_| Error::StorageUnavailable).map(drop)
    }
}

impl Clock for WebPlatform {
    fn now_ms(&self) -> u64 {
        js_sys::Date::now() as u64
    }
}

impl Codec for WebPlatform {
    /// Written in Rust ([`crate::core::json`]), with the browser formatting the rare non-integer number.
    fn encode(&self, value: &Value) -> Result<String> {
        Ok(convert::to_json(value))
    }

    fn decode(&self, text: &str) -> Result<Value> {
        convert::from_json(text, convert::STORED_MAX_DEPTH).ok_or(Error::StorageCorrupt)
    }
}

impl Entropy for WebPlatform {
    fn fill(&self, buf: &mut [u8]) -> Result<()> {
        // At most 64 KiB per call (the browser's limit); ids take 16 bytes.
        for chunk in buf.chunks_mut(65_536) {
            if !fill_random(chunk) {
                return Err(Error::EntropyUnavailable);
            }
        }
        Ok(())
    }
}

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    /// `a.toLowerCase() === b.toLowerCase()`.
    fn same_lowercase(a: &str, b: &str) -> bool;
    /// 1 when `input` matches, 0 when not, -1 when the browser rejects the pattern. Never throws.
    fn regex_test(pattern: &str, insensitive: bool, input: &str) -> i32;
}

#[wasm_bindgen]
extern "C" {
    /// JavaScript's `Number(text)`.
    #[wasm_bindgen(js_name = Number)]
    fn number(text: &str) -> f64;
}

/// Conditions evaluate with JavaScript's own number formatting, `Number(text)`, `toLowerCase` and
/// `RegExp`.
impl condition::Host for WebPlatform {
    fn number_text(&self, n: f64, out: &mut String) {
        convert::js_number(n, out);
    }
    fn number(&self, text: &str) -> f64 {
        number(text)
    }
    fn same_lowercase(&self, a: &str, b: &str) -> bool {
        same_lowercase(a, b)
    }
    fn regex_test(&self, pattern: &str, insensitive: bool, input: &str) -> Option<bool> {
        match regex_test(pattern, insensitive, input) {
            -1 => None,
            result => Some(result == 1),
        }
    }
}
