//! `POST /v1/batch`, `GET /v1/events` and `GET /health` against the real binary.

mod common;

use common::{Collector, TempDir};
use serde_json::{json, Value};

fn track(id: &str, anonymous_id: &str) -> Value {
    json!({
        "messageId": id, "type": "track", "event": "Product Viewed", "anonymousId": anonymous_id,
        "originalTimestamp": "2024-05-01T10:00:00.000Z", "properties": {"product_id": id}
    })
}

fn health_count(collector: &Collector) -> u64 {
    let (status, body) = collector.get_json("/health");
    assert_eq!(status, 200);
    assert_eq!(body["ok"], true);
    body["events"].as_u64().unwrap()
}

#[test]
fn valid_batch_is_stored_and_readable() {
    let dir = TempDir::new();
    let collector = Collector::start(&dir, &[]);
    assert_eq!(health_count(&collector), 0);
    let batch = json!({
        "sentAt": "2024-05-01T10:00:05.000Z",
        "writeKey": "demo",
        "batch": [
            {
                "messageId": "m-1", "type": "track", "event": "Product Added", "anonymousId": "anon-1",
                "userId": "user-1", "originalTimestamp": "2024-05-01T10:00:00.000Z",
                "properties": {"product_id": "p-9", "price": 19.99, "quantity": 2},
                "context": {"page": {"path": "/product.html"}, "library": {"name": "persona"}}
            },
            {
                "messageId": "m-2", "type": "page", "name": "Home", "anonymousId": "anon-2",
                "sentAt": "2024-05-01T10:00:06.000Z"
            }
        ]
    });
    let (status, body) = collector.post_batch(&batch);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"ok": true, "received": 2, "stored": 2, "duplicates": 0}));
    assert_eq!(health_count(&collector), 2);

    let (status, body) = collector.get_json("/v1/events");
    assert_eq!(status, 200);
    let events = body["events"].as_array().unwrap();
    assert_eq!(events.len(), 2);
    let first = &events[0];
    assert_eq!(first["messageId"], "m-1");
    assert_eq!(first["type"], "track");
    assert_eq!(first["event"], "Product Added");
    assert_eq!(first["name"], Value::Null);
    assert_eq!(first["anonymousId"], "anon-1");
    assert_eq!(first["userId"], "user-1");
    assert_eq!(first["originalTimestamp"], "2024-05-01T10:00:00.000Z");
    assert_eq!(first["sentAt"], "2024-05-01T10:00:05.000Z", "batch sentAt fills in");
    assert_eq!(first["properties"], json!({"product_id": "p-9", "price": 19.99, "quantity": 2}));
    assert_eq!(first["context"]["page"]["path"], "/product.html");
    let received_at = first["receivedAt"].as_i64().unwrap();
    assert!(received_at > 1_600_000_000_000, "receivedAt is epoch ms: {received_at}");
    let second = &events[1];
    assert_eq!(second["messageId"], "m-2");
    assert_eq!(second["type"], "page");
    assert_eq!(second["name"], "Home");
    assert_eq!(second["sentAt"], "2024-05-01T10:00:06.000Z", "event sentAt wins");
    assert_eq!(second["properties"], json!({}));
    assert_eq!(second["context"], json!({}));

    let ids = |path: &str| -> Vec<String> {
        let (status, body) = collector.get_json(path);
        assert_eq!(status, 200, "{path}: {body}");
        body["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["messageId"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids("/v1/events?anonymousId=anon-2"), ["m-2"]);
    assert_eq!(ids("/v1/events?userId=user-1"), ["m-1"]);
    assert_eq!(ids("/v1/events?event=Product%20Added"), ["m-1"]);
    assert_eq!(ids("/v1/events?type=page"), ["m-2"]);
    assert_eq!(ids("/v1/events?limit=1"), ["m-1"]);
    assert_eq!(ids(&format!("/v1/events?since={received_at}")), ["m-1", "m-2"]);
    assert!(ids(&format!("/v1/events?since={}", received_at + 60_000)).is_empty());

    let bad = collector.request("GET", "/v1/events?limit=lots", &[], b"");
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["error"]["code"], "invalid_query");
}

