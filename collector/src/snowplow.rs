//! Snowplow's tracker protocol 2 (`POST /com.snowplowanalytics.snowplow/tp2`), translated into
//! canonical events so that they are stored, deduplicated and read like every other event.
//!
//! The body is `{"schema": "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-N",
//! "data": [event...]}`. Each event is checked against `payload_data` 1-0-4: an object of string
//! fields from the schema's list, with `tv`, `p` and `e` required. This collector also requires
//! `eid`, its deduplication key. Then:
//!
//! - `e`: `pv` → `type: "page"` (name from `page`); `ue` → `type: "track"`; `se` (structured) →
//!   `track` named by `se_ac`, with `category`, `action`, `label`, `property`, `value`; `pp`,
//!   `tr`, `ti` → `track` named `Page Ping`, `Transaction`, `Transaction Item` with their fields.
//! - `ue_pr` (or base64 `ue_px`): persona's track schema gives `event` and `properties`; any
//!   other self-describing event is named by its schema URI, its data becoming the properties.
//! - `co` (or base64 `cx`): persona's context entity gives `library`, `consent`, `session`,
//!   `campaign` (and a page view's `properties`, the batch's `dropped` report); other entities are
//!   kept under `context.snowplow`.
//! - `eid` → `messageId`, `duid` (else `nuid`) → `anonymousId`, `uid` → `userId`, `dtm` / `stm`
//!   (epoch ms) → `originalTimestamp` / `sentAt`, `url` / `page` / `refr` → `context.page`,
//!   `lang` / `tz` → `context.locale` / `context.timezone`, `aid` → `context.app.id`.

use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use base64::Engine;
use persona::core::time::iso8601;
use persona::core::wire::snowplow::{CONTEXT_SCHEMA, TRACK_SCHEMA};
use serde_json::{json, Map, Value};

use crate::error::{ApiError, ErrorCode};
use crate::ingest::{check_count, parse_json, validate_event, Ingest, MAX_DROPPED};

/// The request body's schema, without its last version number (1-0-0 to 1-0-4 are accepted).
pub const PAYLOAD_SCHEMA_PREFIX: &str = "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-";

/// Every field of `payload_data` 1-0-4; nothing else is allowed in an event.
pub const FIELDS: [&str; 80] = [
    "tna", "aid", "p", "dtm", "tz", "e", "tid", "eid", "tv", "duid", "nuid", "uid", "vid", "ip", "res",
    "url", "page", "refr", "fp", "ctype", "cookie", "lang", "f_pdf", "f_qt", "f_realp", "f_wma", "f_dir",
    "f_fla", "f_java", "f_gears", "f_ag", "cd", "ds", "cs", "vp", "mac", "pp_mix", "pp_max", "pp_miy",
    "pp_may", "ad_ba", "ad_ca", "ad_ad", "ad_uid", "tr_id", "tr_af", "tr_tt", "tr_tx", "tr_sh", "tr_ci",
    "tr_st", "tr_co", "tr_cu", "ti_id", "ti_sk", "ti_nm", "ti_na", "ti_ca", "ti_pr", "ti_qu", "ti_cu", "sa",
    "sn", "st", "sp", "se_ca", "se_ac", "se_la", "se_pr", "se_va", "ue_na", "ue_pr", "ue_px", "co", "cx",
    "ua", "tnuid", "stm", "sid", "ttm",
];

