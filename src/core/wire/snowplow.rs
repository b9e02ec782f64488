//! Snowplow's tracker protocol: `POST /com.snowplowanalytics.snowplow/tp2` with a self-describing
//! `payload_data` 1-0-4 body, `{schema, data: [event...]}`, where every event field is a string.
//!
//! | canonical event | Snowplow field |
//! |---|---|
//! | `type: "page"` / `"track"` | `e`: `pv` (page view) / `ue` (self-describing event) |
//! | `messageId` | `eid` |
//! | `anonymousId`, `userId` | `duid`, `uid` |
//! | `originalTimestamp`, batch `sentAt` | `dtm`, `stm` (epoch ms) |
//! | `context.page` url, title, referrer | `url`, `page`, `refr` |
//! | `context.locale`, `context.timezone` | `lang`, `tz` |
//! | `context.session` id, number | `sid`, `vid` |
//! | `event` + `properties` | `ue_pr`: [`TRACK_SCHEMA`] `{event, properties}` |
//! | `context` library, consent, session, campaign; page-view properties; `dropped` | `co`: one [`CONTEXT_SCHEMA`] entity |
//!
//! Both schemas are persona's own, published in the repository's `schemas/iglu/` folder so a
//! Snowplow pipeline can resolve them. `dropped` (how many events the outbox caps dropped) rides
//! on the first event of the batch.

use crate::core::error::Result;
use crate::core::platform::Codec;
use crate::core::time::parse_iso8601;
use crate::core::value::Value;
use crate::core::wire::decimal;
use crate::prelude::*;

/// Schema of the request body.
pub const PAYLOAD_SCHEMA: &str = "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4";
/// Envelope schema of `ue_pr`.
pub const UNSTRUCT_SCHEMA: &str = "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0";
/// Envelope schema of `co`.
pub const CONTEXTS_SCHEMA: &str = "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0";
/// persona's track event: `{event: name, properties: {...}}`.
pub const TRACK_SCHEMA: &str = "iglu:dev.persona/track/jsonschema/1-0-0";
/// persona's context entity: `{library, consent?, session?, campaign?, properties?, dropped?}`.
pub const CONTEXT_SCHEMA: &str = "iglu:dev.persona/context/jsonschema/1-0-0";
/// Tracker version (`tv`): `persona-` and this crate's version.
pub const TRACKER_VERSION: &str = concat!("persona-", env!("CARGO_PKG_VERSION"));
/// Tracker namespace (`tna`).
pub const NAMESPACE: &str = "persona";

/// The tp2 body for a batch of canonical events.
pub fn payload(
    events: Vec<Value>,
    sent_at_ms: u64,
    dropped: u32,
    app_id: Option<&str>,
    codec: &impl Codec,
) -> Result<Value> {
    let stm = decimal(sent_at_ms);
    let mut data = Vec::with_capacity(events.len());
    for (i, event) in events.iter().enumerate() {
        let dropped = if i == 0 { dropped } else { 0 };
        data.push(encode_event(event, &stm, dropped, app_id, codec)?);
    }
    Ok(Value::object().with("schema", PAYLOAD_SCHEMA).with("data", Value::Array(data)))
}

/// Canonical string fields copied as they are: (Snowplow field, path in the event).
const COPIED: [(&str, &[&str]); 10] = [
    ("eid", &["messageId"]),
    ("duid", &["anonymousId"]),
    ("uid", &["userId"]),
    ("url", &["context", "page", "url"]),
    ("page", &["context", "page", "title"]),
    ("refr", &["context", "page", "referrer"]),
    ("lang", &["context", "locale"]),
    ("tz", &["context", "timezone"]),
    ("sid", &["context", "session", "id"]),
    ("dtm", &["originalTimestamp"]),
];

/// The value at `path` inside `value`.
fn at<'v>(value: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(value, |v, key| v.get(key))
}

