//! Local catalog search: an inverted index built from the shop's catalog, queried with prefix
//! matching, typo tolerance and BM25F scoring, with filters and facet counts.
//!
//! - [`text`]: words from text (case and diacritic folding, German included);
//! - [`typo`]: bounded edit distance for typo tolerance;
//! - [`build`]: the catalog (JSON products) checked and turned into an [`Index`];
//! - [`query`]: a query run against the index ([`Index::search`]);
//! - [`stored`]: the index as bytes, so a shop can ship it pre-built.
//!
//! The index keeps, for every word, the products that contain it with a precomputed BM25F score
//! (the fields' term frequencies, weighted by [`Boosts`] and normalised by field length, turned
//! into `idf · tf·(k1+1)/(k1+tf)`), so a query only adds numbers. Words are sorted, so a prefix
//! is a range; typo candidates are found by length and by a letter-set filter before any edit
//! distance is computed.
//!
//! Caps (a catalog over them is `catalog_too_large`, never a frozen tab): [`MAX_PRODUCTS`]
//! products, [`MAX_CATALOG_BYTES`] of JSON; per product, text beyond [`MAX_FIELD_BYTES`] in a field
//! is not indexed (descriptions are cut there).

use crate::prelude::*;

pub mod build;
pub mod engine;
pub mod query;
pub mod stored;
pub mod text;
pub mod typo;

pub use query::{Filters, Hit, Options, Results};

/// Most products a catalog may have. 100,000: a large shop's whole assortment; the index of
/// 33,000 phones takes about a second to build in the browser.
pub const MAX_PRODUCTS: usize = 100_000;
/// Most bytes of catalog JSON accepted (32 MiB); the wrapper checks before parsing.
pub const MAX_CATALOG_BYTES: usize = 32 * 1024 * 1024;
/// Bytes of one field's text that are indexed (8 KiB); the rest is ignored.
pub const MAX_FIELD_BYTES: usize = 8 * 1024;

/// The indexed fields, in the order of [`Boosts`] and of the per-field arrays.
pub const FIELDS: [&str; 5] = ["name", "brand", "categories", "tags", "description"];

/// Field weights for BM25F: how much a word counts in each field. Defaults name 3, brand 2,
/// categories 1.5, tags 1.5, description 0.5; range 0 to 10 each (0 leaves the field out of
/// scoring). A word in the name outweighs the same word in a long description.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Boosts(pub [f32; 5]);

impl Default for Boosts {
    fn default() -> Boosts {
        Boosts([3.0, 2.0, 1.5, 1.5, 0.5])
    }
}

/// BM25 saturation: how quickly repeated words stop adding score. Default 1.2 (the usual value).
pub const K1: f32 = 1.2;
/// BM25 length normalisation: 0 ignores field length, 1 divides by it fully. Default 0.75.
pub const B: f32 = 0.75;

/// [`Index::name_positions`] of a word the name lacks.
pub const NOT_IN_NAME: u8 = 255;

/// A product as search keeps it: what filters, facets and the re-ranker read.
#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    /// The shop's id (numbers are kept as their decimal text).
    pub id: String,
    /// Brand as given ("" when none).
    pub brand: String,
    /// Categories as given, broadest first.
    pub categories: Vec<String>,
    /// Tags as given.
    pub tags: Vec<String>,
    /// Price, NaN when not given.
    pub price: f64,
    /// False only when the catalog says `in_stock: false` (or `stock: 0`).
    pub in_stock: bool,
    /// The catalog's popularity (any scale, higher is more popular; 0 when not given): the
    /// last tie-breaker between equally relevant products.
    pub popularity: f64,
    /// The brand's position in [`Index::values`] (`u32::MAX` when none).
    pub brand_value: u32,
    /// The categories' positions in [`Index::values`].
    pub category_values: Vec<u32>,
}

/// One indexed word.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    /// The folded word.
    pub text: String,
    /// Its letter set ([`typo::letters`]).
    pub letters: u64,
    /// Its postings: `postings[start..start + len]`.
    pub start: u32,
    /// Number of products containing it.
    pub len: u32,
}

/// The search index over one catalog.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Index {
    /// Products by position (a posting's `doc`).
    pub products: Vec<Product>,
    /// Words, sorted by text.
    pub terms: Vec<Term>,
    /// Term positions grouped by word length in bytes (`by_len[n]`: the words of `n` bytes), for
    /// typo candidates.
    pub by_len: Vec<Vec<u32>>,
    /// Postings of all words, each word's products ascending.
    pub docs: Vec<u32>,
    /// The BM25F score of the word in the product, parallel to `docs`.
    pub scores: Vec<f32>,
    /// The word's first position in the product's name (0 = first word), [`NOT_IN_NAME`] when the
    /// name lacks it; parallel to `docs`.
    pub name_positions: Vec<u8>,
    /// Facet values (brands and categories) as first given, one per folded form; filters and
    /// facet counts work on their positions.
    pub values: Vec<String>,
    /// The folded form of each of [`Index::values`].
    pub folded_values: Vec<String>,
}

impl Index {
    /// The position of the word `text`, if indexed.
    pub fn term(&self, text: &str) -> Option<usize> {
        self.terms.binary_search_by(|t| t.text.as_str().cmp(text)).ok()
    }

    /// The positions of the words starting with `prefix`, as a range.
    pub fn prefixed(&self, prefix: &str) -> core::ops::Range<usize> {
        let start = self.terms.partition_point(|t| t.text.as_str() < prefix);
        let end = start
            + self.terms.get(start..).map_or(0, |rest| rest.partition_point(|t| t.text.starts_with(prefix)));
        start..end
    }

    /// The position in [`Index::values`] of the facet value folding like `value`.
    pub fn value(&self, value: &str) -> Option<u32> {
        let folded = text::fold(value);
        self.folded_values.iter().position(|v| *v == folded).map(|i| i as u32)
    }

    /// The position of the product with id `id`.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.products.iter().position(|p| p.id == id)
    }

    /// Rebuilds [`Index::by_len`] from the terms.
    pub(crate) fn group_by_length(&mut self) {
        let mut by_len: Vec<Vec<u32>> = Vec::new();
        for (i, t) in self.terms.iter().enumerate() {
            let n = t.text.len();
            if by_len.len() <= n {
                by_len.resize(n + 1, Vec::new());
            }
            if let Some(group) = by_len.get_mut(n) {
                group.push(i as u32);
            }
        }
        self.by_len = by_len;
    }
}
