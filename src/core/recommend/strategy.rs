//! The recommendation strategies, over the loaded catalog (the search index's products) and,
//! when one is loaded, the model. Every pick says why it was picked (`reason`, and the product
//! it came `because` of).
//!
//! | strategy | anchor | picks |
//! |---|---|---|
//! | `recently_viewed` | the visitor | viewed products, newest first |
//! | `similar` | a product | content similarity: category, brand, price band, tags, name words |
//! | `bought_together` | a product, else the cart, else the last viewed | co-purchase neighbours ([`super::together`]), then the complements its rules name |
//! | `viewed_together` | same | co-view neighbours |
//! | `complementary` | a product, else the latest purchase or cart item with a rule | products of the complement categories (the shop's rules), by the model, the content match with the anchor and the visitor's affinities |
//! | `trending` | none | the model's trending counts, then popularity |
//! | `for_you` | the last [`Request::recent`] viewed, cart and purchases | their neighbours (decaying with age) blended with the visitor's affinities |
//!
//! Without a model the neighbour strategies use content similarity, and trending uses the
//! catalog's popularity: recommendations degrade, they never fail. A list shorter than the
//! limit is filled with the most popular products that pass the filters (reason `popular`).
//!
//! Filters: out of stock, bought and in-cart products are left out by default; `include` and
//! `exclude` match category, brand, tags, price and ids. Once the visitor bought in a category
//! that has complement rules (a console), its other products leave every strategy but
//! `similar` (a product page's own context): the visitor is shown the complements instead. Pinned
//! products come first, in the order given.

use crate::core::rank::Visitor;
use crate::core::search::Index;
use crate::prelude::*;

use super::content::{similarity, Features};
use super::Model;

/// The strategies (their names in the API are in [`Strategy::ALL`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// `recently_viewed`.
    RecentlyViewed,
    /// `similar`.
    Similar,
    /// `bought_together`.
    BoughtTogether,
    /// `viewed_together`.
    ViewedTogether,
    /// `complementary`.
    Complementary,
    /// `trending`.
    Trending,
    /// `for_you`.
    ForYou,
}

impl Strategy {
    /// Every strategy with its name.
    pub const ALL: [(Strategy, &'static str); 7] = [
        (Strategy::RecentlyViewed, "recently_viewed"),
        (Strategy::Similar, "similar"),
        (Strategy::BoughtTogether, "bought_together"),
        (Strategy::ViewedTogether, "viewed_together"),
        (Strategy::Complementary, "complementary"),
        (Strategy::Trending, "trending"),
        (Strategy::ForYou, "for_you"),
    ];

    /// The strategy called `name`.
    pub fn named(name: &str) -> Option<Strategy> {
        Strategy::ALL.iter().find(|(_, n)| *n == name).map(|(s, _)| *s)
    }

    /// Its name in the API.
    pub fn name(self) -> &'static str {
        Strategy::ALL.iter().find(|(s, _)| *s == self).map_or("", |(_, n)| n)
    }
}

/// Weight of each older anchor in `for_you`: the newest counts 1, the next 0.7, then 0.49...
pub const RECENCY_DECAY: f32 = 0.7;
/// How much the visitor's affinities (normalised to [0, 1]) add in `for_you` and
/// `complementary`, against neighbour scores in (0, 1] per anchor. 0.5.
pub const AFFINITY_WEIGHT: f32 = 0.5;

/// Facet values matched by `include` / `exclude` (folded), and a price range.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Match {
    /// Category values (any of them).
    pub categories: Vec<String>,
    /// Brands.
    pub brands: Vec<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Product ids.
    pub ids: Vec<String>,
    /// Lowest price (inclusive).
    pub min_price: Option<f64>,
    /// Highest price (inclusive).
    pub max_price: Option<f64>,
}

impl Match {
    fn is_empty(&self) -> bool {
        self.categories.is_empty()
            && self.brands.is_empty()
            && self.tags.is_empty()
            && self.ids.is_empty()
            && self.min_price.is_none()
            && self.max_price.is_none()
    }
}

