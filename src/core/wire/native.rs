//! persona's native format: `{v: 1, events: [event...], sentAt, dropped?, writeKey?}`.
//!
//! The canonical events as they are, in a versioned envelope; `sentAt` is said once for the whole
//! batch instead of on every event (the Segment format repeats it), which keeps requests smaller.
//! persona's collector takes it at `POST /v1/events`.

use crate::core::time::iso8601;
use crate::core::value::Value;
use crate::prelude::*;

/// Version of the envelope, in `v`.
pub const VERSION: f64 = 1.0;

/// Wraps events into a native batch body.
pub fn batch(events: Vec<Value>, sent_at_ms: u64, dropped: u32, write_key: Option<&str>) -> Value {
    let body = Value::object()
        .with("v", VERSION)
        .with("events", Value::Array(events))
        .with("sentAt", iso8601(sent_at_ms));
    envelope(body, dropped, write_key)
}

/// Adds the optional envelope members shared by the Segment and native formats.
pub(super) fn envelope(mut body: Value, dropped: u32, write_key: Option<&str>) -> Value {
    if dropped > 0 {
        body.set("dropped", f64::from(dropped).into());
    }
    if let Some(key) = write_key {
        body.set("writeKey", key.into());
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versioned_envelope_with_one_sent_at() {
        let body = batch(vec![Value::object().with("messageId", "m")], 1000, 2, None);
        assert_eq!(body.get("v").and_then(Value::as_f64), Some(1.0));
        assert_eq!(body.get("sentAt").and_then(Value::as_str), Some("1970-01-01T00:00:01.000Z"));
        assert_eq!(body.get("dropped").and_then(Value::as_f64), Some(2.0));
        let events = body.get("events").and_then(Value::as_array).unwrap();
        assert_eq!(events[0].get("sentAt"), None, "said once, on the envelope");
    }
}
