//! The tracker: turns `track`/`page` calls into wire events, keeps the anonymous id and the
//! outbox, and persists both through the platform's [`Storage`](crate::core::platform::Storage).
//!
//! Storage is best effort: when localStorage is unavailable, full or holds something unreadable,
//! the tracker keeps working from memory and records a warning ([`Tracker::take_warnings`]) for
//! the web layer to report. Only a failing random source is fatal, because ids must be unguessable.

use crate::core::config::Config;
use crate::core::consent::Consent;
use crate::core::ecommerce;
use crate::core::error::{Error, Result};
use crate::core::event::{self, EventKind, PageContext, Stamp};
use crate::core::id;
use crate::core::outbox::{Delivery, Entry, Outbox, Urgency};
use crate::core::platform::Platform;
use crate::core::session::{self, Session, Visit};
use crate::core::tabs;
use crate::core::value::Value;
use crate::core::wire::{self, Body};
use crate::prelude::*;

mod personal;
mod privacy;

pub use personal::{SegmentChange, KEY_PROFILE, KEY_USER_ID, PROFILE_STORE_INTERVAL_MS};

/// localStorage key of the visitor's anonymous id.
pub const KEY_ANONYMOUS_ID: &str = "persona:anonymous_id";
/// localStorage key of the current session.
pub const KEY_SESSION: &str = "persona:session";
/// localStorage key of the remembered consent (written on a grant, erased on a denial).
pub const KEY_CONSENT: &str = "persona:consent";
/// Prefix of every localStorage key persona writes (each tab's outbox is
/// `persona:outbox:<tab id>`, see [`crate::core::tabs`]); `forget()` removes them all.
pub const KEY_PREFIX: &str = "persona:";

/// A request ready for the transport.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    /// Batch id, to pass back to [`Tracker::settle`].
    pub id: u64,
    /// The request body and how to send it.
    pub body: Body,
    /// The message ids it carries.
    pub message_ids: Vec<String>,
}

/// An event just recorded: its wire form and that form's JSON text (encoded once, for the
/// outbox and for the page).
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    /// The wire event.
    pub event: Value,
    /// Its JSON text.
    pub json: String,
}

/// State and decisions of event tracking.
pub struct Tracker<P: Platform> {
    platform: P,
    config: Config,
    anonymous_id: String,
    outbox: Outbox,
    warnings: Vec<Error>,
    consent: Consent,
    /// This tab's id and outbox key.
    tab: String,
    outbox_key: String,
    /// The drop count last written under `outbox_key`.
    persisted_dropped: u32,
    /// The session's last-seen time when it was last written.
    session_stored_at: u64,
    /// A reclaim asked for while sending was not allowed yet: the live tabs it was given.
    deferred_reclaim: Option<Option<Vec<String>>>,
    /// The current visit.
    session: Option<Session>,
    /// Profile and segments (see [`personal`]).
    personal: personal::Personal,
    /// JSON texts of events recorded on the side (segment changes), for the web layer.
    side: Vec<String>,
}

impl<P: Platform> Tracker<P> {
    /// Restores (or creates) the anonymous id and the outbox from storage, as far as consent
    /// allows: without it nothing is read but the remembered consent, and nothing is written.
    pub fn new(platform: P, mut config: Config) -> Result<Tracker<P>> {
        let mut warnings = Vec::new();
        // The remembered answer is the one thing read before consent: it is needed to honour it.
        let remembered = read(&platform, KEY_CONSENT, &mut warnings)
            .and_then(|text| platform.decode(&text).ok())
            .and_then(|value| Consent::from_stored(&value).ok());
        let consent = remembered.map_or(config.consent, |r| config.consent.with_remembered(r));
        let anonymous_id = id::uuid_v4(&platform)?;
        let tab = match config.tab_id.take() {
            Some(tab) => tab,
            None => tabs::new_tab_id(&platform)?,
        };
        let outbox_key = tabs::outbox_key(&tab);
        let mut tracker = Tracker {
            platform,
            config,
            anonymous_id,
            outbox: Outbox::default(),
            warnings,
            consent,
            tab,
            outbox_key,
            persisted_dropped: 0,
            session_stored_at: 0,
            deferred_reclaim: None,
            session: None,
            personal: personal::Personal::default(),
            side: Vec::new(),
        };
        tracker.restore_profile();
        if consent.may_store() {
            tracker.restore_id();
            tracker.restore_ids();
            tracker.session = read(&tracker.platform, KEY_SESSION, &mut tracker.warnings)
                .and_then(|text| tracker.platform.decode(&text).ok())
                .and_then(|value| Session::from_value(&value));
        }
        Ok(tracker)
    }

