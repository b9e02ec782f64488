//! The dashboard's numbers for a range of days and, optionally, one channel, read from the
//! aggregates [`crate::aggregate`] keeps (`GET /v1/insights`; the shape is in `ARCHITECTURE.md`).

use std::collections::{BTreeMap, HashMap};

use rusqlite::{params, Connection};
use serde_json::{json, Value};

use crate::clock::day_text;
use crate::facts::FUNNEL;

/// Rows of each search table.
pub const TOP_SEARCHES: i64 = 20;

/// What the dashboard asks about: days `from..=to` (UTC day numbers), one channel or all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Range {
    /// First day.
    pub from: i64,
    /// Last day (inclusive).
    pub to: i64,
    /// Only this channel; `None`: every channel.
    pub channel: Option<String>,
}

/// The whole dashboard payload for `range`.
pub fn overview(conn: &Connection, range: &Range) -> rusqlite::Result<Value> {
    let (from, to, channel) = (range.from, range.to, range.channel.as_deref());
    // `?3 IS NULL OR channel = ?3`: one statement for "all channels" and for one.
    let filter = "day BETWEEN ?1 AND ?2 AND (?3 IS NULL OR channel = ?3)";

    let mut channels = Vec::new();
    let mut stmt =
        conn.prepare_cached("SELECT DISTINCT channel FROM daily WHERE day BETWEEN ?1 AND ?2 ORDER BY 1")?;
    for row in stmt.query_map(params![from, to], |row| row.get::<_, String>(0))? {
        channels.push(row?);
    }

    let mut days: BTreeMap<(i64, String), (i64, i64)> = BTreeMap::new();
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT day, channel, SUM(events) FROM daily WHERE {filter} GROUP BY 1, 2"
    ))?;
    for row in stmt.query_map(params![from, to, channel], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))? {
        let (day, channel, events): (i64, String, i64) = row?;
        days.entry((day, channel)).or_default().0 = events;
    }
    // One pass over the visitor-days: visitors per day and channel, and each visitor's funnel
    // steps over the range (a step counts when its bit is in any of the visitor's days). Folding
    // here beats SQLite's GROUP BY visitor, which sorts every row first (about 5x slower on 1M events).
    let mut steps: HashMap<String, u8> = HashMap::new();
    let mut stmt = conn
        .prepare_cached(&format!("SELECT day, channel, visitor, steps FROM daily_visitors WHERE {filter}"))?;
    let mut rows = stmt.query(params![from, to, channel])?;
    while let Some(row) = rows.next()? {
        days.entry((row.get(0)?, row.get(1)?)).or_default().1 += 1;
        let bits: u8 = row.get(3)?;
        *steps.entry(row.get(2)?).or_default() |= bits;
    }
    let visitors = steps.len() as i64;
    let mut reached = [0i64; FUNNEL.len()];
    for bits in steps.values() {
        for (i, n) in reached.iter_mut().enumerate() {
            let all_so_far = (2u8 << i) - 1;
            if bits & all_so_far == all_so_far {
                *n += 1;
            }
        }
    }
    let events: i64 = days.values().map(|(events, _)| events).sum();
    let days: Vec<Value> = days
        .into_iter()
        .map(|((day, channel), (events, visitors))| {
            json!({"day": day_text(day), "channel": channel, "events": events, "visitors": visitors})
        })
        .collect();
    let funnel: Vec<Value> = FUNNEL
        .iter()
        .zip(reached)
        .map(|(step, visitors)| json!({"step": step, "visitors": visitors}))
        .collect();

    let mut revenue = Vec::new();
    let (mut orders, mut total) = (0i64, 0f64);
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT day, SUM(events), SUM(revenue) FROM daily WHERE {filter} AND event = 'Order Completed' GROUP BY 1"
    ))?;
    for row in stmt.query_map(params![from, to, channel], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))? {
        let (day, count, sum): (i64, i64, f64) = row?;
        orders += count;
        total += sum;
        revenue.push(json!({"day": day_text(day), "orders": count, "revenue": round_cents(sum)}));
    }

    let searches = |order: &str, having: &str| -> rusqlite::Result<Vec<Value>> {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT query, SUM(searches), SUM(no_results) FROM daily_searches WHERE {filter}
             GROUP BY query {having} ORDER BY {order} DESC, query LIMIT {TOP_SEARCHES}"
        ))?;
        let rows = stmt.query_map(params![from, to, channel], |r| {
            Ok(json!({"query": r.get::<_, String>(0)?, "searches": r.get::<_, i64>(1)?, "no_results": r.get::<_, i64>(2)?}))
        })?;
        rows.collect()
    };

    Ok(json!({
        "from": day_text(from),
        "to": day_text(to),
        "channel": channel,
        "channels": channels,
        "days": days,
        "totals": {"events": events, "visitors": visitors, "orders": orders, "revenue": round_cents(total)},
        "funnel": funnel,
        "revenue": revenue,
        "searches": searches("SUM(searches)", "HAVING SUM(searches) > 0")?,
        "no_result_searches": searches("SUM(no_results)", "HAVING SUM(no_results) > 0")?,
        "segments": segments(conn, from, to)?,
    }))
}