#[test]
fn retried_batch_is_stored_once() {
    let dir = TempDir::new();
    let collector = Collector::start(&dir, &[]);
    let batch = json!({"batch": [track("r-1", "a"), track("r-2", "a")], "sentAt": "2024-05-01T10:00:00Z"});
    assert_eq!(
        collector.post_batch(&batch).1,
        json!({"ok": true, "received": 2, "stored": 2, "duplicates": 0})
    );
    assert_eq!(
        collector.post_batch(&batch).1,
        json!({"ok": true, "received": 2, "stored": 0, "duplicates": 2})
    );

    // A partly new retry stores only the new event; a repeat inside one batch counts as a duplicate.
    let mixed = json!({"batch": [track("r-2", "a"), track("r-3", "a"), track("r-3", "a")]});
    assert_eq!(
        collector.post_batch(&mixed).1,
        json!({"ok": true, "received": 3, "stored": 1, "duplicates": 2})
    );
    assert_eq!(health_count(&collector), 3);
    let (_, body) = collector.get_json("/v1/events");
    assert_eq!(body["events"].as_array().unwrap().len(), 3);
}

#[test]
fn one_bad_event_rejects_the_whole_batch() {
    let dir = TempDir::new();
    let collector = Collector::start(&dir, &[]);
    let batch = json!({"batch": [track("b-1", "a"), track("b-2", "a"), {"messageId": "", "type": "track"}]});
    let (status, body) = collector.post_batch(&batch);
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "invalid_event");
    assert_eq!(body["error"]["message"], "batch[2].messageId must be a non-empty string");

    let batch = json!({"batch": [track("b-1", "a"), {"messageId": "b-x", "type": "click"}]});
    let (status, body) = collector.post_batch(&batch);
    assert_eq!(status, 400);
    assert!(body["error"]["message"].as_str().unwrap().starts_with("batch[1].type must be one of"), "{body}");

    assert_eq!(health_count(&collector), 0);
    let (_, body) = collector.get_json("/v1/events");
    assert_eq!(body["events"], json!([]));
}

#[test]
fn malformed_json_and_bad_batches_are_rejected() {
    let dir = TempDir::new();
    let collector = Collector::start(&dir, &[]);
    let response = collector.request("POST", "/v1/batch", &[], b"{\"batch\": [\n  {\"messageId\": }]}");
    assert_eq!(response.status, 400);
    assert_eq!(response.header("content-type"), Some("application/json"));
    let body = response.json();
    assert_eq!(body["error"]["code"], "invalid_json");
    assert!(body["error"]["message"].as_str().unwrap().contains("line 2 column"), "{body}");

    for (bad, expected) in [
        (json!([]), "must be a JSON object"),
        (json!({"sentAt": "x"}), "batch is missing"),
        (json!({"batch": "x"}), "batch must be an array"),
        (json!({"batch": []}), "batch is empty"),
    ] {
        let (status, body) = collector.post_batch(&bad);
        assert_eq!(status, 400, "{bad}");
        assert_eq!(body["error"]["code"], "invalid_batch");
        assert!(body["error"]["message"].as_str().unwrap().contains(expected), "{body}");
    }

    let events: Vec<Value> =
        (0..10_001).map(|i| json!({"messageId": i.to_string(), "type": "page"})).collect();
    let (status, body) = collector.post_batch(&json!({ "batch": events }));
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "batch_too_large");

    let response = collector.request("GET", "/v1/batch", &[], b"");
    assert_eq!(response.status, 405);
    assert_eq!(response.json()["error"]["code"], "method_not_allowed");
    assert_eq!(health_count(&collector), 0);
}

