//! The dashboard's endpoints, server-side events with secret keys, customer profiles, export and
//! retention, against the real binary.

mod common;

use common::{Collector, TempDir};
use serde_json::{json, Value};

const SECRET: &str = "s3cret-key-for-tests-0123";

fn bearer(key: &str) -> String {
    format!("Bearer {key}")
}

/// `GET path` with a secret key.
fn get_with(collector: &Collector, path: &str, key: &str) -> (u16, Value) {
    let response = collector.request("GET", path, &[("authorization", &bearer(key))], b"");
    (response.status, response.json())
}

/// `POST /v1/batch` from the shop's systems.
fn post_server(collector: &Collector, key: &str, batch: &Value) -> (u16, Value) {
    let body = batch.to_string();
    let response =
        collector.request("POST", "/v1/batch", &[("authorization", &bearer(key))], body.as_bytes());
    (response.status, response.json())
}

/// Today, as the collector counts days (UTC).
fn today() -> i64 {
    let ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    ms.div_euclid(86_400_000)
}

/// `YYYY-MM-DD` of a day number.
fn day_text(days: i64) -> String {
    persona::core::time::iso8601(days as u64 * 86_400_000)[..10].to_owned()
}

#[test]
fn secret_keys_guard_server_events_and_reads() {
    let dir = TempDir::new();
    let collector = Collector::start(&dir, &["--secret-key", SECRET]);
    for path in ["/v1/insights", "/v1/experiments", "/v1/events", "/v1/export", "/v1/profile/u1"] {
        let (status, body) = collector.get_json(path);
        assert_eq!((status, body["error"]["code"].as_str()), (401, Some("unauthorized")), "{path}");
        let (status, _) = get_with(&collector, path, "wrong-key-wrong-key");
        assert_eq!(status, 401, "{path} with a wrong key");
    }
    let (status, _) = get_with(&collector, "/v1/insights", SECRET);
    assert_eq!(status, 200);

    // Browsers still send without a key; a wrong secret is refused, nothing stored.
    let browser = json!({"batch": [{"messageId": "b1", "type": "track", "event": "Product Viewed",
                                   "anonymousId": "a1", "properties": {"product_id": "p1"}}]});
    assert_eq!(collector.post_batch(&browser).0, 200);
    let store = json!({"batch": [{"messageId": "s1", "type": "track", "event": "Order Completed", "userId": "u1",
                                 "properties": {"order_id": "store-1", "revenue": 10, "products": []}}]});
    let (status, body) = post_server(&collector, "wrong-key-wrong-key", &store);
    assert_eq!((status, body["error"]["code"].as_str()), (401, Some("unauthorized")));
    let (_, health) = collector.get_json("/health");
    assert_eq!(health["events"], 1);

    // Server-side events need someone to be about.
    let nobody = json!({"batch": [{"messageId": "s2", "type": "track", "event": "Hotline Contacted"}]});
    let (status, body) = post_server(&collector, SECRET, &nobody);
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("invalid_event")));
    assert!(body["error"]["message"].as_str().unwrap().contains("userId"), "{body}");
    let bad_time = json!({"batch": [{"messageId": "s3", "type": "track", "event": "Hotline Contacted",
                                    "userId": "u1", "timestamp": "yesterday"}]});
    let (status, body) = post_server(&collector, SECRET, &bad_time);
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("invalid_event")));
}

#[test]
fn without_secret_keys_a_bearer_token_is_ignored() {
    let dir = TempDir::new();
    let collector = Collector::start(&dir, &[]);
    // A proxy's token, say: the batch is the browser's, so its own timestamp does not count.
    let batch = json!({"batch": [{"messageId": "s1", "type": "track", "event": "X", "anonymousId": "a",
                                 "timestamp": "2020-01-01T00:00:00Z"}]});
    let (status, _) = post_server(&collector, SECRET, &batch);
    assert_eq!(status, 200);
    let (_, today_only) = collector.get_json(&format!("/v1/insights?from={0}&to={0}", day_text(today())));
    assert_eq!(today_only["totals"]["events"], 1, "counted when it arrived");
    assert_eq!(collector.get_json("/v1/insights").0, 200, "reads are open in development");
}

