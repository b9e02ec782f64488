//! A query run against an [`Index`].
//!
//! 1. The query is folded and split like the catalog ([`super::text`]); at most [`MAX_WORDS`]
//!    words and [`MAX_QUERY_BYTES`] are read, so an absurd query costs no more than a long one.
//! 2. Each word matches indexed words: exactly; as a prefix when it is the last word and the
//!    query does not end in a space (`galax` → `galaxy`; at most [`MAX_EXPANSIONS`] words, the most
//!    frequent); with typos when it is long enough ([`super::typo::allowed`]: one edit from 4 bytes,
//!    two from 8). A prefix match counts [`PREFIX_WEIGHT`] to 0.9 of an exact one (more the more
//!    of the word was typed), a match with typos [`TYPO_WEIGHT`] per edit less.
//! 3. A product's score for a word is its best match's BM25F score times that weight, and times
//!    up to `1 +` [`NAME_START_WEIGHT`] when the word is among the first words of its name; its
//!    score for the query the sum over the words.
//! 4. Every word must match (AND). When no product matches them all, the products matching the
//!    most words are returned instead, so a query with one stray word still finds something.
//!    When fewer than `limit` products match, products missing one word fill the list after them
//!    (`total` and the facet counts are those of the full matches only).
//! 5. Filters (categories, brands, price range, in stock) keep products; facet counts (brands,
//!    categories) are taken over what is kept.
//! 6. Order: fewer typos first, then score, then the catalog's popularity, then catalog order.
//!    Personal order is applied afterwards by [`crate::core::rank`] over the best hits.

use crate::prelude::*;

use super::{text, typo, Index};

/// Query words read; the rest is ignored. 12.
pub const MAX_WORDS: usize = 12;
/// Query bytes read; the rest is ignored. 512.
pub const MAX_QUERY_BYTES: usize = 512;
/// Indexed words a prefix may stand for (the most frequent are kept). 64.
pub const MAX_EXPANSIONS: usize = 64;
/// Weight of a prefix match that completes a word from a small part of it. 0.5.
pub const PREFIX_WEIGHT: f32 = 0.5;
/// Weight lost per typo. 0.3 (one typo counts 0.7 of an exact match).
pub const TYPO_WEIGHT: f32 = 0.3;
/// Extra weight of a word at the start of the product's name: the first word counts
/// `1 + NAME_START_WEIGHT`, fading to no extra at word [`NAME_START_WORDS`]. 0.5. Names say what a
/// product is first ("Apple - iPhone 7 32GB") and what it goes with later ("Case for Apple
/// iPhone 7"), so "iphone 7" finds the phone before its cases.
pub const NAME_START_WEIGHT: f32 = 0.5;
/// Words of the name that [`NAME_START_WEIGHT`] reaches. 8.
pub const NAME_START_WORDS: f32 = 8.0;

/// Which products a search keeps. Empty lists keep everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    /// Keep products in any of these categories (compared folded).
    pub categories: Vec<String>,
    /// Keep products of any of these brands (compared folded).
    pub brands: Vec<String>,
    /// Keep products at or above this price (products without a price are dropped).
    pub min_price: Option<f64>,
    /// Keep products at or below this price (products without a price are dropped).
    pub max_price: Option<f64>,
    /// Keep only products in stock.
    pub in_stock: bool,
}

/// How to search.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Best hits returned, in order. Default 10; range 1 to 1,000.
    pub limit: usize,
    /// Prefix matching of the last word. Default on.
    pub prefix: bool,
    /// Typo tolerance. Default on.
    pub typos: bool,
    /// Which products to keep.
    pub filters: Filters,
    /// Facet values counted per facet (the most frequent). Default 10; range 0 to 100.
    pub facet_limit: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options { limit: 10, prefix: true, typos: true, filters: Filters::default(), facet_limit: 10 }
    }
}

/// One product found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// The product's position in [`Index::products`].
    pub doc: u32,
    /// Its score for the query.
    pub score: f32,
    /// Typos its matches needed.
    pub typos: u8,
}

/// What a search found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Results {
    /// The best hits, best first (at most `limit`).
    pub hits: Vec<Hit>,
    /// Products matching in all (before `limit`).
    pub total: usize,
    /// Query words every hit matches (fewer than the query's when none matched all).
    pub matched_words: usize,
    /// Words of the query, folded.
    pub words: Vec<String>,
    /// Brand counts over all matches, most frequent first: (value position, count).
    pub brands: Vec<(u32, u32)>,
    /// Category counts, likewise.
    pub categories: Vec<(u32, u32)>,
}

