//! Deterministic assignment, as GrowthBook evaluates it, so a team's experiments move over
//! unchanged and a visitor lands in the same variation with persona as with GrowthBook's SDKs.
//!
//! - [`hash`]: a visitor's position in `[0, 1)` for a seed (FNV-1a over UTF-16 code units, as
//!   JavaScript's `charCodeAt` sees the string: ids outside ASCII hash exactly as in GrowthBook's
//!   JavaScript SDK);
//! - [`bucket_ranges`]: each variation's slice of `[0, 1)` from weights and coverage;
//! - [`choose_variation`]: the variation whose slice holds a position;
//! - [`equal_weights`], [`in_namespace`] (mutually exclusive experiments) and
//!   [`query_string_override`] (`?my-test=1` forcing, for QA);
//! - [`config`]: the `experiments` and `features` options, checked at load;
//! - [`evaluate`]: GrowthBook's `run` and `evalFeature`, with the reason for each outcome;
//! - [`exposure`]: `Experiment Viewed` once per visitor, experiment and session;
//! - [`qa`]: `?persona_force=experiment:variation` and the console's forced variations;
//! - [`sticky`]: assignment documents in localStorage.

pub mod config;
pub mod evaluate;
pub mod exposure;
pub mod qa;
pub mod sticky;

use crate::core::time::push_num;
use crate::prelude::*;

