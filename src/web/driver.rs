//! The driver: owns the [`Tracker`], wakes up when the outbox says a batch is due, performs the
//! request and reports the outcome back. It also flushes when the page is hidden or unloads and
//! when the browser comes back online, and tells a JS listener what happened.
//!
//! Listener notifications are `(kind, detail)` with kind `"event"` (the wire event just
//! recorded), `"sent"` (`{status, count, messageIds}` after each request) or `"warning"` (a
//! `PersonaError`, each code at most once per page). The listener runs with no Rust borrow held,
//! so it may call back into persona; whatever it throws is swallowed.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use crate::core::config::Config;
use crate::core::error::{Error, Result};
use crate::core::tracker::{Outgoing, Tracker};
use crate::core::value::Value;
use crate::web::platform::WebPlatform;
use crate::web::{convert, js_error, page, transport};

/// The live SDK instance behind the exported `Persona` type.
pub struct Driver {
    tracker: RefCell<Tracker<WebPlatform>>,
    listener: RefCell<Option<Function>>,
    /// A request is on the wire; the next waits for its outcome.
    sending: Cell<bool>,
    /// Handle of the pending `setTimeout`, if any.
    timer: Cell<Option<i32>>,
    /// The timer callback, made once and reused by every `setTimeout`.
    tick: RefCell<Option<Closure<dyn FnMut()>>>,
    /// Page lifecycle callbacks, kept alive for as long as the driver lives.
    callbacks: RefCell<Vec<Closure<dyn FnMut()>>>,
    /// Warning codes already reported on this page.
    reported: RefCell<Vec<Error>>,
}

impl Driver {
    /// Creates the tracker (restoring the anonymous id and outbox from localStorage).
    pub fn new(config: Config) -> Result<Rc<Driver>> {
        let tracker = Tracker::new(WebPlatform::new(), config)?;
        Ok(Rc::new(Driver {
            tracker: RefCell::new(tracker),
            listener: RefCell::new(None),
            sending: Cell::new(false),
            timer: Cell::new(None),
            tick: RefCell::new(None),
            callbacks: RefCell::new(Vec::new()),
            reported: RefCell::new(Vec::new()),
        }))
    }

    /// Sets (or clears) the JS listener.
    pub fn set_listener(&self, listener: Option<Function>) {
        *self.listener.borrow_mut() = listener;
    }

    /// Starts delivery: hooks page lifecycle events, records the automatic page view if
    /// configured, and schedules what the restored outbox holds.
    pub fn start(self: &Rc<Self>) {
        if self.tick.borrow().is_some() {
            return; // already started
        }
        let tick = self.callback(|driver| {
            driver.timer.set(None);
            driver.pump(false, false);
        });
        *self.tick.borrow_mut() = Some(tick);
        self.hook_lifecycle();
        let pageview = self.tracker.borrow().config().pageview;
        if pageview {
            let _ = self.record(None, Value::Null);
        }
        self.report_warnings();
        self.schedule();
    }

    /// Records a track event (`Some(name)`) or a page view (`None`) and returns its wire form.
    pub fn record(self: &Rc<Self>, name: Option<&str>, properties: Value) -> Result<JsValue> {
        let page = page::current();
        let result = {
            let mut tracker = self.tracker.borrow_mut();
            match name {
                Some(name) => tracker.track(name, properties, &page),
                None => tracker.page(properties, &page),
            }
        };
        let wire = convert::to_js(&result?);
        self.notify("event", &wire);
        self.report_warnings();
        self.schedule();
        Ok(wire)
    }

    /// The visitor's anonymous id.
    pub fn anonymous_id(&self) -> String {
        self.tracker.borrow().anonymous_id().to_owned()
    }

    /// Events not yet acknowledged by the collector.
    pub fn pending(&self) -> usize {
        self.tracker.borrow().pending()
    }

    /// Sends the next batch now, without waiting for the flush interval (backoff still applies).
    pub fn flush(self: &Rc<Self>) {
        self.pump(true, false);
    }

