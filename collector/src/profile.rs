//! `GET /v1/profile/{userId}`: what the shop's own systems sent about a known customer (events
//! with a secret key), shaped for the SDK's `p.profile.import`: traits from their `identify`
//! calls, their orders (store purchases), and counts of their other events (hotline contacts,
//! ...). Browser events are left out: anyone with the page's public write key can send those, and
//! the browser's profile has that customer's online activity already.

use rusqlite::{params, Connection};
use serde_json::{json, Map, Value};

/// Most purchases returned (the newest); `p.profile.import` keeps fewer anyway.
pub const MAX_PURCHASES: usize = 100;

/// The import document for `user_id`, or `None` when the shop's systems sent nothing about them.
pub fn for_user(conn: &Connection, user_id: &str) -> rusqlite::Result<Option<Value>> {
    let mut stmt = conn.prepare_cached(
        "SELECT type, event, at, properties, raw FROM events WHERE user_id = ?1 AND server = 1 ORDER BY at, id",
    )?;
    let mut rows = stmt.query(params![user_id])?;
    let (mut seen, mut traits, mut purchases, mut counts) = (false, Map::new(), Vec::new(), Map::new());
    while let Some(row) = rows.next()? {
        seen = true;
        let (kind, event, at): (String, Option<String>, i64) = (row.get(0)?, row.get(1)?, row.get(2)?);
        if kind == "identify" {
            let raw: Value = serde_json::from_str(&row.get::<_, String>(4)?).unwrap_or(Value::Null);
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
        let Some(event) = event else { continue };
        if event == "Order Completed" {
            let properties: Value = serde_json::from_str(&row.get::<_, String>(3)?).unwrap_or(Value::Null);
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
    let revenue = ["revenue", "total"].iter().find_map(|k| properties.get(*k).and_then(Value::as_f64));
    if let Some(revenue) = revenue.filter(|r| r.is_finite() && *r >= 0.0) {
        order["revenue"] = revenue.into();
    }
    Some(order)
}
