//! wasm-bindgen-test suite in headless Chromium: localStorage, value conversion, `init`
//! validation, `track` and delivery through the real `fetch`.
//!
//! Run with `CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown`
//! (scripts/test.sh does). Native `cargo test` compiles this file to nothing.
#![cfg(target_arch = "wasm32")]

use js_sys::{Function, Object, Promise, Reflect};
use persona::bindings::{op, Persona};
use persona::core::error::Error;
use persona::core::platform::{Codec, Storage};
use persona::core::tabs::outbox_key;
use persona::core::tracker::KEY_ANONYMOUS_ID;
use persona::core::value::Value;
use persona::web::convert::{to_js, to_value};
use persona::web::platform::WebPlatform;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn local_storage() -> web_sys::Storage {
    web_sys::window().unwrap().local_storage().unwrap().unwrap()
}

/// Everything stored for tab `tab`'s outbox (one key per event, and its drop count), joined.
fn stored_outbox(tab: &str) -> String {
    let own = outbox_key(tab);
    let storage = local_storage();
    let len = storage.length().unwrap();
    let keys: Vec<String> = (0..len).filter_map(|i| storage.key(i).unwrap()).collect();
    keys.iter()
        .filter(|k| **k == own || k.starts_with(&format!("{own}:")))
        .filter_map(|k| storage.get_item(k).unwrap())
        .collect()
}

fn eval(code: &str) -> JsValue {
    js_sys::eval(code).unwrap()
}

fn code_of(error: &JsValue) -> String {
    Reflect::get(error, &"code".into()).unwrap().as_string().unwrap_or_default()
}

fn options(url: &str) -> JsValue {
    eval(&format!("({{ collector: {{ url: {url:?}, flushIntervalMs: 0 }}, pageview: false }})"))
}

async fn sleep(ms: i32) {
    let promise = Promise::new(&mut |resolve, _| {
        let window = web_sys::window().unwrap();
        window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms).unwrap();
    });
    JsFuture::from(promise).await.unwrap();
}

#[wasm_bindgen_test]
fn storage_round_trips_and_reports_corruption() {
    local_storage().clear().unwrap();
    let p = WebPlatform::new();
    assert!(p.has_storage());
    assert_eq!(p.get("persona:test"), Ok(None));
    p.set("persona:test", "ä€😀").unwrap();
    assert_eq!(local_storage().get_item("persona:test").unwrap().as_deref(), Some("ä€😀"));
    assert_eq!(p.get("persona:test"), Ok(Some("ä€😀".to_owned())));
    p.remove("persona:test").unwrap();
    assert_eq!(p.get("persona:test"), Ok(None));
    assert_eq!(p.decode("{oops"), Err(Error::StorageCorrupt));
    let v = p.decode(r#"{"a":[1,2.5,"x",null,true]}"#).unwrap();
    assert_eq!(p.encode(&v).unwrap(), r#"{"a":[1,2.5,"x",null,true]}"#);
}

#[wasm_bindgen_test]
fn full_storage_is_storage_full() {
    local_storage().clear().unwrap();
    let p = WebPlatform::new();
    // Chromium's quota is about 5 MB per origin: 10 MB of text cannot fit.
    let big = "x".repeat(10 * 1024 * 1024);
    assert_eq!(p.set("persona:big", &big), Err(Error::StorageFull));
    local_storage().clear().unwrap();
}

#[wasm_bindgen_test]
fn conversion_keeps_json_and_rejects_what_json_would_lose() {
    let v = to_value(&eval(
        r#"({ s: "x", n: 1.5, b: false, z: null, u: undefined, a: [1, undefined], d: new Date(0) })"#,
    ))
    .unwrap();
    assert_eq!(v.get("s").and_then(Value::as_str), Some("x"));
    assert_eq!(v.get("n").and_then(Value::as_f64), Some(1.5));
    assert_eq!(v.get("u"), None, "undefined members are dropped");
    assert_eq!(v.get("a"), Some(&Value::Array(vec![Value::Number(1.0), Value::Null])));
    assert_eq!(v.get("d").and_then(Value::as_str), Some("1970-01-01T00:00:00.000Z"));
    for bad in [
        "({ f: function () {} })",
        "({ s: Symbol('x') })",
        "({ b: 10n })",
        "({ m: new Map() })",
        "(() => { const o = {}; o.self = o; return o; })()",
        "({ get boom() { throw new Error('no'); } })",
    ] {
        assert_eq!(to_value(&eval(bad)), Err(Error::PropertiesInvalid), "{bad}");
    }
    // A page whose old library put toJSON on Array and String prototypes (Prototype.js 1.6).
    let patched = eval(
        r#"(() => {
            Array.prototype.toJSON = function () { return JSON.stringify(this.slice()); };
            String.prototype.toJSON = function () { return '"' + this + '"'; };
            return { products: [{ id: "p" }], s: "x" };
        })()"#,
    );
    let v = to_value(&patched);
    eval("delete Array.prototype.toJSON; delete String.prototype.toJSON");
    let v = v.unwrap();
    assert_eq!(v.get("s").and_then(Value::as_str), Some("x"), "strings stay strings");
    assert!(v.get("products").and_then(Value::as_array).is_some(), "arrays stay arrays");
    let round = to_js(&Value::object().with("__proto__", "x").with("k", 2.0));
    let proto = Reflect::get(&round, &"__proto__".into()).unwrap();
    assert_eq!(proto.as_string().as_deref(), Some("x"), "__proto__ is an own property, not a prototype");
    assert_eq!(Object::get_prototype_of(&round), Object::get_prototype_of(&Object::new()));
}

