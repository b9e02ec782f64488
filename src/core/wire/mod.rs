//! Encoders for collector wire formats.
//!
//! Events are built in the canonical Segment-spec shape ([`crate::core::event`]); each format here
//! turns a batch of them into the request body its collector expects, and [`encode`] decides how
//! the request carries the write key:
//!
//! | format (`collector.format`) | body | endpoint (the page configures `collector.url`) |
//! |---|---|---|
//! | `segment` (default) | `{batch: [event...], sentAt, dropped?, writeKey?}` | Segment, RudderStack, Jitsu, persona's collector: `/v1/batch` |
//! | `native` | `{v: 1, events: [event...], sentAt, dropped?, writeKey?}` | persona's collector: `/v1/events` |
//! | `snowplow` | tracker protocol 2, `payload_data` 1-0-4 | Snowplow: `/com.snowplowanalytics.snowplow/tp2` |
//!
//! By default bodies go out as `text/plain` (a CORS-simple request: no preflight), with the write
//! key inside the body. With `collector.contentType: "application/json"`, or for Snowplow whose
//! body has no place for it, the key travels as `Authorization: Basic base64(key + ":")`, the
//! convention of Segment and RudderStack.

use crate::prelude::*;
pub mod native;
pub mod segment;
pub mod snowplow;

use crate::core::config::Config;
use crate::core::error::Result;
use crate::core::platform::Codec;
use crate::core::value::Value;

/// Largest request body persona sends when it can cut the batch smaller: every chunk then fits
/// the browsers' 64 KiB budget for keep-alive requests and beacons. The formats differ in how
/// much they add to the events (Snowplow's string-encoded JSON about two thirds), so the body,
/// not the queued events, is measured.
pub const MAX_BODY_BYTES: usize = 60 * 1024;

/// The collector's wire format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Segment's batch format (also RudderStack, Jitsu and persona's collector).
    #[default]
    Segment,
    /// persona's own versioned envelope.
    Native,
    /// Snowplow's tracker protocol (`tp2`, `payload_data` 1-0-4).
    Snowplow,
}

impl Format {
    /// The format named by the `collector.format` option.
    pub fn from_name(name: &str) -> Option<Format> {
        match name {
            "segment" => Some(Format::Segment),
            "native" => Some(Format::Native),
            "snowplow" => Some(Format::Snowplow),
            _ => None,
        }
    }
}

/// A request body and how it must be sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    /// The body text.
    pub text: String,
    /// Send `Content-Type: application/json` (otherwise the browser's `text/plain`).
    pub json: bool,
    /// The `Authorization` header value, when the write key travels as a header.
    pub authorization: Option<String>,
}

/// Encodes `events` (canonical wire events) for the configured collector. `sent_at_ms` is now;
/// `dropped` is how many events the outbox caps dropped since the last delivered batch.
pub fn encode(
    config: &Config,
    events: Vec<Value>,
    sent_at_ms: u64,
    dropped: u32,
    codec: &impl Codec,
) -> Result<Body> {
    let key = config.write_key.as_deref();
    let header_key = key.filter(|_| config.json_content_type || config.format == Format::Snowplow);
    let body_key = if header_key.is_some() { None } else { key };
    let value = match config.format {
        Format::Segment => segment::batch(events, sent_at_ms, dropped, body_key),
        Format::Native => native::batch(events, sent_at_ms, dropped, body_key),
        Format::Snowplow => snowplow::payload(events, sent_at_ms, dropped, config.app_id.as_deref(), codec)?,
    };
    Ok(Body {
        text: codec.encode(&value)?,
        json: config.json_content_type,
        authorization: header_key.map(basic_auth),
    })
}

/// `Basic base64(key + ":")`: the key as the user name, no password.
pub fn basic_auth(key: &str) -> String {
    let mut credentials = key.as_bytes().to_vec();
    credentials.push(b':');
    let mut out = String::from("Basic ");
    base64(&credentials, &mut out);
    out
}

