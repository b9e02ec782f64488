//! The profile's stored form: compact, versioned, and strict about what it reads back.

use super::{Profile, Purchase, Score, Search};
use crate::core::json;
use crate::core::value::Value;
use crate::prelude::*;

/// Version of the stored form ([`Profile::to_json`]). Version 1 (before identity and segment
/// membership were kept: no `tr`, `sg`) is read and migrated; a `u` left by an earlier build is
/// ignored (the user id has its own key).
pub const STORED_VERSION: f64 = 2.0;

/// A JSON text writer that puts the commas in itself: before a key or a value, unless it opens
/// a container or follows a key.
struct Writer<'a> {
    out: String,
    float: &'a dyn Fn(f64, &mut String),
}

impl Writer<'_> {
    fn sep(&mut self) {
        if !matches!(self.out.as_bytes().last(), None | Some(b'{' | b'[' | b':')) {
            self.out.push(',');
        }
    }
    fn key(&mut self, key: &str) {
        self.sep();
        json::string(key, &mut self.out);
        self.out.push(':');
    }
    fn open(&mut self, c: char) {
        self.sep();
        self.out.push(c);
    }
    fn close(&mut self, c: char) {
        self.out.push(c);
    }
    fn num(&mut self, n: f64) {
        self.sep();
        json::number(n, &mut self.out, self.float);
    }
    fn text(&mut self, s: &str) {
        self.sep();
        json::string(s, &mut self.out);
    }
    fn value(&mut self, v: &Value) {
        self.sep();
        json::write(v, &mut self.out, self.float);
    }
    fn texts(&mut self, items: &[String]) {
        self.open('[');
        for s in items {
            self.text(s);
        }
        self.close(']');
    }
    /// `[[text, number]...]`.
    fn pairs(&mut self, items: &mut dyn Iterator<Item = (&str, f64)>) {
        self.open('[');
        for (s, n) in items {
            self.open('[');
            self.text(s);
            self.num(n);
            self.close(']');
        }
        self.close(']');
    }
}

impl Profile {
    /// The stored form as JSON text, compact and versioned: `{v, f, l, s, sid, c, a, vw, ct, p,
    /// q, o, r, lo, ft?, lt?, tr?, sg}` with tuples as arrays (`a` is `{facet: [[value,
    /// score, at, session]...]}`). Written directly, without building a `Value` first; `float`
    /// writes numbers that are not whole (the platform's number formatting).
    pub fn to_json(&self, float: &dyn Fn(f64, &mut String)) -> String {
        let mut w = Writer { out: String::with_capacity(4096), float };
        w.open('{');
        for (key, n) in [
            ("v", STORED_VERSION),
            ("f", self.first_seen as f64),
            ("l", self.last_seen as f64),
            ("s", f64::from(self.sessions)),
            ("o", f64::from(self.orders)),
            ("r", self.revenue),
            ("lo", self.last_order_at as f64),
        ] {
            w.key(key);
            w.num(n);
        }
        w.key("sid");
        w.text(&self.session_id);
        w.key("c");
        w.pairs(&mut self.counts.iter().map(|(n, c)| (n.as_str(), f64::from(*c))));
        w.key("vw");
        w.pairs(&mut self.viewed.iter().map(|(id, at)| (id.as_str(), *at as f64)));
        w.key("ct");
        w.pairs(&mut self.cart.iter().map(|(id, q)| (id.as_str(), *q)));
        w.key("a");
        w.open('{');
        for (facet, scores) in &self.affinity {
            w.key(facet);
            w.open('[');
            for s in scores {
                w.open('[');
                w.text(&s.value);
                w.num(s.score);
                w.num(s.at as f64);
                w.num(s.session);
                w.close(']');
            }
            w.close(']');
        }
        w.close('}');
        w.key("p");
        w.open('[');
        for p in &self.purchases {
            w.open('{');
            w.key("o");
            w.text(&p.order_id);
            w.key("ps");
            w.texts(&p.products);
            w.key("cs");
            w.texts(&p.categories);
            w.key("r");
            w.num(p.revenue);
            w.key("t");
            w.num(p.at as f64);
            w.close('}');
        }
        w.close(']');
        w.key("q");
        w.open('[');
        for q in &self.searches {
            w.open('[');
            w.text(&q.query);
            match &q.clicked {
                Some(id) => w.text(id),
                None => w.value(&Value::Null),
            }
            w.num(q.at as f64);
            w.close(']');
        }
        w.close(']');
        for (key, touch) in [("ft", &self.first_touch), ("lt", &self.last_touch)] {
            if let Some(touch) = touch {
                w.key(key);
                w.value(touch);
            }
        }
        if self.traits.is_object() {
            w.key("tr");
            w.value(&self.traits);
        }
        w.key("sg");
        w.texts(&self.segments);
        w.close('}');
        w.out
    }

    /// Reads a stored form back (version 2, or version 1 migrated); `None` for anything that
    /// is not one, down to a single field of the wrong type.
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
        let text = p.to_json(&|n, out| out.push_str(&n.to_string()));
        let parsed = crate::core::json::parse(&text, 40, &|t| t.parse().unwrap()).unwrap();
        let back = Profile::from_value(&parsed).expect("round trip");
        assert_eq!(back, p);
        for bad in [
            Value::Null,
            Value::object().with("v", 2.0),
            parsed.clone().with("a", "x"),
            parsed.clone().with("f", -1.0),
            parsed.clone().with("q", Value::Array(vec![Value::Array(vec![1.0.into()])])),
        ] {
            assert_eq!(Profile::from_value(&bad), None, "{bad:?}");
        }
    }
}
