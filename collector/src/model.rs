//! `collector model`: the recommendations model built from the stored events with the core's
//! builder (`persona::core::recommend`), written as its versioned JSON form next to the database
//! (`recs-model.json`), where `GET /v1/model` serves the latest one.
//!
//! - Each `Order Completed` is a basket of its `products[].product_id`; an `order_id` seen twice
//!   (the same order tracked again) counts once.
//! - The `Product Viewed` events of one visit (the same visitor and `context.session.id`; a
//!   visitor's events without one form one visit per day) are a group of co-viewed products.
//! - Trending counts each view and each ordered product received within the window (the last
//!   `window_days` before the build).

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use persona::core::recommend::{model::stored, Builder, Model};
use serde_json::Value;

use crate::store::Store;

/// What a build found: the model, the orders it read and the baskets and visits it kept.
pub struct Built {
    /// The model.
    pub model: Model,
    /// `Order Completed` events read.
    pub orders: usize,
    /// Distinct orders with at least one product.
    pub baskets: usize,
    /// Visits with at least one product viewed.
    pub visits: usize,
}

const DAY_MS: i64 = 86_400_000;

/// Builds the model from every stored order and product view, `neighbours` per product and
/// relation, trending over the last `window_days` before `now` (ms since the Unix epoch).
pub fn build(store: &Store, neighbours: usize, window_days: u32, now: i64) -> Result<Built, String> {
    let events = store.shop_events().map_err(|e| format!("cannot read the events: {e}"))?;
    let since = now - i64::from(window_days) * DAY_MS;
    let mut builder = Builder::default();
    let mut seen: HashSet<String> = HashSet::new();
    let (mut orders, mut baskets) = (0, 0);
    // Visits in the order their first view arrived: (visitor, session) → products.
    let mut visits: BTreeMap<(String, String), (usize, Vec<String>)> = BTreeMap::new();
    for event in &events {
        let recent = event.received_at >= since;
        if !event.order {
            let Some(product) = event.properties.get("product_id").and_then(text) else { continue };
            let session = event
                .context
                .get("session")
                .and_then(|s| s.get("id"))
                .and_then(text)
                .unwrap_or_else(|| format!("day-{}", event.received_at / DAY_MS));
            let next = visits.len();
            let visit = visits.entry((event.anonymous_id.clone(), session)).or_insert((next, Vec::new()));
            if recent {
                builder.add_trending(&product, 1);
            }
            visit.1.push(product);
            continue;
        }
        orders += 1;
        if let Some(id) = event.properties.get("order_id").and_then(text) {
            if !seen.insert(id) {
                continue;
            }
        }
        let products: Vec<String> = event
            .properties
            .get("products")
            .and_then(Value::as_array)
            .map(|list| list.iter().filter_map(|p| p.get("product_id").and_then(text)).collect())
            .unwrap_or_default();
        if products.is_empty() {
            continue;
        }
        baskets += 1;
        builder.add_basket(products.iter().map(String::as_str));
        if recent {
            for p in &products {
                builder.add_trending(p, 1);
            }
        }
    }
    let mut ordered: Vec<(usize, Vec<String>)> = visits.into_values().collect();
    ordered.sort_by_key(|(first, _)| *first);
    for (_, products) in &ordered {
        builder.add_visit(products.iter().map(String::as_str));
    }
    let mut model = builder.finish(neighbours);
    model.built_at = now.max(0) as u64;
    model.window_days = window_days;
    Ok(Built { model, orders, baskets, visits: ordered.len() })
}

/// A product id: a string, or a number as its decimal text.
fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Writes `model` to `path` (through a temporary file and a rename, so a reader never sees half
/// a model); returns the bytes written.
pub fn write(path: &Path, model: &Model) -> Result<usize, String> {
    let text =
        persona::core::json::to_string(&stored::to_value(model), &|n, out| out.push_str(&n.to_string()));
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, &text).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(text.len())
}
