//! The profile's stored form: compact, versioned, and strict about what it reads back.

use super::{Profile, Purchase, Score, Search};
use crate::core::value::Value;

/// Version of the stored form ([`Profile::to_value`]). Version 1 (before identity and segment
/// membership were kept: no `u`, `tr`, `sg`) is read and migrated.
pub const STORED_VERSION: f64 = 2.0;

fn num(v: f64) -> Value {
    Value::Number(v)
}

fn list<T>(items: &[T], f: impl Fn(&T) -> Value) -> Value {
    Value::Array(items.iter().map(f).collect())
}

fn strings(items: &[String]) -> Value {
    list(items, |s| s.as_str().into())
}

impl Profile {
    /// The stored form, compact and versioned: `{v, f, l, s, sid, c, a, vw, ct, p, q, o, r, lo,
    /// ft?, lt?, u?, tr?, sg}` with tuples as arrays (`a` is `{facet: [[value, score, at, session]...]}`).
    pub fn to_value(&self) -> Value {
        let affinity = Value::Object(
            self.affinity
                .iter()
                .map(|(facet, scores)| {
                    let scores = list(scores, |s| {
                        Value::Array(vec![
                            s.value.as_str().into(),
                            num(s.score),
                            num(s.at as f64),
                            num(s.session),
                        ])
                    });
                    (facet.clone(), scores)
                })
                .collect(),
        );
        let purchases = list(&self.purchases, |p| {
            Value::object()
                .with("o", p.order_id.as_str())
                .with("ps", strings(&p.products))
                .with("cs", strings(&p.categories))
                .with("r", p.revenue)
                .with("t", p.at as f64)
        });
        let searches = list(&self.searches, |q| {
            let clicked = q.clicked.as_deref().map_or(Value::Null, Value::from);
            Value::Array(vec![q.query.as_str().into(), clicked, num(q.at as f64)])
        });
        let mut out = Value::object()
            .with("v", STORED_VERSION)
            .with("f", self.first_seen as f64)
            .with("l", self.last_seen as f64)
            .with("s", f64::from(self.sessions))
            .with("sid", self.session_id.as_str())
            .with("c", list(&self.counts, |(n, c)| Value::Array(vec![n.as_str().into(), num(f64::from(*c))])))
            .with("a", affinity)
            .with(
                "vw",
                list(&self.viewed, |(id, at)| Value::Array(vec![id.as_str().into(), num(*at as f64)])),
            )
            .with("ct", list(&self.cart, |(id, q)| Value::Array(vec![id.as_str().into(), num(*q)])))
            .with("p", purchases)
            .with("q", searches)
            .with("o", f64::from(self.orders))
            .with("r", self.revenue)
            .with("lo", self.last_order_at as f64);
        if let Some(touch) = &self.first_touch {
            out.set("ft", touch.clone());
        }
        if let Some(touch) = &self.last_touch {
            out.set("lt", touch.clone());
        }
        if let Some(user) = &self.user_id {
            out.set("u", user.as_str().into());
        }
        if self.traits.is_object() {
            out.set("tr", self.traits.clone());
        }
        out.with("sg", strings(&self.segments))
    }

