//! Segments: named conditions over the profile's attributes ([`crate::core::profile`]),
//! re-evaluated after every event (issue 4, in progress: not yet wired into the tracker).
//!
//! ```text
//! segments: [
//!   { key: "console-owner", name: "Console owners",
//!     condition: { "purchased.categories": { "$in": ["consoles"] } } },
//!   { key: "bargain-hunter", name: "Bargain hunters",
//!     condition: { "affinity.price_band.<10": { "$gt": 5 } } }
//! ]
//! ```
//!
//! Keys are 1–64 characters of `a-z 0-9 - _`, unique; conditions are checked when the
//! configuration loads ([`condition::check`]), so a typo is an error there, not a segment that
//! silently never matches.

use crate::core::condition::{self, Host};
use crate::core::error::{Error, Result};
use crate::core::value::Value;
use crate::prelude::*;

/// One segment definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// Stable key (`console-owner`), used in events and `inSegment`.
    pub key: String,
    /// Display name.
    pub name: String,
    /// Condition over profile attributes.
    pub condition: Value,
}

/// Reads and checks the `segments` option.
pub fn parse(option: Option<&Value>, host: &dyn Host) -> Result<Vec<Segment>> {
    let list = match option {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(list)) => list,
        Some(_) => return Err(Error::OptionInvalid("segments")),
    };
    let mut segments: Vec<Segment> = Vec::with_capacity(list.len());
    for item in list {
        let key = item.get("key").and_then(Value::as_str).filter(|k| valid_key(k));
        let key = key.ok_or(Error::OptionInvalid("segments"))?;
        if segments.iter().any(|s| s.key == key) {
            return Err(Error::OptionInvalid("segments"));
        }
        let name = item.get("name").and_then(Value::as_str).unwrap_or(key);
        let condition = item.get("condition").cloned().unwrap_or_else(Value::object);
        condition::check(&condition, host)?;
        segments.push(Segment { key: key.to_owned(), name: name.to_owned(), condition });
    }
    Ok(segments)
}

fn valid_key(key: &str) -> bool {
    (1..=64).contains(&key.len())
        && key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// The keys of the segments `attributes` belong to, in definition order.
pub fn evaluate(segments: &[Segment], attributes: &Value, host: &dyn Host) -> Vec<String> {
    segments
        .iter()
        .filter(|s| condition::eval(attributes, &s.condition, &[], host))
        .map(|s| s.key.clone())
        .collect()
}

/// What changed between two evaluations: (entered, exited).
pub fn changes(before: &[String], after: &[String]) -> (Vec<String>, Vec<String>) {
    let entered = after.iter().filter(|k| !before.contains(k)).cloned().collect();
    let exited = before.iter().filter(|k| !after.contains(k)).cloned().collect();
    (entered, exited)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::json;
    use crate::core::profile::{Profile, ProfileConfig};
    use crate::core::testing::NativeHost;

    fn value(text: &str) -> Value {
        json::parse(text, 32, &|t| t.parse().unwrap()).unwrap()
    }

    fn event(name: &str, properties: Value) -> Value {
        let session = Value::object().with("id", "s1").with("number", 1.0);
        Value::object()
            .with("type", "track")
            .with("event", name)
            .with("properties", properties)
            .with("context", Value::object().with("session", session))
    }

    #[test]
    fn a_console_purchase_enters_console_owner_within_the_page_view() {
        let segments = parse(
            Some(&value(
                r#"[
                  {"key": "console-owner", "name": "Console owners",
                   "condition": {"purchased.categories": {"$in": ["consoles"]}}},
                  {"key": "console-curious", "condition": {"affinity.category.consoles": {"$gte": 3}, "purchased.orders": 0}},
                  {"key": "returning-visitor", "condition": {"session.count": {"$gt": 1}}}
                ]"#,
            )),
            &NativeHost,
        )
        .unwrap();
        let config = ProfileConfig::default();
        let mut profile = Profile::default();
        let console = |id: &str| {
            Value::object().with("product_id", id).with("category", "consoles").with("price", 299.0)
        };
        let mut active = evaluate(&segments, &profile.attributes(0, &config), &NativeHost);
        assert!(active.is_empty());
        for id in ["c1", "c2", "c3"] {
            profile.record(&event("Product Viewed", console(id)), 1, &config);
        }
        let now = evaluate(&segments, &profile.attributes(1, &config), &NativeHost);
        assert_eq!(changes(&active, &now), (vec!["console-curious".to_owned()], vec![]));
        active = now;
        let order = Value::object()
            .with("order_id", "o-1")
            .with("revenue", 299.0)
            .with("products", Value::Array(vec![console("c2")]));
        profile.record(&event("Order Completed", order), 2, &config);
        let now = evaluate(&segments, &profile.attributes(2, &config), &NativeHost);
        assert_eq!(
            changes(&active, &now),
            (vec!["console-owner".to_owned()], vec!["console-curious".to_owned()])
        );
    }

    #[test]
    fn bad_definitions_are_errors_at_load() {
        let bad = [
            (r#"{"key": "x"}"#, Error::OptionInvalid("segments")),
            (r#"[{"key": "Bad Key", "condition": {}}]"#, Error::OptionInvalid("segments")),
            (
                r#"[{"key": "a", "condition": {}}, {"key": "a", "condition": {}}]"#,
                Error::OptionInvalid("segments"),
            ),
            (r#"[{"key": "a", "condition": {"n": {"$gtt": 1}}}]"#, Error::ConditionInvalid("operator")),
            (r#"[{"key": "a", "condition": {"n": {"$regex": "("}}}]"#, Error::ConditionInvalid("$regex")),
        ];
        for (text, error) in bad {
            assert_eq!(parse(Some(&value(text)), &NativeHost), Err(error), "{text}");
        }
        assert_eq!(parse(None, &NativeHost), Ok(vec![]));
    }
}
