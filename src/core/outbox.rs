//! The delivery queue: batching, retry schedule and caps, with no I/O of its own (sans-I/O).
//!
//! The tracker pushes wire events in; the web layer asks [`Outbox::take_batch`] for the next batch
//! when [`Outbox::due_at`] says one is due, performs the request, and reports the HTTP status back
//! through [`Outbox::settle`]. Events leave the queue only when the collector acknowledged them
//! (2xx) or rejected them for good (4xx other than 408/429), so delivery is at-least-once; the
//! stable `messageId` lets the collector make storage exactly-once. The whole queue, including
//! the batch in flight, is what gets persisted: a crash mid-request resends, never loses.

use crate::prelude::*;
use alloc::collections::VecDeque;

use crate::core::config::Config;
use crate::core::error::{Error, Result};
use crate::core::event;
use crate::core::platform::Codec;
use crate::core::time::push_num;
use crate::core::value::Value;

/// Largest request body persona sends, in bytes. Below the 64 KiB that browsers allow for
/// keep-alive requests while a page unloads, so every batch can be sent that way.
pub const MAX_BATCH_BYTES: usize = 60 * 1024;

/// Longest `Retry-After` persona honours, in ms (1 hour). A collector asking for more (or a
/// misconfigured proxy sending a date far in the future) would otherwise stall delivery for good.
pub const MAX_RETRY_AFTER_MS: u64 = 3_600_000;

/// Version of the persisted outbox format.
const STORED_VERSION: f64 = 1.0;

/// One queued event.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The wire event (without `sentAt`).
    pub event: Value,
    /// Its JSON text, kept so that persisting the queue never encodes an event twice.
    pub json: String,
    /// Its `messageId`, kept for acknowledgement.
    pub message_id: String,
    /// Encoded size in bytes.
    pub bytes: u32,
    /// When it was enqueued, ms since the epoch.
    pub queued_at: u64,
    /// Its number in this outbox, assigned by [`Outbox::push_within`]; names its storage key.
    pub seq: u64,
    /// Whether it has been written to storage under its own key.
    pub persisted: bool,
}

/// A batch handed to the transport.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// Identifies the batch when its outcome is reported.
    pub id: u64,
    /// The events, in queue order.
    pub events: Vec<Value>,
    /// Their message ids.
    pub message_ids: Vec<String>,
    /// Sum of the events' encoded sizes.
    pub bytes: usize,
    /// Events the caps dropped since the last report; sent along so the collector knows.
    pub dropped: u32,
}

/// How urgently the caller wants a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    /// A timer fired: send only what [`Outbox::due_at`] says is due.
    Due,
    /// `flush()`: send a partial batch now, unless a failure's backoff is still running.
    Now,
    /// The page is being hidden or unloaded: send now whatever the backoff, take over a batch in
    /// flight (it will not survive the page), and fill the request up to [`MAX_BATCH_BYTES`]
    /// whatever `batch_size` says, so one keep-alive request carries as much as it can.
    Unload,
}

/// What became of a request, derived from its HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// 2xx: the collector has the events.
    Delivered,
    /// Network failure, 408, 429 or 5xx: try again later (`retry_after_ms` from `Retry-After`).
    Retry {
        /// Minimum wait the collector asked for.
        retry_after_ms: Option<u64>,
    },
    /// Any other 4xx: the collector will never accept this batch; drop it and report.
    Rejected,
}

impl Delivery {
    /// Classifies an HTTP status; 0 stands for a network error (no response at all).
    pub fn from_status(status: u16, retry_after_ms: Option<u64>) -> Delivery {
        match status {
            200..=299 => Delivery::Delivered,
            0 | 408 | 429 | 500..=599 => Delivery::Retry { retry_after_ms },
            _ => Delivery::Rejected,
        }
    }
}

