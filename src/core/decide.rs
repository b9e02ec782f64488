//! Next best action: pick what a slot (hero banner, newsletter offer, push prompt) shows this
//! visitor, and say why (`p.decide(slot, candidates)`).
//!
//! ```text
//! p.decide("hero", [
//!   { id: "console-ad", condition: {"purchased.orders": 0}, exclude: ["console-owner"],
//!     facets: {category: "consoles"} },
//!   { id: "accessories", facets: {category: "accessories", tags: "gaming"}, weight: 1.2 },
//!   { id: "sale" }
//! ])
//! ```
//!
//! A candidate is eligible when its `condition` (over the profile attributes, checked when the
//! candidates are read) holds and the visitor is in none of its `exclude` segments. Eligible
//! candidates score `weight × (1 + Σ affinity of their facet values)` (weight defaults to 1);
//! the highest wins, ties going to the earlier one. Nothing eligible: no decision, the slot keeps
//! its default.

use crate::core::condition::{self, Host};
use crate::core::error::{Error, Result};
use crate::core::profile::{Profile, ProfileConfig};
use crate::core::value::Value;
use crate::prelude::*;

/// The choice and, per candidate, why: `{id, eligible, score, reason}` where reason is
/// `"condition"` (it did not hold), `"excluded:<segment>"`, or `"scored"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// The winner's id; `None` when no candidate is eligible.
    pub choice: Option<String>,
    /// One entry per candidate, in the order given.
    pub explanation: Vec<Value>,
}

/// Picks the best eligible candidate for this visitor. `candidates` is the array the page
/// passes: `[{id, condition?, exclude?: [segment keys], facets?: {facet: value}, weight?: 0..=100}]`;
/// every candidate is checked (a malformed one is an error, not a silent loss), then scored.
pub fn decide(
    candidates: &Value,
    attributes: &Value,
    segments: &[String],
    profile: &Profile,
    now: u64,
    config: &ProfileConfig,
    host: &dyn Host,
) -> Result<Decision> {
    let list = candidates.as_array().ok_or(Error::PropertyInvalid("candidates"))?;
    let mut best: Option<(f64, &str)> = None;
    let mut explanation = Vec::with_capacity(list.len());
    for c in list {
        let id = c.get("id").and_then(Value::as_str).filter(|s| !s.is_empty());
        let id = id.ok_or(Error::PropertyMissing("id"))?;
        if explanation.iter().any(|e: &Value| e.get("id").and_then(Value::as_str) == Some(id)) {
            return Err(Error::PropertyInvalid("id")); // two candidates the page cannot tell apart
        }
        let condition = c.get("condition").filter(|c| !c.is_null());
        if let Some(condition) = condition {
            condition::check(condition, host)?;
        }
        let mut excluded = None;
        for key in members(c, "exclude", false)? {
            let key = key.1.as_str().ok_or(Error::PropertyInvalid("exclude"))?;
            if excluded.is_none() && segments.iter().any(|s| s == key) {
                excluded = Some(key);
            }
        }
        let mut affinity = 0.0;
        for (facet, value) in members(c, "facets", true)? {
            let value = value.as_str().ok_or(Error::PropertyInvalid("facets"))?;
            affinity += profile.affinity(facet, value, now, config);
        }
        let weight = match c.get("weight") {
            None | Some(Value::Null) => 1.0,
            Some(Value::Number(w)) if (0.0..=100.0).contains(w) => *w,
            Some(_) => return Err(Error::PropertyInvalid("weight")),
        };
        let entry = Value::object().with("id", id);
        let entry = if !condition.is_none_or(|cond| condition::eval(attributes, cond, &[], host)) {
            entry.with("eligible", false).with("reason", "condition")
        } else if let Some(segment) = excluded {
            entry.with("eligible", false).with("reason", String::from("excluded:") + segment)
        } else {
            let score = weight * (1.0 + affinity);
            if best.is_none_or(|(top, _)| score > top) {
                best = Some((score, id));
            }
            entry.with("eligible", true).with("reason", "scored").with("score", score)
        };
        explanation.push(entry);
    }
    Ok(Decision { choice: best.map(|(_, id)| id.to_owned()), explanation })
}