/// Per-product working memory, kept between queries so a query allocates nothing that grows
/// with the catalog.
#[derive(Debug, Default)]
pub struct Scratch {
    total: Vec<f32>,
    words: Vec<u8>,
    typos: Vec<u8>,
    best: Vec<f32>,
    best_typos: Vec<u8>,
    seen: Vec<bool>,
    touched: Vec<u32>,
    word_touched: Vec<u32>,
    rows: Vec<u8>,
}

impl Scratch {
    fn ready(&mut self, n: usize) {
        if self.total.len() != n {
            *self = Scratch {
                total: vec![0.0; n],
                words: vec![0; n],
                typos: vec![0; n],
                best: vec![0.0; n],
                best_typos: vec![0; n],
                seen: vec![false; n],
                ..Scratch::default()
            };
        }
    }
}

/// The words `query` searches for, folded and capped.
pub fn query_words(query: &str) -> Vec<String> {
    let mut end = query.len().min(MAX_QUERY_BYTES);
    while !query.is_char_boundary(end) {
        end -= 1;
    }
    let mut words = text::split(query.get(..end).unwrap_or_default());
    words.truncate(MAX_WORDS);
    words
}

impl Index {
    /// Runs `query`; see the module documentation for how.
    pub fn search(&self, query: &str, options: &Options, scratch: &mut Scratch) -> Results {
        let words = query_words(query);
        let mut results = Results { words: words.clone(), ..Results::default() };
        if words.is_empty() || self.products.is_empty() {
            return results;
        }
        let last_is_prefix = options.prefix && !query.ends_with(|c: char| c.is_whitespace());
        scratch.ready(self.products.len());
        let mut expansions: Vec<(u32, f32, u8)> = Vec::new();
        for (w, word) in words.iter().enumerate() {
            expansions.clear();
            self.expand(
                word,
                options.typos,
                last_is_prefix && w + 1 == words.len(),
                &mut expansions,
                scratch,
            );
            self.score_word(&expansions, scratch);
        }
        // AND, or the most words any product matched.
        let most = scratch.touched.iter().map(|d| scratch.words.get(*d as usize).copied().unwrap_or(0)).max();
        let most = most.unwrap_or(0);
        results.matched_words = usize::from(most);
        let filters = self.resolve(&options.filters);
        let mut kept: Vec<Hit> = Vec::new();
        let mut near: Vec<Hit> = Vec::new();
        for &doc in &scratch.touched {
            let i = doc as usize;
            let words = scratch.words.get(i).copied().unwrap_or(0);
            if (words == most || (most >= 2 && words + 1 == most)) && self.keeps(i, &filters) {
                let hit = Hit {
                    doc,
                    score: scratch.total.get(i).copied().unwrap_or(0.0),
                    typos: scratch.typos.get(i).copied().unwrap_or(0),
                };
                if words == most {
                    kept.push(hit);
                } else {
                    near.push(hit);
                }
            }
        }
        for &doc in &scratch.touched {
            let i = doc as usize;
            if let (Some(total), Some(words), Some(typos)) =
                (scratch.total.get_mut(i), scratch.words.get_mut(i), scratch.typos.get_mut(i))
            {
                (*total, *words, *typos) = (0.0, 0, 0);
            }
        }
        scratch.touched.clear();
        results.total = kept.len();
        self.count_facets(&kept, options.facet_limit, &mut results);
        let limit = options.limit.clamp(1, 1000);
        let order = |a: &Hit, b: &Hit| self.order(a, b);
        best(&mut kept, limit, &order);
        if kept.len() < limit {
            best(&mut near, limit - kept.len(), &order);
            kept.append(&mut near);
        }
        results.hits = kept;
        results
    }

    /// Best first: fewer typos, higher score, more popular, earlier in the catalog.
    fn order(&self, a: &Hit, b: &Hit) -> core::cmp::Ordering {
        let popularity = |h: &Hit| self.products.get(h.doc as usize).map_or(0.0, |p| p.popularity);
        a.typos
            .cmp(&b.typos)
            .then(b.score.total_cmp(&a.score))
            .then(popularity(b).total_cmp(&popularity(a)))
            .then(a.doc.cmp(&b.doc))
    }

