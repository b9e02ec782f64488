//! Batch validation: turns a raw request body into events ready to store, or one [`ApiError`].
//!
//! Two JSON envelopes around canonical (Segment-spec) events are handled here: Segment's
//! `{"batch": [...], "sentAt", "writeKey"?}` (`POST /v1/batch`) and persona's native
//! `{"v": 1, "events": [...], "sentAt", "writeKey"?}` (`POST /v1/events`); both may carry persona's
//! `dropped` report. Snowplow's tracker protocol is translated in [`crate::snowplow`].
//!
//! Everything here is pure (no I/O) so the rules can be unit-tested. A batch is all or nothing: the first
//! invalid event rejects the whole batch.

use serde_json::{Map, Value};

use crate::error::{ApiError, ErrorCode};
use crate::facts::Facts;

/// Largest accepted request body, in bytes (1 MiB).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Largest accepted number of events in one batch.
pub const MAX_BATCH_EVENTS: usize = 10_000;
/// Largest `dropped` report accepted (2^53, the largest whole number JavaScript counts exactly).
pub const MAX_DROPPED: u64 = 1 << 53;
/// Longest accepted `messageId`, in characters.
pub const MAX_MESSAGE_ID_CHARS: usize = 200;
/// The Segment call types the collector accepts in `type`.
pub const EVENT_TYPES: [&str; 6] = ["track", "page", "identify", "alias", "group", "screen"];

/// Optional fields that must be strings when present and not null.
const STRING_FIELDS: [&str; 7] =
    ["event", "name", "anonymousId", "userId", "originalTimestamp", "timestamp", "sentAt"];
/// Optional fields that must be objects when present and not null.
const OBJECT_FIELDS: [&str; 3] = ["properties", "context", "traits"];

/// One validated event, with the columns the store indexes pulled out of it.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidEvent {
    /// `messageId`: the deduplication key.
    pub message_id: String,
    /// `type`: one of [`EVENT_TYPES`].
    pub kind: String,
    /// `event`: the event name of a track call.
    pub event: Option<String>,
    /// `name`: the page or screen name.
    pub name: Option<String>,
    /// `anonymousId`.
    pub anonymous_id: Option<String>,
    /// `userId`.
    pub user_id: Option<String>,
    /// `originalTimestamp`: when the event happened, by the client's clock.
    pub original_timestamp: Option<String>,
    /// `timestamp`: when it happened, as a server-side sender says (see [`ValidEvent::into_server`]).
    pub timestamp: Option<String>,
    /// `sentAt` of the event, or else of the batch.
    pub sent_at: Option<String>,
    /// `properties` as JSON object text (`{}` when absent).
    pub properties: String,
    /// `context` as JSON object text (`{}` when absent).
    pub context: String,
    /// The whole event object as received, as JSON text.
    pub raw: String,
    /// What the event adds to the dashboard's aggregates.
    pub facts: Facts,
    /// When it happened, for a server-side event (its `timestamp`, else `originalTimestamp`), ms
    /// since the epoch; `None` for events from browsers, which count from when they arrived.
    pub at: Option<i64>,
    /// Sent with a secret key by the shop's own systems (store purchases, hotline contacts).
    pub server: bool,
}

impl ValidEvent {
    /// The same event as sent by the shop's systems with a secret key (`index`: its place in the
    /// batch, for errors): it needs a `userId` or an `anonymousId`, its time is its own
    /// `timestamp` (or `originalTimestamp`; ISO 8601, no later than `received_at`), and its channel
    /// is its `context.channel` (default `offline`).
    pub fn into_server(mut self, index: usize, received_at: i64) -> Result<ValidEvent, ApiError> {
        let invalid = |rule: &str| ApiError::new(ErrorCode::InvalidEvent, format!("batch[{index}]{rule}"));
        if self.user_id.is_none() && self.anonymous_id.is_none() {
            return Err(invalid(" needs a userId (or an anonymousId) when sent with a secret key"));
        }
        self.at = match self.timestamp.as_deref().or(self.original_timestamp.as_deref()) {
            None => Some(received_at),
            Some(text) => Some(
                crate::clock::parse_timestamp(text)
                    .ok_or_else(|| {
                        invalid(".timestamp must be ISO 8601 with a zone, e.g. 2026-12-06T10:00:00Z")
                    })?
                    .min(received_at),
            ),
        };
        self.facts.as_server();
        self.server = true;
        Ok(self)
    }
}

