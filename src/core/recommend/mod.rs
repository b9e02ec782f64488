//! Recommendations, pure Rust, shared by the reference collector (which builds the model from
//! stored events) and the search module in the browser (which reads it, next to the catalog).
//!
//! - [`model`]: the recommendations model (per product its top-K co-purchased and co-viewed
//!   neighbours with cosine scores, popularity and trending) and the builder that makes it;
//! - `model::stored`: the model's versioned JSON form;
//! - [`together`]: "bought together" from a model: the products that go with a set of products;
//! - [`strategy`]: the strategies (`similar`, `for_you`, ...), their filters and reasons;
//! - [`engine`]: the loaded model linked to the loaded catalog, and the calls on JSON values.
//!
//! The evaluation protocol on real baskets (`../shared/datasets/groceries-baskets.csv`, first
//! 80 % train, leave one item out of each later basket, the basket's other items excluded from
//! the candidates) is in this module's tests; the builder's cosine reproduces the dataset
//! README's baselines (cosine NDCG@10 0.2188, shown there as .219; popularity 0.205).

pub mod content;
pub mod engine;
pub mod model;
pub mod strategy;
pub mod together;

pub use model::{Builder, Model, Neighbour};

#[cfg(not(target_arch = "wasm32"))]
pub mod eval;

/// Products a model keeps per product and relation (the highest scores). 20.
pub const DEFAULT_NEIGHBOURS: usize = 20;
/// Days a model's trending counts cover, before it was built. 7.
pub const DEFAULT_WINDOW_DAYS: u32 = 7;

/// Ranks `scores` (product position, score), best first; equal scores go to the more popular
/// product, then the lower position.
pub fn rank(scores: &mut [(u32, f32)], model: &Model) {
    let popularity = |p: u32| model.popularity.get(p as usize).copied().unwrap_or(0);
    scores.sort_unstable_by(|a, b| {
        b.1.total_cmp(&a.1).then(popularity(b.0).cmp(&popularity(a.0))).then(a.0.cmp(&b.0))
    });
}