/// FNV-1a, 32 bits, over the UTF-16 code units of `text` (GrowthBook's `hashFnv32a`).
fn fnv32a(text: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for unit in text.encode_utf16() {
        h ^= u32::from(unit);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// The position of `value` in `[0, 1)` for `seed`: version 1 (3 decimals, `value + seed`) or
/// version 2 (4 decimals, hashed twice, `seed + value`: better spread for similar seeds). `None`
/// for any other version.
pub fn hash(seed: &str, value: &str, version: u32) -> Option<f64> {
    match version {
        1 => {
            let mut text = String::with_capacity(value.len() + seed.len());
            text.push_str(value);
            text.push_str(seed);
            Some(f64::from(fnv32a(&text) % 1000) / 1000.0)
        }
        2 => {
            let mut text = String::with_capacity(seed.len() + value.len());
            text.push_str(seed);
            text.push_str(value);
            let mut once = String::new();
            push_num(&mut once, u64::from(fnv32a(&text)), 1);
            Some(f64::from(fnv32a(&once) % 10_000) / 10_000.0)
        }
        _ => None,
    }
}

/// `n` weights of `1 / n` (none for `n` ≤ 0).
pub fn equal_weights(n: i64) -> Vec<f64> {
    let n = n.max(0) as usize;
    vec![1.0 / n as f64; n]
}

/// Each variation's `[start, end)` in `[0, 1)`: consecutive slices as wide as its weight, of
/// which the first `coverage` share counts (the rest of each slice is outside the experiment).
/// Coverage is clamped to `[0, 1]`; weights that are missing, of the wrong count or not summing
/// to 1 (± 0.01) are replaced by equal weights.
pub fn bucket_ranges(variations: usize, coverage: f64, weights: Option<&[f64]>) -> Vec<(f64, f64)> {
    let coverage = coverage.clamp(0.0, 1.0);
    let equal = equal_weights(variations as i64);
    let weights = match weights {
        Some(w) if w.len() == variations && (0.99..=1.01).contains(&w.iter().sum::<f64>()) => w,
        _ => &equal,
    };
    let mut cumulative = 0.0;
    let mut ranges = Vec::with_capacity(weights.len());
    for w in weights {
        let start = cumulative;
        cumulative += w;
        ranges.push((start, start + coverage * w));
    }
    ranges
}

/// The index of the range holding `n` (`start ≤ n < end`), `None` when it falls in none.
pub fn choose_variation(n: f64, ranges: &[(f64, f64)]) -> Option<usize> {
    ranges.iter().position(|&(start, end)| n >= start && n < end)
}

/// A namespace: experiments in the same namespace with disjoint `[start, end)` ranges never
/// share a visitor.
#[derive(Debug, Clone, PartialEq)]
pub struct Namespace {
    /// The namespace's name.
    pub id: String,
    /// Where this experiment's share of the namespace starts, in `[0, 1]`.
    pub start: f64,
    /// Where it ends.
    pub end: f64,
}

/// True when the visitor hashed as `hash_value` falls in the namespace's range.
pub fn in_namespace(hash_value: &str, namespace: &Namespace) -> bool {
    let mut seed = String::with_capacity(namespace.id.len() + 2);
    seed.push_str("__");
    seed.push_str(&namespace.id);
    hash(&seed, hash_value, 1).is_some_and(|n| n >= namespace.start && n < namespace.end)
}

/// The variation a URL forces for experiment `key` (`?my-test=1`), as GrowthBook reads it: the
/// first `key=value` pair of the query string (before any `#`), when `value` is a whole number
/// in `0..variations` (leading digits count, as `parseInt` reads them). Walks the bytes (the
/// query string as the URL carries it, percent-encoded).
pub fn query_string_override(key: &str, url: &str, variations: usize) -> Option<usize> {
    let start = url.bytes().position(|b| b == b'?')? + 1;
    let rest = url.as_bytes().get(start..)?;
    let end = rest.iter().position(|&b| b == b'?' || b == b'#').unwrap_or(rest.len());
    for pair in rest.get(..end)?.split(|&b| b == b'&') {
        let eq = pair.iter().position(|&b| b == b'=').unwrap_or(pair.len());
        if pair.get(..eq) == Some(key.as_bytes()) {
            let n = parse_int(pair.get(eq + 1..).unwrap_or_default())?;
            return (n >= 0 && (n as u64) < variations as u64).then_some(n as usize);
        }
    }
    None
}

/// JavaScript's `parseInt(text)` for base 10 (after ASCII white space), `None` where it gives
/// `NaN`.
fn parse_int(text: &[u8]) -> Option<i64> {
    let mut bytes = text.iter().copied().skip_while(u8::is_ascii_whitespace).peekable();
    let negative = match bytes.peek() {
        Some(b'-') => true,
        Some(b'+') => false,
        _ => {
            return digits(bytes);
        }
    };
    bytes.next();
    digits(bytes).map(|n| if negative { -n } else { n })
}

/// The leading decimal digits as a number, `None` when there are none.
fn digits(bytes: impl Iterator<Item = u8>) -> Option<i64> {
    let mut n: Option<i64> = None;
    for b in bytes.take_while(u8::is_ascii_digit) {
        n = Some(n.unwrap_or(0).saturating_mul(10).saturating_add(i64::from(b - b'0')));
    }
    n
}

/// The experiments the tests of this module's children use: `hero`, a console ad (`control`)
/// against accessories (`accessories`).
#[cfg(test)]
pub(crate) fn hero_fixture() -> crate::core::value::Value {
    use crate::core::value::Value;
    let meta = Value::Array(vec![
        Value::object().with("key", "control").with("name", "Console ad"),
        Value::object().with("key", "accessories").with("name", "Accessories"),
    ]);
    Value::object()
        .with("key", "hero")
        .with("variations", Value::Array(vec!["console".into(), "accessories".into()]))
        .with("meta", meta)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::testing::growthbook_cases;
    use crate::core::value::Value;

    fn num(v: &Value) -> f64 {
        v.as_f64().unwrap()
    }

    /// The suite rounds its expected floats (0.33333333, 0.04 for 0.2 × 0.2).
    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    #[test]
    fn hash_matches_growthbook() {
        let cases = growthbook_cases("hash");
        assert_eq!(cases.len(), 15);
        for c in &cases {
            let c = c.as_array().unwrap();
            let (seed, value, version) = (c[0].as_str().unwrap(), c[1].as_str().unwrap(), num(&c[2]) as u32);
            let got = hash(seed, value, version);
            match c[3].as_f64() {
                Some(expected) => assert!(got.is_some_and(|g| close(g, expected)), "{c:?}: {got:?}"),
                None => assert_eq!(got, None, "{c:?}"),
            }
        }
    }

    #[test]
    fn hash_counts_utf16_code_units() {
        // "é" is one UTF-16 unit (two UTF-8 bytes); "😀" is two units (a surrogate pair).
        assert_eq!(fnv32a("é"), (0x811c_9dc5u32 ^ 0xe9).wrapping_mul(0x0100_0193));
        let pair = [0xd83du32, 0xde00];
        let expected = pair.iter().fold(0x811c_9dc5u32, |h, u| (h ^ u).wrapping_mul(0x0100_0193));
        assert_eq!(fnv32a("😀"), expected);
    }

    #[test]
    fn bucket_ranges_match_growthbook() {
        let cases = growthbook_cases("getBucketRange");
        assert_eq!(cases.len(), 13);
        for c in &cases {
            let c = c.as_array().unwrap();
            let args = c[1].as_array().unwrap();
            let weights: Option<Vec<f64>> = args[2].as_array().map(|w| w.iter().map(num).collect());
            let got = bucket_ranges(num(&args[0]) as usize, num(&args[1]), weights.as_deref());
            let expected: Vec<(f64, f64)> = c[2]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| (num(&r.as_array().unwrap()[0]), num(&r.as_array().unwrap()[1])))
                .collect();
            assert_eq!(got.len(), expected.len(), "{}", c[0].as_str().unwrap());
            for (g, e) in got.iter().zip(&expected) {
                assert!(close(g.0, e.0) && close(g.1, e.1), "{}: {got:?}", c[0].as_str().unwrap());
            }
        }
    }

    #[test]
    fn choose_variation_matches_growthbook() {
        let cases = growthbook_cases("chooseVariation");
        assert_eq!(cases.len(), 13);
        for c in &cases {
            let c = c.as_array().unwrap();
            let ranges: Vec<(f64, f64)> = c[2]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| (num(&r.as_array().unwrap()[0]), num(&r.as_array().unwrap()[1])))
                .collect();
            let expected = num(&c[3]);
            let got = choose_variation(num(&c[1]), &ranges).map_or(-1.0, |i| i as f64);
            assert_eq!(got, expected, "{}", c[0].as_str().unwrap());
        }
    }

    #[test]
    fn equal_weights_match_growthbook() {
        let cases = growthbook_cases("getEqualWeights");
        assert_eq!(cases.len(), 6);
        for c in &cases {
            let c = c.as_array().unwrap();
            let got = equal_weights(num(&c[0]) as i64);
            let expected: Vec<f64> = c[1].as_array().unwrap().iter().map(num).collect();
            assert_eq!(got.len(), expected.len(), "{c:?}");
            assert!(got.iter().zip(&expected).all(|(g, e)| close(*g, *e)), "{c:?}: {got:?}");
        }
    }

    #[test]
    fn namespaces_match_growthbook() {
        let cases = growthbook_cases("inNamespace");
        assert_eq!(cases.len(), 16);
        for c in &cases {
            let c = c.as_array().unwrap();
            let ns = c[2].as_array().unwrap();
            let namespace =
                Namespace { id: ns[0].as_str().unwrap().to_owned(), start: num(&ns[1]), end: num(&ns[2]) };
            assert_eq!(
                in_namespace(c[1].as_str().unwrap(), &namespace),
                c[3] == Value::Bool(true),
                "{}",
                c[0].as_str().unwrap()
            );
        }
    }

    #[test]
    fn query_string_overrides_match_growthbook() {
        let cases = growthbook_cases("getQueryStringOverride");
        assert_eq!(cases.len(), 16);
        for c in &cases {
            let c = c.as_array().unwrap();
            let got =
                query_string_override(c[1].as_str().unwrap(), c[2].as_str().unwrap(), num(&c[3]) as usize);
            assert_eq!(got.map(|v| v as f64), c[4].as_f64(), "{}", c[0].as_str().unwrap());
        }
    }
}