/// The batch on the wire.
#[derive(Debug)]
struct InFlight {
    id: u64,
    message_ids: Vec<String>,
    /// The drop count it reports.
    dropped: u32,
    /// Sent with `keepalive` ([`Urgency::Unload`]): it survives the page.
    keepalive: bool,
}

/// The queue itself.
#[derive(Debug, Default)]
pub struct Outbox {
    entries: VecDeque<Entry>,
    /// Sum of the entries' `bytes`.
    total_bytes: usize,
    /// Events dropped by the caps and not yet reported to the collector.
    dropped: u32,
    /// The batch on the wire.
    in_flight: Option<InFlight>,
    next_batch_id: u64,
    /// Consecutive failed attempts; drives the backoff.
    failures: u32,
    /// No request before this time (backoff), ms since the epoch.
    not_before: u64,
    /// The next entry's [`Entry::seq`].
    next_seq: u64,
    /// Entries removed since the last [`Outbox::take_removed`] that had been persisted.
    removed: Vec<u64>,
}

impl Outbox {
    /// Number of queued events, including those in flight.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// True when an event with this `messageId` is queued.
    pub fn contains(&self, message_id: &str) -> bool {
        self.entries.iter().any(|e| e.message_id == message_id)
    }

    /// True while a batch awaits its outcome.
    pub fn in_flight(&self) -> bool {
        self.in_flight.is_some()
    }

    /// Appends an event; if the queue exceeds `max_queue`, drops the oldest events and returns how
    /// many were dropped.
    #[cfg(test)]
    pub fn push(&mut self, entry: Entry, max_queue: u32) -> usize {
        self.push_within(entry, max_queue, usize::MAX)
    }

    /// Appends an event, then drops the oldest events while the queue holds more than
    /// `max_count` events or `max_bytes` bytes (the newest event always stays). Returns how many
    /// were dropped; they are also counted for the next batch's report ([`Batch::dropped`]).
    pub fn push_within(&mut self, mut entry: Entry, max_count: u32, max_bytes: usize) -> usize {
        self.total_bytes += entry.bytes as usize;
        entry.seq = self.next_seq;
        entry.persisted = false;
        self.next_seq += 1;
        self.entries.push_back(entry);
        let mut dropped = 0;
        while self.entries.len() > 1
            && (self.entries.len() > max_count as usize || self.total_bytes > max_bytes)
        {
            if let Some(old) = self.entries.pop_front() {
                self.total_bytes -= old.bytes as usize;
                self.forget_stored(&old);
                dropped += 1;
            }
        }
        self.dropped = self.dropped.saturating_add(dropped as u32);
        dropped
    }

    /// Adds drops that happened elsewhere (a reclaimed tab's unreported count).
    pub fn add_dropped(&mut self, count: u32) {
        self.dropped = self.dropped.saturating_add(count);
    }

    /// Events dropped by the caps and not yet reported.
    pub fn dropped(&self) -> u32 {
        self.dropped
    }

    /// Sum of the queued events' encoded sizes, in bytes.
    pub fn bytes(&self) -> usize {
        self.total_bytes
    }

    /// When the next batch should leave, ms since the epoch; `None` when there is nothing to send
    /// or a batch is in flight. A full batch is due at once, a partial one `flush_interval_ms`
    /// after its oldest event, and never before the backoff allows.
    pub fn due_at(&self, config: &Config) -> Option<u64> {
        if self.in_flight.is_some() {
            return None;
        }
        let oldest = self.entries.front()?;
        let ready = if self.entries.len() >= config.batch_size as usize {
            0
        } else {
            oldest.queued_at.saturating_add(u64::from(config.flush_interval_ms))
        };
        Some(ready.max(self.not_before))
    }

    /// Takes the next batch if `urgency` allows it at `now`. At most `batch_size` events (except
    /// when unloading) and never more than [`MAX_BATCH_BYTES`].
    pub fn take_batch(&mut self, now: u64, config: &Config, urgency: Urgency) -> Option<Batch> {
        self.take_batch_of(now, config, urgency, usize::MAX)
    }