#[test]
fn oversized_body_gets_json_413() {
    let dir = TempDir::new();
    let collector = Collector::start(&dir, &[]);
    // A syntactically valid batch of about 1.5 MiB.
    let padding = "x".repeat(1024);
    let events: Vec<Value> = (0..1536)
        .map(|i| json!({"messageId": format!("big-{i}"), "type": "track", "properties": {"pad": padding}}))
        .collect();
    let body = json!({ "batch": events }).to_string();
    assert!(body.len() > 1024 * 1024 * 3 / 2);
    let response =
        collector.request("POST", "/v1/batch", &[("content-type", "application/json")], body.as_bytes());
    assert_eq!(response.status, 413);
    assert_eq!(response.header("content-type"), Some("application/json"));
    let json = response.json();
    assert_eq!(json["error"]["code"], "payload_too_large");
    assert!(json["error"]["message"].as_str().unwrap().contains("1048576"));
    assert_eq!(health_count(&collector), 0, "nothing stored, and the collector still answers");
}

#[test]
fn any_content_type_is_accepted() {
    let dir = TempDir::new();
    let collector = Collector::start(&dir, &[]);
    let types: [&[(&str, &str)]; 3] = [
        &[("content-type", "text/plain;charset=UTF-8")],
        &[],
        &[("content-type", "application/octet-stream")],
    ];
    for (i, headers) in types.into_iter().enumerate() {
        let body = json!({"batch": [track(&format!("ct-{i}"), "a")]}).to_string();
        let response = collector.request("POST", "/v1/batch", headers, body.as_bytes());
        assert_eq!(response.status, 200, "{headers:?}");
        assert_eq!(response.json()["stored"], 1);
    }
    assert_eq!(health_count(&collector), 3);
}

#[test]
fn drop_reports_are_counted_once_per_batch() {
    let dir = TempDir::new();
    let collector = Collector::start(&dir, &[]);
    let batch = json!({"dropped": 3, "batch": [track("d-1", "anon-d"), track("d-2", "anon-d")]});
    assert_eq!(collector.post_batch(&batch).0, 200);
    assert_eq!(collector.post_batch(&batch).0, 200, "a retried batch");
    let later = json!({"dropped": 2, "batch": [track("d-3", "anon-d")]});
    assert_eq!(collector.post_batch(&later).0, 200);
    let (_, health) = collector.get_json("/health");
    assert_eq!((health["events"].as_u64(), health["dropped"].as_u64()), (Some(3), Some(5)));

    for bad in [json!(-1), json!(1.5), json!("3")] {
        let (status, body) =
            collector.post_batch(&json!({"dropped": bad, "batch": [track("d-9", "anon-d")]}));
        assert_eq!((status, body["error"]["code"].as_str()), (400, Some("invalid_batch")), "{bad}");
    }
    assert_eq!(health_count(&collector), 3, "a rejected batch stores nothing");
}

/// A tp2 body with one Snowplow page view.
fn tp2_page_view(eid: &str, duid: &str) -> Value {
    json!({
        "schema": "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4",
        "data": [{"e": "pv", "eid": eid, "tv": "js-4.10.1", "p": "web", "duid": duid, "page": "Home",
                  "url": "https://shop.test/", "dtm": "1795341600000", "stm": "1795341601000"}]
    })
}