/// Each segment's size (entries minus exits since the first event, never below 0) at the end of
/// the range's first day and of every later day of the range on which it changed.
fn segments(conn: &Connection, from: i64, to: i64) -> rusqlite::Result<Vec<Value>> {
    let mut stmt = conn.prepare_cached(
        "SELECT segment, day, entered - exited FROM daily_segments WHERE day <= ?1 ORDER BY segment, day",
    )?;
    let mut sizes: BTreeMap<String, (i64, Vec<Value>)> = BTreeMap::new();
    for row in stmt.query_map([to], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))? {
        let (segment, day, change): (String, i64, i64) = row?;
        let (size, points) = sizes.entry(segment).or_default();
        let before = *size;
        *size = (before + change).max(0);
        if day >= from {
            if points.is_empty() && day > from {
                // The size the range starts with, before this day's change.
                points.push(json!({"day": day_text(from), "size": before}));
            }
            points.push(json!({"day": day_text(day), "size": *size}));
        }
    }
    Ok(sizes
        .into_iter()
        .map(|(segment, (size, mut points))| {
            if points.is_empty() {
                points.push(json!({"day": day_text(from), "size": size}));
            }
            json!({"segment": segment, "sizes": points})
        })
        .collect())
}

/// Money to the cent, so sums of floats print as shops expect.
pub fn round_cents(amount: f64) -> f64 {
    (amount * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{parse_day, DAY_MS};
    use crate::store::Store;
    use serde_json::json;

    /// Day 20,793 is 2026-12-06.
    const DAY: i64 = 20_793;

    /// A browser event of `visitor` in visit `session` on `day` (+ `minute`).
    fn event(visitor: &str, session: &str, day: i64, minute: i64, name: &str, properties: Value) -> Value {
        json!({
            "messageId": format!("{visitor}-{session}-{day}-{minute}-{name}"),
            "type": "track", "event": name, "anonymousId": visitor, "properties": properties,
            "context": {"page": {"url": "https://shop.test/x", "referrer": "https://shop.test/"},
                        "session": {"id": session, "referrer": ""}},
            "at": day * DAY_MS + minute * 60_000,
        })
    }

    fn with_campaign(mut event: Value, source: &str) -> Value {
        event["context"]["campaign"] = json!({"source": source});
        event
    }

    fn range(from: i64, to: i64, channel: Option<&str>) -> Range {
        Range { from, to, channel: channel.map(str::to_owned) }
    }

    fn shop() -> Store {
        let store = Store::memory();
        let p = json!({"product_id": "p1"});
        store.ingest_at(&[
            // a: arrives from the newsletter, buys; the later events of the visit keep its channel.
            with_campaign(event("a", "sa", DAY - 1, 0, "Product Viewed", p.clone()), "Newsletter"),
            event("a", "sa", DAY - 1, 1, "Product Added", p.clone()),
            event("a", "sa", DAY - 1, 2, "Checkout Started", json!({"products": []})),
            event(
                "a",
                "sa",
                DAY - 1,
                3,
                "Order Completed",
                json!({"order_id": "o1", "revenue": 100.5, "products": []}),
            ),
            // b: direct, views and adds, comes back the next day and orders (steps over two days).
            event("b", "sb1", DAY - 1, 5, "Product Viewed", p.clone()),
            event("b", "sb1", DAY - 1, 6, "Product Added", p.clone()),
            event(
                "b",
                "sb2",
                DAY,
                0,
                "Order Completed",
                json!({"order_id": "o2", "revenue": 20.25, "products": []}),
            ),
            // c: orders without viewing (not through the funnel), searches twice, once for nothing.
            event(
                "c",
                "sc",
                DAY,
                1,
                "Order Completed",
                json!({"order_id": "o3", "revenue": 5, "products": []}),
            ),
            event("c", "sc", DAY, 2, "Products Searched", json!({"query": "PS5"})),
            event("c", "sc", DAY, 3, "Products Searched", json!({"query": "ps6"})),
            event(
                "c",
                "sc",
                DAY,
                4,
                "Product List Viewed",
                json!({"list_id": "search", "query": "ps6", "products": []}),
            ),
            event("c", "sc", DAY, 5, "Segment Entered", json!({"segment_id": "vip"})),
            event("a", "sa2", DAY, 6, "Segment Entered", json!({"segment_id": "vip"})),
            event("a", "sa3", DAY + 1, 0, "Segment Exited", json!({"segment_id": "vip"})),
        ]);
        store
    }

    #[test]
    fn days_channels_and_totals() {
        let store = shop();
        let all = overview(&store.conn(), &range(DAY - 1, DAY, None)).unwrap();
        assert_eq!(all["channels"], json!(["direct", "newsletter"]));
        assert_eq!(
            all["days"],
            json!([
                {"day": "2026-12-05", "channel": "direct", "events": 2, "visitors": 1},
                {"day": "2026-12-05", "channel": "newsletter", "events": 4, "visitors": 1},
                {"day": "2026-12-06", "channel": "direct", "events": 7, "visitors": 3},
            ])
        );
        assert_eq!(all["totals"], json!({"events": 13, "visitors": 3, "orders": 3, "revenue": 125.75}));
        let newsletter = overview(&store.conn(), &range(DAY - 1, DAY, Some("newsletter"))).unwrap();
        assert_eq!(newsletter["totals"], json!({"events": 4, "visitors": 1, "orders": 1, "revenue": 100.5}));
        assert_eq!(newsletter["channels"], all["channels"], "the filter's choices stay");
        let empty = overview(&store.conn(), &range(DAY - 9, DAY - 8, None)).unwrap();
        assert_eq!(empty["totals"], json!({"events": 0, "visitors": 0, "orders": 0, "revenue": 0.0}));
        assert_eq!(empty["funnel"][0]["visitors"], 0);
    }

    #[test]
    fn funnel_counts_visitors_through_every_earlier_step() {
        let store = shop();
        let funnel = |from, to| overview(&store.conn(), &range(from, to, None)).unwrap()["funnel"].clone();
        let steps = |f: Value| {
            f.as_array().unwrap().iter().map(|s| s["visitors"].as_i64().unwrap()).collect::<Vec<_>>()
        };
        // a: all four; b: viewed, added, then ordered the next day without a checkout; c: no view.
        assert_eq!(steps(funnel(DAY - 1, DAY)), [2, 2, 1, 1]);
        assert_eq!(steps(funnel(DAY, DAY)), [0, 0, 0, 0], "b's and c's orders alone are no funnel");
    }

    #[test]
    fn revenue_searches_and_segments() {
        let store = shop();
        let all = overview(&store.conn(), &range(DAY - 1, DAY + 1, None)).unwrap();
        assert_eq!(
            all["revenue"],
            json!([{"day": "2026-12-05", "orders": 1, "revenue": 100.5}, {"day": "2026-12-06", "orders": 2, "revenue": 25.25}])
        );
        assert_eq!(
            all["searches"],
            json!([{"query": "ps5", "searches": 1, "no_results": 0}, {"query": "ps6", "searches": 1, "no_results": 1}])
        );
        assert_eq!(all["no_result_searches"], json!([{"query": "ps6", "searches": 1, "no_results": 1}]));
        assert_eq!(
            all["segments"],
            json!([{"segment": "vip", "sizes": [
                {"day": "2026-12-05", "size": 0}, {"day": "2026-12-06", "size": 2}, {"day": "2026-12-07", "size": 1}
            ]}])
        );
        let later = overview(&store.conn(), &range(DAY + 5, DAY + 6, None)).unwrap();
        // More exits than entries (entries before the collector's first day): never below 0, and
        // the range starts from the size before its first change.
        let clamped = Store::memory();
        clamped.ingest_at(&[
            event("x", "s1", DAY - 2, 0, "Segment Entered", json!({"segment_id": "vip"})),
            event("y", "s2", DAY, 0, "Segment Exited", json!({"segment_id": "vip"})),
            event("z", "s3", DAY, 1, "Segment Exited", json!({"segment_id": "vip"})),
        ]);
        let sizes =
            overview(&clamped.conn(), &range(DAY - 1, DAY, None)).unwrap()["segments"][0]["sizes"].clone();
        assert_eq!(sizes, json!([{"day": "2026-12-05", "size": 1}, {"day": "2026-12-06", "size": 0}]));
        assert_eq!(
            later["segments"],
            json!([{"segment": "vip", "sizes": [{"day": "2026-12-11", "size": 1}]}])
        );
    }

    #[test]
    fn old_databases_are_backfilled_on_migration() {
        let dir = std::env::temp_dir().join(format!("persona-backfill-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("old.db");
        {
            // A version-2 database, as collectors before the dashboard left it.
            let conn = rusqlite::Connection::open(&path).unwrap();
            for sql in &crate::store::migrations()[..2] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", 2).unwrap();
            let mut insert = conn
                .prepare("INSERT INTO events (message_id, type, event, anonymous_id, received_at, properties, context, raw) VALUES (?1, 'track', ?2, ?3, ?4, '{}', '{}', ?5)")
                .unwrap();
            for e in shop_events() {
                insert
                    .execute(rusqlite::params![
                        e["messageId"].as_str(),
                        e["event"].as_str(),
                        e["anonymousId"].as_str(),
                        e["at"].as_i64(),
                        e.to_string()
                    ])
                    .unwrap();
            }
        }
        let migrated = Store::open(&path).unwrap();
        let fresh = shop();
        let r = range(DAY - 1, DAY + 1, None);
        assert_eq!(overview(&migrated.conn(), &r).unwrap(), overview(&fresh.conn(), &r).unwrap());
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// The events of [`shop`], for the migration test.
    fn shop_events() -> Vec<Value> {
        let store = shop();
        let conn = store.conn();
        let mut stmt = conn.prepare("SELECT raw, received_at FROM events ORDER BY id").unwrap();
        let rows = stmt
            .query_map([], |r| {
                let mut e: Value = serde_json::from_str(&r.get::<_, String>(0)?).unwrap();
                e["at"] = r.get::<_, i64>(1)?.into();
                Ok(e)
            })
            .unwrap();
        rows.map(Result::unwrap).collect()
    }

    #[test]
    fn retention_keeps_whole_days_and_segment_sizes() {
        let store = shop();
        let deleted = crate::retention::prune(&mut store.conn(), DAY * DAY_MS).unwrap();
        assert_eq!(deleted, 6, "the day before's events");
        let all = overview(&store.conn(), &range(DAY - 1, DAY + 1, None)).unwrap();
        assert_eq!(all["totals"]["events"], 8);
        assert_eq!(all["segments"][0]["sizes"][2], json!({"day": "2026-12-07", "size": 1}));

        // Sizes are clamped at 0 as they add up; the fold keeps the clamped size.
        let clamped = Store::memory();
        clamped.ingest_at(&[
            event("x", "s1", DAY - 2, 0, "Segment Exited", json!({"segment_id": "vip"})),
            event("y", "s2", DAY - 2, 1, "Segment Exited", json!({"segment_id": "vip"})),
            event("z", "s3", DAY - 1, 0, "Segment Entered", json!({"segment_id": "vip"})),
            event("w", "s4", DAY - 1, 1, "Segment Entered", json!({"segment_id": "vip"})),
        ]);
        let size = |s: &Store| {
            overview(&s.conn(), &range(DAY, DAY, None)).unwrap()["segments"][0]["sizes"][0]["size"].clone()
        };
        assert_eq!(size(&clamped), 2);
        crate::retention::prune(&mut clamped.conn(), DAY * DAY_MS).unwrap();
        assert_eq!(size(&clamped), 2, "the same size after the days before are gone");
        crate::retention::prune(&mut clamped.conn(), DAY * DAY_MS).unwrap();
        assert_eq!(size(&clamped), 2, "pruning again changes nothing");
        assert_eq!(parse_day("2026-12-06"), Some(DAY));
    }
}