    /// [`Outbox::take_batch`], with at most `max_events` events.
    pub fn take_batch_of(
        &mut self,
        now: u64,
        config: &Config,
        urgency: Urgency,
        max_events: usize,
    ) -> Option<Batch> {
        if urgency == Urgency::Unload {
            // A keep-alive request survives the page: a second signal (`visibilitychange` then
            // `pagehide`) must not send its events again, and the browsers' 64 KiB budget has no
            // room for a second chunk anyway. When it is delivered, the driver sends the next.
            if self.in_flight.as_ref().is_some_and(|f| f.keepalive) {
                return None;
            }
            // Any other request in flight will be cancelled with the page: its events go again
            // now (the collector drops the duplicates by messageId).
            self.in_flight = None;
        }
        let due = self.due_at(config)?;
        let allowed = match urgency {
            Urgency::Due => due <= now,
            Urgency::Now => self.not_before <= now,
            Urgency::Unload => true,
        };
        if !allowed {
            return None;
        }
        let count = if urgency == Urgency::Unload { self.entries.len() } else { config.batch_size as usize };
        let count = count.min(max_events);
        let mut batch = Batch {
            id: self.next_batch_id,
            events: Vec::new(),
            message_ids: Vec::new(),
            bytes: 0,
            dropped: self.dropped,
        };
        for entry in self.entries.iter().take(count) {
            let bytes = entry.bytes as usize;
            if !batch.events.is_empty() && batch.bytes + bytes > MAX_BATCH_BYTES {
                break;
            }
            batch.bytes += bytes;
            batch.events.push(entry.event.clone());
            batch.message_ids.push(entry.message_id.clone());
        }
        self.next_batch_id += 1;
        self.in_flight = Some(InFlight {
            id: batch.id,
            message_ids: batch.message_ids.clone(),
            dropped: batch.dropped,
            keepalive: urgency == Urgency::Unload,
        });
        Some(batch)
    }

    /// Records the outcome of batch `id`. `jitter` is a random number used to spread retries
    /// (any u32). Returns `Err(Error::BatchRejected)` when the batch was dropped as rejected.
    pub fn settle(
        &mut self,
        id: u64,
        outcome: Delivery,
        now: u64,
        config: &Config,
        jitter: u32,
    ) -> Result<()> {
        let (ids, reported) = match self.in_flight.take() {
            Some(flying) if flying.id == id => (flying.message_ids, flying.dropped),
            other => {
                self.in_flight = other;
                return Ok(());
            }
        };
        match outcome {
            Delivery::Delivered | Delivery::Rejected => {
                // A plain loop rather than `VecDeque::retain`, whose index asserts keep panic
                // code in the wasm.
                let mut kept = VecDeque::with_capacity(self.entries.len());
                self.total_bytes = 0;
                for e in core::mem::take(&mut self.entries) {
                    if !ids.contains(&e.message_id) {
                        self.total_bytes += e.bytes as usize;
                        kept.push_back(e);
                    } else if e.persisted {
                        self.removed.push(e.seq);
                    }
                }
                self.entries = kept;
                self.dropped = self.dropped.saturating_sub(reported);
                self.failures = 0;
                self.not_before = 0;
                if outcome == Delivery::Rejected {
                    return Err(Error::BatchRejected);
                }
            }
            Delivery::Retry { retry_after_ms } => {
                self.failures = self.failures.saturating_add(1);
                let asked = retry_after_ms.unwrap_or(0).min(MAX_RETRY_AFTER_MS);
                let delay = backoff_ms(self.failures, config, jitter).max(asked);
                self.not_before = now.saturating_add(delay);
            }
        }
        Ok(())
    }

