//! Click autotracking: what an annotated element's `data-persona-*` attributes mean.
//!
//! The web layer finds the clicked element (the nearest one carrying `data-persona-event` or
//! `data-persona-product-id`) and hands over its `data-persona-*` attributes with the prefix
//! removed, camelCased as in `element.dataset` (`data-persona-product-id` → `productId`), numbers
//! already numbers for `position`, `price` and `quantity`. This module turns them into an event:
//!
//! - `data-persona-event="Newsletter Signup"` → that event, with the other attributes as
//!   properties (snake_cased);
//! - otherwise `data-persona-product-id` → `Product Clicked` with `product_id`, `list_id` (from
//!   `data-persona-list`), `position`, and whatever else is annotated (`name`, `brand`,
//!   `category`, `price`, ...).
//!
//! ```html
//! <a href="/p/sku-1" data-persona-product-id="sku-1" data-persona-list="home" data-persona-position="2">
//! ```
//!
//! Searches: a form holding an input marked `data-persona-search` (on submit), or that input
//! itself while the visitor types (after a pause), is a `Products Searched` event with the
//! query ([`search`]). A later click on a product in the same session carries that `query`, so a
//! result click says what it was a result of.

use crate::core::value::Value;

/// The event for a click on an element with these attributes, or `None` when they do not
/// describe one.
pub fn click(attributes: &Value) -> Option<(String, Value)> {
    let Value::Object(entries) = attributes else { return None };
    let mut name = None;
    let mut properties = Value::object();
    for (key, value) in entries {
        match key.as_str() {
            "event" => name = value.as_str().map(str::to_owned),
            "list" => properties.set("list_id", value.clone()),
            _ => properties.set(&snake_case(key), value.clone()),
        }
    }
    match name {
        Some(name) if !name.trim().is_empty() => Some((name, properties)),
        _ if properties.get("product_id").is_some() => Some(("Product Clicked".to_owned(), properties)),
        _ => None,
    }
}

/// A search is the same as the last one (and not tracked again) when its query is equal and it
/// comes within this many ms: typing pauses and the submit that follows them count once.
pub const SEARCH_REPEAT_MS: u64 = 30_000;

/// How long after a search a product click still counts as a click on its results, in ms.
pub const SEARCH_CLICK_WINDOW_MS: u64 = 30 * 60 * 1000;

/// The normalised query of a search (trimmed, inner whitespace collapsed), or `None` when it is
/// empty or repeats `last` (query and time) within [`SEARCH_REPEAT_MS`].
pub fn search(query: &str, now: u64, last: Option<&(String, u64)>) -> Option<String> {
    let normalised = query.split_whitespace().collect::<Vec<_>>().join(" ");
    if normalised.is_empty() {
        return None;
    }
    match last {
        Some((previous, at)) if *previous == normalised && now.saturating_sub(*at) < SEARCH_REPEAT_MS => None,
        _ => Some(normalised),
    }
}

/// Adds the last search's `query` to a `Product Clicked` that has none, when the search was made
/// within [`SEARCH_CLICK_WINDOW_MS`].
pub fn attribute_click(properties: &mut Value, now: u64, last: Option<&(String, u64)>) {
    if let Some((query, at)) = last {
        if properties.get("query").is_none() && now.saturating_sub(*at) < SEARCH_CLICK_WINDOW_MS {
            properties.set("query", query.as_str().into());
        }
    }
}

/// `productId` → `product_id`.
fn snake_case(camel: &str) -> String {
    let mut out = String::with_capacity(camel.len() + 4);
    for c in camel.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_cards_become_product_clicked() {
        let attrs = Value::object()
            .with("productId", "sku-1")
            .with("list", "home")
            .with("position", 2.0)
            .with("price", 449.99);
        let (name, props) = click(&attrs).unwrap();
        assert_eq!(name, "Product Clicked");
        assert_eq!(props.get("product_id").and_then(Value::as_str), Some("sku-1"));
        assert_eq!(props.get("list_id").and_then(Value::as_str), Some("home"));
        assert_eq!(props.get("position").and_then(Value::as_f64), Some(2.0));
        assert_eq!(props.get("price").and_then(Value::as_f64), Some(449.99));
    }

    #[test]
    fn searches_are_normalised_and_repeats_ignored() {
        assert_eq!(search("  ps5   controller ", 0, None).as_deref(), Some("ps5 controller"));
        assert_eq!(search("   ", 0, None), None);
        let last = ("ps5".to_owned(), 1_000);
        assert_eq!(search("ps5 ", 2_000, Some(&last)), None, "typing pause then submit");
        assert_eq!(search("ps5", 1_000 + SEARCH_REPEAT_MS, Some(&last)).as_deref(), Some("ps5"));
        assert_eq!(search("xbox", 2_000, Some(&last)).as_deref(), Some("xbox"));
    }

    #[test]
    fn result_clicks_carry_the_query() {
        let last = ("ps5".to_owned(), 0);
        let mut props = Value::object().with("product_id", "sku-1");
        attribute_click(&mut props, 60_000, Some(&last));
        assert_eq!(props.get("query").and_then(Value::as_str), Some("ps5"));
        let mut late = Value::object().with("product_id", "sku-1");
        attribute_click(&mut late, SEARCH_CLICK_WINDOW_MS, Some(&last));
        assert_eq!(late.get("query"), None);
    }

    #[test]
    fn a_named_event_wins_and_other_elements_are_ignored() {
        let attrs = Value::object().with("event", "Newsletter Signup").with("placementId", "footer");
        let (name, props) = click(&attrs).unwrap();
        assert_eq!(name, "Newsletter Signup");
        assert_eq!(props.get("placement_id").and_then(Value::as_str), Some("footer"));
        assert_eq!(click(&Value::object().with("list", "home")), None);
        assert_eq!(click(&Value::object().with("event", " ")), None);
        assert_eq!(click(&Value::Null), None);
    }
}