/// One recommendation request.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The strategy.
    pub strategy: Strategy,
    /// The anchor product's id.
    pub product: Option<String>,
    /// Picks returned, 1 to 100. Default 10.
    pub limit: usize,
    /// Leave out products not in stock. Default true.
    pub in_stock: bool,
    /// Leave out what the visitor bought. Default true.
    pub exclude_purchased: bool,
    /// Leave out what is in the cart. Default true.
    pub exclude_cart: bool,
    /// Keep only products matching every given field.
    pub include: Match,
    /// Leave out products matching any given field.
    pub exclude: Match,
    /// Products shown first, in this order (ids).
    pub pinned: Vec<String>,
    /// Complement rules: a category (folded) and the categories that complete it.
    pub complements: Vec<(String, Vec<String>)>,
    /// Viewed products `for_you` starts from, 1 to 20. Default 5.
    pub recent: usize,
}

impl Default for Request {
    fn default() -> Request {
        Request {
            strategy: Strategy::Trending,
            product: None,
            limit: 10,
            in_stock: true,
            exclude_purchased: true,
            exclude_cart: true,
            include: Match::default(),
            exclude: Match::default(),
            pinned: Vec::new(),
            complements: Vec::new(),
            recent: 5,
        }
    }
}

/// The visitor, as recommendations see them (from the profile snapshot).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Shopper {
    /// Viewed product ids, newest first.
    pub viewed: Vec<String>,
    /// Cart product ids.
    pub cart: Vec<String>,
    /// Purchased product ids, newest order first.
    pub purchased: Vec<String>,
    /// Affinities.
    pub visitor: Visitor,
}

/// One recommendation.
#[derive(Debug, Clone, PartialEq)]
pub struct Pick {
    /// The product's position in the catalog.
    pub doc: u32,
    /// Its score (comparable within one list only).
    pub score: f32,
    /// Why: `pinned`, `recently_viewed`, `similar`, `bought_together`, `viewed_together`,
    /// `complementary`, `trending`, `affinity` or `popular`.
    pub reason: &'static str,
    /// The catalog position of the product it came from, if any.
    pub because: Option<u32>,
    /// The largest single part of `score`: the one `reason` names.
    pub lead: f32,
}

/// The model linked to a catalog: positions both ways (`u32::MAX`: absent).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Link {
    /// Model position → catalog position.
    pub doc: Vec<u32>,
    /// Catalog position → model position.
    pub model: Vec<u32>,
    /// Model products found in the catalog.
    pub found: usize,
}

impl Link {
    /// Links `model` to `index` by product id.
    pub fn new(model: &Model, index: &Index) -> Link {
        let id = |d: u32| index.products.get(d as usize).map_or("", |p| p.id.as_str());
        let mut by_id: Vec<u32> = (0..index.products.len() as u32).collect();
        crate::core::search::build::sort_by_text(&mut by_id, &id);
        let mut link = Link {
            doc: vec![u32::MAX; model.ids.len()],
            model: vec![u32::MAX; index.products.len()],
            found: 0,
        };
        for (m, wanted) in model.ids.iter().enumerate() {
            if let Ok(at) = by_id.binary_search_by(|d| id(*d).cmp(wanted.as_str())) {
                let doc = by_id.get(at).copied().unwrap_or(u32::MAX);
                if let (Some(d), Some(back)) = (link.doc.get_mut(m), link.model.get_mut(doc as usize)) {
                    *d = doc;
                    *back = m as u32;
                    link.found += 1;
                }
            }
        }
        link
    }
}

/// The inputs of one recommendation.
pub struct Inputs<'a> {
    /// The catalog.
    pub index: &'a Index,
    /// Its features.
    pub features: &'a Features,
    /// The model and its link to the catalog, when one is usable.
    pub model: Option<(&'a Model, &'a Link)>,
    /// The visitor.
    pub shopper: &'a Shopper,
}

