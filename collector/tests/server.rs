//! Static files, CORS, restarts and the command line, against the real binary.

mod common;

use common::{Collector, TempDir};
use serde_json::json;

fn preflight(collector: &Collector, origin: &str) -> common::Response {
    collector.request(
        "OPTIONS",
        "/v1/batch",
        &[
            ("origin", origin),
            ("access-control-request-method", "POST"),
            ("access-control-request-headers", "content-type, authorization"),
        ],
        b"",
    )
}

#[test]
fn cors_only_for_configured_origins() {
    let dir = TempDir::new();
    let collector =
        Collector::start(&dir, &["--cors-origin", "http://shop.test", "--cors-origin=http://b.test"]);
    let allowed = preflight(&collector, "http://shop.test");
    assert!(allowed.status < 300, "preflight status {}", allowed.status);
    assert_eq!(allowed.header("access-control-allow-origin"), Some("http://shop.test"));
    let methods = allowed.header("access-control-allow-methods").unwrap().to_ascii_uppercase();
    assert!(methods.contains("POST") && methods.contains("GET"), "{methods}");
    let headers = allowed.header("access-control-allow-headers").unwrap().to_ascii_lowercase();
    assert!(headers.contains("content-type") && headers.contains("authorization"), "{headers}");

    let other = preflight(&collector, "http://evil.test");
    assert_eq!(other.header("access-control-allow-origin"), None);

    let body = json!({"batch": [{"messageId": "c-1", "type": "page"}]}).to_string();
    let post = collector.request(
        "POST",
        "/v1/batch",
        &[("origin", "http://b.test"), ("content-type", "text/plain")],
        body.as_bytes(),
    );
    assert_eq!(post.status, 200);
    assert_eq!(post.header("access-control-allow-origin"), Some("http://b.test"));
    let exposed = post.header("access-control-expose-headers").unwrap_or_default().to_ascii_lowercase();
    assert!(exposed.contains("retry-after"), "Retry-After readable by the SDK: {exposed}");
    assert_eq!(post.header("access-control-allow-credentials"), None);
    let post = collector.request("POST", "/v1/batch", &[("origin", "http://evil.test")], body.as_bytes());
    assert_eq!(post.header("access-control-allow-origin"), None);
}

#[test]
fn cors_wildcard_and_default_same_origin() {
    let dir = TempDir::new();
    let any = Collector::start_with(
        &["--db", dir.path().join("any.db").to_str().unwrap()],
        &[("PERSONA_CORS_ORIGINS", "*"), ("PERSONA_WWW", dir.path().to_str().unwrap())],
    );
    assert_eq!(
        preflight(&any, "http://anything.test").header("access-control-allow-origin"),
        Some("http://anything.test")
    );
    drop(any);

    let none = Collector::start(&dir, &[]);
    assert_eq!(preflight(&none, "http://shop.test").header("access-control-allow-origin"), None);
    let (status, _) = none.get_json("/health");
    assert_eq!(status, 200);
}

#[test]
fn static_files_with_right_content_types() {
    let dir = TempDir::new();
    dir.write("www/index.html", b"<!doctype html><title>shop</title>");
    dir.write("www/product.html", b"<!doctype html><title>product</title>");
    dir.write("www/app.js", b"console.log('www')");
    dir.write("dist/persona.js", b"export default 1;");
    dir.write("dist/persona_bg.wasm", b"\0asm\x01\0\0\0");
    let collector = Collector::start(&dir, &[]);

    let index = collector.request("GET", "/", &[], b"");
    assert_eq!(index.status, 200);
    assert!(index.header("content-type").unwrap().starts_with("text/html"));
    assert_eq!(index.body, b"<!doctype html><title>shop</title>");

    let product = collector.request("GET", "/product.html", &[], b"");
    assert_eq!(product.status, 200);
    assert_eq!(product.body, b"<!doctype html><title>product</title>");

    let script = collector.request("GET", "/app.js", &[], b"");
    assert!(script.header("content-type").unwrap().starts_with("text/javascript"));

    let sdk = collector.request("GET", "/dist/persona.js", &[], b"");
    assert_eq!(sdk.status, 200);
    assert!(sdk.header("content-type").unwrap().starts_with("text/javascript"));
    assert_eq!(sdk.body, b"export default 1;");

    let wasm = collector.request("GET", "/dist/persona_bg.wasm", &[], b"");
    assert_eq!(wasm.status, 200);
    assert_eq!(wasm.header("content-type"), Some("application/wasm"));
    assert_eq!(wasm.body, b"\0asm\x01\0\0\0");

    for missing in ["/nope.html", "/dist/nope.js", "/v1/nothing"] {
        let response = collector.request("GET", missing, &[], b"");
        assert_eq!(response.status, 404, "{missing}");
        assert_eq!(response.json()["error"]["code"], "not_found");
    }
}

#[test]
fn restart_on_same_db_keeps_data() {
    let dir = TempDir::new();
    let batch = json!({"batch": [
        {"messageId": "keep-1", "type": "track", "event": "Order Completed", "properties": {"total": 42}},
        {"messageId": "keep-2", "type": "identify", "userId": "u-1", "traits": {"plan": "pro"}}
    ]});
    let first = Collector::start(&dir, &[]);
    assert!(first.banner.ends_with("events.db)"), "{}", first.banner);
    assert_eq!(first.post_batch(&batch).1["stored"], 2);
    let status = first.terminate();
    assert!(status.success(), "graceful shutdown exits 0, got {status:?}");

    let second = Collector::start(&dir, &[]);
    assert_eq!(second.get_json("/health").1, json!({"ok": true, "events": 2, "dropped": 0}));
    let (_, body) = second.get_json("/v1/events?event=Order%20Completed");
    assert_eq!(body["events"][0]["properties"], json!({"total": 42}));
    assert_eq!(second.post_batch(&batch).1, json!({"ok": true, "received": 2, "stored": 0, "duplicates": 2}));
}

