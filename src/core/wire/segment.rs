//! Segment's batch format: `POST /v1/batch` with `{batch: [event...], sentAt, dropped?, writeKey?}`.
//!
//! `dropped` is persona's own addition (other collectors ignore unknown keys): how many events the
//! outbox caps dropped since the last delivered batch, so that the loss is known, not silent.

use crate::core::time::iso8601;
use crate::core::value::Value;
use crate::prelude::*;

/// Wraps events into a Segment batch body, stamping `sentAt` on the envelope and on each event,
/// with `dropped` when it is not zero and the write key when it travels in the body.
pub fn batch(events: Vec<Value>, sent_at_ms: u64, dropped: u32, write_key: Option<&str>) -> Value {
    let sent_at = iso8601(sent_at_ms);
    let events = events
        .into_iter()
        .map(|mut e| {
            e.set("sentAt", sent_at.as_str().into());
            e
        })
        .collect();
    let body = Value::object().with("batch", Value::Array(events)).with("sentAt", sent_at);
    super::native::envelope(body, dropped, write_key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_sent_at_everywhere() {
        let body = batch(vec![Value::object().with("messageId", "m")], 0, 0, None);
        assert_eq!(body.get("dropped"), None);
        assert_eq!(body.get("writeKey"), None);
        assert_eq!(body.get("sentAt").and_then(Value::as_str), Some("1970-01-01T00:00:00.000Z"));
        let with_drops = batch(vec![], 5, 3, Some("k"));
        assert_eq!(with_drops.get("dropped").and_then(Value::as_f64), Some(3.0));
        assert_eq!(with_drops.get("writeKey").and_then(Value::as_str), Some("k"));
        let events = body.get("batch").and_then(Value::as_array).unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].get("sentAt"), body.get("sentAt"));
        assert_eq!(events[0].get("messageId").and_then(Value::as_str), Some("m"));
    }
}