impl Inputs<'_> {
    fn doc(&self, id: &str) -> Option<u32> {
        self.index.position(id).map(|d| d as u32)
    }

    fn docs(&self, ids: &[String]) -> Vec<u32> {
        let mut out = Vec::new();
        for id in ids {
            out.extend(self.doc(id));
        }
        out
    }

    /// The neighbours of catalog product `doc` in the model's `bought` (or `viewed`) relation,
    /// as catalog positions.
    fn neighbours(&self, doc: u32, bought: bool) -> Vec<(u32, f32)> {
        let Some((model, link)) = self.model else { return Vec::new() };
        let Some(m) = link.model.get(doc as usize).copied().filter(|m| *m != u32::MAX) else {
            return Vec::new();
        };
        let lists = if bought { &model.bought } else { &model.viewed };
        let mut out = Vec::new();
        for n in lists.get(m as usize).map(Vec::as_slice).unwrap_or_default() {
            if let Some(d) = link.doc.get(n.product as usize).copied().filter(|d| *d != u32::MAX) {
                let score = if bought {
                    super::together::weigh(model, m, n, super::together::CONDITIONAL_WEIGHT)
                } else {
                    n.score
                };
                out.push((d, score));
            }
        }
        out
    }

    /// Product `doc`'s popularity: trending (`trending`) or all-time orders from the model, else
    /// the catalog's popularity; scaled into [0, 1) so it only breaks ties when added.
    fn popularity(&self, doc: u32, trending: bool) -> f32 {
        let from_model = self.model.and_then(|(model, link)| {
            let m = link.model.get(doc as usize).copied().filter(|m| *m != u32::MAX)?;
            let list = if trending { &model.trending } else { &model.popularity };
            list.get(m as usize).copied()
        });
        let raw = match from_model {
            Some(n) => n as f32,
            None => self.index.products.get(doc as usize).map_or(0.0, |p| p.popularity.max(0.0) as f32),
        };
        raw / (raw + 1.0)
    }

    /// The visitor's affinity for every product, divided by the largest, so in [0, 1] (all 0 for
    /// a visitor without affinities).
    fn affinities(&self) -> Vec<f32> {
        let mut all: Vec<f32> = Vec::with_capacity(self.index.products.len());
        let mut top = 0.0f32;
        for doc in 0..self.index.products.len() as u32 {
            let a = self.affinity(doc);
            top = top.max(a);
            all.push(a);
        }
        if top > 0.0 {
            for a in &mut all {
                *a /= top;
            }
        }
        all
    }

    /// The visitor's affinity for product `doc` (unnormalised; 0 for none).
    fn affinity(&self, doc: u32) -> f32 {
        let Some(p) = self.index.products.get(doc as usize) else { return 0.0 };
        let v = &self.shopper.visitor;
        let value = |facet: &str, folded: &str| {
            Visitor::score(&v.affinity, facet, folded) + Visitor::score(&v.session, facet, folded)
        };
        let folded = |at: &u32| self.index.folded_values.get(*at as usize).map_or("", String::as_str);
        let mut sum = 0.0;
        for c in &p.category_values {
            sum += value("category", folded(c));
        }
        sum += value("brand", folded(&p.brand_value));
        for t in self.features.tags.get(doc as usize).map(Vec::as_slice).unwrap_or_default() {
            sum += value("tags", t);
        }
        if let Some(band) = self.features.bands.get(doc as usize).filter(|b| !b.is_empty()) {
            sum += value("price_band", band);
        }
        sum as f32
    }

    /// Product `doc`'s categories (positions in the index's facet values).
    fn categories(&self, doc: u32) -> &[u32] {
        self.index.products.get(doc as usize).map(|p| p.category_values.as_slice()).unwrap_or_default()
    }

    /// Whether product `doc` is in one of the categories `values`.
    fn in_any(&self, doc: u32, values: &[u32]) -> bool {
        self.categories(doc).iter().any(|c| values.contains(c))
    }

    /// The complement categories of product `doc` under `rules` (empty: no rule).
    fn complements(&self, doc: u32, rules: &[(u32, Vec<u32>)]) -> Vec<u32> {
        let mut out = Vec::new();
        for (from, to) in rules {
            if self.categories(doc).contains(from) {
                out.extend_from_slice(to);
            }
        }
        out
    }

    /// The positions of the facet values folding like `values` (unknown values have none).
    fn values(&self, values: &[String]) -> Vec<u32> {
        let mut out = Vec::new();
        for v in values {
            out.extend(self.index.value(v));
        }
        out
    }

    /// Whether product `doc` matches every (`every`) or any given field of `m`; `categories` and
    /// `brands` are `m`'s, as value positions.
    fn matches(&self, doc: u32, m: &Match, categories: &[u32], brands: &[u32], every: bool) -> bool {
        let Some(p) = self.index.products.get(doc as usize) else { return false };
        let tags = self.features.tags.get(doc as usize).map(Vec::as_slice).unwrap_or_default();
        let tests = [
            (!m.categories.is_empty(), self.in_any(doc, categories)),
            (!m.brands.is_empty(), brands.contains(&p.brand_value)),
            (!m.tags.is_empty(), m.tags.iter().any(|t| tags.contains(t))),
            (!m.ids.is_empty(), m.ids.contains(&p.id)),
            (m.min_price.is_some(), m.min_price.is_some_and(|min| p.price >= min)),
            (m.max_price.is_some(), m.max_price.is_some_and(|max| p.price <= max)),
        ];
        let mut given = tests.iter().filter(|(given, _)| *given);
        if every {
            given.all(|(_, ok)| *ok)
        } else {
            given.any(|(_, ok)| *ok)
        }
    }
}