    /// Empties the queue (forgetting any batch in flight) and yields its entries in order.
    pub fn drain(&mut self) -> impl Iterator<Item = Entry> {
        self.in_flight = None;
        self.total_bytes = 0;
        let entries = core::mem::take(&mut self.entries);
        self.removed.extend(entries.iter().filter(|e| e.persisted).map(|e| e.seq));
        entries.into_iter()
    }

    /// Forgets the backoff (the browser is back online: waiting longer helps no one).
    pub fn reset_backoff(&mut self) {
        self.failures = 0;
        self.not_before = 0;
    }

    /// Batch `id` left without a way to learn its outcome (a `sendBeacon` while the page unloads):
    /// its events stay queued, and are sent again only after `retry_max_ms`, so that a page that
    /// lives on does not repeat them at once. The collector keeps each `messageId` once.
    pub fn unconfirmed(&mut self, id: u64, now: u64, config: &Config) {
        if self.in_flight.as_ref().is_some_and(|f| f.id == id) {
            self.in_flight = None;
            self.not_before = now.saturating_add(u64::from(config.retry_max_ms));
        }
    }

    /// Forgets the batch in flight without an outcome (the page went away mid-request): its
    /// events stay queued and are sent again.
    pub fn abandon_in_flight(&mut self) {
        self.in_flight = None;
    }

    /// Notes that `entry`, now gone from the queue, must leave storage too.
    fn forget_stored(&mut self, entry: &Entry) {
        if entry.persisted {
            self.removed.push(entry.seq);
        }
    }

    /// The [`Entry::seq`]s of persisted entries removed since the last call: their storage keys
    /// are to be removed.
    pub fn take_removed(&mut self) -> Vec<u64> {
        core::mem::take(&mut self.removed)
    }

    /// Storage lost every entry (it was erased): all are to be written again.
    pub fn mark_unpersisted(&mut self) {
        self.removed.clear();
        for entry in &mut self.entries {
            entry.persisted = false;
        }
    }

    /// The entries not yet written to storage, oldest first.
    pub fn unpersisted_mut(&mut self) -> impl Iterator<Item = &mut Entry> {
        self.entries.iter_mut().filter(|e| !e.persisted)
    }

    /// The persisted form of a whole queue, as JSON text: `{"v":1,"entries":[{"e":event,
    /// "b":bytes,"q":queued_at}],"d":dropped}` (`d` only when not zero). Built from each entry's
    /// cached JSON: persisting costs a copy, not an encoding.
    pub fn to_json(&self) -> String {
        stored_json(self.entries.iter(), self.dropped)
    }

    /// One entry in the same form (a queue of one): what each event's own key holds, so that
    /// tracking an event writes that event only.
    pub fn entry_json(entry: &Entry) -> String {
        stored_json(core::iter::once(entry), 0)
    }

    /// The unreported drop count in the same form (a queue of none).
    pub fn dropped_json(dropped: u32) -> String {
        stored_json(core::iter::empty(), dropped)
    }

    /// Restores a persisted queue; anything malformed is `Err(Error::StorageCorrupt)`, including
    /// an event without the shape persona gives events ([`event::is_wire_event`]: one would make
    /// the collector reject every batch it travels in) or a size no event can have.
    pub fn from_value(stored: &Value, codec: &impl Codec) -> Result<Outbox> {
        if stored.get("v").and_then(Value::as_f64) != Some(STORED_VERSION) {
            return Err(Error::StorageCorrupt);
        }
        let list = stored.get("entries").and_then(Value::as_array).ok_or(Error::StorageCorrupt)?;
        let mut outbox = Outbox::default();
        for item in list {
            let event = item.get("e").filter(|e| event::is_wire_event(e)).ok_or(Error::StorageCorrupt)?;
            let message_id = event.get("messageId").and_then(Value::as_str).ok_or(Error::StorageCorrupt)?;
            let number = |key| item.get(key).and_then(Value::as_f64).filter(|n| *n >= 0.0);
            let claimed = number("b").filter(|b| *b <= MAX_BATCH_BYTES as f64);
            let (Some(bytes), Some(queued_at)) = (claimed, number("q")) else {
                return Err(Error::StorageCorrupt);
            };
            let json = codec.encode(event)?;
            let bytes = bytes as u32;
            outbox.total_bytes += bytes as usize;
            outbox.entries.push_back(Entry {
                json,
                event: event.clone(),
                message_id: message_id.to_owned(),
                bytes,
                queued_at: queued_at as u64,
                seq: 0,
                persisted: false,
            });
        }
        outbox.dropped =
            stored.get("d").and_then(Value::as_f64).filter(|d| *d >= 0.0).map_or(0, |d| d as u32);
        Ok(outbox)
    }
}

