//! The page context stamped on every event, read from `location` and `document` in one small
//! JS function per read (cheaper in the module than a web-sys call per field).

use crate::prelude::*;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;

use crate::core::campaign;
use crate::core::event::PageContext;

/// The visitor's language and time zone, which do not change during a page's life: read once.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// `navigator.language`.
    pub locale: String,
    /// The IANA time zone: `Temporal.Now.timeZoneId()`, else
    /// `Intl.DateTimeFormat().resolvedOptions().timeZone`.
    pub timezone: String,
}

impl Environment {
    /// Reads them from the browser; what it will not give stays empty.
    pub fn read() -> Environment {
        let env = environment();
        Environment { locale: item(&env, 0), timezone: item(&env, 1) }
    }
}

/// Item `i` of an array of strings from [`page_fields`] or [`environment`] (`""` when absent).
fn item(list: &js_sys::Array, i: u32) -> String {
    list.get(i).as_string().unwrap_or_default()
}

/// Reads the current page; fields the browser will not give are left empty.
pub fn current(env: &Environment) -> PageContext {
    let keys: js_sys::Array = campaign::UTM_KEYS.iter().map(|(utm, _)| JsValue::from_str(utm)).collect();
    let fields = page_fields(&keys);
    let campaign = campaign::from_params(|key| {
        let i = campaign::UTM_KEYS.iter().position(|(utm, _)| *utm == key)?;
        fields.get(5 + i as u32).as_string()
    });
    PageContext {
        url: item(&fields, 0),
        path: item(&fields, 1),
        search: item(&fields, 2),
        title: item(&fields, 3),
        referrer: item(&fields, 4),
        locale: env.locale.clone(),
        timezone: env.timezone.clone(),
        campaign,
    }
}

/// The current page, reusing `last` when the URL has not changed since (only the title, which
/// a page may change, is read again).
pub fn current_if_changed(env: &Environment, last: Option<PageContext>) -> PageContext {
    let [href, title] = [0, 3].map(|i| item(&page_fields(&js_sys::Array::new()), i));
    match last {
        Some(mut page) if page.url == href && !href.is_empty() => {
            page.title = title;
            page
        }
        _ => current(env),
    }
}

/// True when the browser sends Global Privacy Control (`navigator.globalPrivacyControl`).
pub fn global_privacy_control() -> bool {
    environment().get(2).as_bool() == Some(true)
}

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    /// `[href, pathname, search, title, referrer, ...the query parameters named in keys]`
    /// (strings, or `undefined`/`null` where the browser has none), read in one call.
    fn page_fields(keys: &js_sys::Array) -> js_sys::Array;

    /// `[navigator.language, the Intl time zone, navigator.globalPrivacyControl]`.
    fn environment() -> js_sys::Array;

    /// True when `document.visibilityState` is `"hidden"`.
    pub fn page_hidden() -> bool;

    /// 0 for a phone, 1 for a tablet, 2 for anything else, from the user agent.
    fn device_class() -> u32;

    /// True when the browser accepts `selector` as a CSS selector (`querySelector` would not
    /// throw). Checked on an empty fragment, so the page is not searched. Without a DOM there is
    /// nothing to click and every selector passes.
    pub fn selector_valid(selector: &str) -> bool;
}

/// The device class conditions read as `device.type`: `"mobile"`, `"tablet"` or `"desktop"`.
pub fn device_type() -> &'static str {
    match device_class() {
        0 => "mobile",
        1 => "tablet",
        _ => "desktop",
    }
}