/// The candidates of one request, their scores summed per product.
struct Found {
    /// Per catalog product, its place in `list` (`u32::MAX`: not a candidate).
    at: Vec<u32>,
    list: Vec<Pick>,
}

impl Found {
    fn new(products: usize) -> Found {
        Found { at: vec![u32::MAX; products], list: Vec::new() }
    }

    /// Adds `score` to product `doc` (a new candidate when absent); nothing for scores of 0 or
    /// less. The reason (and `because`) of the largest single part stays.
    fn add(&mut self, doc: u32, score: f32, reason: &'static str, because: Option<u32>) {
        let Some(slot) = self.at.get_mut(doc as usize) else { return };
        if score <= 0.0 {
            return;
        }
        match self.list.get_mut(*slot as usize) {
            Some(p) => {
                if score > p.lead {
                    (p.reason, p.because, p.lead) = (reason, because, score);
                }
                p.score += score;
            }
            None => {
                *slot = self.list.len() as u32;
                self.list.push(Pick { doc, score, reason, because, lead: score });
            }
        }
    }
}

/// The best `k` of `candidates` by `better`, best first: insertion into a short list, so no sort
/// routine is compiled into the module for it.
fn best(
    candidates: impl IntoIterator<Item = Pick>,
    k: usize,
    better: &dyn Fn(&Pick, &Pick) -> bool,
) -> Vec<Pick> {
    let mut out: Vec<Pick> = Vec::with_capacity(k + 1);
    for p in candidates {
        if out.len() >= k && out.last().is_none_or(|last| !better(&p, last)) {
            continue;
        }
        let at = out.iter().position(|q| better(&p, q)).unwrap_or(out.len());
        out.insert(at, p);
        out.truncate(k);
    }
    out
}