fn stored_json<'e>(entries: impl Iterator<Item = &'e Entry>, dropped: u32) -> String {
    let mut out = String::from("{\"v\":1,\"entries\":[");
    for (i, e) in entries.enumerate() {
        out.push_str(if i == 0 { "{\"e\":" } else { ",{\"e\":" });
        out.push_str(&e.json);
        out.push_str(",\"b\":");
        push_num(&mut out, u64::from(e.bytes), 1);
        out.push_str(",\"q\":");
        push_num(&mut out, e.queued_at, 1);
        out.push('}');
    }
    out.push(']');
    if dropped > 0 {
        out.push_str(",\"d\":");
        push_num(&mut out, u64::from(dropped), 1);
    }
    out.push('}');
    out
}

/// Delay before retry number `failures` (1-based): `retry_base_ms * 2^(failures-1)`, capped at
/// `retry_max_ms`, then scaled by a jitter factor in [0.5, 1.5).
pub fn backoff_ms(failures: u32, config: &Config, jitter: u32) -> u64 {
    let exp = failures.saturating_sub(1).min(20);
    let raw = u64::from(config.retry_base_ms).saturating_mul(1 << exp);
    let capped = raw.min(u64::from(config.retry_max_ms));
    capped * (512 + u64::from(jitter % 1024)) / 1024
}

/// A queued `track` event with message id `id`, 100 bytes, queued at `at` (for tests).
#[cfg(test)]
pub(crate) fn entry(id: &str, at: u64) -> Entry {
    let event = Value::object()
        .with("type", "track")
        .with("event", "e")
        .with("messageId", id)
        .with("anonymousId", "a")
        .with("properties", Value::object())
        .with("context", Value::object());
    Entry {
        json: crate::core::json::to_string(&event, &|n, out| out.push_str(&n.to_string())),
        event,
        message_id: id.into(),
        bytes: 100,
        queued_at: at,
        seq: 0,
        persisted: false,
    }
}

#[cfg(test)]
mod tests {
    use crate::core::platform::Codec as _;
    use crate::core::testing::MemPlatform;

    /// The queue as the next page reads it back from storage.
    fn restore(o: &Outbox) -> Outbox {
        let p = MemPlatform::default();
        Outbox::from_value(&p.decode(&o.to_json()).unwrap(), &p).unwrap()
    }
    use super::*;

    fn config() -> Config {
        Config { collector_url: "/c".into(), batch_size: 3, flush_interval_ms: 1000, ..Config::default() }
    }

    #[test]
    fn partial_batch_waits_for_the_interval_full_batch_goes_at_once() {
        let c = config();
        let mut o = Outbox::default();
        assert_eq!(o.due_at(&c), None);
        o.push(entry("a", 10), 100);
        assert_eq!(o.due_at(&c), Some(1010));
        assert!(o.take_batch(500, &c, Urgency::Due).is_none());
        o.push(entry("b", 20), 100);
        o.push(entry("c", 30), 100);
        assert_eq!(o.due_at(&c), Some(0));
        o.push(entry("d", 40), 100);
        let b = o.take_batch(50, &c, Urgency::Due).unwrap();
        assert_eq!(b.message_ids, ["a", "b", "c"]);
        assert!(o.in_flight());
        assert_eq!(o.due_at(&c), None, "one batch in flight at a time");
        o.settle(b.id, Delivery::Delivered, 60, &c, 0).unwrap();
        assert_eq!(o.len(), 1);
        assert_eq!(o.due_at(&c), Some(1040));
    }

