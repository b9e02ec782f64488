//! Campaign attribution from the landing URL's UTM parameters, in Segment's `context.campaign`
//! shape: `utm_source` → `source`, `utm_medium` → `medium`, `utm_campaign` → `name`,
//! `utm_term` → `term`, `utm_content` → `content`.
//!
//! Decoding the query string is the platform's job (the browser's `URLSearchParams`, which keeps
//! a percent-decoder out of the wasm); the core decides what counts as a campaign.

use crate::core::value::Value;
use crate::prelude::*;

/// The UTM parameters read, and their names in `context.campaign`.
pub const UTM_KEYS: &[(&str, &str)] = &[
    ("utm_source", "source"),
    ("utm_medium", "medium"),
    ("utm_campaign", "name"),
    ("utm_term", "term"),
    ("utm_content", "content"),
];

/// Longest value kept per parameter, in bytes; longer values are cut at a character boundary.
pub const MAX_VALUE_BYTES: usize = 200;

/// The campaign given by `param` (the decoded value of a query parameter, e.g. from
/// `URLSearchParams.get`), or `None` when no UTM parameter has a non-blank value.
pub fn from_params(param: impl Fn(&str) -> Option<String>) -> Option<Value> {
    let mut campaign = Value::object();
    let mut found = false;
    for (utm, field) in UTM_KEYS {
        let Some(value) = param(utm) else { continue };
        let value = value.trim();
        if !value.is_empty() {
            campaign.set(field, truncate(value, MAX_VALUE_BYTES).into());
            found = true;
        }
    }
    found.then_some(campaign)
}

fn truncate(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |key| pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| (*v).to_owned())
    }

    fn field<'a>(c: &'a Value, key: &str) -> Option<&'a str> {
        c.get(key).and_then(Value::as_str)
    }

    #[test]
    fn maps_utm_parameters_to_segment_fields() {
        let c = from_params(params(&[
            ("utm_source", "newsletter"),
            ("utm_medium", " email "),
            ("utm_campaign", "black friday ✓"),
            ("utm_content", "banner-a"),
            ("q", "ps5"),
        ]))
        .unwrap();
        assert_eq!(field(&c, "source"), Some("newsletter"));
        assert_eq!(field(&c, "medium"), Some("email"));
        assert_eq!(field(&c, "name"), Some("black friday ✓"));
        assert_eq!(field(&c, "content"), Some("banner-a"));
        assert_eq!(c.get("term"), None);
    }

    #[test]
    fn no_campaign_without_utm_values() {
        assert_eq!(from_params(params(&[])), None);
        assert_eq!(from_params(params(&[("q", "ps5")])), None);
        assert_eq!(from_params(params(&[("utm_source", "  ")])), None);
    }

    #[test]
    fn long_values_are_cut_at_a_character_boundary() {
        let long: &'static str = Box::leak("é".repeat(150).into_boxed_str());
        let pairs: &'static [(&str, &str)] = Box::leak(vec![("utm_campaign", long)].into_boxed_slice());
        let c = from_params(params(pairs)).unwrap();
        assert_eq!(field(&c, "name").map(str::len), Some(MAX_VALUE_BYTES));
    }
}