    /// The indexed words `word` stands for: (term, weight, typos).
    fn expand(
        &self,
        word: &str,
        typos: bool,
        prefix: bool,
        out: &mut Vec<(u32, f32, u8)>,
        scratch: &mut Scratch,
    ) {
        if let Some(t) = self.term(word) {
            out.push((t as u32, 1.0, 0));
        }
        if prefix {
            let range = self.prefixed(word);
            let mut longer: Vec<u32> = range
                .filter(|t| self.terms.get(*t).is_some_and(|x| x.text.len() > word.len()))
                .map(|t| t as u32)
                .collect();
            if longer.len() > MAX_EXPANSIONS {
                // The most frequent words: sorted by (fewer products last, position), packed.
                let mut keyed: Vec<u64> = longer
                    .iter()
                    .map(|t| {
                        (u64::from(u32::MAX - self.terms.get(*t as usize).map_or(0, |x| x.len)) << 32)
                            | u64::from(*t)
                    })
                    .collect();
                keyed.sort_unstable();
                longer = keyed.iter().take(MAX_EXPANSIONS).map(|k| *k as u32).collect();
            }
            for t in longer {
                let len = self.terms.get(t as usize).map_or(1, |x| x.text.len()) as f32;
                let weight = PREFIX_WEIGHT + (0.9 - PREFIX_WEIGHT) * word.len() as f32 / len;
                out.push((t, weight, 0));
            }
        }
        let k = if typos { typo::allowed(word.len()) } else { 0 };
        if k == 0 {
            return;
        }
        let letters = typo::letters(word);
        let (lo, hi) = (word.len().saturating_sub(usize::from(k)), word.len() + usize::from(k));
        for len in lo..=hi {
            let Some(group) = self.by_len.get(len) else { continue };
            for &t in group {
                let Some(term) = self.terms.get(t as usize) else { continue };
                if !typo::may_be_within(letters, term.letters, k) {
                    continue;
                }
                if let Some(d) = typo::within(word.as_bytes(), term.text.as_bytes(), k, &mut scratch.rows) {
                    if d > 0 && !out.iter().any(|(x, _, _)| *x == t) {
                        out.push((t, 1.0 - TYPO_WEIGHT * f32::from(d), d));
                    }
                }
            }
        }
    }

    /// Adds one query word's best match per product to the running totals.
    fn score_word(&self, expansions: &[(u32, f32, u8)], s: &mut Scratch) {
        for &(t, weight, typos) in expansions {
            let Some(term) = self.terms.get(t as usize) else { continue };
            let (start, end) = (term.start as usize, (term.start + term.len) as usize);
            let (Some(docs), Some(scores), Some(positions)) =
                (self.docs.get(start..end), self.scores.get(start..end), self.name_positions.get(start..end))
            else {
                continue;
            };
            for ((&doc, &score), &position) in docs.iter().zip(scores).zip(positions) {
                let i = doc as usize;
                let early = (1.0 - f32::from(position) / NAME_START_WORDS).max(0.0);
                let value = score * weight * (1.0 + NAME_START_WEIGHT * early);
                let (Some(seen), Some(best), Some(best_typos)) =
                    (s.seen.get_mut(i), s.best.get_mut(i), s.best_typos.get_mut(i))
                else {
                    continue;
                };
                if !*seen {
                    *seen = true;
                    *best = value;
                    *best_typos = typos;
                    s.word_touched.push(doc);
                } else {
                    *best = best.max(value);
                    *best_typos = (*best_typos).min(typos);
                }
            }
        }
        for &doc in &s.word_touched {
            let i = doc as usize;
            let (Some(seen), Some(best), Some(best_typos)) =
                (s.seen.get_mut(i), s.best.get(i), s.best_typos.get(i))
            else {
                continue;
            };
            *seen = false;
            if let (Some(words), Some(total), Some(typos)) =
                (s.words.get_mut(i), s.total.get_mut(i), s.typos.get_mut(i))
            {
                if *words == 0 {
                    s.touched.push(doc);
                }
                *words += 1;
                *total += *best;
                *typos = typos.saturating_add(*best_typos);
            }
        }
        s.word_touched.clear();
    }

    /// The filters as facet value positions (`None`: the filter is off; an empty list: a filter
    /// naming only unknown values, which keeps nothing).
    fn resolve(&self, f: &super::Filters) -> Resolved {
        let ids = |names: &[String]| -> Option<Vec<u32>> {
            (!names.is_empty()).then(|| names.iter().filter_map(|n| self.value(n)).collect())
        };
        Resolved {
            categories: ids(&f.categories),
            brands: ids(&f.brands),
            min: f.min_price,
            max: f.max_price,
            in_stock: f.in_stock,
        }
    }

