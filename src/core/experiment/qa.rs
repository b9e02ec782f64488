//! QA forcing: `?persona_force=hero:accessories,checkout:1` in a URL (or
//! `persona.qa.force("hero", "accessories")` from the console) shows a chosen variation without
//! touching the visitor's real assignment. Forced variations are never logged as exposures (see
//! [`super::exposure`]), so a QA session does not leak into the results.

use crate::core::value::Value;
use crate::prelude::*;

/// The URL parameter QA uses.
pub const FORCE_PARAMETER: &str = "persona_force";

/// At most this many experiments can be forced at once (the parameter is read from a URL anyone
/// can craft; the rest is ignored).
pub const MAX_FORCED: usize = 50;

/// The `experiment:variation` pairs of a `persona_force` value (as the browser decoded it from
/// the query string), in order; blank or malformed pairs (no `:`, an empty side) are skipped.
pub fn parse_forces(value: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for pair in value.split(',') {
        let Some((experiment, variation)) = pair.split_once(':') else { continue };
        let (experiment, variation) = (experiment.trim(), variation.trim());
        if experiment.is_empty() || variation.is_empty() || out.len() >= MAX_FORCED {
            continue;
        }
        match out.iter_mut().find(|(e, _)| e == experiment) {
            Some(existing) => existing.1 = variation.to_owned(), // the last one wins
            None => out.push((experiment.to_owned(), variation.to_owned())),
        }
    }
    out
}

/// The index of `variation` in experiment `exp`: a variation key (`meta[i].key`) first, else a
/// whole number below the number of variations. `None` when it names no variation.
pub fn variation_index(exp: &Value, variation: &str) -> Option<usize> {
    let count = exp.get("variations").and_then(Value::as_array).map_or(0, <[Value]>::len);
    let meta = exp.get("meta").and_then(Value::as_array).unwrap_or_default();
    if let Some(i) =
        meta.iter().take(count).position(|m| m.get("key").and_then(Value::as_str) == Some(variation))
    {
        return Some(i);
    }
    let digits = variation.bytes().all(|b| b.is_ascii_digit()) && variation.len() <= 4;
    let index = if digits {
        variation.bytes().fold(0usize, |n, b| n * 10 + usize::from(b - b'0'))
    } else {
        usize::MAX
    };
    (index < count).then_some(index)
}

/// The forced variations as the evaluator takes them (`{experiment: index}`), for the
/// experiments in `experiments` (GrowthBook-shaped, with `key`) that the pairs name with a
/// variation they have; the pairs that name nothing known come back as well, for the console to
/// say so.
pub fn forced_variations(
    experiments: &[Value],
    pairs: &[(String, String)],
) -> (Value, Vec<(String, String)>) {
    let mut forced = Value::object();
    let mut unknown = Vec::new();
    for (experiment, variation) in pairs {
        let exp =
            experiments.iter().find(|e| e.get("key").and_then(Value::as_str) == Some(experiment.as_str()));
        match exp.and_then(|e| variation_index(e, variation)) {
            Some(i) => forced.set(experiment, (i as f64).into()),
            None => unknown.push((experiment.clone(), variation.clone())),
        }
    }
    (forced, unknown)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::experiment::evaluate::{Evaluator, Reason};
    use crate::core::testing::NativeHost;

    use crate::core::experiment::hero_fixture as hero;

    #[test]
    fn the_force_parameter() {
        let pairs = |v: &str| parse_forces(v);
        assert_eq!(
            pairs("hero:accessories, checkout:1"),
            vec![("hero".to_owned(), "accessories".to_owned()), ("checkout".to_owned(), "1".to_owned())]
        );
        assert_eq!(pairs("hero:0,hero:1"), vec![("hero".to_owned(), "1".to_owned())], "the last one wins");
        assert_eq!(pairs(""), Vec::<(String, String)>::new());
        assert_eq!(pairs("hero,:1,hero:,,::"), Vec::<(String, String)>::new(), "malformed pairs are skipped");
        let many: Vec<String> = (0..80).map(|i| format!("e{i}:0")).collect();
        assert_eq!(pairs(&many.join(",")).len(), MAX_FORCED);
    }

    #[test]
    fn variations_by_key_or_index() {
        assert_eq!(variation_index(&hero(), "accessories"), Some(1));
        assert_eq!(variation_index(&hero(), "control"), Some(0));
        assert_eq!(variation_index(&hero(), "1"), Some(1));
        assert_eq!(variation_index(&hero(), "2"), None, "only two variations");
        assert_eq!(variation_index(&hero(), "-1"), None);
        assert_eq!(variation_index(&hero(), "99999999999999999999"), None);
        assert_eq!(variation_index(&hero(), "treatment"), None);
    }

    #[test]
    fn forced_variations_reach_the_evaluator_and_are_reported_forced() {
        let experiments = vec![hero()];
        let (forced, unknown) =
            forced_variations(&experiments, &parse_forces("hero:accessories,nope:1,hero2:x"));
        assert_eq!(forced, Value::object().with("hero", 1.0));
        assert_eq!(unknown, vec![("nope".to_owned(), "1".to_owned()), ("hero2".to_owned(), "x".to_owned())]);
        let attributes = Value::object().with("id", "visitor-1");
        let mut e = Evaluator::new(&attributes, &NativeHost);
        e.forced_variations = &forced;
        let r = e.run(&hero(), None);
        assert_eq!((r.variation_id, r.reason, r.value.as_str()), (1, Reason::Forced, Some("accessories")));
    }
}
