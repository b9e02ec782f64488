//! The driver: owns the [`Tracker`], wakes up when the outbox says a batch is due, performs the
//! request and reports the outcome back. It also flushes when the page is hidden or unloads and
//! when the browser comes back online, and tells a JS listener what happened.
//!
//! While the page is hidden or unloading, batches go with `fetch(..., {keepalive: true})`, one
//! chunk (at most [`crate::core::outbox::MAX_BATCH_BYTES`], inside the browsers' 64 KiB
//! keep-alive budget) at a time: each delivered chunk sends the next at once, for as long as the
//! page lives. Where `keepalive` is unsupported, `navigator.sendBeacon` carries the chunk; a
//! beacon reports nothing back, so its events stay queued and go again later (the collector keeps
//! each `messageId` once). A keep-alive request still in flight when the page dies is resent the
//! same way from localStorage by the next page.
//!
//! Listener notifications are `(kind, detail)` with kind `"event"` (the wire event just
//! recorded, segment changes included), `"segments"` (`{segments, entered, exited}` when segment
//! membership changed), `"sent"` (`{status, count, messageIds}` after each request), `"warning"` (a
//! `PersonaError`, each code at most once per page) or `"fault"` (something in persona itself
//! failed inside a timer or page-lifecycle callback; the wrapper then shuts persona down). The
//! listener runs with no Rust borrow held, so it may call back into persona; whatever it throws is
//! swallowed.
//!
//! Every callback the browser invokes (the timer, `pagehide`, `visibilitychange`, `online`) goes
//! through a small JS guard that catches whatever escapes, so nothing persona does can surface as
//! an uncaught exception in the page.

use crate::prelude::*;
use ::core::cell::Cell;
use alloc::rc::{Rc, Weak};

use js_sys::Function;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

use crate::core::autotrack;
use crate::core::config::Config;
use crate::core::consent::{Consent, State};
use crate::core::error::{Error, Result};
use crate::core::event::{self, PageContext};
use crate::core::outbox::Urgency;
use crate::core::tracker::{Outgoing, Tracker};
use crate::core::value::Value;
use crate::web::platform::WebPlatform;
use crate::web::{convert, js_error, page, transport, Slot};

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    /// Wraps `f` so that an exception (or a trap) inside it is reported to `listener` as
    /// `"fault"` instead of reaching the page. Passes up to four arguments on.
    fn guard(f: &Function, listener: &JsValue) -> Function;
    /// `listener(kind, detail)`, swallowing what it throws.
    #[wasm_bindgen(js_name = notify)]
    fn call_listener(listener: &Function, kind: &str, detail: &JsValue);
    /// `setTimeout(f, delay)`: the handle.
    fn set_timer(f: &Function, delay: i32) -> i32;
    /// `clearTimeout(handle)`.
    fn clear_timer(handle: i32);
    /// Listens to the window's `pagehide` and `online` and the document's `visibilitychange`.
    fn listen(hide: &Function, online: &Function, visibility: &Function);
}

/// `done(id, status, retryAfter, transformFailed)` of [`transport::send`].
type DoneClosure = Closure<dyn FnMut(u32, u16, Option<String>, bool)>;

/// A request on the wire.
struct Flight {
    /// Which request [`transport::send`] reports on: counts the driver's requests (the outbox's
    /// batch ids start again after `forget()`).
    id: u32,
    request: Outgoing,
    /// Keeps the driver alive until the outcome is settled, even if the page drops `Persona`.
    _driver: Rc<Driver>,
}