    fn keeps(&self, doc: usize, f: &Resolved) -> bool {
        let Some(p) = self.products.get(doc) else { return false };
        if f.in_stock && !p.in_stock {
            return false;
        }
        // A product without a price (NaN) is outside every price range.
        let below = |m: f64| p.price.is_nan() || p.price < m;
        let above = |m: f64| p.price.is_nan() || p.price > m;
        if f.min.is_some_and(below) || f.max.is_some_and(above) {
            return false;
        }
        if f.brands.as_ref().is_some_and(|b| !b.contains(&p.brand_value)) {
            return false;
        }
        f.categories.as_ref().is_none_or(|c| p.category_values.iter().any(|v| c.contains(v)))
    }

    fn count_facets(&self, hits: &[Hit], limit: usize, results: &mut Results) {
        if limit == 0 {
            return;
        }
        let mut brands = vec![0u32; self.values.len()];
        let mut categories = vec![0u32; self.values.len()];
        for h in hits {
            let Some(p) = self.products.get(h.doc as usize) else { continue };
            if let Some(c) = brands.get_mut(p.brand_value as usize) {
                *c += 1;
            }
            for v in &p.category_values {
                if let Some(c) = categories.get_mut(*v as usize) {
                    *c += 1;
                }
            }
        }
        results.brands = top(&brands, limit);
        results.categories = top(&categories, limit);
    }
}

struct Resolved {
    categories: Option<Vec<u32>>,
    brands: Option<Vec<u32>>,
    min: Option<f64>,
    max: Option<f64>,
    in_stock: bool,
}

/// Keeps the `limit` best of `hits`, best first.
fn best(hits: &mut Vec<Hit>, limit: usize, order: &dyn Fn(&Hit, &Hit) -> core::cmp::Ordering) {
    if limit == 0 {
        hits.clear();
        return;
    }
    if hits.len() > limit {
        hits.select_nth_unstable_by(limit - 1, order);
        hits.truncate(limit);
    }
    hits.sort_unstable_by(order);
}