    /// This tab's id (its outbox is `persona:outbox:<id>`).
    pub fn tab_id(&self) -> &str {
        &self.tab
    }

    /// Takes over the outboxes of tabs that are gone (all but `live`; all others when `live` is
    /// unknown), so that a closed tab's undelivered events are sent by this one. Deferred until
    /// sending is allowed.
    pub fn reclaim(&mut self, live: Option<Vec<String>>) {
        if !self.consent.may_send() {
            self.deferred_reclaim = Some(live);
            return;
        }
        let (max_count, max_bytes) = (self.config.max_queue, self.config.max_queue_bytes as usize);
        let own = self.outbox_key.clone();
        match tabs::reclaim(&self.platform, &own, live.as_deref(), &mut self.outbox, max_count, max_bytes) {
            Ok(done) => {
                self.warnings.extend(tabs::warnings(&done));
                if done.events > 0 {
                    self.persist_outbox();
                }
            }
            Err(e) => self.warnings.push(e),
        }
    }

    /// Takes the stored anonymous id, or stores the fresh one.
    fn restore_id(&mut self) {
        let stored = read(&self.platform, KEY_ANONYMOUS_ID, &mut self.warnings).filter(|s| id::is_uuid(s));
        match stored {
            Some(existing) => self.anonymous_id = existing,
            None => self.write(KEY_ANONYMOUS_ID, &self.anonymous_id.clone()),
        }
    }

