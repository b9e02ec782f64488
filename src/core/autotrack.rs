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
