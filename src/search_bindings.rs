//! The `#[wasm_bindgen]` surface of the search module (`persona-search.wasm`), built from this
//! crate with the `search-module` feature: a lazy chunk the page loads on its first search or
//! re-ranking, so the script-tag path does not carry the index builder, the query engine or the
//! re-ranker. Thin over [`Engine`]; the wrapper in `js/search.ts` is its only caller.
//!
//! One export, [`Search::call`], runs the operation numbered `op` (see [`op`]). Arguments are
//! JSON text written by the wrapper (`JSON.stringify` of the shop's values), so nothing the page
//! hands over is walked here as a JS object; results leave as fresh JS objects.

use crate::prelude::*;

use wasm_bindgen::prelude::*;

use crate::core::error::Error;
use crate::core::search::engine::Engine;
use crate::core::search::{stored, MAX_CATALOG_BYTES};
use crate::core::value::Value;
use crate::web::{convert, js_error, Slot};

/// The operations [`Search::call`] runs, by number (`Op` in `js/search.ts`).
pub mod op {
    #![allow(missing_docs)]
    /// `(catalog JSON as UTF-8 bytes, options JSON)` → number of products.
    pub const LOAD: u32 = 0;
    /// `(query, options JSON, snapshot JSON)` → results.
    pub const SEARCH: u32 = 1;
    /// `(items JSON, options JSON, snapshot JSON)` → the new order, as positions.
    pub const RERANK: u32 = 2;
    /// `(id)` → why it is where it is, or `null`.
    pub const EXPLAIN: u32 = 3;
    /// `()` → the loaded index as bytes (`Uint8Array`; empty when none).
    pub const EXPORT: u32 = 4;
    /// `(Uint8Array)` → number of products of the pre-built index.
    pub const LOAD_INDEX: u32 = 5;
    /// `(model JSON as UTF-8 bytes, or none when it could not be fetched; options JSON; now in
    /// ms as text)` → `{products, found, built_at, warning}`.
    pub const LOAD_MODEL: u32 = 6;
    /// `(options JSON, snapshot JSON)` → `{strategy, items, fallback, warnings}`.
    pub const RECOMMEND: u32 = 7;
}

/// One search engine for the page.
#[wasm_bindgen]
pub struct Search {
    engine: Slot<Engine>,
}

impl Default for Search {
    fn default() -> Search {
        Search { engine: Slot::new(Engine::default()) }
    }
}

#[wasm_bindgen]
impl Search {
    /// An engine with no catalog.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Search {
        Search::default()
    }

    /// Runs `op` with `a`, `b`, `c` (strings; anything else is the empty string). Throws a
    /// `PersonaError`: `catalog_invalid` (with `property` and `index`, the product's position),
    /// `catalog_duplicate_id` (with `index`), `catalog_too_large`, `property_invalid`,
    /// `option_invalid`.
    pub fn call(&self, op: u32, a: JsValue, b: JsValue, c: JsValue) -> Result<JsValue, JsValue> {
        // Catalogs and indexes arrive as bytes: a large string with characters outside ASCII
        // would be copied in with room for three bytes per character first (three times the
        // catalog in wasm memory, which never shrinks).
        let bytes = |v: JsValue| v.dyn_into::<js_sys::Uint8Array>().ok().map(|b| b.to_vec());
        if op == op::LOAD_INDEX {
            let bytes = bytes(a).ok_or_else(|| js_error(Error::IndexInvalid))?;
            let index = stored::from_bytes(&bytes).map_err(js_error)?;
            return Ok(JsValue::from_f64(self.engine.borrow_mut().load_index(index) as f64));
        }
        if op == op::LOAD {
            let catalog = bytes(a).and_then(|b| String::from_utf8(b).ok());
            let catalog = catalog.ok_or_else(|| js_error(Error::CatalogInvalid("catalog")))?;
            if catalog.len() > MAX_CATALOG_BYTES {
                return Err(js_error(Error::CatalogTooLarge));
            }
            let options = text(&b);
            let options = if options.is_empty() {
                Value::Null
            } else {
                parse(&options, Error::OptionInvalid("options"))?
            };
            // Read product by product from the text: the catalog never exists as one tree.
            return match self.engine.borrow_mut().load(catalog, &options, &js_sys::parse_float) {
                Ok(n) => Ok(JsValue::from_f64(n as f64)),
                Err((e, at)) => {
                    let error = js_error(e);
                    let _ = js_sys::Reflect::set(&error, &"index".into(), &JsValue::from_f64(at as f64));
                    Err(error)
                }
            };
        }
        if op == op::LOAD_MODEL {
            let model = bytes(a).and_then(|b| String::from_utf8(b).ok()).unwrap_or_default();
            let options = text(&b);
            let options = if options.is_empty() {
                Value::Null
            } else {
                parse(&options, Error::OptionInvalid("options"))?
            };
            let now = js_sys::parse_float(&text(&c)).max(0.0) as u64;
            let status = self.engine.borrow_mut().load_model(&model, &options, now, &js_sys::parse_float);
            return Ok(convert::to_js(&status.map_err(js_error)?));
        }
        let (a, b, c) = (text(&a), text(&b), text(&c));
        let json = |t: &str, what: Error| -> Result<Value, JsValue> {
            if t.is_empty() {
                return Ok(Value::Null);
            }
            parse(t, what)
        };
        let mut engine = self.engine.borrow_mut();
        Ok(match op {
            op::SEARCH => {
                let options = json(&b, Error::OptionInvalid("options"))?;
                let snapshot = json(&c, Error::PropertiesInvalid).unwrap_or_default();
                convert::to_js(&engine.search(&a, &options, &snapshot).map_err(js_error)?)
            }
            op::RERANK => {
                let items = json(&a, Error::PropertyInvalid("items"))?;
                let options = json(&b, Error::OptionInvalid("options"))?;
                let snapshot = json(&c, Error::PropertiesInvalid).unwrap_or_default();
                let order = engine.rerank(&items, &options, &snapshot).map_err(js_error)?;
                convert::to_js(&Value::Array(order.into_iter().map(|i| Value::Number(i as f64)).collect()))
            }
            op::EXPLAIN => convert::to_js(&engine.explain(&a)),
            op::RECOMMEND => {
                let options = json(&a, Error::OptionInvalid("options"))?;
                let snapshot = json(&b, Error::PropertiesInvalid).unwrap_or_default();
                convert::to_js(&engine.recommend(&options, &snapshot).map_err(js_error)?)
            }
            op::EXPORT => {
                let bytes = engine.index().map(stored::to_bytes).unwrap_or_default();
                js_sys::Uint8Array::from(bytes.as_slice()).into()
            }
            _ => JsValue::UNDEFINED,
        })
    }
}

fn parse(t: &str, what: Error) -> Result<Value, JsValue> {
    convert::from_json(t, 64).ok_or_else(|| js_error(what))
}

fn text(v: &JsValue) -> String {
    v.as_string().unwrap_or_default()
}