#[test]
fn offline_activity_joins_the_customer_and_their_profile() {
    let dir = TempDir::new();
    let collector = Collector::start(&dir, &["--secret-key", SECRET]);
    let two_days_ago = day_text(today() - 2);
    // Online: the browser identifies the customer.
    let online = json!({"batch": [
        {"messageId": "w1", "type": "identify", "anonymousId": "a1", "userId": "cust-7",
         "traits": {"email_opt_in": true, "tier": "silver"}},
    ]});
    assert_eq!(collector.post_batch(&online).0, 200);
    // Offline: a store purchase two days ago and a hotline call, from the shop's systems.
    let offline = json!({"batch": [
        {"messageId": "o1", "type": "track", "event": "Order Completed", "userId": "cust-7",
         "timestamp": format!("{two_days_ago}T15:30:00+01:00"), "context": {"channel": "store"},
         "properties": {"order_id": "store-17", "revenue": 249.99,
                        "products": [{"product_id": "ps5", "category": "consoles", "price": 249.99, "name": "PS5"}]}},
        {"messageId": "o2", "type": "track", "event": "Hotline Contacted", "userId": "cust-7",
         "context": {"channel": "hotline"}},
        {"messageId": "o3", "type": "identify", "userId": "cust-7", "traits": {"tier": "gold", "phone": null}},
    ]});
    let (status, body) = post_server(&collector, SECRET, &offline);
    assert_eq!((status, body["stored"].as_u64()), (200, Some(3)), "{body}");

    let (status, profile) = get_with(&collector, "/v1/profile/cust-7", SECRET);
    assert_eq!(status, 200, "{profile}");
    assert_eq!(profile["traits"], json!({"tier": "gold"}), "the shop's systems' traits, not the browser's");
    assert_eq!(profile["counts"], json!({"Hotline Contacted": 1}));
    let purchases = profile["purchases"].as_array().unwrap();
    assert_eq!(purchases.len(), 1, "online orders stay out: the browser has them");
    assert_eq!(purchases[0]["order_id"], "store-17");
    assert_eq!(purchases[0]["revenue"], 249.99);
    assert_eq!(
        purchases[0]["products"],
        json!([{"product_id": "ps5", "category": "consoles", "price": 249.99}])
    );
    let at = purchases[0]["at"].as_i64().unwrap();
    assert_eq!(at.rem_euclid(86_400_000), 14 * 3_600_000 + 30 * 60_000, "15:30 at +01:00 is 14:30 UTC");
    assert_eq!(at.div_euclid(86_400_000), today() - 2, "the purchase counts on its own day");
    let (status, body) = get_with(&collector, "/v1/profile/nobody", SECRET);
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")));

    // The store purchase counts on its day, in its channel.
    let path = format!("/v1/insights?from={two_days_ago}&to={two_days_ago}");
    let (_, day) = get_with(&collector, &path, SECRET);
    assert_eq!(day["channels"], json!(["store"]));
    assert_eq!(day["totals"]["orders"], 1);
    assert_eq!(day["totals"]["revenue"], 249.99);
    let (_, store_only) = get_with(&collector, &format!("{path}&channel=hotline"), SECRET);
    assert_eq!(store_only["totals"]["events"], 0);
}

#[test]
fn the_dashboards_queries_check_their_parameters() {
    let dir = TempDir::new();
    let collector = Collector::start(&dir, &[]);
    for query in
        ["from=2026-13-01", "to=yesterday", "from=2026-12-06&to=2026-12-01", "from=2000-01-01&to=2026-01-01"]
    {
        let (status, body) = collector.get_json(&format!("/v1/insights?{query}"));
        assert_eq!((status, body["error"]["code"].as_str()), (400, Some("invalid_query")), "{query}");
    }
    let (status, body) = collector.get_json("/v1/experiments?weights=0.5,x");
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("invalid_query")));
    let (status, body) = collector.get_json("/v1/export?format=xml");
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("invalid_query")));
}

