//! The `#[wasm_bindgen]` surface: one exported type, [`Persona`], thin over
//! [`Driver`](crate::web::driver::Driver). Argument checks and decisions live in the core;
//! errors leave as JS `Error`s with a stable `code` (see [`crate::core::error`]).
//!
//! The TypeScript wrapper in `js/` is the public API; this type is its engine. JS sees two
//! exports: the constructor and [`Persona::call`], which runs the operation numbered `op` (see
//! [`op`]) with up to two arguments. Every export costs a shim in the module and a method in the
//! wasm-bindgen glue, which ships in both bundles; one entry point instead of one per method
//! took 2.3 KB gzip off the script-tag path. The methods behind it stay Rust methods, which the
//! browser tests call.

use crate::prelude::*;
use alloc::rc::Rc;

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

/// The operations [`Persona::call`] runs, by number. `js/index.ts` has the same numbers in its
/// `Op` enum (the browser tests compare the two); each is the method of the same name below,
/// with its arguments as `a` and `b`.
pub mod op {
    #![allow(missing_docs)]
    pub const START: u32 = 0;
    pub const TRACK: u32 = 1;
    pub const PAGE: u32 = 2;
    pub const IDENTIFY: u32 = 3;
    pub const RESET: u32 = 4;
    pub const PROFILE: u32 = 5;
    pub const IMPORT_PROFILE: u32 = 6;
    pub const SEGMENTS: u32 = 7;
    pub const IN_SEGMENT: u32 = 8;
    pub const DECIDE: u32 = 9;
    pub const ANONYMOUS_ID: u32 = 10;
    pub const NAVIGATED: u32 = 11;
    pub const CLICKED: u32 = 12;
    pub const CLICK_SELECTOR: u32 = 13;
    pub const ELEMENT_CLICKED: u32 = 14;
    pub const SEARCHED: u32 = 15;
    pub const CONSENT: u32 = 16;
    pub const SET_CONSENT: u32 = 17;
    pub const TAB_ID: u32 = 18;
    pub const RECLAIM: u32 = 19;
    pub const FORGET: u32 = 20;
    pub const PENDING: u32 = 21;
    pub const FLUSH: u32 = 22;
    pub const SHUTDOWN: u32 = 23;
    pub const SET_LISTENER: u32 = 24;
    pub const SET_TRANSFORM: u32 = 25;
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

    /// Runs operation `op` (see [`op`]) with arguments `a` and `b` (`undefined` when unused) and
    /// returns its result (`undefined` for none). Throws what the method throws. Strings are
    /// taken as given (a non-string is the empty string), booleans likewise (`false`), and a
    /// listener or transform that is not a function clears it. An unknown `op` does nothing.
    pub fn call(&self, op: u32, a: JsValue, b: JsValue) -> Result<JsValue, JsValue> {
        let text = |v: &JsValue| v.as_string().unwrap_or_default();
        let function = |v: JsValue| v.is_function().then(|| v.unchecked_into::<Function>());
        Ok(match op {
            op::TRACK => self.track(a, b)?,
            op::PAGE => self.page(a)?,
            op::IDENTIFY => self.identify(a, b)?,
            op::PROFILE => self.profile(),
            op::SEGMENTS => self.segments(),
            op::IN_SEGMENT => self.in_segment(&text(&a)).into(),
            op::DECIDE => self.decide(&text(&a), b)?,
            op::ANONYMOUS_ID => self.anonymous_id().into(),
            op::CLICK_SELECTOR => self.click_selector().into(),
            op::CONSENT => self.consent(),
            op::TAB_ID => self.tab_id().into(),
            op::PENDING => self.pending().into(),
            _ => {
                match op {
                    op::START => self.start(),
                    op::RESET => self.reset()?,
                    op::IMPORT_PROFILE => self.import_profile(a)?,
                    op::NAVIGATED => self.navigated(a.as_bool() == Some(true)),
                    op::CLICKED => self.clicked(a),
                    op::ELEMENT_CLICKED => self.element_clicked(a),
                    op::SEARCHED => self.searched(&text(&a)),
                    op::SET_CONSENT => self.set_consent(&text(&a), b)?,
                    op::RECLAIM => self.reclaim(a),
                    op::FORGET => self.forget()?,
                    op::FLUSH => self.flush(),
                    op::SHUTDOWN => self.shutdown(),
                    op::SET_LISTENER => self.set_listener(function(a)),
                    op::SET_TRANSFORM => self.set_transform(function(a)),
                    _ => {}
                }
                JsValue::UNDEFINED
            }
        })
    }
}

/// The operations behind [`Persona::call`], as Rust methods.
impl Persona {
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
    pub fn import_profile(&self, data: JsValue) -> Result<(), JsValue> {
        let data = convert::to_value(&data).map_err(js_error)?;
        self.driver.import(&data).map_err(js_error)
    }

    /// The keys of the segments the visitor is in.
    pub fn segments(&self) -> JsValue {
        self.driver.segments()
    }

    /// True when the visitor is in segment `key`.
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
    pub fn click_selector(&self) -> Option<String> {
        self.driver.click_selector()
    }

    /// A click on a link or button matched by `clickSelector`, not inside an annotated element:
    /// `element` is `{tag, id, text: [label candidates], href?, host?, pageHost?}` (see
    /// `core::autotrack::element_click`). Records an `Element Clicked` event; never throws.
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
    pub fn set_listener(&self, listener: Option<Function>) {
        self.driver.set_listener(listener);
    }

    /// Sets the `collector.transform` function (see `Driver::set_transform`); `undefined`
    /// clears it.
    pub fn set_transform(&self, transform: Option<Function>) {
        self.driver.set_transform(transform);
    }
}