    #[test]
    fn failures_back_off_exponentially_and_keep_events() {
        let c = config();
        let mut o = Outbox::default();
        o.push(entry("a", 0), 100);
        let b = o.take_batch(0, &c, Urgency::Now).unwrap();
        o.settle(b.id, Delivery::from_status(503, None), 1000, &c, 512).unwrap();
        assert_eq!(o.len(), 1);
        assert_eq!(o.due_at(&c), Some(2000), "1 s after the first failure (jitter factor 1.0)");
        assert!(o.take_batch(1999, &c, Urgency::Now).is_none(), "force still honours backoff");
        let b = o.take_batch(2000, &c, Urgency::Due).unwrap();
        o.settle(b.id, Delivery::from_status(0, None), 2000, &c, 512).unwrap();
        assert_eq!(o.due_at(&c), Some(4000), "doubles");
        let b = o.take_batch(0, &c, Urgency::Unload).unwrap();
        o.settle(b.id, Delivery::from_status(429, Some(30_000)), 5000, &c, 512).unwrap();
        assert_eq!(o.due_at(&c), Some(35_000), "Retry-After wins when longer");
        let b = o.take_batch(0, &c, Urgency::Unload).unwrap();
        o.settle(b.id, Delivery::from_status(503, Some(u64::MAX)), 5000, &c, 512).unwrap();
        assert_eq!(o.due_at(&c), Some(5000 + MAX_RETRY_AFTER_MS), "an absurd Retry-After is capped");
        let b = o.take_batch(5000 + MAX_RETRY_AFTER_MS, &c, Urgency::Due).unwrap();
        o.settle(b.id, Delivery::Delivered, 35_001, &c, 0).unwrap();
        assert!(o.is_empty());
    }

    #[test]
    fn unloading_takes_over_the_batch_in_flight_and_fills_the_request() {
        let c = config(); // batch_size 3
        let mut o = Outbox::default();
        for i in 0..5u64 {
            o.push(entry(&i.to_string(), i), 100);
        }
        let first = o.take_batch(0, &c, Urgency::Now).unwrap();
        assert_eq!(first.message_ids.len(), 3);
        o.settle(first.id, Delivery::from_status(503, None), 10, &c, 512).unwrap(); // backing off
        let again = o.take_batch(10, &c, Urgency::Now);
        assert!(again.is_none(), "backoff holds a flush");
        let flying = o.take_batch(5_000, &c, Urgency::Due).unwrap();
        assert!(o.take_batch(5_000, &c, Urgency::Now).is_none(), "one batch in flight");
        let unload = o.take_batch(5_001, &c, Urgency::Unload).unwrap();
        assert_eq!(unload.message_ids, ["0", "1", "2", "3", "4"], "everything, past batch_size");
        o.settle(flying.id, Delivery::Delivered, 5_002, &c, 0).unwrap();
        assert_eq!(o.len(), 5, "the taken-over batch's late outcome is ignored");
        o.settle(unload.id, Delivery::Delivered, 5_003, &c, 0).unwrap();
        assert!(o.is_empty());
    }

