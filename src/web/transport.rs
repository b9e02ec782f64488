//! Delivery of one request body: `fetch` POST, with `keepalive` while the page is going away, or
//! `navigator.sendBeacon` where `keepalive` is not supported.
//!
//! By default the body is sent as a string, so the browser labels it `text/plain;charset=UTF-8`:
//! a CORS-simple request that needs no preflight when the collector lives on another origin.
//! [`Body::json`] adds `Content-Type: application/json` and [`Body::authorization`] an
//! `Authorization` header (both make cross-origin requests preflighted).
//!
//! The asynchronous part (the page's transform when it returns a promise, the `fetch`, reading a
//! keep-alive response) is a few lines of JS ([`send`]) that report the outcome to one reused
//! callback: no futures executor in the module.

use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;

use crate::core::wire::Body;

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    /// Whether `fetch` understands `keepalive` (`Request.prototype.keepalive`): Chromium 66+,
    /// Safari 13+, Firefox 133+.
    pub fn keepalive_supported() -> bool;

    /// POSTs `body` to `url`, first running it through the page's `transform` (a function, or
    /// `undefined`; see [`crate::web::driver::Driver::set_transform`]), then calls
    /// `done(id, status, retryAfter, transformFailed)`, always later (after a microtask at
    /// least), never from inside this call:
    ///
    /// - the transform gets the parsed batch and returns the body to send instead (a string, or
    ///   a value sent as JSON), `null`/`undefined` to skip the batch (reported as status 204,
    ///   which counts as delivered), or a promise of either; when it throws, its promise
    ///   rejects or its result cannot be sent, `transformFailed` is true and status 0;
    /// - `json` adds `Content-Type: application/json`, `auth` an `Authorization` header;
    ///   credentials go only to the same origin;
    /// - with `keepalive` the request outlives the page (used while it unloads; browsers cap such
    ///   bodies at 64 KiB in flight, which the outbox's batch limit respects). A keep-alive
    ///   request counts against that budget until its response body is read; reading it lets
    ///   the next chunk go at once;
    /// - `status` is 0 when there was no response (offline, DNS, CORS, aborted), and
    ///   `retryAfter` the `Retry-After` header's text, if the collector sent one we could read
    ///   (parse it with [`retry_after`]).
    pub fn send(
        url: &str,
        body: &str,
        json: bool,
        auth: Option<&str>,
        keepalive: bool,
        transform: &JsValue,
        id: u32,
        done: &js_sys::Function,
    );

    /// `navigator.sendBeacon(url, body)`; false when the browser refused it or has none.
    #[wasm_bindgen(js_name = beacon)]
    fn send_beacon(url: &str, body: &str) -> bool;
}

/// Hands `body` to `navigator.sendBeacon`, which outlives the page but reports nothing back.
/// False when the browser refused it (over its quota) or the request needs headers a beacon
/// cannot carry.
pub fn beacon(url: &str, body: &Body) -> bool {
    if body.json || body.authorization.is_some() {
        return false;
    }
    send_beacon(url, &body.text)
}

/// Parses `Retry-After`: delta-seconds (digits only) or an HTTP date, into ms from now.
pub fn retry_after(value: &str) -> Option<u64> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        let seconds = value.bytes().take(9).fold(0u64, |n, b| n * 10 + u64::from(b - b'0'));
        return Some(seconds * 1000);
    }
    let at = js_sys::Date::parse(value);
    let now = js_sys::Date::now();
    (at.is_finite() && at > now).then_some((at - now) as u64)
}