    /// Arms a timer for when the outbox says the next batch is due.
    fn schedule(self: &Rc<Self>) {
        if let Some(handle) = self.timer.take() {
            if let Some(w) = web_sys::window() {
                w.clear_timeout_with_handle(handle);
            }
        }
        if self.sending.get() {
            return; // the outcome of the request in flight reschedules
        }
        let Some(due) = self.tracker.borrow().due_at() else { return };
        let now = js_sys::Date::now() as u64;
        let delay = due.saturating_sub(now).min(i32::MAX as u64) as i32;
        let tick = self.tick.borrow();
        let (Some(window), Some(tick)) = (web_sys::window(), tick.as_ref()) else { return };
        let f: &Function = tick.as_ref().unchecked_ref();
        if let Ok(handle) = window.set_timeout_with_callback_and_timeout_and_arguments_0(f, delay) {
            self.timer.set(Some(handle));
        }
    }

    /// Takes the next batch if allowed and sends it.
    fn pump(self: &Rc<Self>, force: bool, unloading: bool) {
        if self.sending.get() && !unloading {
            return;
        }
        let request = self.tracker.borrow_mut().next_request(force, unloading);
        self.report_warnings();
        let Some(request) = request else {
            self.schedule();
            return;
        };
        let url = self.tracker.borrow().config().collector_url.clone();
        self.sending.set(true);
        let driver = Rc::clone(self);
        wasm_bindgen_futures::spawn_local(async move {
            let outcome = transport::post(&url, &request.body, unloading).await;
            driver.settle(request, outcome);
        });
    }

    fn settle(self: &Rc<Self>, request: Outgoing, outcome: transport::Outcome) {
        self.tracker.borrow_mut().settle(request.id, outcome.status, outcome.retry_after_ms);
        self.sending.set(false);
        let detail = Object::new();
        let ids: Array = request.message_ids.iter().map(|id| JsValue::from_str(id)).collect();
        let _ = Reflect::set(&detail, &"status".into(), &JsValue::from(outcome.status));
        let _ = Reflect::set(&detail, &"count".into(), &JsValue::from(ids.length()));
        let _ = Reflect::set(&detail, &"messageIds".into(), &ids);
        self.notify("sent", &detail);
        self.report_warnings();
        self.schedule();
    }

    /// Flushes with `keepalive` when the page is hidden or unloads, and resumes when the browser
    /// is back online.
    fn hook_lifecycle(self: &Rc<Self>) {
        let Some(window) = web_sys::window() else { return };
        let hide = self.callback(|driver| driver.pump(true, true));
        let visibility = self.callback(|driver| {
            let hidden = web_sys::window()
                .and_then(|w| w.document())
                .is_some_and(|d| d.visibility_state() == web_sys::VisibilityState::Hidden);
            if hidden {
                driver.pump(true, true);
            }
        });
        let online = self.callback(|driver| driver.pump(true, false));
        let _ = window.add_event_listener_with_callback("pagehide", hide.as_ref().unchecked_ref());
        let _ = window.add_event_listener_with_callback("online", online.as_ref().unchecked_ref());
        if let Some(document) = window.document() {
            let f = visibility.as_ref().unchecked_ref();
            let _ = document.add_event_listener_with_callback("visibilitychange", f);
        }
        self.callbacks.borrow_mut().extend([hide, visibility, online]);
    }

    fn callback(self: &Rc<Self>, action: fn(&Rc<Driver>)) -> Closure<dyn FnMut()> {
        let weak: Weak<Driver> = Rc::downgrade(self);
        Closure::new(move || {
            if let Some(driver) = weak.upgrade() {
                action(&driver);
            }
        })
    }

    fn report_warnings(&self) {
        let warnings = self.tracker.borrow_mut().take_warnings();
        for warning in warnings {
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
    }

    fn notify(&self, kind: &str, detail: &JsValue) {
        let listener = self.listener.borrow().clone();
        if let Some(listener) = listener {
            let _ = listener.call2(&JsValue::NULL, &JsValue::from_str(kind), detail);
        }
    }
}