    #[test]
    fn unload_sends_chunks_under_the_keepalive_budget_and_beacons_wait() {
        let c = config();
        let mut o = Outbox::default();
        for i in 0..40u64 {
            o.push(Entry { bytes: 4000, ..entry(&i.to_string(), i) }, 100); // 160 kB queued
        }
        let mut chunks = Vec::new();
        while let Some(chunk) = o.take_batch(100, &c, Urgency::Unload) {
            assert!(chunk.bytes <= MAX_BATCH_BYTES && MAX_BATCH_BYTES < 64 * 1024);
            chunks.push(chunk.message_ids.len());
            o.settle(chunk.id, Delivery::Delivered, 100, &c, 0).unwrap();
        }
        assert_eq!(chunks, [15, 15, 10], "one chunk after another, all 40 events");
        o.push(entry("late", 200), 100);
        let beacon = o.take_batch(200, &c, Urgency::Unload).unwrap();
        o.unconfirmed(beacon.id, 200, &c);
        assert!(!o.in_flight() && o.len() == 1, "a beacon's events stay queued");
        assert_eq!(o.due_at(&c), Some(200 + u64::from(c.retry_max_ms)), "and wait before going again");
        o.unconfirmed(beacon.id + 1, 10_000_000, &c);
        assert_eq!(o.due_at(&c), Some(200 + u64::from(c.retry_max_ms)), "another id changes nothing");
    }

    #[test]
    fn a_second_unload_signal_does_not_resend_what_a_keepalive_request_carries() {
        let c = config();
        let mut o = Outbox::default();
        o.push(entry("a", 0), 100);
        o.push(entry("b", 0), 100);
        let hidden = o.take_batch(0, &c, Urgency::Unload).unwrap(); // visibilitychange: hidden
        assert_eq!(hidden.message_ids, ["a", "b"]);
        assert!(o.take_batch(1, &c, Urgency::Unload).is_none(), "pagehide: already on its way");
        o.push(entry("c", 2), 100); // tracked by the page's own pagehide handler
        assert!(o.take_batch(3, &c, Urgency::Unload).is_none(), "no second chunk beside a keep-alive one");
        o.settle(hidden.id, Delivery::Delivered, 4, &c, 0).unwrap();
        let last = o.take_batch(5, &c, Urgency::Unload).unwrap();
        assert_eq!(last.message_ids, ["c"], "the next chunk once the first is delivered");
        o.settle(last.id, Delivery::Delivered, 6, &c, 0).unwrap();
        assert!(o.is_empty());
    }

    #[test]
    fn reset_backoff_allows_an_immediate_retry() {
        let c = config();
        let mut o = Outbox::default();
        o.push(entry("a", 0), 100);
        let b = o.take_batch(0, &c, Urgency::Now).unwrap();
        o.settle(b.id, Delivery::from_status(0, None), 0, &c, 512).unwrap();
        assert!(o.take_batch(1, &c, Urgency::Now).is_none());
        o.reset_backoff();
        assert!(o.take_batch(1, &c, Urgency::Now).is_some());
    }

    #[test]
    fn rejected_batches_are_dropped_and_reported() {
        let c = config();
        let mut o = Outbox::default();
        o.push(entry("a", 0), 100);
        let b = o.take_batch(0, &c, Urgency::Now).unwrap();
        assert_eq!(o.settle(b.id, Delivery::from_status(400, None), 1, &c, 0), Err(Error::BatchRejected));
        assert!(o.is_empty());
    }

    #[test]
    fn stale_outcomes_are_ignored_and_events_pushed_meanwhile_stay() {
        let c = config();
        let mut o = Outbox::default();
        o.push(entry("a", 0), 100);
        let b = o.take_batch(0, &c, Urgency::Now).unwrap();
        o.push(entry("b", 1), 100);
        o.settle(b.id + 7, Delivery::Delivered, 2, &c, 0).unwrap();
        assert_eq!(o.len(), 2);
        o.settle(b.id, Delivery::Delivered, 2, &c, 0).unwrap();
        assert_eq!(o.len(), 1);
    }

    #[test]
    fn cap_drops_oldest_first() {
        let mut o = Outbox::default();
        let mut dropped = 0;
        for i in 0..15u64 {
            dropped += o.push(entry(&i.to_string(), i), 10);
        }
        assert_eq!((o.len(), dropped), (10, 5));
        assert_eq!(o.entries.front().unwrap().message_id, "5");
    }