#[test]
fn export_pages_as_json_lines_or_csv() {
    let dir = TempDir::new();
    let collector = Collector::start(&dir, &[]);
    let events: Vec<Value> = (0..5)
        .map(|i| json!({"messageId": format!("m{i}"), "type": "track", "event": "Product Viewed", "anonymousId": "a",
                        "properties": {"product_id": format!("p{i}"), "note": "comma, \"quote\""}}))
        .collect();
    assert_eq!(collector.post_batch(&json!({ "batch": events })).0, 200);

    let mut after = 0;
    let mut lines = Vec::new();
    loop {
        let page = collector.request("GET", &format!("/v1/export?limit=2&after={after}"), &[], b"");
        assert_eq!(page.status, 200);
        assert_eq!(page.header("content-type"), Some("application/x-ndjson"));
        let text = String::from_utf8(page.body.clone()).unwrap();
        lines.extend(text.lines().map(|l| serde_json::from_str::<Value>(l).unwrap()));
        match page.header("x-next-after") {
            Some(next) => after = next.parse().unwrap(),
            None => break,
        }
    }
    let ids: Vec<&str> = lines.iter().map(|l| l["messageId"].as_str().unwrap()).collect();
    assert_eq!(ids, ["m0", "m1", "m2", "m3", "m4"], "every event once, in order, across pages");
    assert_eq!(lines[0]["channel"], "direct");
    assert!(lines[0]["receivedAt"].as_str().unwrap().ends_with('Z'));

    for open_ended in ["/v1/export?from=&to=", "/v1/export?from=2015-01-01"] {
        let page = collector.request("GET", open_ended, &[], b"");
        assert_eq!(
            (page.status, page.body.iter().filter(|&&b| b == b'\n').count()),
            (200, 5),
            "{open_ended}"
        );
    }
    let (status, _) = collector.get_json("/v1/export?limit=10001");
    assert_eq!(status, 400, "a page holds at most 10,000 events");

    let csv = collector.request("GET", "/v1/export?format=csv", &[], b"");
    let text = String::from_utf8(csv.body.clone()).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert!(rows[0].starts_with("id,message_id,type,event"), "{}", rows[0]);
    assert_eq!(rows.len(), 6);
    assert!(rows[1].contains(r#""{""note"":""comma, \""quote\"""",""product_id"":""p0""}""#), "{}", rows[1]);

    // The command line writes the same events.
    let out = dir.path().join("events.jsonl");
    let db = dir.path().join("data/nested/events.db");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_collector"))
        .args(["export", "--db", db.to_str().unwrap(), "--out", out.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(status.success());
    let written = std::fs::read_to_string(&out).unwrap();
    let from_cli: Vec<Value> = written.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(from_cli, lines);
}

#[test]
fn retention_deletes_old_days_soon_after_start() {
    let dir = TempDir::new();
    let db = dir.path().join("data/nested/events.db");
    let seeded = std::process::Command::new(env!("CARGO_BIN_EXE_collector"))
        .args(["seed", "--db", db.to_str().unwrap(), "--events", "3000", "--days", "10"])
        .output()
        .unwrap();
    assert!(seeded.status.success(), "{}", String::from_utf8_lossy(&seeded.stderr));
    let before = {
        let collector = Collector::start(&dir, &[]);
        let (_, all) = collector.get_json(&format!(
            "/v1/insights?from={}&to={}",
            day_text(today() - 11),
            day_text(today())
        ));
        assert!(all["totals"]["events"].as_i64().unwrap() >= 2_900, "{}", all["totals"]);
        collector.get_json("/health").1["events"].as_i64().unwrap()
    };
    let collector = Collector::start(&dir, &["--retention-days", "3"]);
    // The first pruning runs on its own thread while the collector serves; the old days' counts
    // go last.
    let old_days = format!("/v1/insights?from={}&to={}", day_text(today() - 11), day_text(today() - 3));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut old = collector.get_json(&old_days).1;
    while old["days"] != json!([]) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
        old = collector.get_json(&old_days).1;
    }
    let after = collector.get_json("/health").1["events"].as_i64().unwrap();
    assert!(after > 0 && after < before / 2, "{before} → {after}");
    assert_eq!(old["totals"]["events"], 0, "nothing counted before the kept days");
    assert_eq!(old["days"], json!([]));
    let (_, kept) =
        collector.get_json(&format!("/v1/insights?from={}&to={}", day_text(today() - 2), day_text(today())));
    assert_eq!(kept["totals"]["events"], after, "the counts of the kept days are the kept events");
}