/// The live SDK instance behind the exported `Persona` type.
pub struct Driver {
    tracker: Slot<Tracker<WebPlatform>>,
    /// Language and time zone, read once.
    env: page::Environment,
    /// The URL of the last page view, to tell a real single-page-app navigation from noise.
    last_page_url: Slot<String>,
    listener: Slot<Option<Function>>,
    /// Requests on the wire. Normally at most one; a flush while the page unloads may add a
    /// second that takes over the first one's events.
    flights: Slot<Vec<Flight>>,
    /// The id of the last request sent (see [`Flight::id`]).
    last_flight: Cell<u32>,
    /// The callback [`transport::send`] reports outcomes to, made once (see [`Driver::done`]),
    /// and the guarded JS function around it.
    done: Slot<Option<(DoneClosure, Function)>>,
    /// Set by [`Driver::shutdown`]: nothing is scheduled or sent any more.
    stopped: Cell<bool>,
    /// Handle of the pending `setTimeout`, if any.
    timer: Cell<Option<(i32, u64)>>,
    /// The guarded timer callback, made once and reused by every `setTimeout`.
    tick: Slot<Option<Function>>,
    /// Rust callbacks behind the guarded JS functions, kept alive as long as the driver lives.
    callbacks: Slot<Vec<Closure<dyn FnMut()>>>,
    /// Warning codes already reported on this page.
    reported: Slot<Vec<Error>>,
    /// The page context last read, reused while the URL stays the same.
    page: Slot<Option<PageContext>>,
    /// The page's `collector.transform` function, if any (see [`Driver::set_transform`]).
    transform: Slot<Option<Function>>,
    /// Whether this browser's `fetch` supports `keepalive` (else unload uses `sendBeacon`).
    keepalive: bool,
    /// The page is hidden or unloading: delivered chunks chain the next one with `keepalive`.
    hidden: Cell<bool>,
    /// A beacon left since the page was last visible: `pagehide` after `visibilitychange`
    /// must not send the same events again.
    beaconed: Cell<bool>,
}

impl Driver {
    /// Creates the tracker (restoring the anonymous id and outbox from localStorage).
    pub fn new(config: Config) -> Result<Rc<Driver>> {
        let mut tracker = Tracker::new(WebPlatform::new(), config)?;
        tracker.set_device(page::device_type());
        Ok(Rc::new(Driver {
            tracker: Slot::new(tracker),
            env: page::Environment::read(),
            last_page_url: Slot::new(String::new()),
            listener: Slot::new(None),
            flights: Slot::new(Vec::new()),
            last_flight: Cell::new(0),
            done: Slot::new(None),
            stopped: Cell::new(false),
            timer: Cell::new(None),
            tick: Slot::new(None),
            callbacks: Slot::new(Vec::new()),
            reported: Slot::new(Vec::new()),
            page: Slot::new(None),
            transform: Slot::new(None),
            keepalive: transport::keepalive_supported(),
            hidden: Cell::new(false),
            beaconed: Cell::new(false),
        }))
    }

    /// Sets (or clears) the JS listener.
    pub fn set_listener(&self, listener: Option<Function>) {
        *self.listener.borrow_mut() = listener;
    }

    /// Sets (or clears) the transform: a function that receives each batch, as the configured
    /// format would send it, and returns the body to send instead (a string, or a value sent as
    /// JSON), `null`/`undefined` to skip the batch (it counts as delivered), or a promise of
    /// either. When it throws or its promise rejects, the batch is retried with backoff and a
    /// `transform_failed` warning is reported.
    pub fn set_transform(&self, transform: Option<Function>) {
        *self.transform.borrow_mut() = transform;
    }

    /// Starts delivery: hooks page lifecycle events, records the automatic page view if
    /// configured, and schedules what the restored outbox holds.
    pub fn start(self: &Rc<Self>) {
        if self.tick.borrow().is_some() || self.stopped.get() {
            return; // already started, or shut down
        }
        let tick = self.guarded(|driver| {
            driver.timer.set(None);
            driver.pump(Urgency::Due);
        });
        *self.tick.borrow_mut() = Some(tick);
        self.done(); // made now, with the listener set before `start`
        self.hook_lifecycle();
        let pageview = self.tracker.borrow().config().pageview;
        if pageview {
            let _ = self.record(None, Value::Null);
        }
        self.report_warnings();
        self.schedule();
    }

