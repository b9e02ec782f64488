//! Next best action: pick what a slot (hero banner, newsletter offer, push prompt) shows this
//! visitor, and say why (issue 4, in progress: not yet exposed as `p.decide`).
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

/// One option for a slot.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// What the page shows when this one wins.
    pub id: String,
    /// Who may see it; `None` is everyone.
    pub condition: Option<Value>,
    /// Segments that must not see it.
    pub exclude: Vec<String>,
    /// Facet values it is about, for the affinity score.
    pub facets: Vec<(String, String)>,
    /// Multiplier of its score. Default 1, range 0 to 100.
    pub weight: f64,
}

/// Reads and checks a list of candidates (`property_invalid` naming what is wrong).
pub fn parse(value: &Value, host: &dyn Host) -> Result<Vec<Candidate>> {
    let list = value.as_array().ok_or(Error::PropertyInvalid("candidates"))?;
    list.iter()
        .map(|item| {
            let id = item.get("id").and_then(Value::as_str).filter(|s| !s.is_empty());
            let id = id.ok_or(Error::PropertyMissing("id"))?.to_owned();
            let condition = match item.get("condition") {
                None | Some(Value::Null) => None,
                Some(c) => {
                    condition::check(c, host)?;
                    Some(c.clone())
                }
            };
            let exclude = match item.get("exclude") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(keys)) => keys
                    .iter()
                    .map(|k| k.as_str().map(str::to_owned).ok_or(Error::PropertyInvalid("exclude")))
                    .collect::<Result<_>>()?,
                Some(_) => return Err(Error::PropertyInvalid("exclude")),
            };
            let facets = match item.get("facets") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Object(members)) => members
                    .iter()
                    .map(|(f, v)| {
                        v.as_str().map(|v| (f.clone(), v.to_owned())).ok_or(Error::PropertyInvalid("facets"))
                    })
                    .collect::<Result<_>>()?,
                Some(_) => return Err(Error::PropertyInvalid("facets")),
            };
            let weight = match item.get("weight") {
                None | Some(Value::Null) => 1.0,
                Some(Value::Number(w)) if (0.0..=100.0).contains(w) => *w,
                Some(_) => return Err(Error::PropertyInvalid("weight")),
            };
            Ok(Candidate { id, condition, exclude, facets, weight })
        })
        .collect()
}

/// The choice and, per candidate, why: `{id, eligible, score, reason}` where reason is
/// `"condition"` (it did not hold), `"excluded:<segment>"`, or `"scored"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// The winner's id; `None` when no candidate is eligible.
    pub choice: Option<String>,
    /// One entry per candidate, in the order given.
    pub explanation: Vec<Value>,
}

/// Picks the best eligible candidate for this visitor.
pub fn decide(
    candidates: &[Candidate],
    attributes: &Value,
    segments: &[String],
    profile: &Profile,
    now: u64,
    config: &ProfileConfig,
    host: &dyn Host,
) -> Decision {
    let mut best: Option<(f64, &str)> = None;
    let mut explanation = Vec::with_capacity(candidates.len());
    for c in candidates {
        let entry = Value::object().with("id", c.id.as_str());
        let excluded = c.exclude.iter().find(|k| segments.contains(k));
        let entry = if !c.condition.as_ref().is_none_or(|cond| condition::eval(attributes, cond, &[], host)) {
            entry.with("eligible", false).with("reason", "condition")
        } else if let Some(segment) = excluded {
            let mut reason = String::from("excluded:");
            reason.push_str(segment);
            entry.with("eligible", false).with("reason", reason)
        } else {
            let affinity: f64 = c.facets.iter().map(|(f, v)| profile.affinity(f, v, now, config)).sum();
            let score = c.weight * (1.0 + affinity);
            if best.is_none_or(|(top, _)| score > top) {
                best = Some((score, &c.id));
            }
            entry.with("eligible", true).with("reason", "scored").with("score", score)
        };
        explanation.push(entry);
    }
    Decision { choice: best.map(|(_, id)| id.to_owned()), explanation }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::json;
    use crate::core::testing::NativeHost;

    fn value(text: &str) -> Value {
        json::parse(text, 32, &|t| t.parse().unwrap()).unwrap()
    }

    fn hero() -> Vec<Candidate> {
        parse(
            &value(
                r#"[
                  {"id": "console-ad", "exclude": ["console-owner"], "facets": {"category": "consoles"}},
                  {"id": "accessories", "condition": {"purchased.orders": {"$gte": 1}}, "facets": {"category": "accessories"}, "weight": 1.2},
                  {"id": "sale"}
                ]"#,
            ),
            &NativeHost,
        )
        .unwrap()
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
        let before = decide(&hero(), &attributes, &[], &profile, 1, &config, &NativeHost);
        assert_eq!(before.choice.as_deref(), Some("console-ad"), "{:?}", before.explanation);
        let mut owner = attributes.clone();
        owner.set("purchased", Value::object().with("orders", 1.0));
        let after = decide(&hero(), &owner, &["console-owner".to_owned()], &profile, 1, &config, &NativeHost);
        assert_eq!(after.choice.as_deref(), Some("accessories"));
        let reasons: Vec<&str> = after.explanation.iter().filter_map(|e| e.get("reason")?.as_str()).collect();
        assert_eq!(reasons, ["excluded:console-owner", "scored", "scored"]);
        let nobody = decide(
            &hero()[..2],
            &attributes,
            &["console-owner".to_owned()],
            &profile,
            1,
            &config,
            &NativeHost,
        );
        assert_eq!(nobody.choice, None, "nothing eligible: the slot keeps its default");
    }

    #[test]
    fn malformed_candidates_are_errors() {
        for (text, error) in [
            (r#"{}"#, Error::PropertyInvalid("candidates")),
            (r#"[{"weight": 2}]"#, Error::PropertyMissing("id")),
            (r#"[{"id": "a", "weight": -1}]"#, Error::PropertyInvalid("weight")),
            (r#"[{"id": "a", "exclude": "x"}]"#, Error::PropertyInvalid("exclude")),
            (r#"[{"id": "a", "facets": {"category": 3}}]"#, Error::PropertyInvalid("facets")),
            (r#"[{"id": "a", "condition": {"x": {"$bad": 1}}}]"#, Error::ConditionInvalid("operator")),
        ] {
            assert_eq!(parse(&value(text), &NativeHost), Err(error), "{text}");
        }
    }
}
