//! The init options `experiments` (a list) and `features` (an object by key), checked at load in
//! GrowthBook's shape: a definition GrowthBook's SDKs would evaluate loads unchanged, and one
//! they would silently evaluate to "nobody is in it" (weights of the wrong count, a coverage of 2,
//! a misspelt status, a malformed condition) is an error that names the option, so a typo shows
//! up in QA rather than as an experiment nobody sees. Fields persona does not use (GrowthBook's
//! `phase`, `tracks`, `id`...) are left alone.

use crate::core::condition::{self, Host};
use crate::core::error::{Error, Result};
use crate::core::value::Value;
use crate::prelude::*;

/// At most this many variations per experiment.
pub const MAX_VARIATIONS: usize = 100;

/// Experiment keys and feature keys: 1 to this many characters.
pub const MAX_KEY_CHARS: usize = 200;

/// The option being checked, for the error: `experiments` or `features`.
type OptionName = &'static str;

fn fail<T>(option: OptionName) -> Result<T> {
    Err(Error::OptionInvalid(option))
}

fn is_key(v: &Value) -> bool {
    v.as_str().is_some_and(|k| !k.is_empty() && k.chars().count() <= MAX_KEY_CHARS)
}

fn number_in(v: &Value, min: f64, max: f64) -> bool {
    v.as_f64().is_some_and(|n| (min..=max).contains(&n))
}

fn whole(v: &Value) -> bool {
    v.as_f64().is_some_and(|n| (0.0..=1e9).contains(&n) && crate::core::num::is_whole(n))
}

/// `[start, end]` with 0 ≤ start ≤ end ≤ 1.
fn range(v: &Value) -> bool {
    match v.as_array() {
        Some([start, end]) => {
            number_in(start, 0.0, 1.0) && number_in(end, 0.0, 1.0) && start.as_f64() <= end.as_f64()
        }
        _ => false,
    }
}

/// The fields an experiment and an experiment rule share; `variations` counts them.
fn check_assignment_fields(
    def: &Value,
    variations: usize,
    option: OptionName,
    host: &dyn Host,
) -> Result<()> {
    for (field, value) in match def {
        Value::Object(members) => members.as_slice(),
        _ => return fail(option),
    } {
        let ok = match field.as_str() {
            "key" => is_key(value),
            "variations" => value.as_array().is_some_and(|v| !v.is_empty() && v.len() <= MAX_VARIATIONS),
            "weights" => value.as_array().is_some_and(|w| {
                w.len() == variations
                    && w.iter().all(|x| number_in(x, 0.0, 1.0))
                    && (0.99..=1.01).contains(&w.iter().filter_map(Value::as_f64).sum::<f64>())
            }),
            "coverage" => number_in(value, 0.0, 1.0),
            "hashAttribute" | "fallbackAttribute" | "seed" | "name" => value.as_str().is_some(),
            "hashVersion" => matches!(value.as_f64(), Some(v) if v == 1.0 || v == 2.0),
            "status" => matches!(value.as_str(), Some("draft" | "running" | "stopped")),
            "active" | "disableStickyBucketing" => matches!(value, Value::Bool(_)),
            "force"
                if def.get("variations").is_some()
                    && def.get("rules").is_none()
                    && def.get("defaultValue").is_none() =>
            {
                // An experiment's `force` is a variation index (a feature rule's is any value).
                whole(value) && value.as_f64().is_some_and(|i| (i as usize) < variations)
            }
            "bucketVersion" | "minBucketVersion" => whole(value),
            "namespace" => match value.as_array() {
                Some([id, start, end]) => {
                    id.as_str().is_some()
                        && number_in(start, 0.0, 1.0)
                        && number_in(end, 0.0, 1.0)
                        && start.as_f64() <= end.as_f64()
                }
                _ => false,
            },
            "ranges" => value.as_array().is_some_and(|r| r.len() == variations && r.iter().all(range)),
            "meta" => value.as_array().is_some_and(|m| {
                m.len() <= variations
                    && m.iter().all(|item| {
                        item.is_object()
                            && item.get("key").is_none_or(|k| k.as_str().is_some())
                            && item.get("name").is_none_or(|n| n.as_str().is_some())
                            && item.get("passthrough").is_none_or(|p| matches!(p, Value::Bool(_)))
                    })
            }),
            "filters" => value.as_array().is_some_and(|filters| {
                filters.iter().all(|f| {
                    f.get("seed").is_some_and(|s| s.as_str().is_some())
                        && f.get("attribute").is_none_or(|a| a.as_str().is_some())
                        && f.get("hashVersion")
                            .is_none_or(|v| matches!(v.as_f64(), Some(v) if v == 1.0 || v == 2.0))
                        && f.get("ranges").and_then(Value::as_array).is_some_and(|r| r.iter().all(range))
                })
            }),
            "condition" => {
                condition::check(value, host)?;
                true
            }
            "parentConditions" => match value.as_array() {
                Some(parents) => {
                    for parent in parents {
                        let id_ok = parent.get("id").is_some_and(is_key);
                        let gate_ok = parent.get("gate").is_none_or(|g| matches!(g, Value::Bool(_)));
                        if !id_ok || !gate_ok {
                            return fail(option);
                        }
                        if let Some(condition) = parent.get("condition") {
                            condition::check(condition, host)?;
                        }
                    }
                    true
                }
                None => false,
            },
            _ => true,
        };
        if !ok {
            return fail(option);
        }
    }
    Ok(())
}

