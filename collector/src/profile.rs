//! `GET /v1/profile/{userId}`: what the collector knows about a known customer from the shop's
//! other channels, shaped for the SDK's `p.profile.import`: traits from `identify` calls (the
//! browser's and the shop systems'), orders sent server-side (store purchases), and counts of the
//! other server-side events (hotline contacts, ...). Online orders are left out: the browser's
//! profile has them already.

use rusqlite::{params, Connection};
use serde_json::{json, Map, Value};

/// Most purchases returned (the newest); `p.profile.import` keeps fewer anyway.
pub const MAX_PURCHASES: usize = 100;

/// The import document for `user_id`, or `None` when no event names that customer.
pub fn for_user(conn: &Connection, user_id: &str) -> rusqlite::Result<Option<Value>> {
    let mut stmt = conn.prepare_cached(
        "SELECT type, event, server, at, properties, raw FROM events WHERE user_id = ?1 ORDER BY at, id",
    )?;
    let mut rows = stmt.query(params![user_id])?;
    let (mut seen, mut traits, mut purchases, mut counts) = (false, Map::new(), Vec::new(), Map::new());
    while let Some(row) = rows.next()? {
        seen = true;
        let (kind, event, server, at): (String, Option<String>, bool, i64) =
            (row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?);
        if kind == "identify" {
            let raw: Value = serde_json::from_str(&row.get::<_, String>(5)?).unwrap_or(Value::Null);
            if let Some(given) = raw.get("traits").and_then(Value::as_object) {
                for (key, value) in given {
                    match value {
                        Value::Null => {
                            traits.remove(key);
                        }
                        Value::String(_) | Value::Number(_) | Value::Bool(_) => {
                            traits.insert(key.clone(), value.clone());
                        }
                        _ => {}
                    }
                }
            }
            continue;
        }
        let (Some(event), true) = (event, server) else { continue };
        if event == "Order Completed" {
            let properties: Value = serde_json::from_str(&row.get::<_, String>(4)?).unwrap_or(Value::Null);
            if let Some(order) = purchase(&properties, at) {
                purchases.push(order);
            }
        } else {
            let n = counts.get(&event).and_then(Value::as_u64).unwrap_or(0);
            counts.insert(event, (n + 1).into());
        }
    }
    if purchases.len() > MAX_PURCHASES {
        purchases.drain(..purchases.len() - MAX_PURCHASES);
    }
    Ok(seen.then(|| json!({"traits": traits, "purchases": purchases, "counts": counts})))
}

/// An order as `p.profile.import` takes it; `None` without an `order_id`.
fn purchase(properties: &Value, at: i64) -> Option<Value> {
    let order_id = match properties.get("order_id")? {
        Value::String(s) if !s.is_empty() => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let products: Vec<Value> = properties
        .get("products")
        .and_then(Value::as_array)
        .map(|products| {
            products
                .iter()
                .filter(|p| p.get("product_id").is_some())
                .map(|p| {
                    let mut kept = Map::new();
                    for key in ["product_id", "category", "brand", "price", "tags", "quantity"] {
                        if let Some(value) = p.get(key).filter(|v| !v.is_null()) {
                            kept.insert(key.to_owned(), value.clone());
                        }
                    }
                    Value::Object(kept)
                })
                .collect()
        })
        .unwrap_or_default();
    let mut order = json!({"order_id": order_id, "at": at, "products": products});
    if let Some(revenue) = properties.get("revenue").and_then(Value::as_f64).filter(|r| *r >= 0.0) {
        order["revenue"] = revenue.into();
    }
    Some(order)
}
