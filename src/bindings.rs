//! The `#[wasm_bindgen]` surface: one exported type, [`Persona`], thin over
//! [`Driver`](crate::web::driver::Driver). Argument checks and decisions live in the core;
//! errors leave as JS `Error`s with a stable `code` (see [`crate::core::error`]).
//!
//! The TypeScript wrapper in `js/` is the public API; this type is its engine.

use std::rc::Rc;

use js_sys::Function;
use wasm_bindgen::prelude::*;

use crate::core::config::Config;
use crate::core::error::Error;
use crate::web::driver::Driver;
use crate::web::{convert, js_error};

/// One persona instance: tracker, outbox and delivery for this page.
#[wasm_bindgen]
pub struct Persona {
    driver: Rc<Driver>,
}

#[wasm_bindgen]
impl Persona {
    /// Validates `options` and restores the visitor from localStorage. Throws a `PersonaError`
    /// (`config_invalid`, `collector_missing`, `collector_url_invalid`, `option_invalid`,
    /// `entropy_unavailable`).
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<Persona, JsValue> {
        let options = convert::to_value(&options).map_err(|_| js_error(Error::ConfigInvalid))?;
        let config = Config::from_options(&options).map_err(js_error)?;
        let driver = Driver::new(config).map_err(js_error)?;
        Ok(Persona { driver })
    }

    /// Starts delivery and records the automatic page view (call after `setListener`).
    pub fn start(&self) {
        self.driver.start();
    }

    /// Records a named event; returns its wire form. Throws `event_name_invalid`,
    /// `properties_invalid` or `event_too_large`, and then nothing is enqueued.
    pub fn track(&self, name: JsValue, properties: JsValue) -> Result<JsValue, JsValue> {
        let name = name.as_string().ok_or_else(|| js_error(Error::EventNameInvalid))?;
        let properties = convert::to_value(&properties).map_err(js_error)?;
        self.driver.record(Some(&name), properties).map_err(js_error)
    }

    /// Records a page view; returns its wire form.
    pub fn page(&self, properties: JsValue) -> Result<JsValue, JsValue> {
        let properties = convert::to_value(&properties).map_err(js_error)?;
        self.driver.record(None, properties).map_err(js_error)
    }

    /// The visitor's anonymous id (a UUID v4, persisted in localStorage).
    #[wasm_bindgen(js_name = anonymousId)]
    pub fn anonymous_id(&self) -> String {
        self.driver.anonymous_id()
    }

    /// Events recorded but not yet acknowledged by the collector.
    pub fn pending(&self) -> u32 {
        self.driver.pending() as u32
    }

    /// Sends queued events now instead of waiting for the flush interval.
    pub fn flush(&self) {
        self.driver.flush();
    }

    /// Stops for good (timers cleared, page-lifecycle callbacks inert). The wrapper calls it when
    /// persona faulted; queued events stay stored for the next page.
    pub fn shutdown(&self) {
        self.driver.shutdown();
    }

    /// Sets the function called as `listener(kind, detail)` for `"event"`, `"sent"`, `"warning"`
    /// and `"fault"` notifications; `undefined` clears it. Set it before `start`.
    #[wasm_bindgen(js_name = setListener)]
    pub fn set_listener(&self, listener: Option<Function>) {
        self.driver.set_listener(listener);
    }
}
