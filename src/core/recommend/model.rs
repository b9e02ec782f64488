//! The recommendations model and its builder.
//!
//! A model names its products once (`ids`) and refers to them by position. For each product it
//! keeps its top-K co-purchased neighbours, scored by cosine over baskets:
//!
//! ```text
//! cosine(a, b) = baskets holding both / sqrt(baskets holding a · baskets holding b)
//! ```
//!
//! which, unlike raw co-occurrence counts, does not let the best sellers appear next to
//! everything; and each product's popularity (baskets holding it), the fallback for cold
//! products and new visitors. A basket counts each product once, whatever its quantity.

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
    /// Product ids, by position.
    pub ids: Vec<String>,
    /// Per product, its co-purchased neighbours, best first.
    pub bought: Vec<Vec<Neighbour>>,
    /// Per product, the baskets holding it.
    pub popularity: Vec<u32>,
}

impl Model {
    /// The position of product `id`.
    pub fn position(&self, id: &str) -> Option<u32> {
        self.ids.iter().position(|p| p == id).map(|i| i as u32)
    }
}

/// Builds a [`Model`] from baskets, one at a time.
#[derive(Debug, Default)]
pub struct Builder {
    ids: Vec<String>,
    positions: BTreeMap<String, u32>,
    popularity: Vec<u32>,
    /// Baskets holding both products of a pair (lower position first).
    pairs: BTreeMap<(u32, u32), u32>,
    basket: Vec<u32>,
}

impl Builder {
    /// Adds one basket (an order): its products, repeats counted once.
    pub fn add_basket<'a>(&mut self, products: impl IntoIterator<Item = &'a str>) {
        self.basket.clear();
        for id in products {
            let p = self.position(id);
            if !self.basket.contains(&p) {
                self.basket.push(p);
            }
        }
        self.basket.sort_unstable();
        for (i, a) in self.basket.iter().enumerate() {
            if let Some(n) = self.popularity.get_mut(*a as usize) {
                *n += 1;
            }
            for b in self.basket.iter().skip(i + 1) {
                *self.pairs.entry((*a, *b)).or_insert(0) += 1;
            }
        }
    }

    /// Adds a product that may have no basket yet (a catalog product): it gets a position and
    /// popularity 0.
    pub fn add_product(&mut self, id: &str) {
        self.position(id);
    }

    fn position(&mut self, id: &str) -> u32 {
        if let Some(p) = self.positions.get(id) {
            return *p;
        }
        let p = self.ids.len() as u32;
        self.ids.push(id.to_owned());
        self.positions.insert(id.to_owned(), p);
        self.popularity.push(0);
        p
    }

    /// The model, with at most `k` neighbours per product (the highest cosines; equal scores:
    /// the more popular neighbour, then the lower position).
    pub fn finish(self, k: usize) -> Model {
        let n = self.ids.len();
        let mut bought: Vec<Vec<Neighbour>> = vec![Vec::new(); n];
        let count = |p: u32| self.popularity.get(p as usize).copied().unwrap_or(0);
        for (&(a, b), &both) in &self.pairs {
            let score = (f64::from(both) / sqrt(f64::from(count(a)) * f64::from(count(b)))) as f32;
            if let Some(list) = bought.get_mut(a as usize) {
                list.push(Neighbour { product: b, score });
            }
            if let Some(list) = bought.get_mut(b as usize) {
                list.push(Neighbour { product: a, score });
            }
        }
        for list in &mut bought {
            list.sort_unstable_by(|x, y| {
                y.score
                    .total_cmp(&x.score)
                    .then(count(y.product).cmp(&count(x.product)))
                    .then(x.product.cmp(&y.product))
            });
            list.truncate(k);
        }
        Model { version: VERSION, ids: self.ids, bought, popularity: self.popularity }
    }
}

/// √x for x ≥ 0, without `std` (Newton's method from the exponent's half).
fn sqrt(x: f64) -> f64 {
    if x <= 0.0 || x.is_nan() {
        return 0.0;
    }
    // Halving the exponent bits is a close start; Newton's steps double the correct digits.
    let mut y = f64::from_bits((x.to_bits() >> 1) + (1023u64 << 51));
    for _ in 0..6 {
        y = 0.5 * (y + x / y);
    }
    y
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
    fn sqrt_agrees_with_std() {
        for x in [0.0, 1.0, 2.0, 3.0, 0.25, 1e-9, 123_456.0, 1e300] {
            assert!((sqrt(x) - f64::sqrt(x)).abs() <= 1e-12 * f64::sqrt(x).max(1.0), "{x}");
        }
    }
}