/// Parses and translates a tp2 body.
pub fn parse_tp2(body: &[u8]) -> Result<Ingest, ApiError> {
    let value = parse_json(body)?;
    let invalid_batch = |message: &str| ApiError::new(ErrorCode::InvalidBatch, message);
    let Value::Object(top) = value else {
        return Err(invalid_batch("body must be a self-describing JSON object {\"schema\", \"data\"}"));
    };
    match top.get("schema").and_then(Value::as_str) {
        Some(schema)
            if schema
                .strip_prefix(PAYLOAD_SCHEMA_PREFIX)
                .is_some_and(|v| "01234".contains(v) && v.len() == 1) => {}
        _ => return Err(invalid_batch(&format!("schema must be {PAYLOAD_SCHEMA_PREFIX}0 to 4"))),
    }
    let items = match top.get("data") {
        Some(Value::Array(items)) => items,
        _ => return Err(invalid_batch("data must be an array of events")),
    };
    check_count("data", items.len())?;
    let mut dropped = 0;
    let mut events = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let (event, reported) = translate(i, item)?;
        dropped = (dropped + reported).min(MAX_DROPPED);
        let mut valid = validate_event("data", i, &event, None)?;
        valid.raw = event.to_string();
        events.push(valid);
    }
    Ok(Ingest { events, dropped, write_key: None })
}

/// One tp2 event as a canonical event, plus the `dropped` report it carried.
fn translate(index: usize, item: &Value) -> Result<(Value, u64), ApiError> {
    let invalid = |rule: String| ApiError::new(ErrorCode::InvalidEvent, format!("data[{index}]{rule}"));
    let Value::Object(fields) = item else {
        return Err(invalid(" must be an object".into()));
    };
    let mut text = Map::new();
    for (name, value) in fields {
        if !FIELDS.contains(&name.as_str()) {
            return Err(invalid(format!(" has field {name:?}, which payload_data 1-0-4 does not define")));
        }
        let Value::String(value) = value else {
            return Err(invalid(format!(".{name} must be a string")));
        };
        text.insert(name.clone(), Value::String(value.clone()));
    }
    let get = |name: &str| text.get(name).and_then(Value::as_str).filter(|s| !s.is_empty());
    for required in ["tv", "p", "e"] {
        if get(required).is_none() {
            return Err(invalid(format!(".{required} is required")));
        }
    }
    let Some(eid) = get("eid") else {
        return Err(invalid(".eid is required: this collector stores each event id once".into()));
    };
    let millis = |name: &str| -> Result<Option<String>, ApiError> {
        match get(name) {
            None => Ok(None),
            Some(ms) => match ms.parse::<u64>() {
                Ok(ms) if ms < 253_402_300_800_000 => Ok(Some(iso8601(ms))),
                _ => Err(invalid(format!(".{name} must be milliseconds since the epoch"))),
            },
        }
    };
    let mut context = Map::new();
    let mut properties = Map::new();
    let mut dropped = 0;
    let mut others = Vec::new();
    for entity in contexts(get("co"), get("cx")).map_err(|rule| invalid(format!(".co/cx {rule}")))? {
        if entity.get("schema").and_then(Value::as_str) != Some(CONTEXT_SCHEMA) {
            others.push(entity);
            continue;
        }
        let Some(Value::Object(data)) = entity.get("data") else { continue };
        for (key, value) in data {
            match key.as_str() {
                "dropped" => {
                    let whole = value.as_f64().filter(|n| n.fract() == 0.0 && *n >= 0.0);
                    let count = value.as_u64().or(whole.map(|n| n as u64));
                    match count.filter(|n| *n <= MAX_DROPPED) {
                        Some(count) => dropped = count,
                        None => {
                            return Err(invalid(".co dropped must be a whole number from 0 to 2^53".into()))
                        }
                    }
                }
                "properties" => properties.extend(value.as_object().cloned().unwrap_or_default()),
                _ => {
                    context.insert(key.clone(), value.clone());
                }
            }
        }
    }
    if !others.is_empty() {
        context.insert("snowplow".into(), Value::Array(others));
    }
    let page = json!({"url": get("url"), "title": get("page"), "referrer": get("refr")});
    context.insert("page".into(), page);
    for (field, key) in [("lang", "locale"), ("tz", "timezone")] {
        if let Some(value) = get(field) {
            context.insert(key.into(), value.into());
        }
    }
    if let Some(app) = get("aid") {
        context.insert("app".into(), json!({ "id": app }));
    }
    let mut event = json!({
        "messageId": eid,
        "anonymousId": get("duid").or_else(|| get("nuid")),
        "userId": get("uid"),
        "originalTimestamp": millis("dtm")?,
        "sentAt": millis("stm")?,
    });
    let kind = get("e").unwrap_or_default();
    let (kind, name) = match kind {
        "pv" => {
            event["name"] = get("page").into();
            ("page", None)
        }
        "ue" => {
            let (name, data) =
                unstruct(get("ue_pr"), get("ue_px")).map_err(|rule| invalid(format!(".ue_pr {rule}")))?;
            properties.extend(data);
            ("track", Some(name))
        }
        "se" => {
            let Some(action) = get("se_ac") else {
                return Err(invalid(".se_ac is required for a structured event".into()));
            };
            copy(
                &text,
                &mut properties,
                &[
                    ("se_ca", "category"),
                    ("se_ac", "action"),
                    ("se_la", "label"),
                    ("se_pr", "property"),
                    ("se_va", "value"),
                ],
            );
            ("track", Some(action.to_owned()))
        }
        "pp" => {
            copy(
                &text,
                &mut properties,
                &[("pp_mix", "min_x"), ("pp_max", "max_x"), ("pp_miy", "min_y"), ("pp_may", "max_y")],
            );
            ("track", Some("Page Ping".to_owned()))
        }
        "tr" => {
            copy(
                &text,
                &mut properties,
                &[
                    ("tr_id", "order_id"),
                    ("tr_af", "affiliation"),
                    ("tr_tt", "total"),
                    ("tr_tx", "tax"),
                    ("tr_sh", "shipping"),
                    ("tr_cu", "currency"),
                ],
            );
            ("track", Some("Transaction".to_owned()))
        }
        "ti" => {
            copy(
                &text,
                &mut properties,
                &[
                    ("ti_id", "order_id"),
                    ("ti_sk", "sku"),
                    ("ti_nm", "name"),
                    ("ti_ca", "category"),
                    ("ti_pr", "price"),
                    ("ti_qu", "quantity"),
                    ("ti_cu", "currency"),
                ],
            );
            ("track", Some("Transaction Item".to_owned()))
        }
        other => {
            return Err(invalid(format!(
                ".e {other:?} is not an event type this collector knows (pv, ue, se, pp, tr, ti)"
            )));
        }
    };
    event["type"] = kind.into();
    if let Some(name) = name {
        event["event"] = name.into();
    }
    event["properties"] = Value::Object(properties);
    event["context"] = Value::Object(context);
    Ok((event, dropped))
}