/// The members of `c[key]`: an object's (`object`) or an array's (keys empty); nothing when
/// absent or null.
fn members<'a>(c: &'a Value, key: &'static str, object: bool) -> Result<Vec<(&'a str, &'a Value)>> {
    match (c.get(key), object) {
        (None | Some(Value::Null), _) => Ok(Vec::new()),
        (Some(Value::Object(m)), true) => Ok(m.iter().map(|(k, v)| (k.as_str(), v)).collect()),
        (Some(Value::Array(items)), false) => Ok(items.iter().map(|v| ("", v)).collect()),
        _ => Err(Error::PropertyInvalid(key)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::json;
    use crate::core::testing::NativeHost;

    fn value(text: &str) -> Value {
        json::parse(text, 32, &|t| t.parse().unwrap()).unwrap()
    }

    fn hero() -> Value {
        value(
            r#"[
                  {"id": "console-ad", "exclude": ["console-owner"], "facets": {"category": "consoles"}},
                  {"id": "accessories", "condition": {"purchased.orders": {"$gte": 1}}, "facets": {"category": "accessories"}, "weight": 1.2},
                  {"id": "sale"}
                ]"#,
        )
    }

    #[test]
    fn console_owners_see_accessories_not_console_ads() {
        let config = ProfileConfig::default();
        let mut profile = Profile::default();
        let session = Value::object().with("id", "s").with("number", 1.0);
        let viewed = Value::object().with("product_id", "c1").with("category", "consoles");
        let event = Value::object()
            .with("type", "track")
            .with("event", "Product Viewed")
            .with("properties", viewed)
            .with("context", Value::object().with("session", session));
        profile.record(&event, 1, &config);
        let attributes = profile.attributes(1, &config);
        let before = decide(&hero(), &attributes, &[], &profile, 1, &config, &NativeHost).unwrap();
        assert_eq!(before.choice.as_deref(), Some("console-ad"), "{:?}", before.explanation);
        let mut owner = attributes.clone();
        owner.set("purchased", Value::object().with("orders", 1.0));
        let after = decide(&hero(), &owner, &["console-owner".to_owned()], &profile, 1, &config, &NativeHost)
            .unwrap();
        assert_eq!(after.choice.as_deref(), Some("accessories"));
        let reasons: Vec<&str> = after.explanation.iter().filter_map(|e| e.get("reason")?.as_str()).collect();
        assert_eq!(reasons, ["excluded:console-owner", "scored", "scored"]);
        let first_two = Value::Array(hero().as_array().unwrap()[..2].to_vec());
        let nobody =
            decide(&first_two, &attributes, &["console-owner".to_owned()], &profile, 1, &config, &NativeHost)
                .unwrap();
        assert_eq!(nobody.choice, None, "nothing eligible: the slot keeps its default");
    }

    #[test]
    fn malformed_candidates_are_errors() {
        for (text, error) in [
            (r#"{}"#, Error::PropertyInvalid("candidates")),
            (r#"[{"weight": 2}]"#, Error::PropertyMissing("id")),
            (r#"[{"id": "a"}, {"id": "a"}]"#, Error::PropertyInvalid("id")),
            (r#"[{"id": "a", "weight": -1}]"#, Error::PropertyInvalid("weight")),
            (r#"[{"id": "a", "exclude": "x"}]"#, Error::PropertyInvalid("exclude")),
            (r#"[{"id": "a", "facets": {"category": 3}}]"#, Error::PropertyInvalid("facets")),
            (r#"[{"id": "a", "condition": {"x": {"$bad": 1}}}]"#, Error::ConditionInvalid("operator")),
        ] {
            let (config, profile) = (ProfileConfig::default(), Profile::default());
            let decided = decide(&value(text), &Value::object(), &[], &profile, 0, &config, &NativeHost);
            assert_eq!(decided, Err(error), "{text}");
        }
    }
}
