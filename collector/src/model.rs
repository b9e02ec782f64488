//! `collector model`: the recommendations model built from the stored orders, with the core's
//! builder (`persona::core::recommend`), written as its versioned JSON form next to the database
//! (`recs-model.json`), where `GET /v1/model` serves the latest one.
//!
//! Each `Order Completed` is a basket of its `products[].product_id`; an `order_id` seen twice
//! (the same order tracked again) counts once.

use std::path::Path;

use persona::core::recommend::{model::stored, Builder, Model};
use serde_json::Value;

use crate::store::Store;

/// What a build found: the model, the orders it read and the baskets it kept.
pub struct Built {
    /// The model.
    pub model: Model,
    /// `Order Completed` events read.
    pub orders: usize,
    /// Distinct orders with at least one product.
    pub baskets: usize,
}

/// Builds the model from every stored order, `neighbours` per product.
pub fn build(store: &Store, neighbours: usize) -> Result<Built, String> {
    let orders = store.order_properties().map_err(|e| format!("cannot read the orders: {e}"))?;
    let mut builder = Builder::default();
    let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut baskets = 0;
    for properties in &orders {
        if let Some(id) = properties.get("order_id").and_then(text) {
            if !seen.insert(id) {
                continue;
            }
        }
        let products: Vec<String> = properties
            .get("products")
            .and_then(Value::as_array)
            .map(|list| list.iter().filter_map(|p| p.get("product_id").and_then(text)).collect())
            .unwrap_or_default();
        if products.is_empty() {
            continue;
        }
        baskets += 1;
        builder.add_basket(products.iter().map(String::as_str));
    }
    Ok(Built { model: builder.finish(neighbours), orders: orders.len(), baskets })
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
