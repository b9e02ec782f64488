//! The profile's stored form: compact, versioned, and strict about what it reads back.

use super::{Profile, Purchase, Score, Search};
use crate::core::value::Value;

/// Version of the stored form ([`Profile::to_value`]).
pub const STORED_VERSION: f64 = 1.0;

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
    /// ft?, lt?}` with tuples as arrays (`a` is `{facet: [[value, score, at, session]...]}`).
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
        out
    }

    /// Reads the stored form back; `None` for anything that is not a profile of a known version
    /// (the caller starts a fresh profile and reports `storage_corrupt`).
    pub fn from_value(stored: &Value) -> Option<Profile> {
        if stored.get("v")?.as_f64()? != STORED_VERSION {
            return None;
        }
        let n = |key: &str| stored.get(key).and_then(Value::as_f64).filter(|x| x.is_finite() && *x >= 0.0);
        let tuples = |key: &str| stored.get(key).and_then(Value::as_array);
        let str_at = |t: &[Value], i: usize| t.get(i).and_then(Value::as_str).map(str::to_owned);
        let num_at = |t: &[Value], i: usize| t.get(i).and_then(Value::as_f64).filter(|x| x.is_finite());
        let pairs = |key: &str| -> Option<Vec<(String, f64)>> {
            tuples(key)?
                .iter()
                .map(|t| {
                    let t = t.as_array()?;
                    Some((str_at(t, 0)?, num_at(t, 1)?))
                })
                .collect()
        };
        let mut affinity = Vec::new();
        let Value::Object(facets) = stored.get("a")? else { return None };
        for (facet, scores) in facets {
            let scores = scores
                .as_array()?
                .iter()
                .map(|t| {
                    let t = t.as_array()?;
                    Some(Score {
                        value: str_at(t, 0)?,
                        score: num_at(t, 1)?,
                        at: num_at(t, 2)? as u64,
                        session: num_at(t, 3)?,
                    })
                })
                .collect::<Option<Vec<_>>>()?;
            affinity.push((facet.clone(), scores));
        }
        let purchases = tuples("p")?
            .iter()
            .map(|p| {
                let texts = |key: &str| -> Option<Vec<String>> {
                    p.get(key)?.as_array()?.iter().map(|s| s.as_str().map(str::to_owned)).collect()
                };
                Some(Purchase {
                    order_id: p.get("o")?.as_str()?.to_owned(),
                    products: texts("ps")?,
                    categories: texts("cs")?,
                    revenue: p.get("r")?.as_f64()?,
                    at: p.get("t")?.as_f64()? as u64,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        let searches = tuples("q")?
            .iter()
            .map(|t| {
                let t = t.as_array()?;
                Some(Search { query: str_at(t, 0)?, clicked: str_at(t, 1), at: num_at(t, 2)? as u64 })
            })
            .collect::<Option<Vec<_>>>()?;
        let touch = |key: &str| stored.get(key).filter(|t| t.is_object()).cloned();
        Some(Profile {
            first_seen: n("f")? as u64,
            last_seen: n("l")? as u64,
            sessions: n("s")? as u32,
            session_id: stored.get("sid")?.as_str()?.to_owned(),
            counts: pairs("c")?.into_iter().map(|(name, c)| (name, c as u32)).collect(),
            affinity,
            viewed: pairs("vw")?.into_iter().map(|(id, at)| (id, at as u64)).collect(),
            cart: pairs("ct")?,
            purchases,
            searches,
            orders: n("o")? as u32,
            revenue: n("r")?,
            last_order_at: n("lo")? as u64,
            first_touch: touch("ft"),
            last_touch: touch("lt"),
        })
    }
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