/// Checks the `experiments` option: a list of experiments with unique keys.
pub fn check_experiments(option: Option<&Value>, host: &dyn Host) -> Result<()> {
    let list = match option {
        None | Some(Value::Null) => return Ok(()),
        Some(Value::Array(list)) => list,
        Some(_) => return fail("experiments"),
    };
    let mut keys: Vec<&str> = Vec::with_capacity(list.len());
    for exp in list {
        let key = exp.get("key").filter(|k| is_key(k)).and_then(Value::as_str);
        let variations = exp.get("variations").and_then(Value::as_array).map(<[Value]>::len);
        let (Some(key), Some(variations)) = (key, variations) else { return fail("experiments") };
        if keys.contains(&key) {
            return fail("experiments");
        }
        keys.push(key);
        check_assignment_fields(exp, variations, "experiments", host)?;
    }
    Ok(())
}

/// Checks the `features` option: `{key: {defaultValue?, rules?: [rule...]}}`. A rule forces a
/// value (`force`, with `condition`, `coverage` or `range` for a rollout), runs an experiment
/// (`variations`, with the experiment fields) or gates on prerequisites (`parentConditions`).
pub fn check_features(option: Option<&Value>, host: &dyn Host) -> Result<()> {
    let features = match option {
        None | Some(Value::Null) => return Ok(()),
        Some(Value::Object(features)) => features,
        Some(_) => return fail("features"),
    };
    for (key, feature) in features {
        if key.is_empty() || key.chars().count() > MAX_KEY_CHARS || !feature.is_object() {
            return fail("features");
        }
        let rules = match feature.get("rules") {
            None | Some(Value::Null) => continue,
            Some(Value::Array(rules)) => rules,
            Some(_) => return fail("features"),
        };
        for rule in rules {
            // A rule forces a value, runs an experiment, gates on prerequisites, or (empty) is
            // skipped, as GrowthBook skips it.
            let variations = rule.get("variations").and_then(Value::as_array).map_or(0, <[Value]>::len);
            if rule.get("range").is_some_and(|r| !range(r)) {
                return fail("features");
            }
            check_assignment_fields(rule, variations, "features", host)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::testing::{growthbook_cases, NativeHost};

    fn parse(text: &str) -> Value {
        crate::core::json::parse(text, 32, &|t| t.parse().unwrap()).unwrap()
    }

    fn experiments(text: &str) -> Result<()> {
        check_experiments(Some(&parse(text)), &NativeHost)
    }

    fn features(text: &str) -> Result<()> {
        check_features(Some(&parse(text)), &NativeHost)
    }

    #[test]
    fn growthbooks_own_definitions_load() {
        // Every experiment of the suite's `run` section and every feature set of its `feature`
        // and `stickyBucket` sections, as GrowthBook's SDKs are given them.
        for case in growthbook_cases("run") {
            let exp = &case.as_array().unwrap()[2];
            let name = case.as_array().unwrap()[0].as_str().unwrap().to_owned();
            // A few cases are about definitions GrowthBook tolerates and persona refuses: weights
            // that do not fit, coverage outside [0, 1], fewer than one variation.
            let tolerated = exp.get("weights").is_some_and(|w| {
                let w = w.as_array().unwrap();
                w.len() != exp.get("variations").unwrap().as_array().unwrap().len()
                    || !(0.99..=1.01).contains(&w.iter().filter_map(Value::as_f64).sum::<f64>())
            }) || exp.get("coverage").is_some_and(|c| !number_in(c, 0.0, 1.0))
                || exp.get("variations").unwrap().as_array().unwrap().is_empty()
                || exp.get("force").is_some_and(|f| {
                    !whole(f)
                        || f.as_f64().unwrap() as usize
                            >= exp.get("variations").unwrap().as_array().unwrap().len()
                });
            let result = check_experiments(Some(&Value::Array(vec![exp.clone()])), &NativeHost);
            assert_eq!(result.is_ok(), !tolerated, "{name}: {result:?}");
        }
        let mut refused = Vec::new();
        for section in ["feature", "stickyBucket"] {
            for case in growthbook_cases(section) {
                let c = case.as_array().unwrap();
                if c[1].get("contextualBandits").is_some() {
                    continue; // skipped by persona (see evaluate's tests)
                }
                if let Some(features) = c[1].get("features") {
                    if check_features(Some(features), &NativeHost).is_err() {
                        refused.push(c[0].as_str().unwrap().to_owned());
                    }
                }
            }
        }
        // GrowthBook evaluates an unknown hash version as "not in the rollout"; persona refuses it
        // at load (it can only be a typo).
        assert_eq!(refused, vec!["force rules - coverage with bad hash version".to_owned()]);
    }

    #[test]
    fn malformed_experiments_name_the_option() {
        let bad = Err(Error::OptionInvalid("experiments"));
        assert_eq!(experiments(r#"{"key": "a"}"#), bad, "not a list");
        assert_eq!(experiments(r#"[{"variations": [0, 1]}]"#), bad, "no key");
        assert_eq!(experiments(r#"[{"key": "a"}]"#), bad, "no variations");
        assert_eq!(
            experiments(r#"[{"key": "a", "variations": [0, 1]}, {"key": "a", "variations": [0, 1]}]"#),
            bad,
            "a key twice"
        );
        assert_eq!(
            experiments(r#"[{"key": "a", "variations": [0, 1], "weights": [0.5, 0.6]}]"#),
            bad,
            "weights over 1"
        );
        assert_eq!(
            experiments(r#"[{"key": "a", "variations": [0, 1], "weights": [1]}]"#),
            bad,
            "one weight for two"
        );
        assert_eq!(experiments(r#"[{"key": "a", "variations": [0, 1], "coverage": 2}]"#), bad);
        assert_eq!(experiments(r#"[{"key": "a", "variations": [0, 1], "status": "runing"}]"#), bad, "a typo");
        assert_eq!(experiments(r#"[{"key": "a", "variations": [0, 1], "hashVersion": 3}]"#), bad);
        assert_eq!(
            experiments(r#"[{"key": "a", "variations": [0, 1], "force": 2}]"#),
            bad,
            "no third variation"
        );
        assert_eq!(experiments(r#"[{"key": "a", "variations": [0, 1], "namespace": ["n", 0.5, 0.2]}]"#), bad);
        assert_eq!(
            experiments(r#"[{"key": "a", "variations": [0, 1], "filters": [{"ranges": [[0, 1]]}]}]"#),
            bad,
            "a filter without a seed"
        );
        assert_eq!(experiments(r#"[{"key": "a", "variations": [0, 1], "meta": [{"key": 1}]}]"#), bad);
        assert_eq!(
            experiments(r#"[{"key": "a", "variations": [0, 1], "condition": {"country": {"$bogus": 1}}}]"#),
            Err(Error::ConditionInvalid("operator"))
        );
        assert_eq!(
            experiments(r#"[{"key": "a", "variations": [0, 1], "phase": "3", "tracks": []}]"#),
            Ok(()),
            "unknown fields pass"
        );
        assert_eq!(check_experiments(None, &NativeHost), Ok(()));
    }

    #[test]
    fn malformed_features_name_the_option() {
        let bad = Err(Error::OptionInvalid("features"));
        assert_eq!(features(r#"[]"#), bad, "not an object");
        assert_eq!(features(r#"{"f": 1}"#), bad, "a feature that is not an object");
        assert_eq!(features(r#"{"f": {"rules": {}}}"#), bad);
        assert_eq!(features(r#"{"f": {"rules": [5]}}"#), bad, "a rule that is not an object");
        assert_eq!(features(r#"{"f": {"rules": [{"force": 1, "hashVersion": 99}]}}"#), bad);
        assert_eq!(
            features(r#"{"f": {"rules": [{}]}}"#),
            Ok(()),
            "an empty rule is skipped, as GrowthBook skips it"
        );
        assert_eq!(features(r#"{"f": {"rules": [{"force": 1, "range": [0.5, 0.1]}]}}"#), bad);
        assert_eq!(features(r#"{"f": {"rules": [{"force": 1, "coverage": -1}]}}"#), bad);
        assert_eq!(features(r#"{"f": {"rules": [{"variations": [0, 1], "weights": [0.9, 0.9]}]}}"#), bad);
        assert_eq!(
            features(r#"{"f": {"rules": [{"force": 1, "parentConditions": [{"condition": {}}]}]}}"#),
            bad,
            "a prerequisite without an id"
        );
        assert_eq!(
            features(r#"{"f": {"rules": [{"force": "x", "condition": {"$or": 1}}]}}"#),
            Err(Error::ConditionInvalid("$or"))
        );
        assert_eq!(
            features(r#"{"f": {"defaultValue": {"a": [1]}, "rules": [{"force": {"any": "value"}}]}}"#),
            Ok(())
        );
    }
}
