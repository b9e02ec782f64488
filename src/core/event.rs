//! The event model: validation of what the page hands us and the Segment-spec shaped wire event.
//!
//! A wire event looks like
//! ```text
//! { type: "track", event: "Product Viewed", messageId, anonymousId, userId,
//!   originalTimestamp: "2026-11-22T10:00:00.000Z", properties: {...},
//!   context: { page: {url, path, search, title, referrer}, library: {name, version},
//!              campaign?: {source, medium, name, term, content}, locale?, timezone? } }
//! ```
//! `sentAt` is added by the outbox when a batch leaves. The `messageId` is minted once, when the
//! event is created, and kept across every retry, so collectors can drop duplicates.

use crate::core::error::{Error, Result};
use crate::core::time::iso8601;
use crate::core::value::Value;
use crate::prelude::*;

/// Longest accepted event name, in characters.
pub const MAX_NAME_LEN: usize = 200;

/// The library block sent in every event's context.
pub const LIBRARY_NAME: &str = "persona";
/// This crate's version, sent as `context.library.version`.
pub const LIBRARY_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Segment message types persona emits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// A named action (`track("Product Viewed", ...)`).
    Track,
    /// A page view.
    Page,
    /// The visitor became a known customer (`identify(userId, traits)`): the properties given
    /// to [`build`] are sent as `traits`, and `properties` is empty.
    Identify,
}

impl EventKind {
    /// The wire name (`type` field).
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Track => "track",
            EventKind::Page => "page",
            EventKind::Identify => "identify",
        }
    }
}

/// Where the visitor is when the event happens; filled in by the web layer from `location` and
/// `document`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageContext {
    /// Full URL (`location.href`).
    pub url: String,
    /// Path (`location.pathname`).
    pub path: String,
    /// Query string including `?` (`location.search`).
    pub search: String,
    /// `document.title`.
    pub title: String,
    /// `document.referrer`.
    pub referrer: String,
    /// The browser's language (`navigator.language`, e.g. `de-DE`); empty when unknown.
    pub locale: String,
    /// The IANA time zone (`Europe/Berlin`); empty when unknown.
    pub timezone: String,
    /// The campaign of the URL's UTM parameters ([`crate::core::campaign`]), if any.
    pub campaign: Option<Value>,
}

impl PageContext {
    fn to_value(&self) -> Value {
        Value::object()
            .with("path", self.path.as_str())
            .with("referrer", self.referrer.as_str())
            .with("search", self.search.as_str())
            .with("title", self.title.as_str())
            .with("url", self.url.as_str())
    }
}

/// True when two URLs name the same document: equal once their `#fragment` is dropped. A
/// single-page app that only changes the fragment has not navigated.
pub fn same_document(a: &str, b: &str) -> bool {
    fn document(url: &str) -> &[u8] {
        let bytes = url.as_bytes();
        let end = bytes.iter().position(|c| *c == b'#').unwrap_or(bytes.len());
        bytes.get(..end).unwrap_or(bytes)
    }
    document(a) == document(b)
}

/// Checks an event name: non-blank, at most [`MAX_NAME_LEN`] characters, no control characters.
pub fn validate_name(name: &str) -> Result<&str> {
    let blank = name.chars().all(char::is_whitespace);
    // Characters are the bytes that do not continue a UTF-8 sequence (cheaper than `count()`).
    let chars = name.bytes().filter(|b| b & 0xC0 != 0x80).count();
    if blank || chars > MAX_NAME_LEN || name.chars().any(char::is_control) {
        return Err(Error::EventNameInvalid);
    }
    Ok(name)
}

/// Identity, time and consent stamped onto an event.
#[derive(Debug, Clone, Copy)]
pub struct Stamp<'a> {
    /// `context.consent` (Segment's `{categoryPreferences}`), if known.
    pub consent: Option<&'a Value>,
    /// `context.session` (see [`crate::core::session`]), if known.
    pub session: Option<&'a Value>,
    /// Fresh message id.
    pub message_id: &'a str,
    /// The visitor's anonymous id.
    pub anonymous_id: &'a str,
    /// The known customer id, if any.
    pub user_id: Option<&'a str>,
    /// Creation time, ms since the epoch.
    pub now_ms: u64,
}