#[test]
fn help_and_bad_flags() {
    let help = std::process::Command::new(env!("CARGO_BIN_EXE_collector")).arg("--help").output().unwrap();
    assert!(help.status.success());
    let text = String::from_utf8(help.stdout).unwrap();
    for flag in ["--addr", "--db", "--www", "--dist", "--cors-origin", "PERSONA_CORS_ORIGINS"] {
        assert!(text.contains(flag), "usage mentions {flag}");
    }
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_collector")).arg("--bogus").output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown argument"));
}

#[test]
fn the_model_command_builds_from_stored_orders_and_the_server_serves_it() {
    let dir = TempDir::new();
    let collector = Collector::start(&dir, &[]);
    let (status, body) = collector.get_json("/v1/model");
    assert_eq!(status, 404, "no model before `collector model`: {body}");
    assert_eq!(body["error"]["code"], "not_found");

    let order = |id: &str, order_id: &str, products: &[&str]| {
        json!({"messageId": id, "type": "track", "event": "Order Completed", "anonymousId": "a-1",
               "properties": {"order_id": order_id, "products": products.iter().map(|p| json!({"product_id": p})).collect::<Vec<_>>()}})
    };
    let view = |id: &str, visitor: &str, session: &str, product: &str| {
        json!({"messageId": id, "type": "track", "event": "Product Viewed", "anonymousId": visitor,
               "properties": {"product_id": product}, "context": {"session": {"id": session}}})
    };
    let batch = json!({"batch": [
        order("m-1", "o-1", &["console", "game", "controller"]),
        order("m-2", "o-2", &["console", "controller"]),
        order("m-3", "o-2", &["console", "controller"]), // the same order tracked again: once
        order("m-4", "o-3", &["book"]),
        view("m-5", "a-1", "s-1", "console"),
        view("m-6", "a-1", "s-1", "other-console"),
        view("m-7", "a-1", "s-1", "console"), // viewed again in the same visit: once
        view("m-8", "a-2", "s-9", "console"),
        view("m-9", "a-2", "s-9", "game"),
        view("m-10", "a-3", "s-1", "other-console"), // another visitor's session "s-1"
    ]});
    assert_eq!(collector.post_batch(&batch).0, 200);

    let db = dir.path().join("data/nested/events.db");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_collector"))
        .args(["model", "--db", db.to_str().unwrap()])
        .env_remove("PERSONA_DB")
        .output()
        .expect("run collector model");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout} {}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("5 products from 3 baskets (4 orders) and 3 visits"), "{stdout}");

    let (status, model) = collector.get_json("/v1/model");
    assert_eq!(status, 200);
    assert_eq!(model["version"], 1);
    let products: Vec<&str> =
        model["products"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    let at = |id: &str| products.iter().position(|p| *p == id).unwrap() as u64;
    assert_eq!(model["popularity"][at("console") as usize], 2);
    // console's best neighbour: controller (2 / sqrt(2·2) = 1000‰), then game (1 / sqrt(2·1) = 707‰).
    assert_eq!(model["bought"][at("console") as usize], json!([at("controller"), 1000, at("game"), 707]));
    assert_eq!(model["bought"][at("book") as usize], json!([]));
    // Visits: {console, other-console}, {console, game}, {other-console}. console is in 2,
    // other-console in 2, game in 1: other-console 1 / sqrt(2·2) = 500‰, game 1 / sqrt(2·1) = 707‰.
    assert_eq!(model["viewed"][at("console") as usize], json!([at("game"), 707, at("other-console"), 500]));
    // Trending (the last 7 days): views, and ordered products of distinct orders.
    assert_eq!(model["trending"][at("console") as usize], 5, "3 views + 2 orders");
    assert_eq!(model["trending"][at("other-console") as usize], 2);
    assert_eq!(model["window_days"], 7);
    let built = model["built_at"].as_u64().unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64;
    assert!(now - built < 60_000, "built just now: {built}");
    assert!(dir.path().join("data/nested/recs-model.json").is_file());
}

#[test]
fn with_model_every_the_server_rebuilds_the_model_from_new_events() {
    let dir = TempDir::new();
    let collector = Collector::start(&dir, &["--model-every", "1"]);
    let order = |id: &str, products: &[&str]| {
        json!({"messageId": id, "type": "track", "event": "Order Completed", "anonymousId": "a-1",
               "properties": {"order_id": id, "products": products.iter().map(|p| json!({"product_id": p})).collect::<Vec<_>>()}})
    };
    assert_eq!(collector.post_batch(&json!({"batch": [order("o-1", &["tent", "stove"])]})).0, 200);
    // Rebuilt within a few seconds, with no `collector model` run.
    let products = |model: &serde_json::Value| model["products"].as_array().map_or(0, Vec::len);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let mut model = serde_json::Value::Null;
    while std::time::Instant::now() < deadline {
        let (status, body) = collector.get_json("/v1/model");
        if status == 200 && products(&body) == 2 {
            model = body;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert_eq!(products(&model), 2, "the rebuilt model: {model}");
    // A later order shows up in a later model.
    assert_eq!(collector.post_batch(&json!({"batch": [order("o-2", &["tent", "lamp"])]})).0, 200);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while std::time::Instant::now() < deadline && products(&collector.get_json("/v1/model").1) != 3 {
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let (_, model) = collector.get_json("/v1/model");
    assert_eq!(products(&model), 3);
    let tent = model["products"].as_array().unwrap().iter().position(|p| p == "tent").unwrap();
    assert_eq!(model["popularity"][tent], 2);
}
