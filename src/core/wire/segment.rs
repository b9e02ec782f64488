//! Segment's batch format: `POST /v1/batch` with `{batch: [event...], sentAt}`.

use crate::core::value::Value;

/// Wraps events into a Segment batch body, stamping `sentAt` on the envelope and on each event.
pub fn batch(events: Vec<Value>, sent_at: &str) -> Value {
    let events = events
        .into_iter()
        .map(|mut e| {
            e.set("sentAt", sent_at.into());
            e
        })
        .collect();
    Value::object().with("batch", Value::Array(events)).with("sentAt", sent_at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_sent_at_everywhere() {
        let body = batch(vec![Value::object().with("messageId", "m")], "2026-01-01T00:00:00.000Z");
        let events = body.get("batch").and_then(Value::as_array).unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].get("sentAt"), body.get("sentAt"));
        assert_eq!(events[0].get("messageId").and_then(Value::as_str), Some("m"));
    }
}
