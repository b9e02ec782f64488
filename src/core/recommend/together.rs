//! "Bought together": the products that go with a set of products (a product page's product, a
//! cart), scored by the sum over the set of each neighbour's cosine, plus
//! [`CONDITIONAL_WEIGHT`] times the conditional probability of buying it, P(b | a), which the
//! model gives without storing it: `cosine(a, b) · sqrt(popularity b / popularity a)`.

use crate::prelude::*;

use super::{Model, Neighbour};

/// How much P(b | a) adds to the cosine of a neighbour `b` of `a`. 0.25: chosen by rolling
/// validation inside the training baskets of the groceries set (`eval.rs`); range 0 (plain
/// cosine) to 4. Higher favours the
/// neighbours most shoppers of `a` buy (best sellers); lower, the specific companions.
pub const CONDITIONAL_WEIGHT: f32 = 0.25;

/// Products that go with `context` (positions in the model), best first, at most `limit`; the
/// context's own products are never suggested. Products without neighbours add nothing; when the
/// neighbours run out, the list is not filled here (the caller decides on a fallback).
pub fn scores(model: &Model, context: &[u32], limit: usize) -> Vec<(u32, f32)> {
    blend(model, context, limit, CONDITIONAL_WEIGHT)
}

/// The score of `n`, a bought-together neighbour of model product `from`: its cosine plus
/// `alpha` times P(n | from), written as `cosine · (1 + alpha · √(popularity n / popularity from))`.
pub fn weigh(model: &Model, from: u32, n: &Neighbour, alpha: f32) -> f32 {
    let pop = |p: u32| model.popularity.get(p as usize).copied().unwrap_or(0) as f32;
    n.score * (1.0 + alpha * crate::core::num::sqrt(f64::from(pop(n.product) / pop(from).max(1.0))) as f32)
}

/// [`scores`] with the conditional weight `alpha`.
pub fn blend(model: &Model, context: &[u32], limit: usize, alpha: f32) -> Vec<(u32, f32)> {
    let mut out: Vec<(u32, f32)> = Vec::new();
    for p in context {
        for n in model.bought.get(*p as usize).map(Vec::as_slice).unwrap_or_default() {
            if !context.contains(&n.product) {
                out.push((n.product, weigh(model, *p, n, alpha)));
            }
        }
    }
    // One entry per product, its scores summed.
    out.sort_unstable_by_key(|(p, _)| *p);
    out.dedup_by(|later, kept| {
        let same = later.0 == kept.0;
        if same {
            kept.1 += later.1;
        }
        same
    });
    super::rank(&mut out, model);
    out.truncate(limit);
    out
}

/// The most popular products outside `context`, at most `limit`: the fallback for cold products
/// and new visitors.
pub fn popular(model: &Model, context: &[u32], limit: usize) -> Vec<(u32, f32)> {
    let mut out: Vec<(u32, f32)> = (0..model.ids.len() as u32)
        .filter(|p| !context.contains(p))
        .map(|p| (p, model.popularity.get(p as usize).copied().unwrap_or(0) as f32))
        .collect();
    super::rank(&mut out, model);
    out.truncate(limit);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::recommend::Builder;

    #[test]
    fn neighbours_of_a_basket_without_the_basket() {
        let mut b = Builder::default();
        for basket in [["tea", "milk"], ["tea", "honey"], ["tea", "milk"], ["coffee", "milk"]] {
            b.add_basket(basket);
        }
        let m = b.finish(10);
        let at = |id: &str| m.position(id).unwrap_or(u32::MAX);
        let names =
            |list: Vec<(u32, f32)>| list.iter().map(|(p, _)| m.ids[*p as usize].clone()).collect::<Vec<_>>();
        assert_eq!(names(scores(&m, &[at("tea")], 10)), ["milk", "honey"]);
        // coffee (through milk) and honey (through tea) tie at 1/√3, and in popularity: the
        // product the model met first comes first.
        assert_eq!(names(scores(&m, &[at("tea"), at("milk")], 10)), ["honey", "coffee"]);
        assert_eq!(
            names(popular(&m, &[at("milk")], 2)),
            ["tea", "honey"],
            "honey and coffee tie: the lower position"
        );
        assert!(scores(&m, &[u32::MAX], 10).is_empty(), "an unknown product suggests nothing");
    }
}
