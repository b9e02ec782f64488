//! Delivery of one request body: `fetch` POST, with `keepalive` while the page is going away, or
//! `navigator.sendBeacon` where `keepalive` is not supported.
//!
//! By default the body is sent as a string, so the browser labels it `text/plain;charset=UTF-8`:
//! a CORS-simple request that needs no preflight when the collector lives on another origin.
//! [`Body::json`] adds `Content-Type: application/json` and [`Body::authorization`] an
//! `Authorization` header (both make cross-origin requests preflighted).

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::core::wire::Body;

/// What the transport learned about a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// HTTP status; 0 when there was no response (offline, DNS, CORS, aborted).
    pub status: u16,
    /// The `Retry-After` delay in ms, when the collector sent one we could read.
    pub retry_after_ms: Option<u64>,
}

/// No response at all.
pub const FAILED: Outcome = Outcome { status: 0, retry_after_ms: None };

/// Whether `fetch` understands `keepalive` (`Request.prototype.keepalive`): Chromium 66+,
/// Safari 13+, Firefox 133+.
pub fn keepalive_supported() -> bool {
    let request = js_sys::Reflect::get(&js_sys::global(), &"Request".into()).unwrap_or(JsValue::UNDEFINED);
    let prototype = js_sys::Reflect::get(&request, &"prototype".into()).unwrap_or(JsValue::UNDEFINED);
    prototype.is_object() && js_sys::Reflect::has(&prototype, &"keepalive".into()).unwrap_or(false)
}

/// Hands `body` to `navigator.sendBeacon`, which outlives the page but reports nothing back.
/// False when the browser refused it (over its quota) or the request needs headers a beacon
/// cannot carry.
pub fn beacon(url: &str, body: &Body) -> bool {
    if body.json || body.authorization.is_some() {
        return false;
    }
    web_sys::window()
        .is_some_and(|w| w.navigator().send_beacon_with_opt_str(url, Some(&body.text)).unwrap_or(false))
}

/// POSTs `body` to `url`. With `keepalive` the request outlives the page (used while it unloads;
/// browsers cap such bodies at 64 KiB in flight, which the outbox's batch limit respects).
pub async fn post(url: &str, body: &Body, keepalive: bool) -> Outcome {
    let Some(window) = web_sys::window() else {
        return FAILED;
    };
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&JsValue::from_str(&body.text));
    if keepalive {
        // web-sys has no setter for `keepalive`; it is a plain member of the init dictionary.
        let _ = js_sys::Reflect::set(&init, &"keepalive".into(), &JsValue::TRUE);
    }
    if body.json || body.authorization.is_some() {
        let Ok(headers) = web_sys::Headers::new() else { return FAILED };
        if body.json {
            let _ = headers.set("Content-Type", "application/json");
        }
        if let Some(authorization) = &body.authorization {
            let _ = headers.set("Authorization", authorization);
        }
        init.set_headers(&headers);
    }
    init.set_credentials(web_sys::RequestCredentials::SameOrigin);
    let response = match JsFuture::from(window.fetch_with_str_and_init(url, &init)).await {
        Ok(r) => r,
        Err(_) => return FAILED,
    };
    let Ok(response) = response.dyn_into::<web_sys::Response>() else {
        return FAILED;
    };
    let retry_after_ms = response.headers().get("retry-after").ok().flatten().and_then(|v| retry_after(&v));
    if keepalive {
        // A keep-alive request counts against the 64 KiB budget until its response body is read;
        // reading it lets the next chunk go at once.
        if let Ok(text) = response.text() {
            let _ = JsFuture::from(text).await;
        }
    }
    Outcome { status: response.status(), retry_after_ms }
}

/// Parses `Retry-After`: delta-seconds (digits only) or an HTTP date, into ms from now.
fn retry_after(value: &str) -> Option<u64> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        let seconds = value.bytes().take(9).fold(0u64, |n, b| n * 10 + u64::from(b - b'0'));
        return Some(seconds * 1000);
    }
    let at = js_sys::Date::parse(value);
    let now = js_sys::Date::now();
    (at.is_finite() && at > now).then_some((at - now) as u64)
}