/// A request body, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Ingest {
    /// The events, in order.
    pub events: Vec<ValidEvent>,
    /// How many events the sender's queue caps dropped since its last delivered batch (persona's
    /// `dropped` report; 0 when absent).
    pub dropped: u64,
    /// The write key the body carried (`writeKey`), if any.
    pub write_key: Option<String>,
}

/// Parses and validates a batch body. Accepts any bytes: the content type is not looked at.
#[cfg(test)]
pub fn parse_batch(body: &[u8]) -> Result<Vec<ValidEvent>, ApiError> {
    parse_segment(body).map(|ingest| ingest.events)
}

/// Parses a Segment batch, `{"batch": [...], "sentAt"?, "dropped"?, "writeKey"?}`. A `dropped` that
/// is not a whole number ≥ 0 is `invalid_batch`.
pub fn parse_segment(body: &[u8]) -> Result<Ingest, ApiError> {
    parse_envelope(body, "batch", false)
}

/// Parses persona's native batch, `{"v": 1, "events": [...], "sentAt"?, "dropped"?, "writeKey"?}`.
pub fn parse_native(body: &[u8]) -> Result<Ingest, ApiError> {
    parse_envelope(body, "events", true)
}

/// Parses a JSON body, naming serde_json's line and column when it is not JSON.
pub fn parse_json(body: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::new(ErrorCode::InvalidJson, format!("body is not valid JSON: {e}")))
}

fn parse_envelope(body: &[u8], list: &str, versioned: bool) -> Result<Ingest, ApiError> {
    let value = parse_json(body)?;
    let invalid_batch = |message: &str| ApiError::new(ErrorCode::InvalidBatch, message);
    let Value::Object(top) = value else {
        return Err(invalid_batch(&format!("body must be a JSON object with a \"{list}\" array")));
    };
    if versioned && top.get("v").and_then(Value::as_u64) != Some(1) {
        return Err(invalid_batch("v must be 1 (the native format's version)"));
    }
    let batch_sent_at = match top.get("sentAt") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(invalid_batch("sentAt must be a string")),
    };
    let dropped = match top.get("dropped") {
        None | Some(Value::Null) => 0,
        Some(Value::Number(n)) if n.as_u64().is_some_and(|d| d <= MAX_DROPPED) => n.as_u64().unwrap_or(0),
        Some(_) => return Err(invalid_batch("dropped must be a whole number from 0 to 2^53")),
    };
    let write_key = match top.get("writeKey") {
        None | Some(Value::Null) => None,
        Some(Value::String(key)) => Some(key.clone()),
        Some(_) => return Err(invalid_batch("writeKey must be a string")),
    };
    let events = match top.get(list) {
        None => return Err(invalid_batch(&format!("{list} is missing"))),
        Some(Value::Array(events)) => events,
        Some(_) => return Err(invalid_batch(&format!("{list} must be an array"))),
    };
    check_count(list, events.len())?;
    let events = events
        .iter()
        .enumerate()
        .map(|(i, event)| validate_event(list, i, event, batch_sent_at.as_deref()))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Ingest { events, dropped, write_key })
}

/// A batch holds 1..=[`MAX_BATCH_EVENTS`] events.
pub fn check_count(list: &str, count: usize) -> Result<(), ApiError> {
    if count == 0 {
        return Err(ApiError::new(ErrorCode::InvalidBatch, format!("{list} is empty")));
    }
    if count > MAX_BATCH_EVENTS {
        return Err(ApiError::new(
            ErrorCode::BatchTooLarge,
            format!("{list} holds {count} events; at most {MAX_BATCH_EVENTS} are accepted"),
        ));
    }
    Ok(())
}

