//! The recommendations model and its builder.
//!
//! A model names its products once (`ids`) and refers to them by position. For each product it
//! keeps its top-K neighbours in two relations, each scored by cosine:
//!
//! ```text
//! cosine(a, b) = groups holding both / sqrt(groups holding a · groups holding b)
//! ```
//!
//! where a group is an order (**bought** together) or a visit's product views (**viewed**
//! together). Unlike raw co-occurrence counts, cosine does not let the best sellers appear next
//! to everything. Per product it also keeps its **popularity** (orders holding it), the fallback
//! for cold products and new visitors, and its **trending** count (views and orders in the last
//! [`Model::window_days`] before [`Model::built_at`]). A group counts each product once,
//! whatever its quantity.

use alloc::collections::BTreeMap;

use crate::prelude::*;

/// The model format's version; a reader refuses others.
pub const VERSION: u32 = 1;

/// A neighbour: a product position and its score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Neighbour {
    /// Position in [`Model::ids`].
    pub product: u32,
    /// Cosine score in (0, 1].
    pub score: f32,
}

/// The recommendations model.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Model {
    /// Format version ([`VERSION`]).
    pub version: u32,
    /// When the model was built (ms since the Unix epoch; 0 when unknown): readers use it to
    /// tell a stale model.
    pub built_at: u64,
    /// The days [`Model::trending`] counts (before `built_at`).
    pub window_days: u32,
    /// Product ids, by position.
    pub ids: Vec<String>,
    /// Per product, its co-purchased neighbours, best first.
    pub bought: Vec<Vec<Neighbour>>,
    /// Per product, its co-viewed neighbours (viewed in the same visit), best first.
    pub viewed: Vec<Vec<Neighbour>>,
    /// Per product, the orders holding it.
    pub popularity: Vec<u32>,
    /// Per product, its views and orders within the trending window.
    pub trending: Vec<u32>,
}

impl Model {
    /// The position of product `id`.
    pub fn position(&self, id: &str) -> Option<u32> {
        self.ids.iter().position(|p| p == id).map(|i| i as u32)
    }
}

/// Groups (orders or visits) per product and per pair of products: one relation's counts.
#[derive(Debug, Default)]
struct Relation {
    /// Groups holding each product, by position.
    counts: Vec<u32>,
    /// Groups holding both products of a pair (lower position first).
    pairs: BTreeMap<(u32, u32), u32>,
}

impl Relation {
    fn add(&mut self, group: &[u32]) {
        for (i, a) in group.iter().enumerate() {
            let a_at = *a as usize;
            if self.counts.len() <= a_at {
                self.counts.resize(a_at + 1, 0);
            }
            if let Some(n) = self.counts.get_mut(a_at) {
                *n += 1;
            }
            for b in group.iter().skip(i + 1) {
                *self.pairs.entry((*a, *b)).or_insert(0) += 1;
            }
        }
    }

    fn count(&self, p: u32) -> u32 {
        self.counts.get(p as usize).copied().unwrap_or(0)
    }

    /// Per product (of `n`), at most `k` neighbours: the highest cosines; equal scores go to the
    /// neighbour more popular by `popularity`, then the lower position.
    fn neighbours(&self, n: usize, k: usize, popularity: &[u32]) -> Vec<Vec<Neighbour>> {
        let mut out: Vec<Vec<Neighbour>> = vec![Vec::new(); n];
        for (&(a, b), &both) in &self.pairs {
            let score = (f64::from(both)
                / crate::core::num::sqrt(f64::from(self.count(a)) * f64::from(self.count(b))))
                as f32;
            if let Some(list) = out.get_mut(a as usize) {
                list.push(Neighbour { product: b, score });
            }
            if let Some(list) = out.get_mut(b as usize) {
                list.push(Neighbour { product: a, score });
            }
        }
        let pop = |p: u32| popularity.get(p as usize).copied().unwrap_or(0);
        for list in &mut out {
            list.sort_unstable_by(|x, y| {
                y.score
                    .total_cmp(&x.score)
                    .then(pop(y.product).cmp(&pop(x.product)))
                    .then(x.product.cmp(&y.product))
            });
            list.truncate(k);
        }
        out
    }
}