/// Copies tp2 fields into properties under canonical names.
fn copy(text: &Map<String, Value>, properties: &mut Map<String, Value>, names: &[(&str, &str)]) {
    for (field, key) in names {
        if let Some(value) = text.get(*field) {
            properties.insert((*key).to_owned(), value.clone());
        }
    }
}

/// Decodes `ue_pr` (JSON text) or `ue_px` (base64 of it): the event's name and properties.
fn unstruct(pr: Option<&str>, px: Option<&str>) -> Result<(String, Map<String, Value>), String> {
    let envelope = self_describing(pr, px)?.ok_or("(or ue_px) is required for a self-describing event")?;
    let inner = envelope.get("data").ok_or("must hold {schema, data: {schema, data}}")?;
    let schema = inner.get("schema").and_then(Value::as_str).ok_or("data.schema must be a string")?;
    let data = inner.get("data").cloned().unwrap_or(Value::Null);
    if schema == TRACK_SCHEMA {
        let name = data.get("event").and_then(Value::as_str).filter(|s| !s.is_empty());
        let name = name.ok_or("persona's track event needs a non-empty event")?;
        let properties = data.get("properties").and_then(Value::as_object).cloned().unwrap_or_default();
        return Ok((name.to_owned(), properties));
    }
    let properties = match data {
        Value::Object(members) => members,
        other => Map::from_iter([("value".to_owned(), other)]),
    };
    Ok((schema.to_owned(), properties))
}

