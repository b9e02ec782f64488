//! Crash safety: `kill -9` while batches are being ingested loses no acknowledged event and leaves a
//! database the collector restarts on.
//!
//! The collector answers `200` only after a batch's transaction committed (WAL,
//! `synchronous=NORMAL`: a commit survives the death of the process). Several threads post batches
//! of unique `messageId`s until about [`KILL_AFTER`] events were acknowledged; then the process gets
//! SIGKILL with requests in flight. Restarted on the same database it must hold every acknowledged
//! event, each batch in flight at the kill entirely or not at all (one transaction per batch), and
//! nothing else. [`ROUNDS`] times on the same database (events acknowledged before an earlier crash
//! must survive the later ones too); then the collector must still take new batches.

mod common;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Collector, TempDir};
use serde_json::{json, Value};

/// Load, kill, restart and check this many times on the same database.
const ROUNDS: usize = 3;
/// Posting threads, each with one request in flight at a time.
const THREADS: usize = 4;
/// Events per batch (the SDK's default batch size).
const BATCH: usize = 20;
/// Each round kills the collector once this many events were acknowledged in it.
const KILL_AFTER: usize = 1_000;
/// Give up when the load has not reached [`KILL_AFTER`] by then.
const LOAD_TIMEOUT: Duration = Duration::from_secs(15);

/// One posted batch: its own `anonymousId` (so `GET /v1/events?anonymousId=` reads exactly it back)
/// and its `messageId`s.
#[derive(Debug, Clone)]
struct Batch {
    anonymous_id: String,
    ids: Vec<String>,
}

/// What one thread saw.
#[derive(Debug, Default)]
struct Seen {
    /// Answered 200 with every event stored.
    acked: Vec<Batch>,
    /// Sent, or being sent, when the connection failed: the collector may or may not have stored it.
    unsure: Vec<(Batch, String)>,
    /// Answered with anything but a 200 storing the whole batch.
    rejected: Vec<(Batch, u16, String)>,
}

/// Batch `n` of `thread` in `round`: shop events shaped like the SDK's.
fn batch(round: usize, thread: usize, n: usize) -> (Batch, Vec<u8>) {
    let anonymous_id = format!("crash-r{round}-t{thread}-b{n}");
    let ids: Vec<String> = (0..BATCH).map(|i| format!("{anonymous_id}-e{i}")).collect();
    let events: Vec<Value> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let product = format!("sku-{}", (thread * 7919 + n * 31 + i) % 500);
            json!({
                "messageId": id, "type": "track", "event": "Product Viewed", "anonymousId": anonymous_id,
                "originalTimestamp": "2026-12-06T10:00:00.000Z",
                "properties": {"product_id": product, "name": "Wireless Controller", "category": "Gaming",
                               "price": 59.99, "currency": "EUR"},
                "context": {
                    "page": {"path": "/product.html", "referrer": "", "search": format!("?id={product}"),
                             "title": "Wireless Controller", "url": format!("https://shop.test/product.html?id={product}")},
                    "library": {"name": "persona", "version": "0.1.0"},
                    "session": {"id": format!("s-{anonymous_id}"), "number": 1,
                                "landing_page": "https://shop.test/", "referrer": ""}
                }
            })
        })
        .collect();
    let body = json!({"batch": events, "sentAt": "2026-12-06T10:00:01.000Z"}).to_string().into_bytes();
    (Batch { anonymous_id, ids }, body)
}

/// Posts batches until `stop` or the first failed connection (the collector is gone).
fn post_until_killed(
    port: u16,
    round: usize,
    thread: usize,
    acked_events: &AtomicUsize,
    stop: &AtomicBool,
) -> Seen {
    let mut seen = Seen::default();
    for n in 0.. {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let (batch, body) = batch(round, thread, n);
        match common::try_request(port, "POST", "/v1/batch", &[("content-type", "application/json")], &body) {
            Ok(response) => {
                let text = String::from_utf8_lossy(&response.body).into_owned();
                let stored =
                    serde_json::from_slice::<Value>(&response.body).ok().and_then(|b| b["stored"].as_u64());
                if response.status == 200 && stored == Some(BATCH as u64) {
                    seen.acked.push(batch);
                    acked_events.fetch_add(BATCH, Ordering::SeqCst);
                } else {
                    seen.rejected.push((batch, response.status, text));
                }
            }
            Err(e) => {
                seen.unsure.push((batch, e.to_string()));
                break;
            }
        }
    }
    seen
}

/// The `messageId`s stored for `anonymous_id`.
fn stored_ids(collector: &Collector, anonymous_id: &str) -> BTreeSet<String> {
    let (status, body) = collector.get_json(&format!("/v1/events?anonymousId={anonymous_id}&limit=1000"));
    assert_eq!(status, 200, "GET /v1/events: {body}");
    body["events"].as_array().unwrap().iter().map(|e| e["messageId"].as_str().unwrap().to_owned()).collect()
}

fn health_count(collector: &Collector) -> usize {
    let (status, body) = collector.get_json("/health");
    assert_eq!(status, 200, "GET /health: {body}");
    body["events"].as_u64().unwrap() as usize
}