/// Validates `{list}[index]`; `batch_sent_at` fills in `sentAt` when the event has none.
pub fn validate_event(
    list: &str,
    index: usize,
    event: &Value,
    batch_sent_at: Option<&str>,
) -> Result<ValidEvent, ApiError> {
    let invalid = |field: &str, rule: &str| {
        ApiError::new(ErrorCode::InvalidEvent, format!("{list}[{index}]{field} {rule}"))
    };
    let Value::Object(obj) = event else {
        return Err(invalid("", "must be an object"));
    };
    let message_id = match obj.get("messageId") {
        Some(Value::String(s)) if !s.trim().is_empty() => s,
        _ => return Err(invalid(".messageId", "must be a non-empty string")),
    };
    if message_id.chars().count() > MAX_MESSAGE_ID_CHARS {
        return Err(invalid(".messageId", &format!("must be at most {MAX_MESSAGE_ID_CHARS} characters")));
    }
    let kind = match obj.get("type") {
        Some(Value::String(s)) if EVENT_TYPES.contains(&s.as_str()) => s,
        _ => return Err(invalid(".type", &format!("must be one of {}", EVENT_TYPES.join(", ")))),
    };
    for field in STRING_FIELDS {
        if !matches!(obj.get(field), None | Some(Value::Null | Value::String(_))) {
            return Err(invalid(&format!(".{field}"), "must be a string"));
        }
    }
    for field in OBJECT_FIELDS {
        if !matches!(obj.get(field), None | Some(Value::Null | Value::Object(_))) {
            return Err(invalid(&format!(".{field}"), "must be an object"));
        }
    }
    Ok(ValidEvent {
        message_id: message_id.clone(),
        kind: kind.clone(),
        event: string_field(obj, "event"),
        name: string_field(obj, "name"),
        anonymous_id: string_field(obj, "anonymousId"),
        user_id: string_field(obj, "userId"),
        original_timestamp: string_field(obj, "originalTimestamp"),
        timestamp: string_field(obj, "timestamp"),
        sent_at: string_field(obj, "sentAt").or_else(|| batch_sent_at.map(str::to_owned)),
        properties: object_text(obj, "properties"),
        context: object_text(obj, "context"),
        raw: event.to_string(),
        facts: crate::facts::of(obj),
        at: None,
        server: false,
    })
}

/// The string value of `field`, if present (already checked to be a string or null).
fn string_field(obj: &Map<String, Value>, field: &str) -> Option<String> {
    obj.get(field).and_then(Value::as_str).map(str::to_owned)
}

