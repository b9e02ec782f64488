//! Segment's batch format: `POST /v1/batch` with `{batch: [event...], sentAt, dropped?}`.
//!
//! `dropped` is persona's own addition (other collectors ignore unknown keys): how many events the
//! outbox caps dropped since the last delivered batch, so that the loss is known, not silent.

use crate::core::value::Value;

/// Wraps events into a Segment batch body, stamping `sentAt` on the envelope and on each event,
/// with `dropped` when it is not zero.
pub fn batch(events: Vec<Value>, sent_at: &str, dropped: u32) -> Value {
    let events = events
        .into_iter()
        .map(|mut e| {
            e.set("sentAt", sent_at.into());
            e
        })
        .collect();
    let body = Value::object().with("batch", Value::Array(events)).with("sentAt", sent_at);
    if dropped > 0 {
        body.with("dropped", f64::from(dropped))
    } else {
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_sent_at_everywhere() {
        let body = batch(vec![Value::object().with("messageId", "m")], "2026-01-01T00:00:00.000Z", 0);
        assert_eq!(body.get("dropped"), None);
        let with_drops = batch(vec![], "t", 3);
        assert_eq!(with_drops.get("dropped").and_then(Value::as_f64), Some(3.0));
        let events = body.get("batch").and_then(Value::as_array).unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].get("sentAt"), body.get("sentAt"));
        assert_eq!(events[0].get("messageId").and_then(Value::as_str), Some("m"));
    }
}