/// Builds the wire form of an event. `name` is required for [`EventKind::Track`] (validated by
/// the caller); page views carry the page fields in their properties, as Segment's spec does, with
/// the caller's properties taking precedence.
pub fn build(
    kind: EventKind,
    name: Option<&str>,
    properties: Value,
    stamp: Stamp<'_>,
    page: &PageContext,
) -> Result<Value> {
    let properties = match (kind, properties) {
        (EventKind::Page, Value::Null) => page.to_value(),
        (_, Value::Null) => Value::object(),
        (EventKind::Page, Value::Object(given)) => {
            let mut merged = page.to_value();
            for (k, v) in given {
                merged.set(&k, v);
            }
            merged
        }
        (_, p @ Value::Object(_)) => p,
        _ => return Err(Error::PropertiesInvalid),
    };
    let mut event = Value::object().with("type", kind.as_str());
    let properties = if kind == EventKind::Identify {
        event.set("traits", properties);
        Value::object()
    } else {
        properties
    };
    if let Some(name) = name {
        event.set(if kind == EventKind::Track { "event" } else { "name" }, name.into());
    }
    let library = Value::object().with("name", LIBRARY_NAME).with("version", LIBRARY_VERSION);
    let mut context = Value::object().with("page", page.to_value()).with("library", library);
    if let Some(consent) = stamp.consent {
        context.set("consent", consent.clone());
    }
    if let Some(session) = stamp.session {
        context.set("session", session.clone());
    }
    if let Some(campaign) = &page.campaign {
        context.set("campaign", campaign.clone());
    }
    for (key, value) in [("locale", &page.locale), ("timezone", &page.timezone)] {
        if !value.is_empty() {
            context.set(key, value.as_str().into());
        }
    }
    Ok(event
        .with("messageId", stamp.message_id)
        .with("anonymousId", stamp.anonymous_id)
        .with("userId", stamp.user_id)
        .with("originalTimestamp", iso8601(stamp.now_ms))
        .with("properties", properties)
        .with("context", context))
}

/// Longest `messageId` collectors accept (the reference collector's limit), in bytes.
const MAX_MESSAGE_ID_LEN: usize = 200;

