//! The `#[wasm_bindgen]` surface: one exported type, [`Persona`], thin over
//! [`Driver`](crate::web::driver::Driver). Argument checks and decisions live in the core;
//! errors leave as JS `Error`s with a stable `code` (see [`crate::core::error`]).
//!
//! The TypeScript wrapper in `js/` is the public API; this type is its engine.

use std::rc::Rc;

use js_sys::Function;
use wasm_bindgen::prelude::*;

use crate::core::config::Config;
use crate::core::consent::{Consent, State};
use crate::core::error::Error;
use crate::core::segments;
use crate::web::driver::Driver;
use crate::web::platform::WebPlatform;
use crate::web::{convert, js_error, page};

/// One persona instance: tracker, outbox and delivery for this page.
#[wasm_bindgen]
pub struct Persona {
    driver: Rc<Driver>,
}

#[wasm_bindgen]
impl Persona {
    /// Validates `options` and restores the visitor from localStorage. Throws a `PersonaError`
    /// (`config_invalid`, `collector_missing`, `collector_url_invalid`, `option_invalid`,
    /// `condition_invalid`, `entropy_unavailable`); a `clickSelector` the browser rejects is
    /// `option_invalid`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<Persona, JsValue> {
        let options = convert::to_value(&options).map_err(|_| js_error(Error::ConfigInvalid))?;
        let mut config = Config::from_options(&options).map_err(js_error)?;
        if config.respect_gpc && page::global_privacy_control() {
            config.consent = Consent::all(State::Denied);
        }
        if config.click_selector.as_deref().is_some_and(|s| !page::selector_valid(s)) {
            return Err(js_error(Error::OptionInvalid("clickSelector")));
        }
        config.segments = segments::parse(options.get("segments"), &WebPlatform::new()).map_err(js_error)?;
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

    /// The visitor logged in: later events carry `userId`, `traits` (a flat object) join the
    /// profile, and an `identify` event is recorded and returned. Throws `property_invalid`
    /// (`userId`, `traits`).
    pub fn identify(&self, user_id: JsValue, traits: JsValue) -> Result<JsValue, JsValue> {
        let invalid = || js_error(Error::PropertyInvalid("userId"));
        let user_id = user_id.as_string().ok_or_else(invalid)?;
        let traits = convert::to_value(&traits).map_err(js_error)?;
        self.driver.identify(&user_id, traits).map_err(js_error)
    }

    /// The visitor logged out: new anonymous id; profile, user id and traits forgotten.
    pub fn reset(&self) -> Result<(), JsValue> {
        self.driver.reset().map_err(js_error)
    }

    /// The profile as conditions read it (a fresh object each call).
    pub fn profile(&self) -> JsValue {
        self.driver.profile()
    }

    /// Merges data from the shop's other channels into the profile (`{traits, purchases,
    /// counts}`, see `core::profile::Profile::import`). Throws `properties_invalid`,
    /// `property_invalid` or `property_missing`; then nothing is merged.
    #[wasm_bindgen(js_name = importProfile)]
    pub fn import_profile(&self, data: JsValue) -> Result<(), JsValue> {
        let data = convert::to_value(&data).map_err(js_error)?;
        self.driver.import(&data).map_err(js_error)
    }

    /// The keys of the segments the visitor is in.
    pub fn segments(&self) -> JsValue {
        self.driver.segments()
    }

    /// True when the visitor is in segment `key`.
    #[wasm_bindgen(js_name = inSegment)]
    pub fn in_segment(&self, key: &str) -> bool {
        self.driver.in_segment(key)
    }

    /// The best candidate for `slot`: `{slot, choice, explanation}`. Throws
    /// `property_invalid` / `property_missing` / `condition_invalid` for bad candidates.
    pub fn decide(&self, slot: &str, candidates: JsValue) -> Result<JsValue, JsValue> {
        let candidates = convert::to_value(&candidates).map_err(js_error)?;
        self.driver.decide(slot, &candidates).map_err(js_error)
    }

