//! `collector seed`: a simulated shop's traffic written through the same path as ingest, for the
//! dashboard's demo and benchmark. Deterministic (a fixed-seed generator): the same arguments give
//! the same events, spread evenly over the last days.

use serde_json::{json, Value};

use crate::clock::DAY_MS;
use crate::ingest::{validate_event, ValidEvent};
use crate::store::Store;

/// Events written per transaction.
const BATCH: usize = 1_000;
/// Where visits come from, with their campaign or referrer, and how often.
const CHANNELS: [(&str, Option<&str>, &str, u64); 5] = [
    ("direct", None, "", 40),
    ("google", None, "https://www.google.com/", 30),
    ("newsletter", Some("newsletter"), "", 15),
    ("instagram", Some("instagram"), "https://l.instagram.com/", 10),
    ("idealo", None, "https://www.idealo.de/", 5),
];
const QUERIES: [&str; 8] =
    ["ps5", "iphone case", "headphones", "switch", "controller", "xbox", "usb-c kabel", "gamepad"];
const NO_RESULT_QUERIES: [&str; 3] = ["ps6", "nokia 3310", "vinyl"];

/// SplitMix64: small, fast, and good enough for simulated traffic.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// One visit's events (at most `budget`), starting at `start` ms.
fn visit(r: &mut Random, visitor: u64, visit: u64, start: i64, budget: usize, out: &mut Vec<(i64, Value)>) {
    let weight: u64 = CHANNELS.iter().map(|c| c.3).sum();
    let mut pick = r.below(weight);
    let (_, campaign, referrer, _) = *CHANNELS
        .iter()
        .find(|c| {
            pick < c.3 || {
                pick -= c.3;
                false
            }
        })
        .unwrap_or(&CHANNELS[0]);
    let anonymous_id = format!("v{visitor:07}");
    let session = format!("s{visitor:07}-{visit}");
    let variation = (visitor % 2).to_string();
    let mut context = json!({
        "page": {"url": "https://shop.example/", "path": "/", "referrer": referrer},
        "session": {"id": session, "number": 1, "landing_page": "https://shop.example/", "referrer": referrer},
    });
    if let Some(source) = campaign {
        context["campaign"] = json!({"source": source, "medium": "email", "name": "winter"});
    }
    let mut at = start;
    let mut push = |out: &mut Vec<(i64, Value)>, kind: &str, event: Option<&str>, properties: Value| {
        if out.len() >= budget {
            return;
        }
        at += 20_000;
        let mut e = json!({"messageId": format!("seed-{visitor}-{visit}-{}", out.len()), "type": kind,
                           "anonymousId": anonymous_id, "properties": properties, "context": context});
        if let Some(name) = event {
            e["event"] = name.into();
        }
        out.push((at, e));
    };
    let first = out.len();
    push(out, "page", None, json!({"path": "/"}));
    push(
        out,
        "track",
        Some("Experiment Viewed"),
        json!({"experiment_id": "hero-style", "variation_id": variation,
        "experiment_name": "Hero style", "variation_name": if visitor % 2 == 0 { "classic" } else { "bright" }}),
    );
    if r.chance(30) {
        let query =
            if r.chance(12) { NO_RESULT_QUERIES[r.below(3) as usize] } else { QUERIES[r.below(8) as usize] };
        push(out, "track", Some("Products Searched"), json!({"query": query}));
        let found = !NO_RESULT_QUERIES.contains(&query);
        let products = if found { json!([{"product_id": format!("p{}", r.below(500))}]) } else { json!([]) };
        push(
            out,
            "track",
            Some("Product List Viewed"),
            json!({"list_id": "search", "query": query, "products": products}),
        );
    }
    let product = format!("p{}", r.below(500));
    let price = 10.0 + r.below(50_000) as f64 / 100.0;
    for _ in 0..1 + r.below(4) {
        push(out, "track", Some("Product Viewed"), json!({"product_id": product, "price": price}));
    }
    // The treatment converts a little better: a real difference for the results to find.
    let buys = if visitor % 2 == 1 { 14 } else { 11 };
    if r.chance(35) {
        push(
            out,
            "track",
            Some("Product Added"),
            json!({"product_id": product, "price": price, "quantity": 1}),
        );
        if r.chance(55) {
            push(out, "track", Some("Checkout Started"), json!({"products": [{"product_id": product}]}));
            if r.chance(buys * 5) {
                push(
                    out,
                    "track",
                    Some("Order Completed"),
                    json!({"order_id": format!("o{visitor}-{visit}"),
                    "revenue": price, "products": [{"product_id": product, "price": price, "quantity": 1}]}),
                );
                if r.chance(40) {
                    push(out, "track", Some("Segment Entered"), json!({"segment_id": "buyers"}));
                }
            }
        }
    }
    if r.chance(10) {
        push(out, "track", Some("Segment Entered"), json!({"segment_id": "bargain-hunters"}));
    } else if r.chance(3) {
        push(out, "track", Some("Segment Exited"), json!({"segment_id": "bargain-hunters"}));
    }
    debug_assert!(out.len() > first);
}

/// Writes `events` simulated events spread over the `days` before `now_ms`; returns how many.
pub fn seed(store: &Store, events: u64, days: u32, now_ms: i64) -> Result<u64, String> {
    let mut r = Random(0x5EED);
    let span = i64::from(days) * DAY_MS;
    let start = now_ms - span;
    // About 6 events per visit and 2 visits per visitor.
    let visits = (events / 6).max(1);
    let visitors = (visits / 2).max(1);
    let mut written = 0u64;
    let mut pending: Vec<(i64, Value)> = Vec::with_capacity(BATCH + 16);
    let mut n = 0u64;
    while written < events {
        let visitor = r.below(visitors);
        let at = start + (span as u128 * u128::from(n % visits) / u128::from(visits)) as i64;
        let budget = pending.len() + (events - written) as usize;
        visit(&mut r, visitor, n, at, budget.min(pending.len() + 64), &mut pending);
        n += 1;
        if pending.len() >= BATCH || written + pending.len() as u64 >= events {
            let take = pending.len().min((events - written) as usize);
            written += flush(store, &pending[..take])?;
            pending.clear();
        }
    }
    Ok(written)
}

/// Stores `events` in one transaction; each counts at its own simulated time.
fn flush(store: &Store, events: &[(i64, Value)]) -> Result<u64, String> {
    let mut valid: Vec<ValidEvent> = Vec::with_capacity(events.len());
    for (i, (at, event)) in events.iter().enumerate() {
        let mut e = validate_event("seed", i, event, None).map_err(|e| e.message)?;
        e.at = Some(*at);
        valid.push(e);
    }
    let received = events.last().map_or(0, |(at, _)| *at);
    let outcome = store.insert_batch_reporting(&valid, 0, received).map_err(|e| e.to_string())?;
    Ok(outcome.stored as u64)
}