#[wasm_bindgen_test]
fn init_rejects_bad_options_with_codes() {
    for (opts, code) in [
        ("undefined", "config_invalid"),
        ("({})", "collector_missing"),
        ("({ collector: { url: 'ftp://x/y' } })", "collector_url_invalid"),
        ("({ collector: { url: 42 } })", "collector_url_invalid"),
        ("({ collector: { url: '/c', batchSize: 0 } })", "option_invalid"),
        ("({ collector: { url: '/c' }, onEvent() {} })", "config_invalid"),
        ("({ collector: { url: '/c' }, consent: 'maybe' })", "option_invalid"),
        ("({ collector: { url: '/c' }, consent: { analytics: true } })", "option_invalid"),
        ("({ collector: { url: '/c' }, autotrack: { clickSelector: 'a]' } })", "option_invalid"),
        ("({ collector: { url: '/c' }, autotrack: { clickSelector: 'button:nope' } })", "option_invalid"),
        ("({ collector: { url: '/c' }, autotrack: { clickSelector: 7 } })", "option_invalid"),
    ] {
        let err = Persona::new(eval(opts)).err().unwrap_or_else(|| panic!("{opts} accepted"));
        assert_eq!(code_of(&err), code, "{opts}");
        assert!(err.is_instance_of::<js_sys::Error>());
        assert_eq!(Reflect::get(&err, &"name".into()).unwrap().as_string().as_deref(), Some("PersonaError"));
    }
    let err = Persona::new(eval("({ collector: { url: '/c', batchSize: 0 } })")).err().unwrap();
    assert_eq!(Reflect::get(&err, &"option".into()).unwrap().as_string().as_deref(), Some("batchSize"));
    let err = Persona::new(eval("({ collector: { url: '/c' }, autotrack: { clickSelector: '>>' } })"))
        .err()
        .unwrap();
    assert_eq!(Reflect::get(&err, &"option".into()).unwrap().as_string().as_deref(), Some("clickSelector"));
}