/// The model's stored form, JSON (`application/json`), version 1:
///
/// ```text
/// {"version": 1,
///  "products": ["sku-1", "sku-2", ...],            product ids; positions index the lists below
///  "popularity": [120, 7, ...],                     baskets holding each product
///  "bought": [[2, 816, 5, 577], [], ...]}           per product: pairs of (neighbour position,
///                                                   cosine in thousandths, 1-1000), best first
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
        let bought = model
            .bought
            .iter()
            .map(|list| {
                numbers(&mut list.iter().flat_map(|n| {
                    let thousandths = (f64::from(n.score) * 1000.0 + 0.5) as u32;
                    [f64::from(n.product), f64::from(thousandths.clamp(1, 1000))]
                }))
            })
            .collect();
        Value::object()
            .with("version", f64::from(VERSION))
            .with("products", Value::Array(model.ids.iter().map(|id| id.as_str().into()).collect()))
            .with("popularity", numbers(&mut model.popularity.iter().map(|p| f64::from(*p))))
            .with("bought", Value::Array(bought))
    }

    /// The model stored in `value`; `None` when it is not a whole model of this version (a
    /// neighbour out of range, a score outside 1-1000, lists of different lengths).
    pub fn from_value(value: &Value) -> Option<Model> {
        if value.get("version")?.as_f64()? != f64::from(VERSION) {
            return None;
        }
        let ids: Vec<String> = value
            .get("products")?
            .as_array()?
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<_>>()?;
        let n = ids.len();
        let whole = |v: &Value, max: f64| {
            v.as_f64().filter(|x| *x >= 0.0 && *x <= max && crate::core::num::is_whole(*x))
        };
        let popularity: Vec<u32> = value
            .get("popularity")?
            .as_array()?
            .iter()
            .map(|v| whole(v, f64::from(u32::MAX)).map(|x| x as u32))
            .collect::<Option<_>>()?;
        let lists = value.get("bought")?.as_array()?;
        if popularity.len() != n || lists.len() != n {
            return None;
        }
        let mut bought = Vec::with_capacity(n);
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
            bought.push(neighbours);
        }
        Some(Model { version: VERSION, ids, bought, popularity })
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
            b.add_product("tea");
            let model = b.finish(20);
            let back = from_value(&to_value(&model)).unwrap_or_default();
            assert_eq!(back.ids, model.ids);
            assert_eq!(back.popularity, model.popularity);
            for (a, b) in back.bought.iter().zip(&model.bought) {
                assert_eq!(a.len(), b.len());
                for (x, y) in a.iter().zip(b) {
                    assert_eq!(x.product, y.product);
                    assert!((x.score - y.score).abs() <= 0.0005);
                }
            }
        }

        #[test]
        fn a_broken_model_is_refused() {
            for text in [
                r#"{"version":2,"products":[],"popularity":[],"bought":[]}"#,
                r#"{"version":1,"products":["a"],"popularity":[1],"bought":[]}"#,
                r#"{"version":1,"products":["a","b"],"popularity":[1,1],"bought":[[2,500],[]]}"#,
                r#"{"version":1,"products":["a","b"],"popularity":[1,1],"bought":[[1,0],[]]}"#,
                r#"{"version":1,"products":["a","b"],"popularity":[1,1],"bought":[[1],[]]}"#,
                r#"{"version":1,"products":["a","b"],"popularity":[1,-1],"bought":[[],[]]}"#,
                r#"{"version":1,"products":[3],"popularity":[1],"bought":[[]]}"#,
                "[]",
            ] {
                assert_eq!(from_value(&json(text)), None, "{text}");
            }
            let ok =
                json(r#"{"version":1,"products":["a","b"],"popularity":[2,1],"bought":[[1,707],[0,707]]}"#);
            assert_eq!(from_value(&ok).map(|m| m.bought[0][0].product), Some(1));
        }
    }
}