/// The `limit` largest non-zero counts, largest first (ties: first value first).
fn top(counts: &[u32], limit: usize) -> Vec<(u32, u32)> {
    // (count, value) packed so that ascending order is largest count first, then value.
    let mut keyed: Vec<u64> = counts
        .iter()
        .enumerate()
        .filter(|(_, c)| **c > 0)
        .map(|(v, c)| (u64::from(u32::MAX - *c) << 32) | v as u64)
        .collect();
    keyed.sort_unstable();
    keyed.iter().take(limit).map(|k| (*k as u32, u32::MAX - (*k >> 32) as u32)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::search::build::test_index;

    fn shop() -> Index {
        test_index(
                r#"[
            {"id":"p1","name":"Samsung Galaxy S7 32GB","brand":"Samsung","categories":["Phones","Android"],"price":499,"popularity":90},
            {"id":"p2","name":"Case for Samsung Galaxy S7","brand":"OtterBox","categories":["Accessories","Cases"],"price":29,"popularity":50},
            {"id":"p3","name":"Apple iPhone 7 Plus","brand":"Apple","categories":["Phones","iOS"],"price":769,"popularity":95},
            {"id":"p4","name":"Kopfhörer Über-Ohr","brand":"Sennheiser","categories":["Headphones"],"price":99,"in_stock":false},
            {"id":"p5","name":"Wireless Headphones","brand":"Sony","categories":["Headphones"],"description":"great sound","price":149},
            {"id":"p6","name":"Charger","brand":"Samsung","categories":["Accessories"],"description":"fast charger for galaxy phones","price":19}
        ]"#,
        )
        .unwrap_or_default()
    }

    fn ids(idx: &Index, q: &str, o: &Options) -> Vec<String> {
        let r = idx.search(q, o, &mut Scratch::default());
        r.hits.iter().map(|h| idx.products[h.doc as usize].id.clone()).collect()
    }

    #[test]
    fn words_prefixes_and_typos() {
        let idx = shop();
        let o = Options::default();
        assert_eq!(ids(&idx, "galaxy s7", &o), ["p1", "p2", "p6"], "name first; p6 lacks s7: after them");
        assert_eq!(ids(&idx, "gala", &o)[..2], ["p1", "p2"], "prefix of the last word");
        assert!(ids(&idx, "gala ", &o).is_empty(), "a finished word is not a prefix");
        assert_eq!(ids(&idx, "iphnoe", &o), ["p3"], "swap");
        assert_eq!(ids(&idx, "samsnug galaxy", &o), ["p1", "p2", "p6"], "p6: brand and description");
        assert_eq!(ids(&idx, "kopfhorer", &o), ["p4"], "umlaut folded");
        assert_eq!(ids(&idx, "Kopfhörer über", &o), ["p4"]);
        assert_eq!(ids(&idx, "kopfhoerer uber", &o), ["p4"], "oe for ö is one edit");
        assert!(ids(&idx, "iphnoe", &Options { typos: false, ..Options::default() }).is_empty());
        assert!(ids(&idx, "gal", &Options { prefix: false, ..Options::default() }).is_empty());
        assert!(ids(&idx, "", &o).is_empty() && ids(&idx, " !? ", &o).is_empty());
    }

    #[test]
    fn and_then_the_most_words() {
        let idx = shop();
        let r = idx.search("samsung charger", &Options::default(), &mut Scratch::default());
        assert_eq!((r.total, r.matched_words), (1, 2));
        assert_eq!(r.hits.len(), 3, "then products with one of the two words: {:?}", r.hits);
        assert_eq!(idx.products[r.hits[0].doc as usize].id, "p6", "the full match first");
        let r = idx.search("samsung toaster", &Options::default(), &mut Scratch::default());
        assert_eq!((r.total, r.matched_words), (3, 1), "no product has both: the ones with samsung");
        let r = idx.search(
            "samsung charger",
            &Options { limit: 1, ..Options::default() },
            &mut Scratch::default(),
        );
        assert_eq!(r.hits.len(), 1, "no filling when the full matches reach the limit");
        assert!(idx.search("zzzz qqqq", &Options::default(), &mut Scratch::default()).hits.is_empty());
    }

    #[test]
    fn filters_and_facets() {
        let idx = shop();
        let mut s = Scratch::default();
        let phones = Options {
            filters: Filters { categories: vec!["phones".into()], ..Filters::default() },
            ..Options::default()
        };
        assert_eq!(ids(&idx, "galaxy", &phones), ["p1"]);
        let r = idx.search("headphones", &Options::default(), &mut s);
        assert_eq!(r.total, 2, "p4's name is Kopfhörer; its category says headphones");
        let r = idx.search("samsung", &Options::default(), &mut s);
        let facet = |list: &[(u32, u32)]| -> Vec<(String, u32)> {
            list.iter().map(|(v, c)| (idx.values[*v as usize].clone(), *c)).collect()
        };
        assert_eq!(facet(&r.brands), [("Samsung".to_owned(), 2), ("OtterBox".to_owned(), 1)]);
        assert_eq!(facet(&r.categories)[0], ("Accessories".to_owned(), 2));
        let cheap = Options {
            filters: Filters { max_price: Some(30.0), ..Filters::default() },
            ..Options::default()
        };
        assert_eq!(ids(&idx, "samsung", &cheap), ["p2", "p6"]);
        let brand = Options {
            filters: Filters { brands: vec!["SAMSUNG".into()], min_price: Some(100.0), ..Filters::default() },
            ..Options::default()
        };
        assert_eq!(ids(&idx, "samsung", &brand), ["p1"]);
        let unknown = Options {
            filters: Filters { brands: vec!["Nokia".into()], ..Filters::default() },
            ..Options::default()
        };
        assert!(ids(&idx, "samsung", &unknown).is_empty());
        let stock =
            Options { filters: Filters { in_stock: true, ..Filters::default() }, ..Options::default() };
        assert!(ids(&idx, "kopfhorer", &stock).is_empty());
        assert_eq!(ids(&idx, "samsung", &Options { limit: 1, ..Options::default() }).len(), 1);
    }

    #[test]
    fn scratch_is_clean_between_queries() {
        let idx = shop();
        let mut s = Scratch::default();
        let first = idx.search("galaxy", &Options::default(), &mut s);
        let _ = idx.search("samsung charger headphones", &Options::default(), &mut s);
        assert_eq!(idx.search("galaxy", &Options::default(), &mut s), first);
    }

    #[test]
    fn absurd_queries_are_capped() {
        let idx = shop();
        let long = "galaxy ".repeat(100_000);
        assert_eq!(query_words(&long).len(), MAX_WORDS);
        let r = idx.search(&long, &Options::default(), &mut Scratch::default());
        assert_eq!(r.hits.len(), 3);
        assert_eq!(query_words(&"ü".repeat(1000)).len(), 1, "cut on a character boundary");
    }
}