    /// Stops for good: clears the timer and turns every callback into a no-op. Events already
    /// queued stay in localStorage for the next page.
    pub fn shutdown(&self) {
        self.stopped.set(true);
        self.clear_timer();
    }

    /// Records a track event (`Some(name)`) or a page view (`None`) and returns its wire form.
    pub fn record(self: &Rc<Self>, name: Option<&str>, properties: Value) -> Result<JsValue> {
        let page = self.page();
        let result = {
            let mut tracker = self.tracker.borrow_mut();
            match name {
                Some(name) => tracker.track(name, properties, &page),
                None => tracker.page(properties, &page),
            }
        };
        let recorded = result?;
        if name.is_none() {
            *self.last_page_url.borrow_mut() = page.url;
        }
        // The JSON the tracker encoded for the outbox; not encoded a second time.
        let wire = convert::parse_js(&recorded.json);
        self.notify("event", &wire);
        self.changed();
        Ok(wire)
    }

    /// After the tracker changed: the events it recorded on the side (segment changes), the
    /// segment membership change, warnings, and the delivery timer.
    fn changed(self: &Rc<Self>) {
        let side = self.tracker.borrow_mut().take_side_events();
        for json in side {
            self.notify("event", &convert::parse_js(&json));
        }
        let change = self.tracker.borrow_mut().take_segment_change();
        if let Some(change) = change {
            let list = |keys: &[String]| Value::Array(keys.iter().map(|k| k.as_str().into()).collect());
            let detail = Value::object()
                .with("segments", list(self.tracker.borrow().segments()))
                .with("entered", list(&change.entered))
                .with("exited", list(&change.exited));
            self.notify("segments", &convert::to_js(&detail));
        }
        self.report_warnings();
        self.schedule();
    }

    /// The visitor logged in (see [`Tracker::identify`]); returns the `identify` event.
    pub fn identify(self: &Rc<Self>, user_id: &str, traits: Value) -> Result<JsValue> {
        let page = self.page();
        let json = self.tracker.borrow_mut().identify(user_id, traits, &page);
        let wire = convert::parse_js(&json?);
        self.notify("event", &wire);
        self.changed();
        Ok(wire)
    }

    /// Merges data from other channels into the profile (see [`Tracker::import`]).
    pub fn import(self: &Rc<Self>, data: &Value) -> Result<()> {
        let page = self.page();
        let result = self.tracker.borrow_mut().import(data, &page);
        self.changed();
        result
    }

    /// The visitor logged out (see [`Tracker::reset`]).
    pub fn reset(self: &Rc<Self>) -> Result<()> {
        let result = self.tracker.borrow_mut().reset();
        self.changed();
        result
    }

    /// The profile snapshot (see [`Tracker::attributes`]).
    pub fn profile(&self) -> JsValue {
        convert::to_js(&self.tracker.borrow().attributes())
    }

    /// The keys of the segments the visitor is in, as a JS array.
    pub fn segments(&self) -> JsValue {
        let keys = self.tracker.borrow().segments().iter().map(|k| k.as_str().into()).collect();
        convert::to_js(&Value::Array(keys))
    }

    /// True when the visitor is in segment `key`.
    pub fn in_segment(&self, key: &str) -> bool {
        self.tracker.borrow().segments().iter().any(|k| k == key)
    }

    /// The next best action for `slot` (see [`Tracker::decide`]):
    /// `{slot, choice, explanation}`.
    pub fn decide(&self, slot: &str, candidates: &Value) -> Result<JsValue> {
        let decision = self.tracker.borrow().decide(candidates)?;
        let detail = Value::object()
            .with("slot", slot)
            .with("choice", decision.choice)
            .with("explanation", Value::Array(decision.explanation));
        Ok(convert::to_js(&detail))
    }

