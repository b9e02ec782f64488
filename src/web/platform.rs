//! The core's ports implemented with browser APIs.

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
    storage: Option<web_sys::Storage>,
}

impl WebPlatform {
    /// Opens localStorage if the browser lets us.
    pub fn new() -> WebPlatform {
        let storage = web_sys::window().and_then(|w| w.local_storage().ok().flatten());
        WebPlatform { storage }
    }

    /// True when localStorage could be opened.
    pub fn has_storage(&self) -> bool {
        self.storage.is_some()
    }
}

impl Default for WebPlatform {
    fn default() -> WebPlatform {
        WebPlatform::new()
    }
}

impl Storage for WebPlatform {
    fn get(&self, key: &str) -> Result<Option<String>> {
        match &self.storage {
            Some(s) => s.get_item(key).map_err(|_| Error::StorageUnavailable),
            None => Ok(None),
        }
    }

    fn set(&self, key: &str, value: &str) -> Result<()> {
        let storage = self.storage.as_ref().ok_or(Error::StorageUnavailable)?;
        storage.set_item(key, value).map_err(|e| match error_name(&e).as_deref() {
            Some("QuotaExceededError") | Some("NS_ERROR_DOM_QUOTA_REACHED") => Error::StorageFull,
            _ => Error::StorageUnavailable,
        })
    }

    fn keys(&self) -> Result<Vec<String>> {
        let Some(s) = &self.storage else { return Ok(Vec::new()) };
        let length = s.length().map_err(|_| Error::StorageUnavailable)?;
        // A plain loop: `filter_map(..).collect()` costs its own iterator code in the wasm.
        let mut keys = Vec::new();
        for i in 0..length {
            if let Ok(Some(key)) = s.key(i) {
                keys.push(key);
            }
        }
        Ok(keys)
    }

    fn remove(&self, key: &str) -> Result<()> {
        match &self.storage {
            Some(s) => s.remove_item(key).map_err(|_| Error::StorageUnavailable),
            None => Ok(()),
        }
    }
}

fn error_name(e: &JsValue) -> Option<String> {
    js_sys::Reflect::get(e, &"name".into()).ok()?.as_string()
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
        getrandom::fill(buf).map_err(|_| Error::EntropyUnavailable)
    }
}

#[wasm_bindgen(inline_js = "export function regex_test(pattern, insensitive, input) {
  try { return new RegExp(pattern, insensitive ? 'i' : '').test(input) ? 1 : 0; } catch (_) { return -1; }
}
export function same_lowercase(a, b) { return a.toLowerCase() === b.toLowerCase(); }")]
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