#[wasm_bindgen_test]
fn the_click_selector_is_checked_by_the_browser_and_handed_to_the_wrapper() {
    let selector = |opts: &str| Persona::new(eval(opts)).unwrap().click_selector();
    let default = selector("({ collector: { url: '/c' } })").unwrap();
    assert_eq!(default, persona::core::autotrack::DEFAULT_CLICK_SELECTOR);
    let custom = "a.cta:not([href^='mailto:']), .banner > button, [data-track]:has(img)";
    assert_eq!(
        selector(&format!("({{ collector: {{ url: '/c' }}, autotrack: {{ clickSelector: {custom:?} }} }})"))
            .as_deref(),
        Some(custom)
    );
    assert_eq!(selector("({ collector: { url: '/c' }, autotrack: { clickSelector: false } })"), None);
    assert_eq!(selector("({ collector: { url: '/c' }, autotrack: { clicks: false } })"), None);
}

#[wasm_bindgen_test]
fn anonymous_id_is_persisted_across_instances() {
    local_storage().clear().unwrap();
    let first = Persona::new(options("/nowhere")).unwrap().anonymous_id();
    assert_eq!(first.len(), 36);
    assert_eq!(local_storage().get_item(KEY_ANONYMOUS_ID).unwrap().as_deref(), Some(first.as_str()));
    let second = Persona::new(options("/nowhere")).unwrap().anonymous_id();
    assert_eq!(first, second);
    local_storage().clear().unwrap();
    let third = Persona::new(options("/nowhere")).unwrap().anonymous_id();
    assert_ne!(first, third, "a cleared storage is a new visitor");
}

#[wasm_bindgen_test]
fn track_persists_the_outbox_and_rejects_bad_input() {
    local_storage().clear().unwrap();
    let p = Persona::new(options("/nowhere")).unwrap();
    let wire = p.track("Product Viewed".into(), eval("({ product_id: 'sku-1', price: 499 })")).unwrap();
    let message_id = Reflect::get(&wire, &"messageId".into()).unwrap().as_string().unwrap();
    assert_eq!(p.pending(), 1);
    let stored = stored_outbox(&p.tab_id());
    assert!(stored.contains(&message_id) && stored.contains("sku-1"), "{stored}");

    let bad = [
        (JsValue::from(42), eval("({})"), "event_name_invalid"),
        ("".into(), eval("({})"), "event_name_invalid"),
        ("x".into(), eval("'a string'"), "properties_invalid"),
        ("x".into(), eval("[1, 2]"), "properties_invalid"),
        ("x".into(), eval("({ f: () => 1 })"), "properties_invalid"),
        ("x".into(), eval("({ blob: 'x'.repeat(40000) })"), "event_too_large"),
    ];
    for (name, props, code) in bad {
        let err = p.track(name, props).err().unwrap();
        assert_eq!(code_of(&err), code);
    }
    assert_eq!(p.pending(), 1, "rejected calls enqueue nothing");
}

#[wasm_bindgen_test]
fn call_runs_the_operations_and_throws_their_errors() {
    local_storage().clear().unwrap();
    let p = Persona::new(options("/nowhere")).unwrap();
    let none = || JsValue::UNDEFINED;
    let wire = p.call(op::TRACK, "Product Viewed".into(), eval("({ product_id: 'sku-1' })")).unwrap();
    assert!(Reflect::get(&wire, &"messageId".into()).unwrap().is_string());
    assert_eq!(p.call(op::PENDING, none(), none()).unwrap().as_f64(), Some(1.0));
    let err = p.call(op::TRACK, "".into(), none()).err().unwrap();
    assert_eq!(code_of(&err), "event_name_invalid");
    assert_eq!(Reflect::get(&err, &"name".into()).unwrap().as_string().as_deref(), Some("PersonaError"));
    let err = p.call(op::SET_CONSENT, "maybe".into(), none()).err().unwrap();
    assert_eq!(code_of(&err), "option_invalid");
    assert_eq!(p.call(op::IN_SEGMENT, JsValue::from(5), none()).unwrap().as_bool(), Some(false));
    assert_eq!(p.call(op::TAB_ID, none(), none()).unwrap().as_string(), Some(p.tab_id()));
    assert!(p.call(op::CLICK_SELECTOR, none(), none()).unwrap().is_string());
    assert!(p.call(op::FLUSH, none(), none()).unwrap().is_undefined());
    assert!(p.call(9999, none(), none()).unwrap().is_undefined(), "an unknown op does nothing");

    let seen = js_sys::Array::new();
    let record = Function::new_with_args("kind", "this.push(kind)").bind0(&seen);
    p.call(op::SET_LISTENER, record.into(), none()).unwrap();
    p.call(op::PAGE, none(), none()).unwrap();
    assert_eq!(seen.length(), 1, "the listener set through call is called");
    p.call(op::SET_LISTENER, "not a function".into(), none()).unwrap();
    p.call(op::PAGE, none(), none()).unwrap();
    assert_eq!(seen.length(), 1, "a listener that is not a function clears it");
}

