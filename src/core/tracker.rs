//! The tracker: turns `track`/`page` calls into wire events, keeps the anonymous id and the
//! outbox, and persists both through the platform's [`Storage`](crate::core::platform::Storage).
//!
//! Storage is best effort: when localStorage is unavailable, full or holds something unreadable,
//! the tracker keeps working from memory and records a warning ([`Tracker::take_warnings`]) for
//! the web layer to report. Only a failing random source is fatal, because ids must be unguessable.

use crate::core::config::Config;
use crate::core::ecommerce;
use crate::core::error::{Error, Result};
use crate::core::event::{self, EventKind, PageContext, Stamp};
use crate::core::id;
use crate::core::outbox::{Delivery, Entry, Outbox, Urgency};
use crate::core::platform::Platform;
use crate::core::time::iso8601;
use crate::core::value::Value;
use crate::core::wire::segment;

/// localStorage key of the visitor's anonymous id.
pub const KEY_ANONYMOUS_ID: &str = "persona:anonymous_id";
/// localStorage key of the persisted outbox.
pub const KEY_OUTBOX: &str = "persona:outbox";

/// A request ready for the transport.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    /// Batch id, to pass back to [`Tracker::settle`].
    pub id: u64,
    /// JSON request body.
    pub body: String,
    /// The message ids it carries.
    pub message_ids: Vec<String>,
}

/// State and decisions of event tracking.
pub struct Tracker<P: Platform> {
    platform: P,
    config: Config,
    anonymous_id: String,
    outbox: Outbox,
    warnings: Vec<Error>,
}

impl<P: Platform> Tracker<P> {
    /// Restores (or creates) the anonymous id and the outbox from storage.
    pub fn new(platform: P, config: Config) -> Result<Tracker<P>> {
        let mut warnings = Vec::new();
        let stored_id = read(&platform, KEY_ANONYMOUS_ID, &mut warnings).filter(|s| id::is_uuid(s));
        let anonymous_id = match stored_id {
            Some(existing) => existing,
            None => {
                let fresh = id::uuid_v4(&platform)?;
                if let Err(e) = platform.set(KEY_ANONYMOUS_ID, &fresh) {
                    warnings.push(e);
                }
                fresh
            }
        };
        let outbox = match read(&platform, KEY_OUTBOX, &mut warnings) {
            None => Outbox::default(),
            Some(text) => match platform.decode(&text).and_then(|v| Outbox::from_value(&v)) {
                Ok(outbox) => outbox,
                Err(_) => {
                    warnings.push(Error::StorageCorrupt);
                    let _ = platform.remove(KEY_OUTBOX);
                    Outbox::default()
                }
            },
        };
        Ok(Tracker { platform, config, anonymous_id, outbox, warnings })
    }

    /// The validated configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The visitor's anonymous id (a UUID v4).
    pub fn anonymous_id(&self) -> &str {
        &self.anonymous_id
    }

    /// Events waiting for delivery (including a batch in flight).
    pub fn pending(&self) -> usize {
        self.outbox.len()
    }

    /// Records a named event and returns its wire form. Shop events are normalised and checked
    /// ([`ecommerce::normalize`]). Nothing is enqueued on error.
    pub fn track(&mut self, name: &str, properties: Value, page: &PageContext) -> Result<Value> {
        let name = event::validate_name(name)?;
        let properties = match properties {
            Value::Null => Value::object(),
            p @ Value::Object(_) => p,
            _ => return Err(Error::PropertiesInvalid),
        };
        let (name, properties) = ecommerce::normalize(name, properties)?;
        self.record(EventKind::Track, Some(&name), properties, page)
    }

    /// Records a page view and returns its wire form.
    pub fn page(&mut self, properties: Value, page: &PageContext) -> Result<Value> {
        self.record(EventKind::Page, None, properties, page)
    }