/// The JSON text of object `field`, or `{}` when absent or null.
fn object_text(obj: &Map<String, Value>, field: &str) -> String {
    match obj.get(field) {
        Some(value @ Value::Object(_)) => value.to_string(),
        _ => "{}".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(value: Value) -> Result<Vec<ValidEvent>, ApiError> {
        parse_batch(value.to_string().as_bytes())
    }

    fn code_and_message(result: Result<Vec<ValidEvent>, ApiError>) -> (ErrorCode, String) {
        let err = result.expect_err("expected an error");
        (err.code, err.message)
    }

    fn track(id: &str) -> Value {
        json!({"messageId": id, "type": "track", "event": "Product Viewed", "anonymousId": "a1"})
    }

    #[test]
    fn valid_batch_extracts_columns() {
        let events = parse(json!({
            "sentAt": "2024-05-01T10:00:01Z",
            "writeKey": "wk",
            "batch": [{
                "messageId": "m1", "type": "track", "event": "Product Viewed", "anonymousId": "a1",
                "userId": "u1", "originalTimestamp": "2024-05-01T10:00:00Z",
                "properties": {"product_id": "p1", "price": 9.5}, "context": {"page": {"path": "/"}}
            }, {
                "messageId": "m2", "type": "page", "name": "Home", "sentAt": "2024-05-01T10:00:02Z"
            }]
        }))
        .unwrap();
        assert_eq!(events.len(), 2);
        let first = &events[0];
        assert_eq!(first.message_id, "m1");
        assert_eq!(first.kind, "track");
        assert_eq!(first.event.as_deref(), Some("Product Viewed"));
        assert_eq!(first.user_id.as_deref(), Some("u1"));
        assert_eq!(first.sent_at.as_deref(), Some("2024-05-01T10:00:01Z"), "falls back to batch sentAt");
        let props: Value = serde_json::from_str(&first.properties).unwrap();
        assert_eq!(props, json!({"product_id": "p1", "price": 9.5}));
        let raw: Value = serde_json::from_str(&first.raw).unwrap();
        assert_eq!(raw["context"]["page"]["path"], "/");
        let second = &events[1];
        assert_eq!(second.name.as_deref(), Some("Home"));
        assert_eq!(second.sent_at.as_deref(), Some("2024-05-01T10:00:02Z"), "event sentAt wins");
        assert_eq!(second.properties, "{}");
        assert_eq!(second.context, "{}");
        assert_eq!(second.anonymous_id, None);
    }

    #[test]
    fn every_segment_type_is_accepted() {
        let batch: Vec<Value> = EVENT_TYPES
            .iter()
            .enumerate()
            .map(|(i, t)| json!({"messageId": i.to_string(), "type": t}))
            .collect();
        assert_eq!(parse(json!({ "batch": batch })).unwrap().len(), 6);
    }

    #[test]
    fn nulls_count_as_absent() {
        let events =
            parse(json!({"batch": [{"messageId": "m", "type": "identify", "userId": null, "traits": null}]}))
                .unwrap();
        assert_eq!(events[0].user_id, None);
    }

    #[test]
    fn malformed_json_reports_line_and_column() {
        let (code, message) = code_and_message(parse_batch(b"{\"batch\": [\n  {,}]}"));
        assert_eq!(code, ErrorCode::InvalidJson);
        assert!(message.contains("line 2 column"), "{message}");
        let (code, _) = code_and_message(parse_batch(b""));
        assert_eq!(code, ErrorCode::InvalidJson);
    }

    #[test]
    fn batch_shape_problems_are_named() {
        let cases = [
            (json!([track("m")]), "must be a JSON object"),
            (json!({"sentAt": "x"}), "batch is missing"),
            (json!({"batch": {"messageId": "m"}}), "batch must be an array"),
            (json!({"batch": []}), "batch is empty"),
            (json!({"batch": [track("m")], "sentAt": 5}), "sentAt must be a string"),
            (json!({"batch": [track("m")], "writeKey": true}), "writeKey must be a string"),
        ];
        for (body, expected) in cases {
            let (code, message) = code_and_message(parse(body));
            assert_eq!(code, ErrorCode::InvalidBatch);
            assert!(message.contains(expected), "{message} should contain {expected}");
        }
    }

    #[test]
    fn too_many_events_is_batch_too_large() {
        let batch: Vec<Value> =
            (0..=MAX_BATCH_EVENTS).map(|i| json!({"messageId": i, "type": "page"})).collect();
        let (code, message) = code_and_message(parse(json!({ "batch": batch })));
        assert_eq!(code, ErrorCode::BatchTooLarge);
        assert!(message.contains("10001"), "{message}");
    }

    #[test]
    fn invalid_events_name_index_and_field() {
        let long_id = "x".repeat(MAX_MESSAGE_ID_CHARS + 1);
        let cases = [
            (json!("track"), "batch[1] must be an object"),
            (json!({"type": "track"}), "batch[1].messageId must be a non-empty string"),
            (json!({"messageId": "", "type": "track"}), "batch[1].messageId must be a non-empty string"),
            (json!({"messageId": 7, "type": "track"}), "batch[1].messageId must be a non-empty string"),
            (json!({"messageId": long_id, "type": "track"}), "batch[1].messageId must be at most 200"),
            (json!({"messageId": "m"}), "batch[1].type must be one of track, page"),
            (json!({"messageId": "m", "type": "click"}), "batch[1].type must be one of"),
            (json!({"messageId": "m", "type": "track", "event": 3}), "batch[1].event must be a string"),
            (json!({"messageId": "m", "type": "track", "userId": 42}), "batch[1].userId must be a string"),
            (
                json!({"messageId": "m", "type": "track", "properties": []}),
                "batch[1].properties must be an object",
            ),
            (
                json!({"messageId": "m", "type": "track", "context": "c"}),
                "batch[1].context must be an object",
            ),
        ];
        for (bad, expected) in cases {
            let (code, message) = code_and_message(parse(json!({"batch": [track("ok"), bad]})));
            assert_eq!(code, ErrorCode::InvalidEvent);
            assert!(message.starts_with(expected), "{message} should start with {expected}");
        }
    }

    #[test]
    fn native_batches_are_versioned_and_carry_the_key() {
        let ingest = parse_native(
            json!({"v": 1, "sentAt": "2026-01-01T00:00:00.000Z", "dropped": 4, "writeKey": "k", "events": [track("n1")]})
                .to_string()
                .as_bytes(),
        )
        .unwrap();
        assert_eq!((ingest.events.len(), ingest.dropped, ingest.write_key.as_deref()), (1, 4, Some("k")));
        assert_eq!(ingest.events[0].sent_at.as_deref(), Some("2026-01-01T00:00:00.000Z"));
        for (body, expected) in [
            (json!({"events": [track("n1")]}), "v must be 1"),
            (json!({"v": 2, "events": [track("n1")]}), "v must be 1"),
            (json!({"v": 1, "batch": [track("n1")]}), "events is missing"),
            (json!({"v": 1, "events": []}), "events is empty"),
        ] {
            let err = parse_native(body.to_string().as_bytes()).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidBatch);
            assert!(err.message.contains(expected), "{}", err.message);
        }
        let err =
            parse_native(json!({"v": 1, "events": [{"type": "track"}]}).to_string().as_bytes()).unwrap_err();
        assert!(err.message.starts_with("events[0].messageId"), "{}", err.message);
    }

    #[test]
    fn message_id_length_counts_characters_not_bytes() {
        let id = "é".repeat(MAX_MESSAGE_ID_CHARS);
        assert!(parse(json!({"batch": [{"messageId": id, "type": "page"}]})).is_ok());
    }
}
