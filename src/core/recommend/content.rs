//! Content similarity: how alike two catalog products are by what the catalog says of them
//! (categories, brand, price band, tags, the words of their names), with no model. `similar`
//! ranks by it, and the neighbour strategies fall back on it when the model has nothing.

use crate::core::search::{text, Index, NOT_IN_NAME};
use crate::prelude::*;

/// What content similarity reads per product, computed once per catalog.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Features {
    /// Per product, its name's words (term positions in the index).
    pub(super) names: Vec<Vec<u32>>,
    /// Per product, its tags, folded.
    pub(super) tags: Vec<Vec<String>>,
    /// Per product, its price band, folded as profile affinities are ("" without a price).
    pub(super) bands: Vec<String>,
    /// Per term, its weight: ln(1 + products / products with it in their name).
    pub(super) weights: Vec<f32>,
}

impl Features {
    /// The features of `index`'s products.
    pub fn new(index: &Index) -> Features {
        let n = index.products.len();
        let mut names: Vec<Vec<u32>> = vec![Vec::new(); n];
        let mut weights = Vec::with_capacity(index.terms.len());
        for (t, term) in index.terms.iter().enumerate() {
            let (start, len) = (term.start as usize, term.len as usize);
            let mut in_names = 0u32;
            for at in start..start + len {
                if index.name_positions.get(at).is_some_and(|p| *p != NOT_IN_NAME) {
                    if let Some(list) = index.docs.get(at).and_then(|d| names.get_mut(*d as usize)) {
                        list.push(t as u32);
                        in_names += 1;
                    }
                }
            }
            weights.push(crate::core::num::ln(1.0 + n as f64 / f64::from(in_names.max(1))) as f32);
        }
        let tags = index.products.iter().map(|p| p.tags.iter().map(|t| text::fold(t)).collect()).collect();
        let bands = index
            .products
            .iter()
            .map(|p| {
                if p.price.is_finite() {
                    text::fold(crate::core::profile::price_band(p.price))
                } else {
                    String::new()
                }
            })
            .collect();
        Features { names, tags, weights, bands }
    }
}

/// Content similarity of products `a` and `b` in [0, 1]: shared categories (weight 3), the same
/// brand (1), the same price band (0.5), shared tags (2) and name words weighted by rarity (2).
pub fn similarity(index: &Index, features: &Features, a: u32, b: u32) -> f32 {
    let (Some(pa), Some(pb)) = (index.products.get(a as usize), index.products.get(b as usize)) else {
        return 0.0;
    };
    let mut score = 0.0;
    let shared = pa.category_values.iter().filter(|c| pb.category_values.contains(c)).count();
    let most = pa.category_values.len().max(pb.category_values.len()).max(1);
    score += 3.0 * shared as f32 / most as f32;
    if pa.brand_value != u32::MAX && pa.brand_value == pb.brand_value {
        score += 1.0;
    }
    if pa.price.is_finite()
        && pb.price.is_finite()
        && crate::core::profile::price_band(pa.price) == crate::core::profile::price_band(pb.price)
    {
        score += 0.5;
    }
    let empty = Vec::new();
    let (ta, tb) =
        (features.tags.get(a as usize).unwrap_or(&empty), features.tags.get(b as usize).unwrap_or(&empty));
    let both = ta.iter().filter(|t| tb.contains(t)).count();
    let union = ta.len() + tb.len() - both;
    if union > 0 {
        score += 2.0 * both as f32 / union as f32;
    }
    let none = Vec::new();
    let (na, nb) =
        (features.names.get(a as usize).unwrap_or(&none), features.names.get(b as usize).unwrap_or(&none));
    let weight = |t: &u32| features.weights.get(*t as usize).copied().unwrap_or(0.0);
    let (mut common, mut all) = (0.0, 0.0);
    for t in na {
        all += weight(t);
        if nb.contains(t) {
            common += weight(t);
        }
    }
    all += nb.iter().filter(|t| !na.contains(t)).map(weight).sum::<f32>();
    if all > 0.0 {
        score += 2.0 * common / all;
    }
    score / 8.5
}