    fn write(&mut self, key: &str, value: &str) {
        if let Err(e) = self.platform.set(key, value) {
            if !self.warnings.contains(&e) {
                self.warnings.push(e);
            }
        }
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
    pub fn track(&mut self, name: &str, properties: Value, page: &PageContext) -> Result<Recorded> {
        let name = event::validate_name(name)?;
        let properties = match properties {
            Value::Null => Value::object(),
            p @ Value::Object(_) => p,
            _ => return Err(Error::PropertiesInvalid),
        };
        let (name, properties) = ecommerce::normalize(name, properties)?;
        let query = (name == "Products Searched")
            .then(|| properties.get("query").and_then(Value::as_str).map(str::to_owned))
            .flatten();
        let recorded = self.record(EventKind::Track, Some(&name), properties, page)?;
        if let Some(query) = query {
            self.remember_search(query);
        }
        self.observe(&recorded.event, page);
        Ok(recorded)
    }

    /// The visitor's last search in this session and when it was made.
    pub fn last_search(&self) -> Option<(String, u64)> {
        self.session.as_ref().and_then(|s| s.last_search.clone())
    }

    fn remember_search(&mut self, query: String) {
        let now = self.platform.now_ms();
        if let Some(session) = &mut self.session {
            session.last_search = Some((query, now));
        }
        self.persist_session();
    }

    fn persist_session(&mut self) {
        if !self.consent.may_store() {
            return;
        }
        let Some(session) = &self.session else { return };
        let last_seen = session.last_seen;
        if let Ok(text) = self.platform.encode(&session.to_value()) {
            self.write(KEY_SESSION, &text);
            self.session_stored_at = last_seen;
        }
    }

    /// Records a page view and returns its wire form.
    pub fn page(&mut self, properties: Value, page: &PageContext) -> Result<Recorded> {
        let recorded = self.record(EventKind::Page, None, properties, page)?;
        self.observe(&recorded.event, page);
        Ok(recorded)
    }

    fn record(
        &mut self,
        kind: EventKind,
        name: Option<&str>,
        properties: Value,
        page: &PageContext,
    ) -> Result<Recorded> {
        let message_id = id::uuid_v4(&self.platform)?;
        let now_ms = self.platform.now_ms();
        let visit =
            Visit { now: now_ms, campaign: page.campaign.as_ref(), url: &page.url, referrer: &page.referrer };
        let timeout = u64::from(self.config.session_timeout_ms);
        let (session, started) =
            Session::continue_or_start(self.session.take(), &visit, timeout, &self.platform)?;
        let session_context = session.to_context();
        let due = session.last_seen >= self.session_stored_at.saturating_add(session::STORE_INTERVAL_MS);
        self.session = Some(session);
        if started || due {
            self.persist_session();
        }
        let consent = self.consent.to_context();
        let stamp = Stamp {
            session: Some(&session_context),
            consent: Some(&consent),
            message_id: &message_id,
            anonymous_id: &self.anonymous_id,
            user_id: self.personal.user_id.as_deref(),
            now_ms,
        };
        let wire = event::build(kind, name, properties, stamp, page)?;
        let json = self.platform.encode(&wire)?;
        if !self.consent.keeps_events() {
            // Analytics denied: the page gets its event, nothing is kept.
            return Ok(Recorded { event: wire, json });
        }
        let bytes = json.len();
        if bytes > self.config.max_event_bytes as usize {
            return Err(Error::EventTooLarge);
        }
        let entry = Entry {
            event: wire.clone(),
            json: json.clone(),
            message_id,
            bytes: bytes as u32,
            queued_at: now_ms,
            seq: 0,
            persisted: false,
        };
        let (max_count, max_bytes) = (self.config.max_queue, self.config.max_queue_bytes as usize);
        if self.outbox.push_within(entry, max_count, max_bytes) > 0
            && !self.warnings.contains(&Error::OutboxOverflow)
        {
            self.warnings.push(Error::OutboxOverflow);
        }
        self.persist_outbox();
        Ok(Recorded { event: wire, json })
    }

    /// When the next request is due (ms since the epoch), if any.
    pub fn due_at(&self) -> Option<u64> {
        if !self.consent.may_send() {
            return None;
        }
        self.outbox.due_at(&self.config)
    }

    /// The next request if `urgency` allows one now (see [`Urgency`]).
    pub fn next_request(&mut self, urgency: Urgency) -> Option<Outgoing> {
        if !self.consent.may_send() {
            return None;
        }
        let now = self.platform.now_ms();
        let mut limit = usize::MAX;
        loop {
            let batch = self.outbox.take_batch_of(now, &self.config, urgency, limit)?;
            let count = batch.message_ids.len();
            match wire::encode(&self.config, batch.events, now, batch.dropped, &self.platform) {
                Ok(body) if body.text.len() <= wire::MAX_BODY_BYTES || count <= 1 => {
                    return Some(Outgoing { id: batch.id, body, message_ids: batch.message_ids });
                }
                Ok(body) => {
                    // Too large once encoded: take back and cut in proportion, with a margin.
                    self.outbox.abandon_in_flight();
                    // (The text is longer than MAX_BODY_BYTES here: checked_div only spares the
                    // wasm a division-by-zero panic.)
                    let fitting =
                        (count * wire::MAX_BODY_BYTES).checked_div(body.text.len()).unwrap_or(0) * 9 / 10;
                    limit = fitting.clamp(1, count - 1);
                }
                Err(e) => {
                    self.warnings.push(e);
                    self.outbox.abandon_in_flight();
                    return None;
                }
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

    /// Request `id` went out without a way to learn its outcome (see [`Outbox::unconfirmed`]).
    pub fn unconfirmed(&mut self, id: u64) {
        let now = self.platform.now_ms();
        self.outbox.unconfirmed(id, now, &self.config);
    }

    /// Drains the warnings collected since the last call.
    pub fn take_warnings(&mut self) -> Vec<Error> {
        core::mem::take(&mut self.warnings)
    }

    /// Brings storage up to date with the queue: each new event is written under its own key
    /// ([`tabs::entry_key`]), each acknowledged or dropped one removed, and the unreported drop
    /// count kept under the tab's outbox key. Events a full storage refused stay in memory and
    /// are written by a later call.
    fn persist_outbox(&mut self) {
        if !self.consent.may_send() {
            return; // pending events live in memory only
        }
        let mut result = Ok(());
        for seq in self.outbox.take_removed() {
            result = result.and(self.platform.remove(&tabs::entry_key(&self.outbox_key, seq)));
        }
        for entry in self.outbox.unpersisted_mut() {
            let key = tabs::entry_key(&self.outbox_key, entry.seq);
            match self.platform.set(&key, &Outbox::entry_json(entry)) {
                Ok(()) => entry.persisted = true,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        let dropped = self.outbox.dropped();
        if dropped != self.persisted_dropped {
            let written = if dropped == 0 {
                self.platform.remove(&self.outbox_key)
            } else {
                self.platform.set(&self.outbox_key, &Outbox::dropped_json(dropped))
            };
            match written {
                Ok(()) => self.persisted_dropped = dropped,
                Err(e) => result = Err(e),
            }
        }
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
    use crate::core::outbox::Urgency;
    use crate::core::platform::Clock;
    use crate::core::testing::MemPlatform;

    pub(super) fn config() -> Config {
        Config {
            collector_url: "/v1/batch".into(),
            batch_size: 2,
            flush_interval_ms: 100,
            ..Config::default()
        }
    }

    pub(super) fn page() -> PageContext {
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
        let e =
            t.track("Product Viewed", Value::object().with("product_id", "sku-1"), &page()).unwrap().event;
        let mid = e.get("messageId").and_then(Value::as_str).unwrap().to_owned();
        let req = t.next_request(Urgency::Now).unwrap();
        assert_eq!(req.message_ids, std::slice::from_ref(&mid));
        drop(t); // the tab closes before the response arrives

        let mut t = Tracker::new(p.clone(), config()).unwrap();
        assert_eq!(t.pending(), 0, "a new tab starts with its own, empty outbox");
        t.reclaim(Some(vec![])); // the closed tab holds no lock any more
        assert_eq!(t.pending(), 1, "in-flight events are kept until acknowledged, then reclaimed");
        let req = t.next_request(Urgency::Now).unwrap();
        assert_eq!(req.message_ids, [mid], "same messageId on retry");
        let body = p.decode_json(&req.body.text);
        assert_eq!(body["batch"][0]["event"], "Product Viewed");
        assert_eq!(body["batch"][0]["properties"]["product_id"], "sku-1");
        assert!(body["sentAt"].is_string());
        t.settle(req.id, 200, None);
        assert_eq!(t.pending(), 0);
        assert_eq!(outbox_keys(&p), Vec::<String>::new(), "acknowledged events leave storage");
    }

    pub(super) fn persona_keys(p: &MemPlatform) -> Vec<String> {
        use crate::core::platform::Storage;
        p.keys().unwrap().into_iter().filter(|k| k.starts_with(KEY_PREFIX)).collect()
    }

    pub(super) fn outbox_keys(p: &MemPlatform) -> Vec<String> {
        use crate::core::platform::Storage;
        p.keys().unwrap().into_iter().filter(|k| k.starts_with(tabs::OUTBOX_PREFIX)).collect()
    }

    #[test]
    fn tabs_keep_separate_outboxes_and_reclaim_only_closed_ones() {
        let p = MemPlatform::default();
        let mut a = Tracker::new(p.clone(), config()).unwrap();
        let mut b = Tracker::new(p.clone(), config()).unwrap();
        a.track("from a", Value::Null, &page()).unwrap();
        b.track("from b", Value::Null, &page()).unwrap();
        assert_eq!(outbox_keys(&p).len(), 2, "no tab overwrites another's queue");
        let live = vec![a.tab_id().to_owned(), b.tab_id().to_owned()];
        let mut c = Tracker::new(p.clone(), config()).unwrap();
        c.reclaim(Some(live.clone()));
        assert_eq!(c.pending(), 0, "live tabs keep their events");
        drop(b); // tab b closes with its event undelivered
        c.reclaim(Some(vec![a.tab_id().to_owned()]));
        assert_eq!(c.pending(), 1);
        let req = c.next_request(Urgency::Now).unwrap();
        assert!(req.body.text.contains("from b") && !req.body.text.contains("from a"));
        assert_eq!(a.pending(), 1);
    }

    #[test]
    fn each_event_is_written_once_under_its_own_key() {
        let p = MemPlatform::default();
        let mut t = Tracker::new(p.clone(), Config { batch_size: 2, ..config() }).unwrap();
        for i in 0..6 {
            t.track("Viewed", Value::object().with("i", f64::from(i)), &page()).unwrap();
        }
        let keys = outbox_keys(&p);
        assert_eq!(keys.len(), 6, "{keys:?}");
        for key in &keys {
            let stored = p.stored(key).unwrap();
            assert!(stored.len() < 1000 && stored.matches("messageId").count() == 1, "one event per key");
        }
        p.set_full(true);
        t.track("Refused", Value::Null, &page()).unwrap();
        assert_eq!(t.take_warnings(), [Error::StorageFull]);
        assert_eq!((t.pending(), outbox_keys(&p).len()), (7, 6), "kept in memory");
        p.set_full(false);
        t.track("Later", Value::Null, &page()).unwrap();
        assert_eq!(outbox_keys(&p).len(), 8, "the refused event is written with the next one");
        let req = t.next_request(Urgency::Now).unwrap();
        t.settle(req.id, 200, None);
        assert_eq!(outbox_keys(&p).len(), 6, "acknowledged events leave storage");
        let mut next = Tracker::new(p.clone(), config()).unwrap();
        next.reclaim(Some(vec![]));
        assert_eq!(next.pending(), 6, "a reload finds the rest");
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
        p.put("persona:outbox:gone", "{not json");
        let mut t = Tracker::new(p.clone(), config()).unwrap();
        t.reclaim(None);
        assert_eq!(t.take_warnings(), [Error::StorageCorrupt]);
        assert_eq!(outbox_keys(&p), Vec::<String>::new());
        p.put("persona:outbox", r#"{"v":1,"entries":[{"e":"wrong"}]}"#);
        let mut t2 = Tracker::new(p, config()).unwrap();
        t2.reclaim(Some(vec![]));
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
    fn caps_drop_the_oldest_and_the_next_batch_says_how_many() {
        let p = MemPlatform::default();
        let config = Config { max_queue: 10, batch_size: 100, ..config() };
        let mut t = Tracker::new(p.clone(), config).unwrap();
        for i in 0..13 {
            t.track("e", Value::object().with("i", f64::from(i)), &page()).unwrap();
        }
        assert_eq!(t.pending(), 10);
        assert_eq!(t.take_warnings(), [Error::OutboxOverflow]);
        let req = t.next_request(Urgency::Now).unwrap();
        let body = p.decode_json(&req.body.text);
        assert_eq!(body["dropped"].as_f64(), Some(3.0));
        assert_eq!(body["batch"][0]["properties"]["i"].as_f64(), Some(3.0), "the oldest went first");
        t.settle(req.id, 200, None);
        t.track("f", Value::Null, &page()).unwrap();
        let req = t.next_request(Urgency::Now).unwrap();
        assert!(p.decode_json(&req.body.text).get("dropped").is_none(), "reported once");
    }

    #[test]
    fn events_carry_the_session_which_survives_reloads_and_times_out() {
        let p = MemPlatform::default();
        let mut t = Tracker::new(p.clone(), config()).unwrap();
        let first = t.page(Value::Null, &page()).unwrap().event;
        let session = |e: &Value| e.get("context").and_then(|c| c.get("session")).cloned().unwrap();
        let s1 = session(&first);
        assert_eq!(s1.get("number").and_then(Value::as_f64), Some(1.0));
        assert_eq!(s1.get("landing_page").and_then(Value::as_str), Some("http://shop/"));
        drop(t);
        p.advance(10 * 60_000);
        let mut t = Tracker::new(p.clone(), config()).unwrap();
        let again = session(&t.page(Value::Null, &page()).unwrap().event);
        assert_eq!(again.get("id"), s1.get("id"), "a reload 10 minutes later is the same visit");
        p.advance(31 * 60_000);
        let next = session(&t.track("x", Value::Null, &page()).unwrap().event);
        assert_ne!(next.get("id"), s1.get("id"));
        assert_eq!(next.get("number").and_then(Value::as_f64), Some(2.0));
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