    #[test]
    fn byte_cap_drops_oldest_and_drops_are_reported_once_delivered() {
        let c = config();
        let mut o = Outbox::default();
        for i in 0..5u64 {
            o.push_within(entry(&i.to_string(), i), 100, 350); // 100 bytes each
        }
        assert_eq!((o.len(), o.bytes(), o.dropped()), (3, 300, 2));
        let b = o.take_batch(0, &c, Urgency::Now).unwrap();
        assert_eq!(b.dropped, 2, "the batch reports the drops");
        o.settle(b.id, Delivery::from_status(503, None), 1, &c, 512).unwrap();
        assert_eq!(o.dropped(), 2, "still unreported after a failure");
        let restored = restore(&o);
        assert_eq!((restored.dropped(), restored.bytes()), (2, 300), "kept across a reload");
        let b = o.take_batch(1_000_000, &c, Urgency::Due).unwrap();
        o.push_within(entry("late", 9), 100, 350); // drops one more while in flight
        o.settle(b.id, Delivery::Delivered, 1_000_001, &c, 0).unwrap();
        assert_eq!(o.dropped(), 1, "only what the delivered batch reported is cleared");
        let mut one = Outbox::default();
        one.push_within(Entry { bytes: 10_000, ..entry("big", 0) }, 100, 350);
        assert_eq!(one.len(), 1, "the newest event always stays");
    }

    #[test]
    fn batches_respect_the_byte_budget() {
        let c = Config { batch_size: 100, ..config() };
        let mut o = Outbox::default();
        for i in 0..10 {
            let mut e = entry(&i.to_string(), 0);
            e.bytes = 20_000;
            o.push(e, 100);
        }
        let b = o.take_batch(0, &c, Urgency::Now).unwrap();
        assert_eq!(b.events.len(), 3);
        assert!(b.bytes <= MAX_BATCH_BYTES);
    }

    #[test]
    fn persisted_form_round_trips_and_rejects_garbage() {
        let mut o = Outbox::default();
        o.push(entry("a", 5), 100);
        o.push(entry("b", 6), 100);
        let restored = restore(&o);
        let summary = |o: &Outbox| -> Vec<(String, u32, u64, serde_json::Value)> {
            let json = |text: &str| serde_json::from_str::<serde_json::Value>(text).unwrap();
            o.entries.iter().map(|e| (e.message_id.clone(), e.bytes, e.queued_at, json(&e.json))).collect()
        };
        assert_eq!(summary(&restored), summary(&o));
        for bad in [
            Value::Null,
            Value::object().with("v", 2.0),
            Value::object().with("v", 1.0).with("entries", "x"),
            Value::object()
                .with("v", 1.0)
                .with("entries", Value::Array(vec![Value::object().with("e", 1.0)])),
        ] {
            assert_eq!(Outbox::from_value(&bad, &MemPlatform::default()).err(), Some(Error::StorageCorrupt));
        }
        let stored = |e: Value, b: f64| {
            let item = Value::object().with("e", e).with("b", b).with("q", 0.0);
            Value::object().with("v", 1.0).with("entries", Value::Array(vec![item]))
        };
        let good = entry("a", 0).event;
        assert!(Outbox::from_value(&stored(good.clone(), 100.0), &MemPlatform::default()).is_ok());
        for bad in [
            stored(good.clone().with("type", "nonsense"), 100.0),
            stored(good.clone().with("properties", "x"), 100.0),
            stored(good, 1e12),
        ] {
            assert_eq!(Outbox::from_value(&bad, &MemPlatform::default()).err(), Some(Error::StorageCorrupt));
        }
    }

    #[test]
    fn backoff_is_capped_and_jittered() {
        let c = config();
        assert_eq!(backoff_ms(1, &c, 0), 500);
        assert_eq!(backoff_ms(1, &c, 1023), 1499);
        assert_eq!(backoff_ms(30, &c, 512), 60_000);
    }
}