/// `js/index.ts` calls the engine through `call` with the numbers of its `Op` enum: they must be
/// those of `persona::bindings::op`, every one.
#[wasm_bindgen_test]
fn the_wrappers_op_numbers_are_the_engines() {
    let rust = [
        ("Start", op::START),
        ("Track", op::TRACK),
        ("Page", op::PAGE),
        ("Identify", op::IDENTIFY),
        ("Reset", op::RESET),
        ("Profile", op::PROFILE),
        ("ImportProfile", op::IMPORT_PROFILE),
        ("Segments", op::SEGMENTS),
        ("InSegment", op::IN_SEGMENT),
        ("Decide", op::DECIDE),
        ("AnonymousId", op::ANONYMOUS_ID),
        ("Navigated", op::NAVIGATED),
        ("Clicked", op::CLICKED),
        ("ClickSelector", op::CLICK_SELECTOR),
        ("ElementClicked", op::ELEMENT_CLICKED),
        ("Searched", op::SEARCHED),
        ("Consent", op::CONSENT),
        ("SetConsent", op::SET_CONSENT),
        ("TabId", op::TAB_ID),
        ("Reclaim", op::RECLAIM),
        ("Forget", op::FORGET),
        ("Pending", op::PENDING),
        ("Flush", op::FLUSH),
        ("Shutdown", op::SHUTDOWN),
        ("SetListener", op::SET_LISTENER),
        ("SetTransform", op::SET_TRANSFORM),
    ];
    let source = include_str!("../js/index.ts");
    let body = source.split("const enum Op {").nth(1).and_then(|rest| rest.split('}').next());
    let js: Vec<(String, u32)> = body
        .expect("js/index.ts declares `const enum Op { ... }`")
        .lines()
        .filter_map(|line| line.trim().trim_end_matches(',').split_once(" = "))
        .map(|(name, n)| (name.to_owned(), n.parse().unwrap_or(u32::MAX)))
        .collect();
    let rust: Vec<(String, u32)> = rust.iter().map(|(name, n)| ((*name).to_owned(), *n)).collect();
    assert_eq!(js, rust);
}

#[wasm_bindgen_test]
async fn delivery_reports_status_and_drops_rejected_batches() {
    local_storage().clear().unwrap();
    // The test runner's server answers 404 for this path: a non-retryable rejection.
    let p = Persona::new(options("/persona-test-collector/v1/batch")).unwrap();
    let seen = js_sys::Array::new();
    let record = Function::new_with_args("kind, detail", "this.push([kind, detail])");
    p.set_listener(Some(record.bind0(&seen)));
    p.start();
    p.track("a".into(), JsValue::UNDEFINED).unwrap();
    for _ in 0..100 {
        if p.pending() == 0 {
            break;
        }
        sleep(20).await;
    }
    assert_eq!(p.pending(), 0);
    let kinds: Vec<String> =
        seen.iter().map(|e| Reflect::get_u32(&e, 0).unwrap().as_string().unwrap()).collect();
    assert!(kinds.contains(&"event".to_owned()), "{kinds:?}");
    let sent = seen.iter().find(|e| Reflect::get_u32(e, 0).unwrap() == "sent").expect("a sent notification");
    let detail = Reflect::get_u32(&sent, 1).unwrap();
    assert_eq!(Reflect::get(&detail, &"status".into()).unwrap().as_f64(), Some(404.0));
    assert_eq!(Reflect::get(&detail, &"count".into()).unwrap().as_f64(), Some(1.0));
    let warning = seen.iter().find(|e| Reflect::get_u32(e, 0).unwrap() == "warning").expect("a warning");
    assert_eq!(code_of(&Reflect::get_u32(&warning, 1).unwrap()), "batch_rejected");
    assert_eq!(stored_outbox(&p.tab_id()), "", "a rejected batch leaves storage");
}