/// Decodes `co` (JSON text) or `cx` (base64 of it) into its entities.
fn contexts(co: Option<&str>, cx: Option<&str>) -> Result<Vec<Value>, String> {
    let Some(envelope) = self_describing(co, cx)? else { return Ok(Vec::new()) };
    match envelope.get("data") {
        Some(Value::Array(entities)) => Ok(entities.clone()),
        _ => Err("must hold {schema, data: [entity...]}".into()),
    }
}

/// Parses plain JSON text, or else base64 (standard or URL-safe, padded or not) JSON text.
fn self_describing(plain: Option<&str>, encoded: Option<&str>) -> Result<Option<Value>, String> {
    let text = match (plain, encoded) {
        (Some(plain), _) => plain.to_owned(),
        (None, Some(encoded)) => {
            let trimmed = encoded.trim_end_matches('=');
            let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(trimmed)
                .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(trimmed))
                .or_else(|_| STANDARD.decode(encoded))
                .or_else(|_| URL_SAFE.decode(encoded))
                .map_err(|_| "is not valid base64".to_owned())?;
            String::from_utf8(bytes).map_err(|_| "is not UTF-8".to_owned())?
        }
        (None, None) => return Ok(None),
    };
    let value: Value = serde_json::from_str(&text).map_err(|e| format!("is not JSON: {e}"))?;
    if !value.is_object() {
        return Err("must be a JSON object".into());
    }
    Ok(Some(value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use persona::core::error::Error as SdkError;
    use persona::core::platform::Codec;
    use persona::core::value::Value as SdkValue;
    use persona::core::wire::snowplow::payload;

    /// The SDK's codec port, over serde_json.
    struct Json;

    fn to_json(v: &SdkValue) -> Value {
        match v {
            SdkValue::Null => Value::Null,
            SdkValue::Bool(b) => (*b).into(),
            SdkValue::Number(n) => serde_json::Number::from_f64(*n).map_or(Value::Null, Value::Number),
            SdkValue::String(s) => s.as_str().into(),
            SdkValue::Array(items) => items.iter().map(to_json).collect(),
            SdkValue::Object(members) => members.iter().map(|(k, v)| (k.clone(), to_json(v))).collect(),
        }
    }

    impl Codec for Json {
        fn encode(&self, value: &SdkValue) -> Result<String, SdkError> {
            Ok(to_json(value).to_string())
        }
        fn decode(&self, _: &str) -> Result<SdkValue, SdkError> {
            unreachable!("not used by the encoder")
        }
    }

    fn code_and_message(body: &Value) -> (ErrorCode, String) {
        let err = parse_tp2(body.to_string().as_bytes()).expect_err("expected an error");
        (err.code, err.message)
    }

    #[test]
    fn fields_are_those_of_the_shared_payload_data_schema() {
        // The workplace's shared data: PERSONA_SHARED_DIR, else a `shared/` folder above the
        // project, else /work/shared. Missing data fails the test.
        let project = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut dirs: Vec<std::path::PathBuf> =
            std::env::var_os("PERSONA_SHARED_DIR").map(Into::into).into_iter().collect();
        dirs.extend(project.ancestors().skip(1).map(|dir| dir.join("shared")));
        dirs.push("/work/shared".into());
        let relative = "conformance/snowplow-payload_data-1-0-4.schema.json";
        let path = dirs.iter().map(|d| d.join(relative)).find(|p| p.is_file());
        let path = path.unwrap_or_else(|| panic!("{relative} not found in {dirs:?}"));
        let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let mut expected: Vec<&str> =
            schema["items"]["properties"].as_object().unwrap().keys().map(String::as_str).collect();
        let mut ours = FIELDS.to_vec();
        expected.sort_unstable();
        ours.sort_unstable();
        assert_eq!(ours, expected);
        assert_eq!(schema["items"]["required"], json!(["tv", "p", "e"]));
    }

    #[test]
    fn what_the_sdk_encodes_comes_back_as_the_same_events() {
        let context = SdkValue::object()
            .with(
                "page",
                SdkValue::object()
                    .with("url", "https://shop.test/p/1")
                    .with("title", "Phone")
                    .with("referrer", ""),
            )
            .with("library", SdkValue::object().with("name", "persona").with("version", "0.1.0"))
            .with("consent", SdkValue::object().with("analytics", "granted"))
            .with("session", SdkValue::object().with("id", "s-1").with("number", 3.0))
            .with("locale", "de-DE")
            .with("timezone", "Europe/Berlin");
        let page = SdkValue::object()
            .with("type", "page")
            .with("messageId", "m-page")
            .with("anonymousId", "anon-1")
            .with("originalTimestamp", "2026-11-22T10:00:00.250Z")
            .with("properties", SdkValue::object().with("section", "phones"))
            .with("context", context.clone());
        let track = SdkValue::object()
            .with("type", "track")
            .with("event", "Product Viewed")
            .with("messageId", "m-track")
            .with("anonymousId", "anon-1")
            .with("userId", "u-7")
            .with("originalTimestamp", "2026-11-22T10:00:01.000Z")
            .with(
                "properties",
                SdkValue::object()
                    .with("product_id", "p-1")
                    .with("price", 499.5)
                    .with("tags", SdkValue::Array(vec!["5g".into()])),
            )
            .with("context", context);
        let body = payload(vec![page, track], 1_795_341_602_000, 2, Some("shop"), &Json).unwrap();
        let ingest = parse_tp2(to_json(&body).to_string().as_bytes()).unwrap();
        assert_eq!(ingest.dropped, 2);
        let [pv, tr] = &ingest.events[..] else { panic!("two events") };
        assert_eq!(
            (pv.message_id.as_str(), pv.kind.as_str(), pv.name.as_deref()),
            ("m-page", "page", Some("Phone"))
        );
        assert_eq!(serde_json::from_str::<Value>(&pv.properties).unwrap(), json!({"section": "phones"}));
        assert_eq!(
            (tr.message_id.as_str(), tr.kind.as_str(), tr.event.as_deref()),
            ("m-track", "track", Some("Product Viewed"))
        );
        assert_eq!(
            serde_json::from_str::<Value>(&tr.properties).unwrap(),
            json!({"product_id": "p-1", "price": 499.5, "tags": ["5g"]})
        );
        assert_eq!(tr.anonymous_id.as_deref(), Some("anon-1"));
        assert_eq!(tr.user_id.as_deref(), Some("u-7"));
        assert_eq!(pv.original_timestamp.as_deref(), Some("2026-11-22T10:00:00.250Z"));
        assert_eq!(tr.sent_at.as_deref(), Some("2026-11-22T10:00:02.000Z"));
        let ctx: Value = serde_json::from_str(&tr.context).unwrap();
        assert_eq!(ctx["page"]["url"], "https://shop.test/p/1");
        assert_eq!(ctx["library"]["name"], "persona");
        assert_eq!(ctx["consent"]["analytics"], "granted");
        assert_eq!(ctx["session"]["id"], "s-1");
        assert_eq!(
            (ctx["locale"].as_str(), ctx["timezone"].as_str()),
            (Some("de-DE"), Some("Europe/Berlin"))
        );
        assert_eq!(ctx["app"]["id"], "shop");
    }

    #[test]
    fn other_trackers_events_are_translated_too() {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let foreign = json!({"schema": "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0",
            "data": {"schema": "iglu:com.acme/wishlist/jsonschema/1-0-0", "data": {"sku": "A-1"}}});
        let contexts = json!({"schema": "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0",
            "data": [{"schema": "iglu:com.acme/user/jsonschema/1-0-0", "data": {"tier": "gold"}}]});
        let body = json!({"schema": "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4", "data": [
            {"e": "se", "eid": "se-1", "tv": "js-4.10.1", "p": "web", "se_ca": "video", "se_ac": "play", "se_va": "12",
             "duid": "d-1", "dtm": "1000"},
            {"e": "ue", "eid": "ue-1", "tv": "js-4.10.1", "p": "web", "nuid": "n-1",
             "ue_px": URL_SAFE_NO_PAD.encode(foreign.to_string()), "cx": URL_SAFE_NO_PAD.encode(contexts.to_string())},
        ]});
        let ingest = parse_tp2(body.to_string().as_bytes()).unwrap();
        let [se, ue] = &ingest.events[..] else { panic!("two events") };
        assert_eq!(se.event.as_deref(), Some("play"));
        assert_eq!(
            serde_json::from_str::<Value>(&se.properties).unwrap(),
            json!({"category": "video", "action": "play", "value": "12"})
        );
        assert_eq!(se.original_timestamp.as_deref(), Some("1970-01-01T00:00:01.000Z"));
        assert_eq!(ue.event.as_deref(), Some("iglu:com.acme/wishlist/jsonschema/1-0-0"));
        assert_eq!(
            ue.anonymous_id.as_deref(),
            Some("n-1"),
            "network user id when there is no domain user id"
        );
        let ctx: Value = serde_json::from_str(&ue.context).unwrap();
        assert_eq!(ctx["snowplow"][0]["data"]["tier"], "gold");
        assert_eq!(ingest.dropped, 0);
    }

    #[test]
    fn violations_are_named_by_index_and_field() {
        let ok = json!({"e": "pv", "eid": "e-1", "tv": "t", "p": "web"});
        let with = |patch: Value| {
            let mut bad = ok.clone();
            for (k, v) in patch.as_object().unwrap() {
                if v.is_null() {
                    bad.as_object_mut().unwrap().remove(k);
                } else {
                    bad[k] = v.clone();
                }
            }
            json!({"schema": "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4", "data": [ok.clone(), bad]})
        };
        let cases = [
            (with(json!({"product_id": "p"})), ErrorCode::InvalidEvent, "data[1] has field \"product_id\""),
            (with(json!({"dtm": 5})), ErrorCode::InvalidEvent, "data[1].dtm must be a string"),
            (with(json!({"tv": null})), ErrorCode::InvalidEvent, "data[1].tv is required"),
            (with(json!({"eid": null})), ErrorCode::InvalidEvent, "data[1].eid is required"),
            (with(json!({"dtm": "yesterday"})), ErrorCode::InvalidEvent, "data[1].dtm must be milliseconds"),
            (with(json!({"e": "xx"})), ErrorCode::InvalidEvent, "data[1].e \"xx\" is not an event type"),
            (with(json!({"e": "ue", "ue_pr": "{"})), ErrorCode::InvalidEvent, "data[1].ue_pr is not JSON"),
            (with(json!({"e": "ue"})), ErrorCode::InvalidEvent, "data[1].ue_pr (or ue_px) is required"),
            (with(json!({"co": "[]"})), ErrorCode::InvalidEvent, "data[1].co/cx must be a JSON object"),
            (
                with(
                    json!({"co": json!({"schema": "s", "data": [{"schema": CONTEXT_SCHEMA, "data": {"dropped": u64::MAX}}]}).to_string()}),
                ),
                ErrorCode::InvalidEvent,
                "data[1].co dropped must be a whole number",
            ),
            (
                json!({"schema": "iglu:x/y/jsonschema/1-0-0", "data": [ok.clone()]}),
                ErrorCode::InvalidBatch,
                "schema must be",
            ),
            (
                json!({"schema": "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4", "data": []}),
                ErrorCode::InvalidBatch,
                "data is empty",
            ),
            (json!([ok.clone()]), ErrorCode::InvalidBatch, "body must be a self-describing"),
        ];
        for (body, code, start) in cases {
            let (got, message) = code_and_message(&body);
            assert_eq!(got, code, "{message}");
            assert!(message.starts_with(start), "{message:?} should start with {start:?}");
        }
    }
}