/// Standard base64 with padding.
fn base64(bytes: &[u8], out: &mut String) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
}

/// Decimal text of `n`, without `core::fmt`.
pub(crate) fn decimal(n: u64) -> String {
    let mut out = String::new();
    crate::core::time::push_num(&mut out, n, 1);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::testing::MemPlatform;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
        ] {
            let mut out = String::new();
            base64(plain.as_bytes(), &mut out);
            assert_eq!(out, encoded, "{plain}");
        }
        assert_eq!(basic_auth("wk_123"), "Basic d2tfMTIzOg==");
    }

    fn config(format: Format, key: Option<&str>, json: bool) -> Config {
        Config {
            collector_url: "/c".into(),
            format,
            write_key: key.map(str::to_owned),
            json_content_type: json,
            ..Config::default()
        }
    }

    #[test]
    fn write_key_goes_in_the_body_unless_a_header_is_needed() {
        let platform = MemPlatform::default();
        let event = || vec![Value::object().with("messageId", "m").with("type", "track")];
        let plain = encode(&config(Format::Segment, Some("k"), false), event(), 0, 0, &platform).unwrap();
        assert!(!plain.json);
        assert_eq!(plain.authorization, None);
        assert!(plain.text.contains("\"writeKey\":\"k\""), "{}", plain.text);
        let json = encode(&config(Format::Native, Some("k"), true), event(), 0, 0, &platform).unwrap();
        assert!(json.json);
        assert_eq!(json.authorization.as_deref(), Some("Basic azo="));
        assert!(!json.text.contains("writeKey"));
        let snowplow = encode(&config(Format::Snowplow, Some("k"), false), event(), 0, 0, &platform).unwrap();
        assert_eq!(snowplow.authorization.as_deref(), Some("Basic azo="));
        assert!(!snowplow.text.contains("writeKey"));
        let keyless = encode(&config(Format::Segment, None, true), event(), 0, 0, &platform).unwrap();
        assert_eq!(keyless.authorization, None);
        assert!(!keyless.text.contains("writeKey"));
    }

    #[test]
    fn every_chunk_fits_the_keepalive_budget_once_encoded() {
        use crate::core::event::PageContext;
        use crate::core::outbox::Urgency;
        use crate::core::tracker::Tracker;
        for format in [Format::Snowplow, Format::Segment, Format::Native] {
            let config = Config {
                collector_url: "/c".into(),
                format,
                write_key: Some("k".repeat(256)),
                batch_size: 100,
                flush_interval_ms: 60_000,
                ..Config::default()
            };
            let mut tracker = Tracker::new(MemPlatform::default(), config).unwrap();
            let page = PageContext::default();
            let mut tracked = Vec::new();
            for i in 0..91 {
                // Quotes grow most when JSON is put inside a JSON string (Snowplow's ue_pr).
                let properties = Value::object().with("i", f64::from(i)).with("blob", "a\"b".repeat(300));
                let wire = tracker.track("Big", properties, &page).unwrap().event;
                tracked.push(wire.get("messageId").and_then(Value::as_str).unwrap().to_owned());
            }
            let mut sent = Vec::new();
            while let Some(request) = tracker.next_request(Urgency::Unload) {
                let len = request.body.text.len();
                assert!(len <= MAX_BODY_BYTES, "{format:?}: a {len}-byte chunk");
                sent.extend(request.message_ids.iter().cloned());
                tracker.settle(request.id, 200, None);
            }
            assert_eq!(sent, tracked, "{format:?}: every event once, in order");
        }
    }

    #[test]
    fn format_names() {
        assert_eq!(Format::from_name("snowplow"), Some(Format::Snowplow));
        assert_eq!(Format::from_name("native"), Some(Format::Native));
        assert_eq!(Format::from_name("segment"), Some(Format::Segment));
        assert_eq!(Format::from_name("Segment"), None);
        assert_eq!(decimal(0), "0");
        assert_eq!(decimal(1_795_305_600_123), "1795305600123");
    }
}