fn encode_event(
    event: &Value,
    stm: &str,
    dropped: u32,
    app_id: Option<&str>,
    codec: &impl Codec,
) -> Result<Value> {
    let is_page = event.get("type").and_then(Value::as_str) == Some("page");
    let mut out = Value::object()
        .with("e", if is_page { "pv" } else { "ue" })
        .with("p", "web")
        .with("tv", TRACKER_VERSION)
        .with("tna", NAMESPACE)
        .with("stm", stm);
    if let Some(app_id) = app_id {
        out.set("aid", app_id.into());
    }
    for (field, path) in COPIED {
        let Some(text) = at(event, path).and_then(Value::as_str).filter(|s| !s.is_empty()) else { continue };
        let text = if field == "dtm" {
            let Some(ms) = parse_iso8601(text) else { continue };
            decimal(ms)
        } else {
            text.to_owned()
        };
        out.set(field, Value::String(text));
    }
    if let Some(number) = at(event, &["context", "session", "number"]).and_then(Value::as_f64) {
        out.set("vid", Value::String(decimal(number as u64)));
    }

    // An identify goes as a track event named `Identify` with the traits as its properties (and
    // the user id in `uid`).
    let identify = event.get("traits");
    let properties = identify.or(event.get("properties")).cloned().unwrap_or_else(Value::object);
    if !is_page {
        let name = match identify {
            Some(_) => "Identify".into(),
            None => event.get("event").cloned().unwrap_or_default(),
        };
        let track = Value::object().with("event", name).with("properties", properties.clone());
        let unstruct = self_describing(UNSTRUCT_SCHEMA, self_describing(TRACK_SCHEMA, track));
        out.set("ue_pr", Value::String(codec.encode(&unstruct)?));
    }
    let mut entity = Value::object();
    for key in ["library", "consent", "session", "campaign"] {
        if let Some(value) = at(event, &["context", key]) {
            entity.set(key, value.clone());
        }
    }
    if is_page && matches!(&properties, Value::Object(members) if !members.is_empty()) {
        entity.set("properties", properties);
    }
    if dropped > 0 {
        entity.set("dropped", f64::from(dropped).into());
    }
    let contexts =
        self_describing(CONTEXTS_SCHEMA, Value::Array(vec![self_describing(CONTEXT_SCHEMA, entity)]));
    out.set("co", Value::String(codec.encode(&contexts)?));
    Ok(out)
}