    /// The visitor's anonymous id (a UUID v4, persisted in localStorage).
    #[wasm_bindgen(js_name = anonymousId)]
    pub fn anonymous_id(&self) -> String {
        self.driver.anonymous_id()
    }

    /// The page changed without a load: `restored` for a back/forward-cache restore, otherwise a
    /// single-page-app navigation (`pushState`, `replaceState`, `popstate`). Records a page view
    /// when it is one (see `autotrack.pageviews`).
    pub fn navigated(&self, restored: bool) {
        self.driver.navigated(restored);
    }

    /// A click on an annotated element: `attributes` are its `data-persona-*` attributes as in
    /// `dataset` without the prefix (`{productId, list, position}`). Records the event they
    /// describe (see `autotrack.clicks`); never throws.
    pub fn clicked(&self, attributes: JsValue) {
        if let Ok(attributes) = convert::to_value(&attributes) {
            self.driver.clicked(attributes);
        }
    }

    /// The CSS selector of `autotrack.clickSelector` (validated at init), `undefined` when off.
    #[wasm_bindgen(js_name = clickSelector)]
    pub fn click_selector(&self) -> Option<String> {
        self.driver.click_selector()
    }

    /// A click on a link or button matched by `clickSelector`, not inside an annotated element:
    /// `element` is `{tag, id, text: [label candidates], href?}` (see `core::autotrack`). Records
    /// an `Element Clicked` event; never throws.
    #[wasm_bindgen(js_name = elementClicked)]
    pub fn element_clicked(&self, element: JsValue) {
        if let Ok(element) = convert::to_value(&element) {
            self.driver.element_clicked(element);
        }
    }

    /// The visitor searched for `query` in a form or input marked `data-persona-search`.
    pub fn searched(&self, query: &str) {
        self.driver.searched(query);
    }

    /// The visitor's consent: `{analytics, personalization}`, each `"pending" | "granted" |
    /// "denied"`.
    pub fn consent(&self) -> JsValue {
        convert::to_js(&self.driver.consent().to_value())
    }

    /// Records the visitor's answer: `state` is `"granted" | "denied" | "pending"`, `categories`
    /// an array of category names (all when undefined). Throws `option_invalid` (option
    /// `consent`) for an unknown state or category.
    #[wasm_bindgen(js_name = setConsent)]
    pub fn set_consent(&self, state: &str, categories: JsValue) -> Result<(), JsValue> {
        let invalid = || js_error(Error::OptionInvalid("consent"));
        let state = State::parse(state).ok_or_else(invalid)?;
        let mut names = Vec::new();
        if let Some(one) = categories.as_string() {
            names.push(one);
        } else if js_sys::Array::is_array(&categories) {
            for item in js_sys::Array::from(&categories).iter() {
                names.push(item.as_string().ok_or_else(invalid)?);
            }
        } else if !categories.is_undefined() && !categories.is_null() {
            return Err(invalid());
        }
        self.driver.set_consent(state, &names).map_err(js_error)
    }

    /// This tab's id: the wrapper holds the Web Lock `persona-tab:<id>` while the page lives.
    #[wasm_bindgen(js_name = tabId)]
    pub fn tab_id(&self) -> String {
        self.driver.tab_id()
    }

    /// Takes over the outboxes of closed tabs. `live` is the array of tab ids whose Web Lock is
    /// held; `undefined` where the browser has no Web Locks. Call it inside the
    /// `persona-reclaim` lock.
    pub fn reclaim(&self, live: JsValue) {
        let live = js_sys::Array::is_array(&live)
            .then(|| js_sys::Array::from(&live).iter().filter_map(|v| v.as_string()).collect());
        self.driver.reclaim(live);
    }

    /// Erases every key persona wrote, drops queued events, and stops storing and sending until
    /// consent is granted again.
    pub fn forget(&self) -> Result<(), JsValue> {
        self.driver.forget().map_err(js_error)
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

    /// Sets the `collector.transform` function (see `Driver::set_transform`); `undefined`
    /// clears it.
    #[wasm_bindgen(js_name = setTransform)]
    pub fn set_transform(&self, transform: Option<Function>) {
        self.driver.set_transform(transform);
    }
}