    /// Reads the stored form back; `None` for anything that is not a profile of a known version
    /// (the caller starts a fresh profile and reports `storage_corrupt`).
    pub fn from_value(stored: &Value) -> Option<Profile> {
        let version = stored.get("v")?.as_f64()?;
        if version != STORED_VERSION && version != 1.0 {
            return None;
        }
        let n = |key: &str| num_at(stored.get(key)?, None).filter(|x| *x >= 0.0);
        let mut p = Profile {
            first_seen: n("f")? as u64,
            last_seen: n("l")? as u64,
            sessions: n("s")? as u32,
            session_id: text_at(stored.get("sid")?, None)?,
            orders: n("o")? as u32,
            revenue: n("r")?,
            last_order_at: n("lo")? as u64,
            first_touch: stored.get("ft").filter(|t| t.is_object()).cloned(),
            last_touch: stored.get("lt").filter(|t| t.is_object()).cloned(),
            traits: stored.get("tr").filter(|t| t.is_object()).cloned().unwrap_or_default(),
            ..Profile::default()
        };
        if let Some(user) = stored.get("u") {
            p.user_id = Some(text_at(user, None)?);
        }
        for t in rows(stored.get("c")?)? {
            p.counts.push((text_at(t, Some(0))?, num_at(t, Some(1))? as u32));
        }
        for t in rows(stored.get("vw")?)? {
            p.viewed.push((text_at(t, Some(0))?, num_at(t, Some(1))? as u64));
        }
        for t in rows(stored.get("ct")?)? {
            p.cart.push((text_at(t, Some(0))?, num_at(t, Some(1))?));
        }
        let Value::Object(facets) = stored.get("a")? else { return None };
        for (facet, scores) in facets {
            let mut list = Vec::new();
            for t in rows(scores)? {
                let (score, at, session) = (num_at(t, Some(1))?, num_at(t, Some(2))?, num_at(t, Some(3))?);
                list.push(Score { value: text_at(t, Some(0))?, score, at: at as u64, session });
            }
            p.affinity.push((facet.clone(), list));
        }
        for o in rows(stored.get("p")?)? {
            p.purchases.push(Purchase {
                order_id: text_at(o.get("o")?, None)?,
                products: texts(o.get("ps")?)?,
                categories: texts(o.get("cs")?)?,
                revenue: num_at(o.get("r")?, None)?,
                at: num_at(o.get("t")?, None)? as u64,
            });
        }
        for t in rows(stored.get("q")?)? {
            let clicked = if t.as_array()?.get(1)?.is_null() { None } else { Some(text_at(t, Some(1))?) };
            p.searches.push(Search { query: text_at(t, Some(0))?, clicked, at: num_at(t, Some(2))? as u64 });
        }
        if let Some(keys) = stored.get("sg") {
            p.segments = texts(keys)?;
        }
        Some(p)
    }
}

/// The items of an array.
fn rows(v: &Value) -> Option<&[Value]> {
    v.as_array()
}

/// The value itself (`None`) or item `i` of an array.
fn item(v: &Value, i: Option<usize>) -> Option<&Value> {
    match i {
        None => Some(v),
        Some(i) => v.as_array()?.get(i),
    }
}

fn text_at(v: &Value, i: Option<usize>) -> Option<String> {
    item(v, i)?.as_str().map(str::to_owned)
}

fn num_at(v: &Value, i: Option<usize>) -> Option<f64> {
    item(v, i)?.as_f64().filter(|x| x.is_finite())
}

fn texts(v: &Value) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for t in rows(v)? {
        out.push(text_at(t, None)?);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{console, event};
    use super::super::ProfileConfig;
    use super::*;

    #[test]
    fn the_stored_form_round_trips_and_rejects_what_it_is_not() {
        let config = ProfileConfig::default();
        let mut p = Profile::default();
        p.record(&event("Product Viewed", console("c1", 299.0), "s1"), 5, &config);
        p.record(&event("Products Searched", Value::object().with("query", "switch"), "s1"), 6, &config);
        let order = Value::object()
            .with("order_id", "o-1")
            .with("revenue", 10.5)
            .with("products", Value::Array(vec![console("c1", 10.5)]));
        p.record(&event("Order Completed", order, "s1"), 7, &config);
        // Rust's shortest round-trip float text, as JavaScript writes it; parsing is exact.
        let text = crate::core::json::to_string(&p.to_value(), &|n, out| out.push_str(&n.to_string()));
        let parsed = crate::core::json::parse(&text, 40, &|t| t.parse().unwrap()).unwrap();
        let back = Profile::from_value(&parsed).expect("round trip");
        assert_eq!(back, p);
        for bad in [
            Value::Null,
            Value::object().with("v", 2.0),
            p.to_value().with("a", "x"),
            p.to_value().with("f", -1.0),
            p.to_value().with("q", Value::Array(vec![Value::Array(vec![1.0.into()])])),
        ] {
            assert_eq!(Profile::from_value(&bad), None, "{bad:?}");
        }
    }
}