/// `{schema, data}`.
fn self_describing(schema: &str, data: Value) -> Value {
    Value::object().with("schema", schema).with("data", data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::config::Config;
    use crate::core::event::PageContext;
    use crate::core::outbox::Urgency;
    use crate::core::testing::{schema_violations, shared_file, MemPlatform};
    use crate::core::tracker::Tracker;
    use crate::core::wire::Format;
    use serde_json::Value as J;

    fn read_json(path: &std::path::Path) -> J {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        serde_json::from_str(&text).unwrap()
    }

    fn payload_schema() -> J {
        read_json(&shared_file("conformance/snowplow-payload_data-1-0-4.schema.json"))
    }

    fn own_schema(name: &str) -> J {
        read_json(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("schemas/iglu/dev.persona")
                .join(name)
                .join("jsonschema/1-0-0"),
        )
    }

    /// A batch of a page view with properties, a shop event and a custom event, as tp2 JSON.
    fn tracked_batch() -> (J, Vec<String>, String) {
        let platform = MemPlatform::default();
        let config = Config {
            collector_url: "/com.snowplowanalytics.snowplow/tp2".into(),
            format: Format::Snowplow,
            app_id: Some("demo-shop".into()),
            flush_interval_ms: 0,
            ..Config::default()
        };
        let mut tracker = Tracker::new(platform.clone(), config).unwrap();
        let page = PageContext {
            url: "https://shop.example/phones?utm_source=news".into(),
            path: "/phones".into(),
            title: "Phones".into(),
            referrer: "https://search.example/".into(),
            locale: "de-DE".into(),
            timezone: "Europe/Berlin".into(),
            ..PageContext::default()
        };
        let mut ids = Vec::new();
        let pv = tracker.page(Value::object().with("section", "phones"), &page).unwrap().event;
        ids.push(pv.get("messageId").and_then(Value::as_str).unwrap().to_owned());
        let viewed = Value::object().with("product_id", "p-1").with("price", 499.5);
        let shop = tracker.track("view_item", viewed, &page).unwrap().event;
        ids.push(shop.get("messageId").and_then(Value::as_str).unwrap().to_owned());
        let custom = tracker.track("Wishlist Shared", Value::object().with("ü", "ß"), &page).unwrap().event;
        ids.push(custom.get("messageId").and_then(Value::as_str).unwrap().to_owned());
        let request = tracker.next_request(Urgency::Now).expect("a batch");
        assert_eq!(request.message_ids, ids);
        (platform.decode_json(&request.body.text), ids, tracker.anonymous_id().to_owned())
    }

    #[test]
    fn payload_validates_against_snowplow_payload_data_1_0_4() {
        let schema = payload_schema();
        let (body, ids, anonymous_id) = tracked_batch();
        assert_eq!(body["schema"], PAYLOAD_SCHEMA);
        let data = &body["data"];
        assert_eq!(schema_violations(&schema, data), Vec::<String>::new());
        let events = data.as_array().unwrap();
        let eids: Vec<&str> = events.iter().map(|e| e["eid"].as_str().unwrap()).collect();
        assert_eq!(eids, ids, "eid is the messageId");
        let kinds: Vec<&str> = events.iter().map(|e| e["e"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["pv", "ue", "ue"]);
        let first = &events[0];
        assert_eq!(first["duid"], anonymous_id.as_str());
        assert_eq!(first["aid"], "demo-shop");
        assert_eq!(first["url"], "https://shop.example/phones?utm_source=news");
        assert_eq!(first["page"], "Phones");
        assert_eq!(first["refr"], "https://search.example/");
        assert_eq!(first["lang"], "de-DE");
        assert_eq!(first["tz"], "Europe/Berlin");
        assert_eq!(first["dtm"], "1795305600000", "the MemPlatform clock, in epoch ms");
        assert_eq!(first["vid"], "1");
        assert!(first.get("uid").is_none(), "no user id yet");
        assert!(events.iter().all(|e| e["tv"] == "persona-0.1.0" && e["p"] == "web" && e["stm"].is_string()));
    }

    #[test]
    fn custom_events_are_self_describing_under_persona_schemas() {
        let track_schema = own_schema("track");
        let context_schema = own_schema("context");
        assert_eq!(track_schema["self"]["name"], "track", "schema file and URI agree");
        assert_eq!(context_schema["self"]["name"], "context");
        let (body, _, _) = tracked_batch();
        let events = body["data"].as_array().unwrap();
        let mut names = Vec::new();
        for event in events {
            let co: J = serde_json::from_str(event["co"].as_str().unwrap()).unwrap();
            assert_eq!(co["schema"], CONTEXTS_SCHEMA);
            assert_eq!(co["data"][0]["schema"], CONTEXT_SCHEMA);
            assert_eq!(schema_violations(&context_schema, &co["data"][0]["data"]), Vec::<String>::new());
            let Some(ue) = event.get("ue_pr") else { continue };
            let ue: J = serde_json::from_str(ue.as_str().unwrap()).unwrap();
            assert_eq!(ue["schema"], UNSTRUCT_SCHEMA);
            assert_eq!(ue["data"]["schema"], TRACK_SCHEMA);
            assert_eq!(schema_violations(&track_schema, &ue["data"]["data"]), Vec::<String>::new());
            names.push(ue["data"]["data"]["event"].as_str().unwrap().to_owned());
        }
        assert_eq!(names, ["Product Viewed", "Wishlist Shared"], "GA4 alias normalised");
        let page_context: J = serde_json::from_str(events[0]["co"].as_str().unwrap()).unwrap();
        assert_eq!(page_context["data"][0]["data"]["properties"]["section"], "phones");
        let custom: J = serde_json::from_str(events[2]["ue_pr"].as_str().unwrap()).unwrap();
        assert_eq!(custom["data"]["data"]["properties"]["ü"], "ß");
    }

    #[test]
    fn the_validator_catches_what_the_schema_forbids() {
        let schema = payload_schema();
        let (body, _, _) = tracked_batch();
        let mut broken = body["data"].clone();
        broken[0]["dtm"] = J::from(1_795_305_600_000u64);
        broken[1]["product_id"] = J::from("p-1");
        broken[2].as_object_mut().unwrap().remove("tv");
        let violations = schema_violations(&schema, &broken);
        assert_eq!(violations.len(), 3, "{violations:?}");
        assert_eq!(schema_violations(&schema, &J::Array(vec![])).len(), 1, "minItems");
    }

    #[test]
    fn dropped_rides_on_the_first_event_only() {
        let platform = MemPlatform::default();
        let event = |id: &str| {
            Value::object()
                .with("type", "track")
                .with("event", "E")
                .with("messageId", id)
                .with("context", Value::object().with("library", Value::object().with("name", "persona")))
        };
        let body = payload(vec![event("a"), event("b")], 7, 4, None, &platform).unwrap();
        let body = platform.decode_json(&platform.encode(&body).unwrap());
        let entity = |i: usize| -> J {
            let co: J = serde_json::from_str(body["data"][i]["co"].as_str().unwrap()).unwrap();
            co["data"][0]["data"].clone()
        };
        assert_eq!(entity(0)["dropped"].as_f64(), Some(4.0));
        assert!(entity(1).get("dropped").is_none());
        assert_eq!(body["data"][1]["stm"], "7");
        assert!(body["data"][0].get("dtm").is_none(), "no originalTimestamp, no dtm");
    }
}