/// The picks for `request`, best first, at most `request.limit`; and whether the popularity
/// fallback filled any of them.
pub fn recommend(inputs: &Inputs, request: &Request) -> (Vec<Pick>, bool) {
    let strategy = request.strategy;
    let shopper = inputs.shopper;
    let anchor = request.product.as_deref().and_then(|id| inputs.doc(id));
    let purchased = inputs.docs(&shopper.purchased);
    let cart = inputs.docs(&shopper.cart);
    let viewed = inputs.docs(&shopper.viewed);
    let rules: Vec<(u32, Vec<u32>)> = request
        .complements
        .iter()
        .filter_map(|(from, to)| Some((inputs.index.value(from)?, inputs.values(to))))
        .collect();
    let (include, exclude) = (&request.include, &request.exclude);
    let (include_categories, include_brands) =
        (inputs.values(&include.categories), inputs.values(&include.brands));
    let (exclude_categories, exclude_brands) =
        (inputs.values(&exclude.categories), inputs.values(&exclude.brands));
    // Categories replaced by their complements: bought ones that have a rule.
    let mut replaced: Vec<u32> = Vec::new();
    for d in &purchased {
        replaced.extend(inputs.categories(*d).iter().filter(|c| rules.iter().any(|(from, _)| from == *c)));
    }
    let keeps_replaced = strategy == Strategy::Similar;
    // `for_you` starts from the last viewed products: the recently viewed widget shows those.
    let mut anchors: Vec<u32> = Vec::new();
    if strategy == Strategy::ForYou {
        anchors.extend(viewed.iter().take(request.recent));
    }
    let passes = |doc: u32| -> bool {
        let Some(p) = inputs.index.products.get(doc as usize) else { return false };
        !(Some(doc) == anchor
            || anchors.contains(&doc)
            || (request.in_stock && !p.in_stock)
            || (request.exclude_purchased && purchased.contains(&doc))
            || (request.exclude_cart && cart.contains(&doc))
            || (!include.is_empty()
                && !inputs.matches(doc, include, &include_categories, &include_brands, true))
            || (!exclude.is_empty()
                && inputs.matches(doc, exclude, &exclude_categories, &exclude_brands, false))
            || (!keeps_replaced && inputs.in_any(doc, &replaced)))
    };

    // Candidates, their scores summed per product.
    let mut found = Found::new(inputs.index.products.len());
    // Whether a complement rule chose the candidates.
    let mut ruled = false;
    // The context for neighbour strategies: the product, else the cart, else the last viewed.
    let context: Vec<u32> = match anchor {
        Some(a) => vec![a],
        None if !cart.is_empty() => cart.clone(),
        None => viewed.iter().take(1).copied().collect(),
    };
    let content = |found: &mut Found, from: u32, weight: f32, reason| {
        for doc in 0..inputs.index.products.len() as u32 {
            if doc != from {
                found.add(
                    doc,
                    weight * similarity(inputs.index, inputs.features, from, doc),
                    reason,
                    Some(from),
                );
            }
        }
    };
    match strategy {
        Strategy::RecentlyViewed => {
            let n = viewed.len() as f32;
            for (i, doc) in viewed.iter().enumerate() {
                found.add(*doc, n - i as f32, "recently_viewed", None);
            }
        }
        Strategy::Similar => {
            if let Some(a) = anchor.or(viewed.first().copied()) {
                content(&mut found, a, 1.0, "similar");
            }
        }
        Strategy::BoughtTogether | Strategy::ViewedTogether => {
            let bought = strategy == Strategy::BoughtTogether;
            let reason = if bought { "bought_together" } else { "viewed_together" };
            for a in &context {
                for (doc, score) in inputs.neighbours(*a, bought) {
                    if !context.contains(&doc) {
                        found.add(doc, score, reason, Some(*a));
                    }
                }
                // What completes a product is bought with it: after the model's neighbours (a
                // score far below theirs), the complements its rules name, closest first.
                let targets = if bought { inputs.complements(*a, &rules) } else { Vec::new() };
                for doc in 0..inputs.index.products.len() as u32 {
                    if inputs.in_any(doc, &targets) && !context.contains(&doc) {
                        let score = 0.001 * (0.1 + similarity(inputs.index, inputs.features, *a, doc));
                        found.add(doc, score, "complementary", Some(*a));
                    }
                }
            }
            // Without a model (or a cold product) and without rules, content similarity stands in.
            if found.list.iter().all(|p| !passes(p.doc)) {
                for a in &context {
                    content(&mut found, *a, 0.5, "similar");
                }
            }
        }
        Strategy::Complementary => {
            let with_rule = |d: &u32| !inputs.complements(*d, &rules).is_empty();
            let from = anchor
                .or_else(|| purchased.iter().copied().find(with_rule))
                .or_else(|| cart.iter().copied().find(with_rule))
                .or_else(|| viewed.iter().copied().find(with_rule));
            if let Some(a) = from {
                ruled = true;
                let targets = inputs.complements(a, &rules);
                let neighbours: Vec<(u32, f32)> =
                    inputs.neighbours(a, true).into_iter().chain(inputs.neighbours(a, false)).collect();
                let affinities = inputs.affinities();
                for doc in 0..inputs.index.products.len() as u32 {
                    if !inputs.in_any(doc, &targets) {
                        continue;
                    }
                    let model: f32 = neighbours.iter().filter(|(d, _)| *d == doc).map(|(_, s)| s).sum();
                    let mine = affinities.get(doc as usize).copied().unwrap_or(0.0);
                    // Every product of a complement category is a candidate (the small base).
                    let score = model
                        + similarity(inputs.index, inputs.features, a, doc)
                        + AFFINITY_WEIGHT * mine
                        + 0.01 * (0.1 + inputs.popularity(doc, false));
                    found.add(doc, score, "complementary", Some(a));
                }
            }
        }
        Strategy::ForYou => {
            let mut anchors = anchors.clone();
            for d in cart.iter().chain(&purchased) {
                if !anchors.contains(d) {
                    anchors.push(*d);
                }
            }
            let mut weight = 1.0;
            for a in &anchors {
                let mut any = false;
                for bought in [false, true] {
                    for (doc, score) in inputs.neighbours(*a, bought) {
                        any = true;
                        found.add(
                            doc,
                            weight * score,
                            if bought { "bought_together" } else { "viewed_together" },
                            Some(*a),
                        );
                    }
                }
                if !any {
                    content(&mut found, *a, weight * 0.5, "similar");
                }
                // Complements of what was bought or is in the cart.
                if purchased.contains(a) || cart.contains(a) {
                    let targets = inputs.complements(*a, &rules);
                    for doc in 0..inputs.index.products.len() as u32 {
                        if inputs.in_any(doc, &targets) {
                            found.add(
                                doc,
                                weight * (0.5 + similarity(inputs.index, inputs.features, *a, doc)),
                                "complementary",
                                Some(*a),
                            );
                        }
                    }
                }
                weight *= RECENCY_DECAY;
            }
            for (doc, a) in inputs.affinities().iter().enumerate() {
                found.add(doc as u32, AFFINITY_WEIGHT * a, "affinity", None);
            }
        }
        Strategy::Trending => {
            let reason = if inputs.model.is_some() { "trending" } else { "popular" };
            for doc in 0..inputs.index.products.len() as u32 {
                found.add(doc, inputs.popularity(doc, true), reason, None);
            }
        }
    }

    // Ties: the more popular product, then the catalog's order.
    let better = |a: &Pick, b: &Pick| {
        let by = (a.score, inputs.popularity(a.doc, false), b.doc);
        let other = (b.score, inputs.popularity(b.doc, false), a.doc);
        by > other
    };
    let mut picks: Vec<Pick> = Vec::new();
    for id in &request.pinned {
        if let Some(doc) = inputs.doc(id).filter(|d| !picks.iter().any(|p| p.doc == *d)) {
            picks.push(Pick { doc, score: 0.0, reason: "pinned", because: None, lead: 0.0 });
        }
    }
    let pinned = picks.len();
    let candidates =
        found.list.into_iter().filter(|p| passes(p.doc) && !picks[..pinned].iter().any(|q| q.doc == p.doc));
    picks.extend(best(candidates, request.limit.saturating_sub(pinned), &better));
    // Popularity fills what is left, except for recently viewed (the visitor's own history) and
    // complements (only the rule's categories complete a product).
    let mut filled = false;
    if picks.len() < request.limit && strategy != Strategy::RecentlyViewed && !ruled {
        let popular = (0..inputs.index.products.len() as u32)
            .filter(|d| passes(*d) && !picks.iter().any(|p| p.doc == *d))
            .map(|doc| {
                let score = inputs.popularity(doc, true) + inputs.popularity(doc, false);
                Pick { doc, score, reason: "popular", because: None, lead: score }
            });
        let more = best(popular, request.limit - picks.len(), &better);
        filled = !more.is_empty();
        picks.extend(more);
    }
    picks.truncate(request.limit);
    (picks, filled)
}
