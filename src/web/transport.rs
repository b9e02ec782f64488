//! One `fetch` POST per batch.
//!
//! The body is sent as a string, so the browser labels it `text/plain;charset=UTF-8`: a
//! CORS-simple request that needs no preflight when the collector lives on another origin.
//! Collectors that speak the Segment format accept it (the reference collector ignores the
//! content type and parses JSON).

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// What the transport learned about a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// HTTP status; 0 when there was no response (offline, DNS, CORS, aborted).
    pub status: u16,
    /// The `Retry-After` delay in ms, when the collector sent one we could read.
    pub retry_after_ms: Option<u64>,
}

/// POSTs `body` to `url`. With `keepalive` the request outlives the page (used while it unloads;
/// browsers cap such bodies at 64 KiB, which the outbox's batch limit respects).
pub async fn post(url: &str, body: &str, keepalive: bool) -> Outcome {
    let failed = Outcome { status: 0, retry_after_ms: None };
    let Some(window) = web_sys::window() else {
        return failed;
    };
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&JsValue::from_str(body));
    if keepalive {
        // web-sys has no setter for `keepalive`; it is a plain member of the init dictionary.
        let _ = js_sys::Reflect::set(&init, &"keepalive".into(), &JsValue::TRUE);
    }
    init.set_credentials(web_sys::RequestCredentials::SameOrigin);
    let response = match JsFuture::from(window.fetch_with_str_and_init(url, &init)).await {
        Ok(r) => r,
        Err(_) => return failed,
    };
    let Ok(response) = response.dyn_into::<web_sys::Response>() else {
        return failed;
    };
    let retry_after_ms = response.headers().get("retry-after").ok().flatten().and_then(|v| retry_after(&v));
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