    fn record(
        &mut self,
        kind: EventKind,
        name: Option<&str>,
        properties: Value,
        page: &PageContext,
    ) -> Result<Value> {
        let message_id = id::uuid_v4(&self.platform)?;
        let now_ms = self.platform.now_ms();
        let stamp =
            Stamp { message_id: &message_id, anonymous_id: &self.anonymous_id, user_id: None, now_ms };
        let wire = event::build(kind, name, properties, stamp, page)?;
        let bytes = self.platform.encode(&wire)?.len();
        if bytes > self.config.max_event_bytes as usize {
            return Err(Error::EventTooLarge);
        }
        let entry = Entry { event: wire.clone(), message_id, bytes: bytes as u32, queued_at: now_ms };
        if self.outbox.push(entry, self.config.max_queue) > 0 {
            self.warnings.push(Error::OutboxOverflow);
        }
        self.persist_outbox();
        Ok(wire)
    }

    /// When the next request is due (ms since the epoch), if any.
    pub fn due_at(&self) -> Option<u64> {
        self.outbox.due_at(&self.config)
    }

    /// The next request if `urgency` allows one now (see [`Urgency`]).
    pub fn next_request(&mut self, urgency: Urgency) -> Option<Outgoing> {
        let now = self.platform.now_ms();
        let batch = self.outbox.take_batch(now, &self.config, urgency)?;
        let body = segment::batch(batch.events, &iso8601(now));
        match self.platform.encode(&body) {
            Ok(body) => Some(Outgoing { id: batch.id, body, message_ids: batch.message_ids }),
            Err(e) => {
                self.warnings.push(e);
                self.outbox.abandon_in_flight();
                None
            }
        }
    }

    /// The browser is back online: retry at once instead of waiting out the backoff.
    pub fn reset_backoff(&mut self) {
        self.outbox.reset_backoff();
    }

    /// Reports the HTTP status of request `id` (0 = network error) and the `Retry-After` delay.
    pub fn settle(&mut self, id: u64, status: u16, retry_after_ms: Option<u64>) {
        let now = self.platform.now_ms();
        let mut jitter = [0u8; 4];
        let jitter = match self.platform.fill(&mut jitter) {
            Ok(()) => u32::from_le_bytes(jitter),
            Err(_) => 512,
        };
        let outcome = Delivery::from_status(status, retry_after_ms);
        if let Err(e) = self.outbox.settle(id, outcome, now, &self.config, jitter) {
            self.warnings.push(e);
        }
        self.persist_outbox();
    }

    /// Drains the warnings collected since the last call.
    pub fn take_warnings(&mut self) -> Vec<Error> {
        core::mem::take(&mut self.warnings)
    }

    fn persist_outbox(&mut self) {
        let result = if self.outbox.is_empty() {
            self.platform.remove(KEY_OUTBOX)
        } else {
            self.platform
                .encode(&self.outbox.to_value())
                .and_then(|text| self.platform.set(KEY_OUTBOX, &text))
        };
        if let Err(e) = result {
            if !self.warnings.contains(&e) {
                self.warnings.push(e);
            }
        }
    }
}