/// Posts from [`THREADS`] threads until [`KILL_AFTER`] events were acknowledged, then SIGKILLs the
/// collector with requests in flight. Returns the acknowledged batches and those left unanswered.
fn load_then_kill(collector: Collector, round: usize) -> (Vec<Batch>, Vec<(Batch, String)>) {
    let started = Instant::now();
    let port = collector.port;
    let acked_events = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let threads: Vec<_> = (0..THREADS)
        .map(|thread| {
            let (acked_events, stop) = (Arc::clone(&acked_events), Arc::clone(&stop));
            std::thread::spawn(move || post_until_killed(port, round, thread, &acked_events, &stop))
        })
        .collect();
    let deadline = started + LOAD_TIMEOUT;
    while acked_events.load(Ordering::SeqCst) < KILL_AFTER
        && Instant::now() < deadline
        && !threads.iter().all(|t| t.is_finished())
    {
        std::thread::sleep(Duration::from_millis(1));
    }
    let acked_at_kill = acked_events.load(Ordering::SeqCst);
    let pid = collector.pid();
    let status = collector.kill_hard();
    stop.store(true, Ordering::SeqCst);
    let seen: Vec<Seen> = threads.into_iter().map(|t| t.join().expect("posting thread")).collect();
    assert!(
        acked_at_kill >= KILL_AFTER,
        "round {round}: the load reached only {acked_at_kill} acknowledged events in {LOAD_TIMEOUT:?}: {seen:?}"
    );
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(libc::SIGKILL), "the collector died of SIGKILL: {status:?}");
    }
    let rejected: Vec<_> = seen.iter().flat_map(|s| &s.rejected).collect();
    assert!(rejected.is_empty(), "round {round}: batches rejected under load before the kill: {rejected:?}");
    let acked: Vec<Batch> = seen.iter().flat_map(|s| s.acked.iter().cloned()).collect();
    let unsure: Vec<(Batch, String)> = seen.iter().flat_map(|s| s.unsure.iter().cloned()).collect();
    println!(
        "round {round}: SIGKILL to collector pid {pid} after {:.2} s of load: {} batches ({} events) acknowledged, \
         {} unanswered",
        started.elapsed().as_secs_f64(),
        acked.len(),
        acked.len() * BATCH,
        unsure.len(),
    );
    (acked, unsure)
}

/// Asserts that every acknowledged batch is stored whole and nothing else under its `anonymousId`.
fn assert_all_stored(collector: &Collector, acked: &[Batch]) {
    let mut missing = Vec::new();
    for batch in acked {
        let stored = stored_ids(collector, &batch.anonymous_id);
        let expected: BTreeSet<String> = batch.ids.iter().cloned().collect();
        missing.extend(expected.difference(&stored).cloned());
        assert!(
            stored.is_subset(&expected),
            "{}: events that were never sent: {stored:?}",
            batch.anonymous_id
        );
    }
    assert!(missing.is_empty(), "{} acknowledged events lost: {missing:?}", missing.len());
}

/// Asserts that each batch in flight at the kill (one transaction) is stored whole or not at all;
/// returns how many of their events are stored.
fn assert_whole_or_absent(collector: &Collector, unsure: &[(Batch, String)]) -> usize {
    let mut stored_events = 0;
    for (batch, error) in unsure {
        let stored = stored_ids(collector, &batch.anonymous_id);
        let expected: BTreeSet<String> = batch.ids.iter().cloned().collect();
        assert!(
            stored.is_empty() || stored == expected,
            "batch {} in flight at the kill ({error}) is half stored: {} of {BATCH}",
            batch.anonymous_id,
            stored.len()
        );
        stored_events += stored.len();
    }
    stored_events
}

#[test]
fn kill_9_under_load_loses_no_acknowledged_event() {
    let started = Instant::now();
    let dir = TempDir::new();
    let db = dir.path().join("data/nested/events.db");
    let size = |suffix: &str| std::fs::metadata(format!("{}{suffix}", db.display())).map_or(0, |m| m.len());
    let mut collector = Collector::start(&dir, &[]);
    let mut acked = Vec::new();
    let mut in_flight_stored = 0;
    for round in 0..ROUNDS {
        let (round_acked, unsure) = load_then_kill(collector, round);
        acked.extend(round_acked);
        println!(
            "  on disk after the kill: events.db {} bytes, events.db-wal {} bytes",
            size(""),
            size("-wal")
        );

        // Restart on the same database: every event acknowledged so far, in this round or before
        // an earlier crash, is there; what was in flight is there whole or not at all.
        collector = Collector::start(&dir, &[]);
        assert_all_stored(&collector, &acked);
        let found = assert_whole_or_absent(&collector, &unsure);
        in_flight_stored += found;
        let acked_total = acked.len() * BATCH;
        let count = health_count(&collector);
        assert!(count >= acked_total, "/health counts {count} events, {acked_total} were acknowledged");
        assert_eq!(count, acked_total + in_flight_stored, "/health counts events that were never sent");
        println!(
            "  restarted: all {acked_total} acknowledged events stored; {} of {} unanswered batches stored \
             whole, none in part; /health {count}",
            found / BATCH,
            unsure.len()
        );
    }

    // The collector restarted after the last crash takes new batches.
    let count = health_count(&collector);
    let (fresh, body) = batch(ROUNDS, 0, 0);
    let response = collector.request("POST", "/v1/batch", &[("content-type", "application/json")], &body);
    assert_eq!(response.status, 200, "{}", String::from_utf8_lossy(&response.body));
    assert_eq!(response.json()["stored"], BATCH);
    assert_eq!(stored_ids(&collector, &fresh.anonymous_id).len(), BATCH);
    assert_eq!(health_count(&collector), count + BATCH);
    println!(
        "the restarted collector stores new batches; the test took {:.2} s",
        started.elapsed().as_secs_f64()
    );
}