    /// The visitor's anonymous id.
    pub fn anonymous_id(&self) -> String {
        self.tracker.borrow().anonymous_id().to_owned()
    }

    /// The page changed without a load: a single-page-app navigation (`restored == false`,
    /// tracked when the URL without its fragment changed) or a back/forward-cache restore
    /// (always tracked). Only with `autotrack.pageviews`.
    pub fn navigated(self: &Rc<Self>, restored: bool) {
        if self.stopped.get() || !self.tracker.borrow().config().autotrack_pageviews {
            return;
        }
        let url = self.page().url;
        if restored || !event::same_document(&self.last_page_url.borrow(), &url) {
            let _ = self.record(None, Value::Null);
        }
    }

    /// A click on an element with `data-persona-*` attributes (see [`autotrack::click`]):
    /// records the event they describe, if any, with `autotrack.clicks`.
    pub fn clicked(self: &Rc<Self>, attributes: Value) {
        if self.stopped.get() || !self.tracker.borrow().config().autotrack_clicks {
            return;
        }
        if let Some((name, mut properties)) = autotrack::click(&attributes) {
            if name == "Product Clicked" {
                let last = self.tracker.borrow().last_search();
                autotrack::attribute_click(&mut properties, js_sys::Date::now() as u64, last.as_ref());
            }
            let _ = self.record(Some(&name), properties);
        }
    }

    /// The CSS selector of the links and buttons whose clicks are tracked, `None` when off.
    pub fn click_selector(&self) -> Option<String> {
        self.tracker.borrow().config().click_selector.clone()
    }

    /// A click on a link or button matched by `autotrack.clickSelector`, described by the web
    /// wrapper (see [`autotrack::element_click`]): an `Element Clicked` event.
    pub fn element_clicked(self: &Rc<Self>, element: Value) {
        if self.stopped.get() || self.tracker.borrow().config().click_selector.is_none() {
            return;
        }
        if let Some(properties) = autotrack::element_click(&element) {
            let _ = self.record(Some(autotrack::ELEMENT_CLICKED), properties);
        }
    }

    /// The visitor searched (a marked form was submitted, or typing paused in a marked input):
    /// a `Products Searched` event unless it repeats the last search, with `autotrack.searches`.
    pub fn searched(self: &Rc<Self>, query: &str) {
        if self.stopped.get() || !self.tracker.borrow().config().autotrack_searches {
            return;
        }
        let last = self.tracker.borrow().last_search();
        if let Some(query) = autotrack::search(query, js_sys::Date::now() as u64, last.as_ref()) {
            let _ = self.record(Some("Products Searched"), Value::object().with("query", query));
        }
    }

    /// The visitor's consent per category.
    pub fn consent(&self) -> Consent {
        self.tracker.borrow().consent()
    }

    /// Records a consent answer (see [`Tracker::set_consent`]) and sends what it allows.
    pub fn set_consent(self: &Rc<Self>, state: State, categories: &[String]) -> Result<()> {
        let result = self.tracker.borrow_mut().set_consent(state, categories);
        self.changed();
        result
    }

    /// This tab's id.
    pub fn tab_id(&self) -> String {
        self.tracker.borrow().tab_id().to_owned()
    }

    /// Takes over closed tabs' outboxes (see [`Tracker::reclaim`]) and sends what it found.
    pub fn reclaim(self: &Rc<Self>, live: Option<Vec<String>>) {
        self.tracker.borrow_mut().reclaim(live);
        self.report_warnings();
        self.schedule();
    }

    /// Erases the visitor (see [`Tracker::forget`]).
    pub fn forget(self: &Rc<Self>) -> Result<()> {
        let result = self.tracker.borrow_mut().forget();
        self.clear_timer();
        self.changed();
        result
    }

    /// Events not yet acknowledged by the collector.
    pub fn pending(&self) -> usize {
        self.tracker.borrow().pending()
    }

