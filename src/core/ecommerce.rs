//! Shop events: Segment's Ecommerce v2 names, the GA4 names accepted for them, and the properties
//! each one requires.
//!
//! `track` runs every event through [`normalize`]:
//!
//! - a Segment name (`"Product Viewed"`) or its snake_case form (`"product_viewed"`) becomes the
//!   Segment name; its properties are checked and otherwise left as given;
//! - a GA4 name (`"view_item"`) becomes the Segment name too, and its GA4 parameters are renamed
//!   to Segment's (`items` → `products`, `item_id` → `product_id`, `transaction_id` → `order_id`,
//!   `search_term` → `query`, `value` → `revenue` on orders, ...); for single-product events the
//!   first item's fields move to the top level, as Segment's spec has them;
//! - any other name is a custom event and passes through untouched.
//!
//! Required properties per shop event (a violation is [`Error::PropertyMissing`] or
//! [`Error::PropertyInvalid`] naming the property, and nothing is enqueued):
//!
//! | event | GA4 alias | required |
//! |---|---|---|
//! | Products Searched | `search` | `query` (string) |
//! | Product List Viewed | `view_item_list` | `products` |
//! | Product Clicked | `select_item` | `product_id` |
//! | Product Viewed | `view_item` | `product_id` |
//! | Product Added | `add_to_cart` | `product_id` |
//! | Product Removed | `remove_from_cart` | `product_id` |
//! | Product Added to Wishlist | `add_to_wishlist` | `product_id` |
//! | Cart Viewed | `view_cart` | `products` |
//! | Checkout Started | `begin_checkout` | `products` |
//! | Order Completed | `purchase` | `order_id`, `revenue` (number ≥ 0), `products` |
//! | Order Refunded | `refund` | `order_id` |
//! | Promotion Viewed | `view_promotion` | `promotion_id` |
//! | Promotion Clicked | `select_promotion` | `promotion_id` |
//! | Experiment Viewed | — | `experiment_id`, `variation_id` |
//!
//! An id (`product_id`, `order_id`, ...) is a non-empty string or a finite number. `products` is an
//! array (possibly empty) of objects that each have a `product_id`.

use crate::core::error::{Error, Result};
use crate::core::value::Value;
use crate::prelude::*;