#[test]
fn three_formats_land_in_one_store_each_message_id_once() {
    let dir = TempDir::new();
    let collector = Collector::start(&dir, &[]);
    let post = |path: &str, body: &Value| {
        let response = collector.request("POST", path, &[], body.to_string().as_bytes());
        (response.status, response.json())
    };
    let (status, body) = post("/v1/batch", &json!({"batch": [track("f-1", "anon-f")]}));
    assert_eq!((status, body["stored"].as_u64()), (200, Some(1)), "{body}");
    let proxied = json!({"batch": [track("f-1", "anon-f")]}).to_string();
    let response =
        collector.request("POST", "/v1/batch", &[("authorization", "Bearer proxy")], proxied.as_bytes());
    assert_eq!(response.status, 200, "a collector without keys ignores Authorization");
    let native = json!({"v": 1, "sentAt": "2026-11-22T10:00:00.000Z", "events": [track("f-2", "anon-f"), track("f-1", "anon-f")]});
    let (status, body) = post("/v1/events", &native);
    assert_eq!(
        (status, body["stored"].as_u64(), body["duplicates"].as_u64()),
        (200, Some(1), Some(1)),
        "{body}"
    );
    let (status, body) = post("/com.snowplowanalytics.snowplow/tp2", &tp2_page_view("f-3", "anon-f"));
    assert_eq!((status, body["stored"].as_u64()), (200, Some(1)), "{body}");
    let (status, body) = post("/com.snowplowanalytics.snowplow/tp2", &tp2_page_view("f-3", "anon-f"));
    assert_eq!((status, body["duplicates"].as_u64()), (200, Some(1)), "a resent tp2 event is stored once");

    let (_, stored) = collector.get_json("/v1/events?anonymousId=anon-f");
    let events = stored["events"].as_array().unwrap();
    let ids: Vec<&str> = events.iter().map(|e| e["messageId"].as_str().unwrap()).collect();
    assert_eq!(ids, ["f-1", "f-2", "f-3"]);
    let page = &events[2];
    assert_eq!((page["type"].as_str(), page["name"].as_str()), (Some("page"), Some("Home")));
    assert_eq!(page["originalTimestamp"], "2026-11-22T10:00:00.000Z");
    assert_eq!(page["sentAt"], "2026-11-22T10:00:01.000Z");

    let (status, body) = post(
        "/com.snowplowanalytics.snowplow/tp2",
        &json!({"schema": "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4", "data": [{"e": "pv", "tv": "t", "p": "web"}]}),
    );
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("invalid_event")));
    assert!(body["error"]["message"].as_str().unwrap().contains("data[0].eid is required"), "{body}");
    let (status, body) = post("/v1/events", &json!({"events": [track("f-9", "anon-f")]}));
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("invalid_batch")));
    assert_eq!(health_count(&collector), 3, "rejected bodies store nothing");
}

#[test]
fn a_required_write_key_comes_in_the_body_or_as_basic_auth() {
    let dir = TempDir::new();
    let collector = Collector::start(&dir, &["--write-key", "wk_live", "--write-key", "wk_other"]);
    let send = |path: &str, headers: &[(&str, &str)], body: &Value| {
        let response = collector.request("POST", path, headers, body.to_string().as_bytes());
        (response.status, response.json())
    };
    let (status, body) = send("/v1/batch", &[], &json!({"batch": [track("w-1", "anon-w")]}));
    assert_eq!((status, body["error"]["code"].as_str()), (401, Some("unauthorized")), "{body}");
    let (status, body) =
        send("/v1/batch", &[], &json!({"writeKey": "nope", "batch": [track("w-1", "anon-w")]}));
    assert_eq!((status, body["error"]["message"].as_str()), (401, Some("unknown write key")));
    let (status, _) =
        send("/v1/batch", &[], &json!({"writeKey": "wk_live", "batch": [track("w-1", "anon-w")]}));
    assert_eq!(status, 200, "key in the body");
    // base64("wk_other:")
    let basic = [("authorization", "Basic d2tfb3RoZXI6")];
    let (status, _) = send("/v1/events", &basic, &json!({"v": 1, "events": [track("w-2", "anon-w")]}));
    assert_eq!(status, 200, "key as Basic auth");
    let (status, _) = send("/com.snowplowanalytics.snowplow/tp2", &basic, &tp2_page_view("w-3", "anon-w"));
    assert_eq!(status, 200, "Snowplow with Basic auth");
    let (status, _) = send("/com.snowplowanalytics.snowplow/tp2", &[], &tp2_page_view("w-4", "anon-w"));
    assert_eq!(status, 401, "Snowplow without a key");
    let (status, body) = send(
        "/v1/batch",
        &[("authorization", "Bearer wk_live")],
        &json!({"batch": [track("w-5", "anon-w")]}),
    );
    assert_eq!((status, body["error"]["code"].as_str()), (401, Some("unauthorized")));
    assert_eq!(health_count(&collector), 3);
}