    /// Sends the next batch now, without waiting for the flush interval (backoff still applies).
    pub fn flush(self: &Rc<Self>) {
        self.pump(Urgency::Now);
    }

    /// The page context: read in full when the URL changed, otherwise the last one with the
    /// current title (two reads instead of six and a query-string parse per event).
    fn page(&self) -> PageContext {
        let mut cache = self.page.borrow_mut();
        let page = page::current_if_changed(&self.env, cache.take());
        *cache = Some(page.clone());
        page
    }

    fn clear_timer(&self) {
        if let Some((handle, _)) = self.timer.take() {
            clear_timer(handle);
        }
    }

    /// Arms a timer for when the outbox says the next batch is due. A timer already armed for
    /// that time or earlier is kept (when it fires early, the pump finds nothing due and
    /// schedules again), so tracking a burst of events does not re-arm a timer per event.
    fn schedule(self: &Rc<Self>) {
        let due = if self.stopped.get() || self.in_flight() {
            None // stopped, or the outcome of the request in flight reschedules
        } else {
            self.tracker.borrow().due_at()
        };
        let Some(due) = due else {
            self.clear_timer();
            return;
        };
        if self.timer.get().is_some_and(|(_, armed)| armed <= due) {
            return;
        }
        self.clear_timer();
        let now = js_sys::Date::now() as u64;
        let delay = due.saturating_sub(now).min(i32::MAX as u64) as i32;
        let tick = self.tick.borrow();
        if let Some(tick) = tick.as_ref() {
            self.timer.set(Some((set_timer(tick, delay), due)));
        }
    }

    /// Takes the next batch if `urgency` allows it and sends it (with `keepalive` when the page
    /// is going away).
    fn pump(self: &Rc<Self>, urgency: Urgency) {
        let unloading = urgency == Urgency::Unload;
        // One request at a time, except that unloading may take over one the page would cancel
        // (the outbox knows whether a keep-alive request already carries everything). A beacon
        // sent since the page was last visible already outlives it.
        let busy = self.in_flight() && !unloading;
        if self.stopped.get() || busy {
            return;
        }
        if unloading && self.beaconed.get() {
            self.schedule(); // the beacon's events go again later, on the timer
            return;
        }
        let request = self.tracker.borrow_mut().next_request(urgency);
        self.report_warnings();
        let Some(request) = request else {
            self.schedule();
            return;
        };
        let url = self.tracker.borrow().config().collector_url.clone();
        let transform = self.transform.borrow().clone();
        if unloading && !self.keepalive && transform.is_none() && transport::beacon(&url, &request.body) {
            self.tracker.borrow_mut().unconfirmed(request.id);
            self.beaconed.set(true);
            self.schedule();
            return;
        }
        let id = self.last_flight.get().wrapping_add(1);
        self.last_flight.set(id);
        let body = &request.body;
        let transform = transform.map_or(JsValue::UNDEFINED, JsValue::from);
        // Calls nothing back before it returns: `done` runs from a later microtask at the soonest.
        transport::send(
            &url,
            &body.text,
            body.json,
            body.authorization.as_deref(),
            unloading,
            &transform,
            id,
            &self.done(),
        );
        self.flights.borrow_mut().push(Flight { id, request, _driver: Rc::clone(self) });
    }

    fn in_flight(&self) -> bool {
        !self.flights.borrow().is_empty()
    }

    /// The guarded JS function [`transport::send`] reports to, made on first use.
    fn done(self: &Rc<Self>) -> Function {
        if let Some((_, f)) = self.done.borrow().as_ref() {
            return f.clone();
        }
        let weak: Weak<Driver> = Rc::downgrade(self);
        let closure = DoneClosure::new(move |id, status, retry_after: Option<String>, failed| {
            if let Some(driver) = weak.upgrade() {
                let retry_after_ms = retry_after.as_deref().and_then(transport::retry_after);
                driver.settle(id, status, retry_after_ms, failed);
            }
        });
        let listener = self.listener.borrow().clone().map_or(JsValue::UNDEFINED, JsValue::from);
        let f = guard(closure.as_ref().unchecked_ref(), &listener);
        *self.done.borrow_mut() = Some((closure, f.clone()));
        f
    }