/// True when `value` has the shape [`build`] gives events: a `track` with an `event` name or a
/// `page`, a non-empty `messageId`, an `anonymousId`, and object `properties` and `context`.
/// Stored events are checked with it: one that was tampered with would otherwise make the
/// collector reject the whole batch it travels in, and the good events with it.
pub fn is_wire_event(value: &Value) -> bool {
    let text = |key| value.get(key).and_then(Value::as_str);
    let object = |key| value.get(key).is_some_and(Value::is_object);
    let named = match text("type") {
        Some("track") => text("event").is_some(),
        Some("page" | "identify") => true,
        _ => false,
    };
    named
        && text("messageId").is_some_and(|id| (1..=MAX_MESSAGE_ID_LEN).contains(&id.len()))
        && text("anonymousId").is_some()
        && object("properties")
        && object("context")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp() -> Stamp<'static> {
        Stamp {
            consent: None,
            session: None,
            message_id: "m-1",
            anonymous_id: "a-1",
            user_id: None,
            now_ms: 0,
        }
    }

    fn page() -> PageContext {
        PageContext {
            url: "http://shop/p?x=1&utm_source=news".into(),
            path: "/p".into(),
            search: "?x=1&utm_source=news".into(),
            locale: "de-DE".into(),
            timezone: "Europe/Berlin".into(),
            campaign: Some(Value::object().with("source", "news")),
            ..Default::default()
        }
    }

    #[test]
    fn same_document_ignores_the_fragment() {
        assert!(same_document("https://s/p?a=1", "https://s/p?a=1#top"));
        assert!(same_document("https://s/p#x", "https://s/p#y"));
        assert!(!same_document("https://s/p?a=1", "https://s/p?a=2"));
        assert!(!same_document("https://s/p", "https://s/q"));
    }

    #[test]
    fn names_are_validated() {
        assert_eq!(validate_name("Product Viewed"), Ok("Product Viewed"));
        assert_eq!(validate_name(&"x".repeat(MAX_NAME_LEN)).map(str::len), Ok(MAX_NAME_LEN));
        for bad in ["", "   ", "a\nb", &"x".repeat(MAX_NAME_LEN + 1)] {
            assert_eq!(validate_name(bad), Err(Error::EventNameInvalid), "{bad:?}");
        }
    }

    #[test]
    fn track_event_has_segment_shape() {
        let props = Value::object().with("product_id", "sku-1");
        let e = build(EventKind::Track, Some("Product Viewed"), props.clone(), stamp(), &page()).unwrap();
        assert_eq!(e.get("type").and_then(Value::as_str), Some("track"));
        assert_eq!(e.get("event").and_then(Value::as_str), Some("Product Viewed"));
        assert_eq!(e.get("messageId").and_then(Value::as_str), Some("m-1"));
        assert_eq!(e.get("anonymousId").and_then(Value::as_str), Some("a-1"));
        assert_eq!(e.get("userId"), Some(&Value::Null));
        assert_eq!(e.get("originalTimestamp").and_then(Value::as_str), Some("1970-01-01T00:00:00.000Z"));
        assert_eq!(e.get("properties"), Some(&props));
        let ctx = e.get("context").unwrap();
        assert_eq!(ctx.get("page").and_then(|p| p.get("path")).and_then(Value::as_str), Some("/p"));
        assert_eq!(ctx.get("library").and_then(|l| l.get("name")).and_then(Value::as_str), Some("persona"));
        assert_eq!(ctx.get("campaign").and_then(|c| c.get("source")).and_then(Value::as_str), Some("news"));
        assert_eq!(ctx.get("locale").and_then(Value::as_str), Some("de-DE"));
        assert_eq!(ctx.get("timezone").and_then(Value::as_str), Some("Europe/Berlin"));
        let bare = build(EventKind::Track, Some("x"), Value::Null, stamp(), &PageContext::default()).unwrap();
        let bare = bare.get("context").unwrap();
        assert_eq!((bare.get("campaign"), bare.get("locale")), (None, None), "no empty context fields");
    }

    #[test]
    fn page_event_carries_page_fields_caller_wins() {
        let e = build(EventKind::Page, None, Value::Null, stamp(), &page()).unwrap();
        let p = e.get("properties").unwrap();
        assert_eq!(p.get("url").and_then(Value::as_str), Some("http://shop/p?x=1&utm_source=news"));
        assert_eq!(e.get("event"), None);
        let e = build(EventKind::Page, None, Value::object().with("path", "/x"), stamp(), &page()).unwrap();
        assert_eq!(e.get("properties").and_then(|p| p.get("path")).and_then(Value::as_str), Some("/x"));
    }

    #[test]
    fn built_events_are_wire_events_and_tampered_ones_are_not() {
        let track = build(EventKind::Track, Some("x"), Value::Null, stamp(), &page()).unwrap();
        let page_view = build(EventKind::Page, None, Value::Null, stamp(), &page()).unwrap();
        assert!(is_wire_event(&track) && is_wire_event(&page_view));
        let tampered = [
            Value::object(),
            Value::from("track"),
            track.clone().with("type", "nonsense"),
            track.clone().with("event", Value::Null),
            track.clone().with("messageId", ""),
            track.clone().with("messageId", "m".repeat(MAX_MESSAGE_ID_LEN + 1)),
            track.clone().with("anonymousId", 7.0),
            track.clone().with("properties", "x"),
            page_view.clone().with("context", Value::Null),
        ];
        for bad in tampered {
            assert!(!is_wire_event(&bad), "{bad:?}");
        }
    }

    #[test]
    fn non_object_properties_are_rejected() {
        let r = build(EventKind::Track, Some("x"), Value::Array(vec![]), stamp(), &page());
        assert_eq!(r, Err(Error::PropertiesInvalid));
    }
}