#[wasm_bindgen_test]
fn a_listener_that_throws_or_reenters_is_harmless() {
    local_storage().clear().unwrap();
    let p = std::rc::Rc::new(Persona::new(options("/nowhere")).unwrap());
    let throwing = Function::new_with_args("kind", "throw new Error('listener bug')");
    p.set_listener(Some(throwing));
    p.track("x".into(), JsValue::UNDEFINED).unwrap();
    assert_eq!(p.pending(), 1);
    // A listener that tracks from inside the notification (re-entrancy).
    let inner = p.clone();
    let reenter = Closure::<dyn FnMut(JsValue)>::new(move |kind: JsValue| {
        if kind == "event" && inner.pending() < 3 {
            let _ = inner.track("nested".into(), JsValue::UNDEFINED);
        }
    });
    p.set_listener(Some(reenter.as_ref().unchecked_ref::<Function>().clone()));
    p.track("y".into(), JsValue::UNDEFINED).unwrap();
    assert_eq!(p.pending(), 3);
    p.set_listener(None);
    drop(reenter);
}

#[wasm_bindgen_test]
fn hostile_properties_are_errors_not_exceptions() {
    local_storage().clear().unwrap();
    let p = Persona::new(options("/nowhere")).unwrap();
    for (props, code) in [
        (
            "(() => { const r = Proxy.revocable({}, {}); r.revoke(); return { p: r.proxy }; })()",
            "properties_invalid",
        ),
        (
            "(() => { const r = Proxy.revocable([], {}); r.revoke(); return r.proxy; })()",
            "properties_invalid",
        ),
        ("({ p: new Proxy({}, { ownKeys() { throw new Error('trap'); } }) })", "properties_invalid"),
        ("({ p: new Proxy({}, { getPrototypeOf() { throw new Error('trap'); } }) })", "properties_invalid"),
        ("({ p: new Proxy([1], { get() { throw new Error('trap'); } }) })", "properties_invalid"),
        ("({ d: new Proxy(new Date(0), {}) })", "properties_invalid"),
        ("(() => { const a = []; a.length = 1e9; return { a }; })()", "event_too_large"),
    ] {
        let err = p.track("x".into(), eval(props)).err().unwrap_or_else(|| panic!("{props} accepted"));
        assert_eq!(code_of(&err), code, "{props}");
    }
    assert_eq!(p.pending(), 0);
    p.track("after".into(), eval("({ ok: true })")).unwrap();
    assert_eq!(p.pending(), 1, "persona keeps working after hostile input");
}

#[wasm_bindgen_test]
fn deeply_nested_events_survive_a_reload() {
    local_storage().clear().unwrap();
    let p = Persona::new(options("/nowhere")).unwrap();
    // 32 levels is the most track accepts; the stored outbox wraps a few more around it.
    let deep = "(() => { let o = { leaf: 1 }; for (let i = 0; i < 31; i++) o = { n: o }; return o; })()";
    p.track("deep".into(), eval(deep)).unwrap();
    let too_deep = "(() => { let o = { leaf: 1 }; for (let i = 0; i < 40; i++) o = { n: o }; return o; })()";
    assert_eq!(code_of(&p.track("x".into(), eval(too_deep)).err().unwrap()), "properties_invalid");
    let seen = js_sys::Array::new();
    let again = Persona::new(options("/nowhere")).unwrap();
    again.set_listener(Some(Function::new_with_args("kind, detail", "this.push(kind)").bind0(&seen)));
    drop(p); // the first "tab" is gone: its outbox is an orphan to reclaim
    again.reclaim(js_sys::Array::new().into());
    assert_eq!(again.pending(), 1, "the stored deep event was read back, not discarded as corrupt");
    again.start();
    assert!(!seen.iter().any(|k| k == "warning"), "no storage_corrupt warning");
}