    /// The outcome of request `id`: HTTP `status` (0 for none, 204 for a batch the transform
    /// skipped), or a transform that failed.
    fn settle(self: &Rc<Self>, id: u32, status: u16, retry_after_ms: Option<u64>, failed: bool) {
        let flight = {
            let mut flights = self.flights.borrow_mut();
            let index = flights.iter().position(|f| f.id == id);
            index.map(|i| flights.swap_remove(i))
        };
        let Some(Flight { request, .. }) = flight else { return };
        if failed {
            self.warn(Error::TransformFailed);
        }
        if self.stopped.get() {
            return;
        }
        self.tracker.borrow_mut().settle(request.id, status, retry_after_ms);
        let ids: Vec<Value> = request.message_ids.iter().map(|id| id.as_str().into()).collect();
        let detail = Value::object()
            .with("status", f64::from(status))
            .with("count", ids.len() as f64)
            .with("messageIds", Value::Array(ids));
        self.notify("sent", &convert::to_js(&detail));
        self.report_warnings();
        if self.hidden.get() && (200..300).contains(&status) {
            self.pump(Urgency::Unload); // the next chunk, while the page still lives
        } else {
            self.schedule();
        }
    }

    /// Flushes with `keepalive` when the page is hidden or unloads, and retries at once when the
    /// browser is back online.
    fn hook_lifecycle(self: &Rc<Self>) {
        let hide = self.guarded(|driver| {
            driver.hidden.set(true);
            driver.tracker.borrow_mut().save();
            driver.pump(Urgency::Unload);
        });
        let visibility = self.guarded(|driver| {
            let hidden = page::page_hidden();
            driver.hidden.set(hidden);
            if !hidden {
                driver.beaconed.set(false);
            }
            if hidden {
                driver.tracker.borrow_mut().save();
                driver.pump(Urgency::Unload);
            }
        });
        let online = self.guarded(|driver| {
            driver.tracker.borrow_mut().reset_backoff();
            driver.pump(Urgency::Now);
        });
        listen(&hide, &online, &visibility);
    }

    /// A JS function for the browser to call: runs `action` unless stopped, behind [`guard`].
    fn guarded(self: &Rc<Self>, action: fn(&Rc<Driver>)) -> Function {
        let weak: Weak<Driver> = Rc::downgrade(self);
        let closure = Closure::<dyn FnMut()>::new(move || {
            if let Some(driver) = weak.upgrade() {
                if !driver.stopped.get() {
                    action(&driver);
                }
            }
        });
        let listener = self.listener.borrow().clone().map_or(JsValue::UNDEFINED, JsValue::from);
        let f = guard(closure.as_ref().unchecked_ref(), &listener);
        self.callbacks.borrow_mut().push(closure);
        f
    }

    fn report_warnings(&self) {
        let warnings = self.tracker.borrow_mut().take_warnings();
        for warning in warnings {
            self.warn(warning);
        }
    }

    /// Tells the listener about `warning`, once per code and page.
    fn warn(&self, warning: Error) {
        let fresh = {
            let mut reported = self.reported.borrow_mut();
            let fresh = !reported.contains(&warning);
            if fresh {
                reported.push(warning);
            }
            fresh
        };
        if fresh {
            self.notify("warning", &js_error(warning));
        }
    }

    fn notify(&self, kind: &str, detail: &JsValue) {
        let listener = self.listener.borrow().clone();
        if let Some(listener) = listener {
            call_listener(&listener, kind, detail);
        }
    }
}