fn read(platform: &impl Platform, key: &str, warnings: &mut Vec<Error>) -> Option<String> {
    platform.get(key).unwrap_or_else(|e| {
        warnings.push(e);
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::platform::Clock;
    use crate::core::testing::MemPlatform;

    fn config() -> Config {
        Config {
            collector_url: "/v1/batch".into(),
            batch_size: 2,
            flush_interval_ms: 100,
            ..Config::default()
        }
    }

    fn page() -> PageContext {
        PageContext { url: "http://shop/".into(), path: "/".into(), ..Default::default() }
    }

    #[test]
    fn anonymous_id_is_created_once_and_persisted() {
        let p = MemPlatform::default();
        let first = Tracker::new(p.clone(), config()).unwrap().anonymous_id().to_owned();
        assert!(id::is_uuid(&first));
        assert_eq!(p.stored(KEY_ANONYMOUS_ID).as_deref(), Some(first.as_str()));
        let again = Tracker::new(p.clone(), config()).unwrap();
        assert_eq!(again.anonymous_id(), first);
    }

    #[test]
    fn events_survive_a_reload_until_acknowledged() {
        let p = MemPlatform::default();
        let mut t = Tracker::new(p.clone(), config()).unwrap();
        let e = t.track("Product Viewed", Value::object().with("product_id", "sku-1"), &page()).unwrap();
        let mid = e.get("messageId").and_then(Value::as_str).unwrap().to_owned();
        let req = t.next_request(Urgency::Now).unwrap();
        assert_eq!(req.message_ids, std::slice::from_ref(&mid));
        drop(t); // the tab closes before the response arrives

        let mut t = Tracker::new(p.clone(), config()).unwrap();
        assert_eq!(t.pending(), 1, "in-flight events are kept until acknowledged");
        let req = t.next_request(Urgency::Now).unwrap();
        assert_eq!(req.message_ids, [mid], "same messageId on retry");
        let body = p.decode_json(&req.body);
        assert_eq!(body["batch"][0]["event"], "Product Viewed");
        assert_eq!(body["batch"][0]["properties"]["product_id"], "sku-1");
        assert!(body["sentAt"].is_string());
        t.settle(req.id, 200, None);
        assert_eq!(t.pending(), 0);
        assert_eq!(p.stored(KEY_OUTBOX), None, "acknowledged events leave storage");
    }

    #[test]
    fn invalid_input_enqueues_nothing() {
        let p = MemPlatform::default();
        let mut t = Tracker::new(p, config()).unwrap();
        assert_eq!(t.track("", Value::object(), &page()).err(), Some(Error::EventNameInvalid));
        assert_eq!(t.track("x", "str".into(), &page()).err(), Some(Error::PropertiesInvalid));
        let huge = Value::object().with("blob", "x".repeat(40_000));
        assert_eq!(t.track("x", huge, &page()).err(), Some(Error::EventTooLarge));
        assert_eq!(t.pending(), 0);
    }

    #[test]
    fn corrupted_outbox_is_discarded_with_a_warning() {
        let p = MemPlatform::default();
        p.put(KEY_OUTBOX, "{not json");
        let mut t = Tracker::new(p.clone(), config()).unwrap();
        assert_eq!(t.take_warnings(), [Error::StorageCorrupt]);
        assert_eq!(p.stored(KEY_OUTBOX), None);
        p.put(KEY_OUTBOX, r#"{"v":1,"entries":[{"e":"wrong"}]}"#);
        let mut t2 = Tracker::new(p, config()).unwrap();
        assert_eq!(t2.take_warnings(), [Error::StorageCorrupt]);
        assert_eq!(t.pending() + t2.pending(), 0);
    }

    #[test]
    fn foreign_anonymous_id_is_replaced() {
        let p = MemPlatform::default();
        p.put(KEY_ANONYMOUS_ID, "<script>");
        let t = Tracker::new(p, config()).unwrap();
        assert!(id::is_uuid(t.anonymous_id()));
    }

    #[test]
    fn full_storage_keeps_tracking_in_memory() {
        let p = MemPlatform::default();
        let mut t = Tracker::new(p.clone(), config()).unwrap();
        p.set_full(true);
        t.page(Value::Null, &page()).unwrap();
        assert_eq!(t.pending(), 1);
        assert_eq!(t.take_warnings(), [Error::StorageFull]);
        let req = t.next_request(Urgency::Now).unwrap();
        t.settle(req.id, 200, None);
        assert_eq!(t.pending(), 0);
    }

    #[test]
    fn rejected_batch_is_reported_and_dropped() {
        let p = MemPlatform::default();
        let mut t = Tracker::new(p, config()).unwrap();
        t.track("a", Value::Null, &page()).unwrap();
        let req = t.next_request(Urgency::Now).unwrap();
        t.settle(req.id, 400, None);
        assert_eq!(t.pending(), 0);
        assert_eq!(t.take_warnings(), [Error::BatchRejected]);
    }

    #[test]
    fn batching_follows_size_and_interval() {
        let p = MemPlatform::default();
        let mut t = Tracker::new(p.clone(), config()).unwrap();
        t.track("a", Value::Null, &page()).unwrap();
        assert!(t.next_request(Urgency::Due).is_none(), "waits for companions");
        assert_eq!(t.due_at(), Some(p.now_ms() + 100));
        p.advance(100);
        let req = t.next_request(Urgency::Due).unwrap();
        assert_eq!(req.message_ids.len(), 1, "a lone event leaves after the flush interval");
        t.settle(req.id, 204, None);
        t.track("b", Value::Null, &page()).unwrap();
        t.track("c", Value::Null, &page()).unwrap();
        let req = t.next_request(Urgency::Due).unwrap();
        assert_eq!(req.message_ids.len(), 2, "a full batch leaves at once");
    }
}