/// Builds a [`Model`] from orders and visits, one at a time.
#[derive(Debug, Default)]
pub struct Builder {
    ids: Vec<String>,
    positions: BTreeMap<String, u32>,
    bought: Relation,
    viewed: Relation,
    trending: Vec<u32>,
    group: Vec<u32>,
}

impl Builder {
    /// Adds one basket (an order): its products, repeats counted once.
    pub fn add_basket<'a>(&mut self, products: impl IntoIterator<Item = &'a str>) {
        self.collect(products);
        self.bought.add(&self.group);
    }

    /// Adds the products viewed in one visit (a session), repeats counted once.
    pub fn add_visit<'a>(&mut self, products: impl IntoIterator<Item = &'a str>) {
        self.collect(products);
        self.viewed.add(&self.group);
    }

    /// Counts `weight` for product `id` in the trending window (a view 1, an order 1 per product,
    /// as the caller decides).
    pub fn add_trending(&mut self, id: &str, weight: u32) {
        let p = self.position(id) as usize;
        if let Some(n) = self.trending.get_mut(p) {
            *n = n.saturating_add(weight);
        }
    }

    /// Adds a product that may have no order or visit yet (a catalog product): it gets a
    /// position and popularity 0.
    pub fn add_product(&mut self, id: &str) {
        self.position(id);
    }

    fn collect<'a>(&mut self, products: impl IntoIterator<Item = &'a str>) {
        let mut group = core::mem::take(&mut self.group);
        group.clear();
        for id in products {
            let p = self.position(id);
            if !group.contains(&p) {
                group.push(p);
            }
        }
        group.sort_unstable();
        self.group = group;
    }

    fn position(&mut self, id: &str) -> u32 {
        if let Some(p) = self.positions.get(id) {
            return *p;
        }
        let p = self.ids.len() as u32;
        self.ids.push(id.to_owned());
        self.positions.insert(id.to_owned(), p);
        self.trending.push(0);
        p
    }

    /// The model, with at most `k` neighbours per product and relation (the highest cosines;
    /// equal scores: the more popular neighbour, then the lower position). `built_at` and
    /// `window_days` are left 0 for the caller to set.
    pub fn finish(self, k: usize) -> Model {
        let n = self.ids.len();
        let popularity: Vec<u32> = (0..n as u32).map(|p| self.bought.count(p)).collect();
        Model {
            version: VERSION,
            built_at: 0,
            window_days: 0,
            bought: self.bought.neighbours(n, k, &popularity),
            viewed: self.viewed.neighbours(n, k, &popularity),
            ids: self.ids,
            popularity,
            trending: self.trending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_neighbours_from_baskets() {
        let mut b = Builder::default();
        b.add_basket(["milk", "bread", "butter"]);
        b.add_basket(["milk", "bread"]);
        b.add_basket(["milk", "beer", "milk"]); // repeats count once
        b.add_basket(["chips", "beer"]);
        let m = b.finish(2);
        let at = |id: &str| m.position(id).unwrap_or(u32::MAX);
        assert_eq!(m.popularity[at("milk") as usize], 3);
        let milk = &m.bought[at("milk") as usize];
        assert_eq!(milk.len(), 2, "k caps the list");
        // bread: 2 / sqrt(3·2) = 0.816; butter: 1 / sqrt(3·1) = 0.577; beer: 1 / sqrt(3·2) = 0.408.
        assert_eq!(milk[0].product, at("bread"));
        assert!((milk[0].score - 0.816_496_6).abs() < 1e-6);
        assert_eq!(milk[1].product, at("butter"));
        let chips = &m.bought[at("chips") as usize];
        assert_eq!(chips.len(), 1);
        assert!((chips[0].score - (1.0 / 2f32.sqrt())).abs() < 1e-6);
        assert!(m.bought[at("butter") as usize].iter().all(|n| n.product != at("chips")));
    }

    #[test]
    fn visits_and_orders_are_separate_relations() {
        let mut b = Builder::default();
        b.add_basket(["console", "game"]);
        b.add_visit(["console", "other-console", "console"]);
        b.add_visit(["console", "other-console"]);
        b.add_visit(["game"]);
        b.add_trending("game", 3);
        b.add_trending("new", 1);
        let m = b.finish(5);
        let at = |id: &str| m.position(id).unwrap_or(u32::MAX);
        let console = at("console") as usize;
        assert_eq!(m.bought[console], [Neighbour { product: at("game"), score: 1.0 }]);
        // Two visits hold both; each product is in two visits: 2 / sqrt(2·2).
        assert_eq!(m.viewed[console], [Neighbour { product: at("other-console"), score: 1.0 }]);
        assert!(m.viewed[at("game") as usize].is_empty(), "a visit of one product pairs nothing");
        assert_eq!(m.popularity[at("other-console") as usize], 0, "views are not orders");
        assert_eq!((m.trending[at("game") as usize], m.trending[at("new") as usize]), (3, 1));
        assert_eq!(m.ids.len(), m.trending.len());
    }
}

/// The model's stored form, JSON (`application/json`), version 1:
///
/// ```text
/// {"version": 1,
///  "built_at": 1764979200000,                      when it was built (ms since the Unix epoch)
///  "window_days": 7,                               the days "trending" counts
///  "products": ["sku-1", "sku-2", ...],            product ids; positions index the lists below
///  "popularity": [120, 7, ...],                    orders holding each product
///  "trending": [31, 0, ...],                       views and orders in the window
///  "bought": [[2, 816, 5, 577], [], ...],          per product: pairs of (neighbour position,
///  "viewed": [[1, 500], [0, 500], ...]}            cosine in thousandths, 1-1000), best first
/// ```
///
/// Scores in thousandths keep the text small: three digits instead of a float's seventeen.
pub mod stored {
    use super::{Model, Neighbour, VERSION};
    use crate::core::value::Value;
    use crate::prelude::*;

    /// The stored form of `model`.
    pub fn to_value(model: &Model) -> Value {
        let numbers = |list: &mut dyn Iterator<Item = f64>| Value::Array(list.map(Value::Number).collect());
        let relation = |lists: &[Vec<Neighbour>]| {
            Value::Array(
                lists
                    .iter()
                    .map(|list| {
                        numbers(&mut list.iter().flat_map(|n| {
                            let thousandths = (f64::from(n.score) * 1000.0 + 0.5) as u32;
                            [f64::from(n.product), f64::from(thousandths.clamp(1, 1000))]
                        }))
                    })
                    .collect(),
            )
        };
        let counts = |list: &[u32]| numbers(&mut list.iter().map(|p| f64::from(*p)));
        Value::object()
            .with("version", f64::from(VERSION))
            .with("built_at", model.built_at as f64)
            .with("window_days", f64::from(model.window_days))
            .with("products", Value::Array(model.ids.iter().map(|id| id.as_str().into()).collect()))
            .with("popularity", counts(&model.popularity))
            .with("trending", counts(&model.trending))
            .with("bought", relation(&model.bought))
            .with("viewed", relation(&model.viewed))
    }

    /// The model stored in `value`; `None` when it is not a whole model of this version (a
    /// neighbour out of range, a score outside 1-1000, lists of different lengths).
    pub fn from_value(value: &Value) -> Option<Model> {
        if value.get("version")?.as_f64()? != f64::from(VERSION) {
            return None;
        }
        let mut ids: Vec<String> = Vec::new();
        for v in value.get("products")?.as_array()? {
            ids.push(v.as_str()?.to_owned());
        }
        let n = ids.len();
        let whole = |v: &Value, max: f64| {
            v.as_f64().filter(|x| *x >= 0.0 && *x <= max && crate::core::num::is_whole(*x))
        };
        let counts = |key: &str| -> Option<Vec<u32>> {
            let list = value.get(key)?.as_array()?;
            if list.len() != n {
                return None;
            }
            let mut out = Vec::with_capacity(n);
            for v in list {
                out.push(whole(v, f64::from(u32::MAX))? as u32);
            }
            Some(out)
        };
        let relation = |key: &str| -> Option<Vec<Vec<Neighbour>>> {
            let lists = value.get(key)?.as_array()?;
            if lists.len() != n {
                return None;
            }
            let mut out = Vec::with_capacity(n);
            for list in lists {
                let flat = list.as_array()?;
                if flat.len() % 2 != 0 {
                    return None;
                }
                let mut neighbours = Vec::with_capacity(flat.len() / 2);
                for pair in flat.chunks(2) {
                    let product = whole(pair.first()?, (n.max(1) - 1) as f64)? as u32;
                    let score = whole(pair.get(1)?, 1000.0).filter(|s| *s >= 1.0)?;
                    neighbours.push(Neighbour { product, score: (score / 1000.0) as f32 });
                }
                out.push(neighbours);
            }
            Some(out)
        };
        Some(Model {
            version: VERSION,
            built_at: whole(value.get("built_at")?, 9e15)? as u64,
            window_days: whole(value.get("window_days")?, 3650.0)? as u32,
            popularity: counts("popularity")?,
            trending: counts("trending")?,
            bought: relation("bought")?,
            viewed: relation("viewed")?,
            ids,
        })
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use crate::core::recommend::Builder;
        use crate::core::testing::json;

        #[test]
        fn a_model_survives_its_stored_form_to_the_thousandth() {
            let mut b = Builder::default();
            b.add_basket(["milk", "bread", "butter"]);
            b.add_basket(["milk", "bread"]);
            b.add_visit(["tea", "milk"]);
            b.add_trending("tea", 2);
            b.add_product("honey");
            let mut model = b.finish(20);
            model.built_at = 1_764_979_200_000;
            model.window_days = 7;
            let back = from_value(&to_value(&model)).unwrap_or_default();
            assert_eq!(
                (back.ids.clone(), back.built_at, back.window_days),
                (model.ids.clone(), model.built_at, 7)
            );
            assert_eq!(
                (back.popularity.clone(), back.trending.clone()),
                (model.popularity.clone(), model.trending.clone())
            );
            assert_eq!(back.viewed.iter().map(Vec::len).sum::<usize>(), 2);
            for (a, b) in back.bought.iter().chain(&back.viewed).zip(model.bought.iter().chain(&model.viewed))
            {
                assert_eq!(a.len(), b.len());
                for (x, y) in a.iter().zip(b) {
                    assert_eq!(x.product, y.product);
                    assert!((x.score - y.score).abs() <= 0.0005);
                }
            }
        }

        #[test]
        fn a_broken_model_is_refused() {
            let head = r#""version":1,"built_at":5,"window_days":7"#;
            for body in [
                r#""products":["a"],"popularity":[1],"trending":[0],"bought":[],"viewed":[[]]"#,
                r#""products":["a","b"],"popularity":[1,1],"trending":[0,0],"bought":[[2,500],[]],"viewed":[[],[]]"#,
                r#""products":["a","b"],"popularity":[1,1],"trending":[0,0],"bought":[[1,0],[]],"viewed":[[],[]]"#,
                r#""products":["a","b"],"popularity":[1,1],"trending":[0,0],"bought":[[1],[]],"viewed":[[],[]]"#,
                r#""products":["a","b"],"popularity":[1,-1],"trending":[0,0],"bought":[[],[]],"viewed":[[],[]]"#,
                r#""products":["a","b"],"popularity":[1,1],"trending":[0],"bought":[[],[]],"viewed":[[],[]]"#,
                r#""products":["a","b"],"popularity":[1,1],"trending":[0,0],"bought":[[],[]],"viewed":[[1,1001],[]]"#,
                r#""products":["a","b"],"popularity":[1,1],"trending":[0,0],"bought":[[],[]]"#,
                r#""products":[3],"popularity":[1],"trending":[0],"bought":[[]],"viewed":[[]]"#,
            ] {
                let text = format!("{{{head},{body}}}");
                assert_eq!(from_value(&json(&text)), None, "{text}");
            }
            let other = r#"{"version":2,"built_at":5,"window_days":7,"products":[],"popularity":[],"trending":[],"bought":[],"viewed":[]}"#;
            assert_eq!(from_value(&json(other)), None, "another version");
            assert_eq!(from_value(&json("[]")), None);
            let ok = format!(
                r#"{{{head},"products":["a","b"],"popularity":[2,1],"trending":[3,0],"bought":[[1,707],[0,707]],"viewed":[[],[]]}}"#
            );
            let m = from_value(&json(&ok));
            assert_eq!(m.as_ref().map(|m| m.bought[0][0].product), Some(1));
            assert_eq!(m.map(|m| (m.built_at, m.window_days, m.trending)), Some((5, 7, vec![3, 0])));
        }
    }
}
