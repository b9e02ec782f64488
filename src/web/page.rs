//! The page context stamped on every event, read from `location` and `document`.

use wasm_bindgen::prelude::wasm_bindgen;

use crate::core::campaign;
use crate::core::event::PageContext;
use crate::core::value::Value;

/// The campaign of a query string, decoded by the browser's `URLSearchParams`.
fn campaign(search: &str) -> Option<Value> {
    let params = web_sys::UrlSearchParams::new_with_str(search).ok()?;
    campaign::from_params(|key| params.get(key))
}

/// The visitor's language and time zone, which do not change during a page's life: read once.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// `navigator.language`.
    pub locale: String,
    /// `Intl.DateTimeFormat().resolvedOptions().timeZone`.
    pub timezone: String,
}

impl Environment {
    /// Reads them from the browser; what it will not give stays empty.
    pub fn read() -> Environment {
        let locale = web_sys::window().and_then(|w| w.navigator().language()).unwrap_or_default();
        let options = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new())
            .resolved_options();
        let timezone = js_sys::Reflect::get(&options, &"timeZone".into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default();
        Environment { locale, timezone }
    }
}

/// Reads the current page; fields the browser will not give are left empty.
pub fn current(env: &Environment) -> PageContext {
    let Some(window) = web_sys::window() else {
        return PageContext {
            locale: env.locale.clone(),
            timezone: env.timezone.clone(),
            ..Default::default()
        };
    };
    let location = window.location();
    let document = window.document();
    PageContext {
        url: location.href().unwrap_or_default(),
        path: location.pathname().unwrap_or_default(),
        search: location.search().unwrap_or_default(),
        title: document.as_ref().map(web_sys::Document::title).unwrap_or_default(),
        referrer: document.as_ref().map(web_sys::Document::referrer).unwrap_or_default(),
        locale: env.locale.clone(),
        timezone: env.timezone.clone(),
        campaign: campaign(&location.search().unwrap_or_default()),
    }
}

/// The current page, reusing `last` when the URL has not changed since (only the title, which
/// a page may change, is read again).
pub fn current_if_changed(env: &Environment, last: Option<PageContext>) -> PageContext {
    let window = web_sys::window();
    let href = window.as_ref().and_then(|w| w.location().href().ok()).unwrap_or_default();
    match last {
        Some(mut page) if page.url == href && !href.is_empty() => {
            if let Some(document) = window.and_then(|w| w.document()) {
                page.title = document.title();
            }
            page
        }
        _ => current(env),
    }
}

/// True when the browser sends Global Privacy Control (`navigator.globalPrivacyControl`).
pub fn global_privacy_control() -> bool {
    web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w.navigator(), &"globalPrivacyControl".into()).ok())
        .is_some_and(|v| v.as_bool() == Some(true))
}

#[wasm_bindgen(inline_js = "export function selector_valid(s) {
  if (typeof document === 'undefined') return true;
  try { document.createDocumentFragment().querySelector(s); return true; } catch (_) { return false; }
}
export function device_class() {
  const ua = typeof navigator === 'undefined' ? '' : navigator.userAgent || '';
  return /iPad|Tablet|Android(?!.*Mobi)/i.test(ua) ? 1 : /Mobi|iPhone|Android/i.test(ua) ? 0 : 2;
}")]
extern "C" {
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