/// What a required property must be.
#[derive(Clone, Copy)]
enum Need {
    /// A non-empty string or a finite number.
    Id(&'static str),
    /// A string.
    Text(&'static str),
    /// A finite number, zero or more.
    Amount(&'static str),
    /// An array of objects, each with a `product_id` id.
    Products,
}

/// One shop event of the spec.
struct Spec {
    name: &'static str,
    ga4: &'static str,
    /// The event is about one product: GA4's `items[0]` moves to the top level.
    single_product: bool,
    needs: &'static [Need],
}

const PRODUCT: &[Need] = &[Need::Id("product_id")];
const PRODUCTS: &[Need] = &[Need::Products];

const SPECS: &[Spec] = &[
    Spec { name: "Products Searched", ga4: "search", single_product: false, needs: &[Need::Text("query")] },
    Spec { name: "Product List Viewed", ga4: "view_item_list", single_product: false, needs: PRODUCTS },
    Spec { name: "Product Clicked", ga4: "select_item", single_product: true, needs: PRODUCT },
    Spec { name: "Product Viewed", ga4: "view_item", single_product: true, needs: PRODUCT },
    Spec { name: "Product Added", ga4: "add_to_cart", single_product: true, needs: PRODUCT },
    Spec { name: "Product Removed", ga4: "remove_from_cart", single_product: true, needs: PRODUCT },
    Spec { name: "Product Added to Wishlist", ga4: "add_to_wishlist", single_product: true, needs: PRODUCT },
    Spec { name: "Cart Viewed", ga4: "view_cart", single_product: false, needs: PRODUCTS },
    Spec { name: "Checkout Started", ga4: "begin_checkout", single_product: false, needs: PRODUCTS },
    Spec {
        name: "Order Completed",
        ga4: "purchase",
        single_product: false,
        needs: &[Need::Id("order_id"), Need::Amount("revenue"), Need::Products],
    },
    Spec { name: "Order Refunded", ga4: "refund", single_product: false, needs: &[Need::Id("order_id")] },
    Spec {
        name: "Promotion Viewed",
        ga4: "view_promotion",
        single_product: false,
        needs: &[Need::Id("promotion_id")],
    },
    Spec {
        name: "Promotion Clicked",
        ga4: "select_promotion",
        single_product: false,
        needs: &[Need::Id("promotion_id")],
    },
    Spec {
        name: "Experiment Viewed",
        ga4: "",
        single_product: false,
        needs: &[Need::Id("experiment_id"), Need::Id("variation_id")],
    },
];

/// GA4 event parameters and their Segment names.
const GA4_EVENT_KEYS: &[(&str, &str)] = &[
    ("items", "products"),
    ("search_term", "query"),
    ("transaction_id", "order_id"),
    ("item_list_id", "list_id"),
    ("item_list_name", "list_name"),
];

/// GA4 item parameters and their Segment product names.
const GA4_ITEM_KEYS: &[(&str, &str)] = &[
    ("item_id", "product_id"),
    ("item_name", "name"),
    ("item_brand", "brand"),
    ("item_category", "category"),
    ("item_variant", "variant"),
    ("index", "position"),
];

/// The canonical name of `name` and its checked (and, for GA4 names, renamed) properties.
/// `properties` must already be an object.
pub fn normalize(name: &str, properties: Value) -> Result<(String, Value)> {
    let Some((spec, from_ga4)) = lookup(name) else {
        return Ok((name.to_owned(), properties));
    };
    let properties = if from_ga4 { from_ga4_params(spec, properties) } else { properties };
    for need in spec.needs {
        check(need, &properties)?;
    }
    Ok((spec.name.to_owned(), properties))
}

/// Finds the spec by Segment name, its snake_case form, or GA4 name (the latter flagged).
fn lookup(name: &str) -> Option<(&'static Spec, bool)> {
    SPECS.iter().find_map(|spec| {
        if spec.name == name || snake_eq(spec.name, name) {
            Some((spec, false))
        } else if !spec.ga4.is_empty() && spec.ga4 == name {
            Some((spec, true))
        } else {
            None
        }
    })
}

/// `"Product Viewed"` against `"product_viewed"`: ASCII case-insensitive, space as underscore.
fn snake_eq(segment: &str, given: &str) -> bool {
    segment.len() == given.len()
        && segment.bytes().zip(given.bytes()).all(|(s, g)| match s {
            b' ' => g == b'_',
            _ => s.eq_ignore_ascii_case(&g),
        })
}

fn check(need: &Need, properties: &Value) -> Result<()> {
    match *need {
        Need::Id(key) => check_id(properties, key),
        Need::Text(key) => match properties.get(key) {
            None | Some(Value::Null) => Err(Error::PropertyMissing(key)),
            Some(Value::String(_)) => Ok(()),
            Some(_) => Err(Error::PropertyInvalid(key)),
        },
        Need::Amount(key) => match properties.get(key) {
            None | Some(Value::Null) => Err(Error::PropertyMissing(key)),
            Some(Value::Number(n)) if *n >= 0.0 => Ok(()),
            Some(_) => Err(Error::PropertyInvalid(key)),
        },
        Need::Products => match properties.get("products") {
            None | Some(Value::Null) => Err(Error::PropertyMissing("products")),
            Some(Value::Array(items)) => items.iter().try_for_each(|item| {
                check_id(item, "product_id").map_err(|_| Error::PropertyInvalid("products"))
            }),
            Some(_) => Err(Error::PropertyInvalid("products")),
        },
    }
}

fn check_id(object: &Value, key: &'static str) -> Result<()> {
    match object.get(key) {
        None | Some(Value::Null) => Err(Error::PropertyMissing(key)),
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(()),
        Some(Value::Number(_)) => Ok(()), // finite: non-finite numbers arrive as null
        Some(_) => Err(Error::PropertyInvalid(key)),
    }
}

/// Renames GA4 parameters to Segment's; never overwrites a key the caller set.
fn from_ga4_params(spec: &Spec, properties: Value) -> Value {
    let mut properties = rename(properties, GA4_EVENT_KEYS);
    if spec.name == "Order Completed" || spec.name == "Order Refunded" {
        properties = rename(properties, &[("value", "revenue")]);
    }
    if let Value::Object(entries) = &mut properties {
        for (key, value) in entries.iter_mut() {
            if key == "products" {
                if let Value::Array(items) = value {
                    for item in items.iter_mut() {
                        *item = rename(core::mem::take(item), GA4_ITEM_KEYS);
                    }
                }
            }
        }
    }
    if spec.single_product && properties.get("product_id").is_none() {
        properties = lift_first_product(properties);
    }
    properties
}

fn rename(mut object: Value, pairs: &[(&str, &str)]) -> Value {
    if let Value::Object(entries) = &mut object {
        for (from, to) in pairs {
            let taken = entries.iter().any(|(k, _)| k == to);
            if let Some(entry) = entries.iter_mut().find(|(k, _)| k == from) {
                if !taken {
                    entry.0 = (*to).to_owned();
                }
            }
        }
    }
    object
}

/// `{products: [{product_id, ...}], currency}` → `{product_id, ..., currency}`.
fn lift_first_product(properties: Value) -> Value {
    let Value::Object(entries) = properties else { return properties };
    let mut lifted = Vec::with_capacity(entries.len());
    let mut first = None;
    for (key, value) in entries {
        match (key.as_str(), value) {
            ("products", Value::Array(items)) => first = items.into_iter().next(),
            (_, value) => lifted.push((key, value)),
        }
    }
    let mut out = Value::Object(lifted);
    if let Some(Value::Object(fields)) = first {
        for (key, value) in fields {
            if out.get(&key).is_none() {
                out.set(&key, value);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(pairs: &[(&str, Value)]) -> Value {
        pairs.iter().fold(Value::object(), |o, (k, v)| o.with(k, v.clone()))
    }

    #[test]
    fn custom_events_pass_through_untouched() {
        let props = obj(&[("anything", "goes".into())]);
        assert_eq!(normalize("Newsletter Signup", props.clone()), Ok(("Newsletter Signup".into(), props)));
        assert!(lookup("Newsletter Signup").is_none());
    }

    #[test]
    fn segment_names_and_their_snake_case_forms() {
        let props = obj(&[("product_id", "sku-1".into())]);
        for name in ["Product Viewed", "product_viewed", "PRODUCT_VIEWED"] {
            assert_eq!(normalize(name, props.clone()).unwrap().0, "Product Viewed", "{name}");
        }
        assert!(lookup("productviewed").is_none());
        assert!(lookup("Product  Viewed").is_none());
    }

    #[test]
    fn required_properties_are_enforced() {
        let cases = [
            ("Product Viewed", obj(&[]), Error::PropertyMissing("product_id")),
            ("Product Viewed", obj(&[("product_id", "  ".into())]), Error::PropertyInvalid("product_id")),
            (
                "Product Viewed",
                obj(&[("product_id", Value::Bool(true))]),
                Error::PropertyInvalid("product_id"),
            ),
            ("Products Searched", obj(&[("query", 3.0.into())]), Error::PropertyInvalid("query")),
            ("Products Searched", obj(&[]), Error::PropertyMissing("query")),
            ("Order Completed", obj(&[("revenue", 1.0.into())]), Error::PropertyMissing("order_id")),
            ("Order Completed", obj(&[("order_id", "o".into())]), Error::PropertyMissing("revenue")),
            (
                "Order Completed",
                obj(&[("order_id", "o".into()), ("revenue", (-1.0).into())]),
                Error::PropertyInvalid("revenue"),
            ),
            (
                "Order Completed",
                obj(&[("order_id", "o".into()), ("revenue", 1.0.into()), ("products", "x".into())]),
                Error::PropertyInvalid("products"),
            ),
            (
                "Cart Viewed",
                obj(&[("products", Value::Array(vec![obj(&[("name", "no id".into())])]))]),
                Error::PropertyInvalid("products"),
            ),
            (
                "Experiment Viewed",
                obj(&[("experiment_id", "e".into())]),
                Error::PropertyMissing("variation_id"),
            ),
        ];
        for (name, props, err) in cases {
            assert_eq!(normalize(name, props.clone()), Err(err), "{name} {props:?}");
        }
        let ok = obj(&[
            ("order_id", 42.0.into()),
            ("revenue", 0.0.into()),
            ("products", Value::Array(vec![obj(&[("product_id", 7.0.into())])])),
        ]);
        assert!(normalize("Order Completed", ok).is_ok());
        assert!(normalize("Cart Viewed", obj(&[("products", Value::Array(vec![]))])).is_ok());
    }

    #[test]
    fn ga4_purchase_becomes_order_completed() {
        let item = obj(&[("item_id", "sku-1".into()), ("item_name", "PS5".into()), ("price", 499.0.into())]);
        let ga4 = obj(&[
            ("transaction_id", "T-1".into()),
            ("value", 499.0.into()),
            ("currency", "EUR".into()),
            ("items", Value::Array(vec![item])),
        ]);
        let (name, props) = normalize("purchase", ga4).unwrap();
        assert_eq!(name, "Order Completed");
        assert_eq!(props.get("order_id").and_then(Value::as_str), Some("T-1"));
        assert_eq!(props.get("revenue").and_then(Value::as_f64), Some(499.0));
        assert_eq!(props.get("currency").and_then(Value::as_str), Some("EUR"));
        let products = props.get("products").and_then(Value::as_array).unwrap();
        assert_eq!(products[0].get("product_id").and_then(Value::as_str), Some("sku-1"));
        assert_eq!(products[0].get("name").and_then(Value::as_str), Some("PS5"));
        assert_eq!(products[0].get("item_id"), None);
    }

    #[test]
    fn ga4_single_item_events_lift_the_item() {
        let item = obj(&[("item_id", "sku-2".into()), ("item_brand", "Sony".into()), ("index", 3.0.into())]);
        let ga4 = obj(&[("item_list_id", "home".into()), ("items", Value::Array(vec![item]))]);
        let (name, props) = normalize("select_item", ga4).unwrap();
        assert_eq!(name, "Product Clicked");
        assert_eq!(props.get("product_id").and_then(Value::as_str), Some("sku-2"));
        assert_eq!(props.get("brand").and_then(Value::as_str), Some("Sony"));
        assert_eq!(props.get("position").and_then(Value::as_f64), Some(3.0));
        assert_eq!(props.get("list_id").and_then(Value::as_str), Some("home"));
        assert_eq!(props.get("products"), None);
        let (name, props) = normalize("search", obj(&[("search_term", "ps5".into())])).unwrap();
        assert_eq!(
            (name.as_str(), props.get("query").and_then(Value::as_str)),
            ("Products Searched", Some("ps5"))
        );
        assert_eq!(normalize("view_item", obj(&[])), Err(Error::PropertyMissing("product_id")));
    }

    #[test]
    fn ga4_renames_never_overwrite_what_the_caller_set() {
        let ga4 = obj(&[("search_term", "a".into()), ("query", "b".into())]);
        let (_, props) = normalize("search", ga4).unwrap();
        assert_eq!(props.get("query").and_then(Value::as_str), Some("b"));
        assert_eq!(props.get("search_term").and_then(Value::as_str), Some("a"));
    }

    #[test]
    fn every_spec_has_a_distinct_name_and_alias() {
        for (i, a) in SPECS.iter().enumerate() {
            for b in &SPECS[i + 1..] {
                assert_ne!(a.name, b.name);
                assert!(a.ga4.is_empty() || a.ga4 != b.ga4);
            }
        }
    }
}