#[wasm_bindgen_test]
fn shutdown_stops_delivery_and_keeps_the_queue() {
    local_storage().clear().unwrap();
    let p = Persona::new(options("/persona-test-collector/v1/batch")).unwrap();
    p.shutdown();
    p.start();
    p.track("kept".into(), JsValue::UNDEFINED).unwrap();
    p.flush();
    assert_eq!(p.pending(), 1);
    assert!(stored_outbox(&p.tab_id()).contains("kept"));
}

#[wasm_bindgen_test]
fn shop_events_are_checked_and_ga4_names_normalised() {
    local_storage().clear().unwrap();
    let p = Persona::new(options("/nowhere")).unwrap();
    let err = p.track("Order Completed".into(), eval("({ order_id: 'o-1', products: [] })")).err().unwrap();
    assert_eq!(code_of(&err), "property_missing");
    assert_eq!(Reflect::get(&err, &"property".into()).unwrap().as_string().as_deref(), Some("revenue"));
    assert_eq!(p.pending(), 0, "a violation enqueues nothing");

    let wire = p
        .track("add_to_cart".into(), eval("({ currency: 'EUR', items: [{ item_id: 'sku-9', item_name: 'Pad', price: 59.99, quantity: 1 }] })"))
        .unwrap();
    assert_eq!(Reflect::get(&wire, &"event".into()).unwrap().as_string().as_deref(), Some("Product Added"));
    let props = Reflect::get(&wire, &"properties".into()).unwrap();
    assert_eq!(Reflect::get(&props, &"product_id".into()).unwrap().as_string().as_deref(), Some("sku-9"));
    assert_eq!(Reflect::get(&props, &"name".into()).unwrap().as_string().as_deref(), Some("Pad"));

    let context = Reflect::get(&wire, &"context".into()).unwrap();
    let locale = Reflect::get(&context, &"locale".into()).unwrap().as_string().unwrap_or_default();
    assert!(!locale.is_empty(), "navigator.language is in context.locale");
    let timezone = Reflect::get(&context, &"timezone".into()).unwrap().as_string().unwrap_or_default();
    assert!(!timezone.is_empty(), "the IANA time zone is in context.timezone");
}

#[wasm_bindgen_test]
fn growthbook_eval_condition_cases_pass_in_the_browser() {
    use persona::core::condition;
    // Copied from ../shared/conformance by build.rs into OUT_DIR (the browser cannot read files).
    let text = include_str!(concat!(env!("OUT_DIR"), "/growthbook-cases.json"));
    assert!(
        !text.is_empty(),
        "../shared/conformance/growthbook-cases.json was not found when building the tests"
    );
    let all = persona::web::convert::from_json(text, 64).expect("the cases file is JSON");
    let cases = all.get("evalCondition").and_then(Value::as_array).unwrap();
    assert_eq!(cases.len(), 248);
    let host = WebPlatform::new();
    let mut failures = Vec::new();
    for case in cases {
        let c = case.as_array().unwrap();
        let groups: Vec<(String, Vec<Value>)> = match c.get(4) {
            Some(Value::Object(saved)) => {
                saved.iter().map(|(k, v)| (k.clone(), v.as_array().unwrap_or_default().to_vec())).collect()
            }
            _ => Vec::new(),
        };
        // The browser's own number formatting, toLowerCase and RegExp, through WebPlatform.
        if condition::eval(&c[2], &c[1], &groups, &host) != (c[3] == Value::Bool(true)) {
            failures.push(c[0].as_str().unwrap_or_default().to_owned());
        }
    }
    assert_eq!(failures, Vec::<String>::new());
}
