//! The catalog checked and indexed.
//!
//! A catalog is a JSON array of products, or an object with a `products` array. Each product:
//!
//! | field | type | |
//! |---|---|---|
//! | `id` | string or whole number | required, unique |
//! | `name` | string | required |
//! | `brand` | string | optional |
//! | `categories` | array of strings, or one string (`category` is accepted too) | optional |
//! | `tags` | array of strings, or one string | optional |
//! | `description` | string | optional |
//! | `price` | number ≥ 0 | optional |
//! | `in_stock` | boolean (or `stock`: number, 0 = out of stock) | optional, default in stock |
//! | `popularity` | number | optional: the last tie-breaker |
//!
//! Other fields are ignored (the wrapper hands the shop's own product objects back with each
//! hit). A product breaking these rules makes the whole catalog `catalog_invalid` (with the field
//! and the product's position), a repeated id `catalog_duplicate_id`: a half-indexed catalog would
//! hide products without anyone noticing.

use crate::core::error::{Error, Result};
use crate::core::num;
use crate::core::value::Value;
use crate::prelude::*;

use super::{text, typo, Boosts, Index, Product, Term, B, K1, MAX_FIELD_BYTES, MAX_PRODUCTS, NOT_IN_NAME};

/// Builds the index of the catalog in JSON `text`, reading it one product at a time (see
/// [`crate::core::json::parse_list`]), so the catalog never exists as one tree in memory; the
/// text is dropped once read, before the postings are laid out. On error, also the position of
/// the offending product (0 when the catalog itself is wrong).
pub fn build_text(
    text: String,
    boosts: &Boosts,
    float: &dyn Fn(&str) -> f64,
) -> core::result::Result<Index, (Error, usize)> {
    let mut builder = Builder::default();
    let mut failed = None;
    let read =
        crate::core::json::parse_list(&text, "products", 32, float, &mut |item| match builder.add(&item) {
            Ok(()) => Some(()),
            Err(e) => {
                failed = Some(e);
                None
            }
        });
    drop(text);
    match (read, failed) {
        (_, Some(e)) => Err(e),
        (None, None) => Err((Error::CatalogInvalid("catalog"), 0)),
        (Some(()), None) => builder.finish(boosts),
    }
}

/// The index being built: products checked and their words interned, one product at a time.
#[derive(Default)]
struct Builder {
    products: Vec<Product>,
    words: Interner,
    values: Interner,
    /// Facet values as first given, by interned id.
    shown: Vec<String>,
    /// Every product's words as interned ids, field after field, product after product.
    tokens: Vec<u32>,
    /// Where each product's fields start in `tokens`, and where the last ends: 5 + 1 per product
    /// (`bounds[6p + f]..bounds[6p + f + 1]`).
    bounds: Vec<u32>,
    total_len: [f64; 5],
}

impl Builder {
    fn add(&mut self, item: &Value) -> core::result::Result<(), (Error, usize)> {
        let at = self.products.len();
        if at >= MAX_PRODUCTS {
            return Err((Error::CatalogTooLarge, at));
        }
        let (mut product, texts) = product(item).map_err(|e| (e, at))?;
        product.brand_value = self.value(&product.brand);
        let categories = core::mem::take(&mut product.categories);
        product.category_values =
            categories.iter().map(|c| self.value(c)).filter(|v| *v != u32::MAX).collect();
        product.categories = categories;
        for (f, field_texts) in texts.iter().enumerate() {
            self.bounds.push(self.tokens.len() as u32);
            let before = self.tokens.len();
            let mut budget = MAX_FIELD_BYTES;
            let (words, tokens) = (&mut self.words, &mut self.tokens);
            for t in field_texts {
                text::words(t, &mut |w| {
                    if budget >= w.len() {
                        budget -= w.len();
                        tokens.push(words.intern(w));
                    }
                });
            }
            if let Some(total) = self.total_len.get_mut(f) {
                *total += (self.tokens.len() - before) as f64;
            }
        }
        self.bounds.push(self.tokens.len() as u32);
        self.products.push(product);
        Ok(())
    }

    /// The position of a facet value (brand, category) in the index's values; `u32::MAX` for none.
    fn value(&mut self, text: &str) -> u32 {
        let folded = text::fold(text);
        if folded.is_empty() {
            return u32::MAX;
        }
        let id = self.values.intern(&folded);
        if id as usize == self.shown.len() {
            self.shown.push(text.to_owned());
        }
        id
    }

    /// The words of product `doc`'s field `f`.
    fn field(&self, doc: usize, f: usize) -> &[u32] {
        let start = self.bounds.get(doc * 6 + f).copied().unwrap_or(0) as usize;
        let end = self.bounds.get(doc * 6 + f + 1).copied().unwrap_or(0) as usize;
        self.tokens.get(start..end).unwrap_or_default()
    }

    fn finish(self, boosts: &Boosts) -> core::result::Result<Index, (Error, usize)> {
        let products = &self.products;
        // Duplicate ids: sort positions by id and compare neighbours.
        let mut order: Vec<u32> = (0..products.len() as u32).collect();
        sort_by_text(&mut order, &|i| id_of(products, i as usize));
        for pair in order.windows(2) {
            if let [a, b] = pair {
                if id_of(products, *a as usize) == id_of(products, *b as usize) {
                    return Err((Error::CatalogDuplicateId, (*a).max(*b) as usize));
                }
            }
        }
        drop(order);
        let n = products.len().max(1) as f32;
        let avg: Vec<f32> = self.total_len.iter().map(|t| ((*t as f32) / n).max(1.0)).collect();

        // Each product's words with their weighted, length-normalised term frequency and first
        // position in the name, handed to `each` product by product.
        let mut tf: Vec<(u32, f32, u8)> = Vec::new();
        let mut for_each_posting = |each: &mut dyn FnMut(u32, u32, f32, u8)| {
            for doc in 0..products.len() {
                tf.clear();
                for f in 0..5 {
                    let ids = self.field(doc, f);
                    let boost = boosts.0.get(f).copied().unwrap_or(0.0);
                    if boost <= 0.0 || ids.is_empty() {
                        continue;
                    }
                    let norm = 1.0 - B + B * ids.len() as f32 / avg.get(f).copied().unwrap_or(1.0);
                    let add = boost / norm;
                    for (at, id) in ids.iter().enumerate() {
                        let position =
                            if f == 0 { at.min(usize::from(NOT_IN_NAME) - 1) as u8 } else { NOT_IN_NAME };
                        match tf.iter_mut().find(|(t, _, _)| t == id) {
                            Some(entry) => {
                                entry.1 += add;
                                entry.2 = entry.2.min(position);
                            }
                            None => tf.push((*id, add, position)),
                        }
                    }
                }
                for (id, weight, position) in &tf {
                    each(*id, doc as u32, *weight, *position);
                }
            }
        };
        // Words in sorted order; the postings are laid out once, flat, in that order, in two
        // passes (count each word's products, then fill each word's run), so nothing is copied
        // or grown with slack.
        let texts = self.words.words();
        let mut order: Vec<u32> = (0..texts.len() as u32).collect();
        sort_by_text(&mut order, &|i| text_of(texts, i));
        let mut df = vec![0u32; texts.len()];
        for_each_posting(&mut |id, _, _, _| {
            if let Some(n) = df.get_mut(id as usize) {
                *n += 1;
            }
        });
        let mut next = vec![0u32; texts.len()]; // by interned id: where its next posting goes
        let mut terms = Vec::with_capacity(texts.len());
        let mut total = 0u32;
        for &id in &order {
            let n = df.get(id as usize).copied().unwrap_or(0);
            if let Some(slot) = next.get_mut(id as usize) {
                *slot = total;
            }
            let word = text_of(texts, id).to_owned();
            terms.push(Term { letters: typo::letters(&word), text: word, start: total, len: n });
            total += n;
        }
        drop((df, order));
        let size = total as usize;
        let (mut docs, mut scores, mut positions) =
            (vec![0u32; size], vec![0f32; size], vec![NOT_IN_NAME; size]);
        for_each_posting(&mut |id, doc, weight, position| {
            let Some(slot) = next.get_mut(id as usize) else { return };
            let i = *slot as usize;
            *slot += 1;
            if let (Some(d), Some(w), Some(p)) = (docs.get_mut(i), scores.get_mut(i), positions.get_mut(i)) {
                (*d, *w, *p) = (doc, weight, position);
            }
        });
        drop(next);
        // Term frequencies become BM25 scores with each word's idf.
        let count = products.len() as f64;
        for t in &terms {
            let idf = num::ln(1.0 + (count - f64::from(t.len) + 0.5) / (f64::from(t.len) + 0.5)) as f32;
            let range = t.start as usize..(t.start + t.len) as usize;
            for tf in scores.get_mut(range).unwrap_or_default() {
                *tf = idf * *tf * (K1 + 1.0) / (K1 + *tf);
            }
        }
        let Builder { products, values, shown, .. } = self;
        let mut index = Index {
            products,
            terms,
            docs,
            scores,
            name_positions: positions,
            values: shown,
            folded_values: values.into_words(),
            ..Index::default()
        };
        index.group_by_length();
        Ok(index)
    }
}

/// Sorts positions by the text each stands for (one sort routine for ids and words: every
/// distinct comparator would compile a sort of its own into the module).
pub(crate) fn sort_by_text<'a>(list: &mut [u32], text: &dyn Fn(u32) -> &'a str) {
    list.sort_unstable_by(|a, b| text(*a).cmp(text(*b)));
}

fn id_of(products: &[Product], i: usize) -> &str {
    products.get(i).map_or("", |p| p.id.as_str())
}

fn text_of(texts: &[String], i: u32) -> &str {
    texts.get(i as usize).map_or("", String::as_str)
}

/// The texts of one product's fields, in [`super::FIELDS`] order.
type Texts<'a> = [Vec<&'a str>; 5];

/// A product checked, and its texts.
fn product(item: &Value) -> Result<(Product, Texts<'_>)> {
    if !item.is_object() {
        return Err(Error::CatalogInvalid("product"));
    }
    let id = id_text(item.get("id")).ok_or(Error::CatalogInvalid("id"))?;
    let name = match item.get("name") {
        Some(Value::String(s)) => s.as_str(),
        _ => return Err(Error::CatalogInvalid("name")),
    };
    let brand = optional_text(item, "brand")?;
    let categories = match item.get("categories") {
        Some(v) if !v.is_null() => texts(v, "categories")?,
        _ => texts(item.get("category").unwrap_or(&Value::Null), "category")?,
    };
    let tags = texts(item.get("tags").unwrap_or(&Value::Null), "tags")?;
    let description = optional_text(item, "description")?;
    let price = match item.get("price") {
        None | Some(Value::Null) => f64::NAN,
        Some(Value::Number(n)) if *n >= 0.0 && n.is_finite() => *n,
        Some(_) => return Err(Error::CatalogInvalid("price")),
    };
    let in_stock = match (item.get("in_stock"), item.get("stock")) {
        (Some(Value::Bool(b)), _) => *b,
        (Some(v), _) if !v.is_null() => return Err(Error::CatalogInvalid("in_stock")),
        (_, Some(Value::Number(n))) => *n > 0.0,
        (_, Some(v)) if !v.is_null() => return Err(Error::CatalogInvalid("stock")),
        _ => true,
    };
    let popularity = match item.get("popularity") {
        None | Some(Value::Null) => 0.0,
        Some(Value::Number(n)) if n.is_finite() => *n,
        Some(_) => return Err(Error::CatalogInvalid("popularity")),
    };
    let product = Product {
        id,
        brand: brand.to_owned(),
        categories: categories.iter().map(|c| (*c).to_owned()).collect(),
        tags: tags.iter().map(|t| (*t).to_owned()).collect(),
        price,
        in_stock,
        popularity,
        brand_value: u32::MAX,
        category_values: Vec::new(),
    };
    Ok((product, [vec![name], vec![brand], categories, tags, vec![description]]))
}

/// A product id as text: a string of 1 to 256 bytes, or a whole number (as its decimal text, so
/// `7` and `"7"` are the same product). Catalogs and re-ranked lists read ids the same way.
pub fn id_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.is_empty() && s.len() <= 256 => Some(s.clone()),
        Value::Number(n) if num::is_whole(*n) && n.abs() < 9.0e15 => {
            let mut s = String::new();
            if *n < 0.0 {
                s.push('-');
            }
            crate::core::time::push_num(&mut s, n.abs() as u64, 1);
            Some(s)
        }
        _ => None,
    }
}

fn optional_text<'a>(item: &'a Value, field: &'static str) -> Result<&'a str> {
    match item.get(field) {
        None | Some(Value::Null) => Ok(""),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(Error::CatalogInvalid(field)),
    }
}

/// A string or an array of strings (at most 64), as a list.
fn texts<'a>(value: &'a Value, field: &'static str) -> Result<Vec<&'a str>> {
    match value {
        Value::Null => Ok(Vec::new()),
        Value::String(s) => Ok(vec![s.as_str()]),
        Value::Array(items) if items.len() <= 64 => {
            items.iter().map(|v| v.as_str().ok_or(Error::CatalogInvalid(field))).collect()
        }
        _ => Err(Error::CatalogInvalid(field)),
    }
}

/// Words to dense ids: an open-addressing hash table (FNV-1a) over the words seen so far.
#[derive(Default)]
struct Interner {
    words: Vec<String>,
    slots: Vec<u32>, // id + 1; 0 = empty
}

impl Interner {
    fn intern(&mut self, word: &str) -> u32 {
        if self.words.len() * 2 >= self.slots.len() {
            self.grow();
        }
        let mask = self.slots.len() - 1;
        let mut at = hash(word) as usize & mask;
        loop {
            match self.slots.get(at).copied() {
                Some(0) | None => {
                    self.words.push(word.to_owned());
                    let id = self.words.len() as u32;
                    if let Some(slot) = self.slots.get_mut(at) {
                        *slot = id;
                    }
                    return id - 1;
                }
                Some(id) if self.words.get(id as usize - 1).is_some_and(|w| w == word) => return id - 1,
                Some(_) => at = (at + 1) & mask,
            }
        }
    }

    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(1024);
        self.slots = vec![0; size];
        let mask = size - 1;
        for (i, w) in self.words.iter().enumerate() {
            let mut at = hash(w) as usize & mask;
            while self.slots.get(at).is_some_and(|s| *s != 0) {
                at = (at + 1) & mask;
            }
            if let Some(slot) = self.slots.get_mut(at) {
                *slot = i as u32 + 1;
            }
        }
    }

    fn into_words(self) -> Vec<String> {
        self.words
    }

    fn words(&self) -> &[String] {
        &self.words
    }
}

fn hash(word: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in word.bytes() {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    h
}

/// The index of a test catalog, with default boosts and Rust's number parser.
#[cfg(test)]
pub(crate) fn test_index(catalog: &str) -> core::result::Result<Index, (Error, usize)> {
    build_text(catalog.to_owned(), &Boosts::default(), &|t| t.parse().unwrap_or(f64::NAN))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(catalog: &str) -> core::result::Result<Index, (Error, usize)> {
        test_index(catalog)
    }

    #[test]
    fn words_are_sorted_with_postings_and_scores() {
        let idx = index(
            r#"[{"id":"a","name":"Galaxy Phone","brand":"Samsung","categories":["Phones"]},
                {"id":2,"name":"Phone Case","description":"a case for your phone","price":9.5,"in_stock":false},
                {"id":"c","name":"Über Ladegerät","tags":"charger","stock":0}]"#,
        )
        .unwrap_or_default();
        let texts: Vec<&str> = idx.terms.iter().map(|t| t.text.as_str()).collect();
        let mut sorted = texts.clone();
        sorted.sort_unstable();
        assert_eq!(texts, sorted);
        let phone = &idx.terms[idx.term("phone").unwrap_or(usize::MAX)];
        assert_eq!(phone.len, 2);
        let docs = &idx.docs[phone.start as usize..(phone.start + phone.len) as usize];
        assert_eq!(docs, [0, 1]);
        // "phone" is in product 1's name and description: the description adds a little.
        let scores = &idx.scores[phone.start as usize..(phone.start + phone.len) as usize];
        assert!(scores[1] > scores[0] && scores[0] > 0.0, "{scores:?}");
        assert!(idx.term("uber").is_some() && idx.term("ladegerat").is_some());
        assert_eq!(idx.products[1].id, "2");
        assert!(!idx.products[1].in_stock && !idx.products[2].in_stock && idx.products[0].in_stock);
        assert!(idx.products[0].price.is_nan() && idx.products[1].price == 9.5);
        let phone = idx.term("phone").unwrap_or(0);
        assert_eq!(idx.prefixed("ph"), phone..phone + 2, "phone, phones");
        assert!(idx.prefixed("zz").is_empty());
        assert_eq!(idx.by_len[5].len(), texts.iter().filter(|t| t.len() == 5).count());
        assert_eq!(idx.values, ["Samsung", "Phones"]);
        assert_eq!(idx.value("SAMSUNG"), Some(0));
        assert_eq!((idx.products[0].brand_value, idx.products[1].brand_value), (0, u32::MAX));
    }

    #[test]
    fn a_rare_word_outweighs_a_common_one() {
        let mut items = Vec::new();
        for i in 0..50 {
            items.push(format!(r#"{{"id":"p{i}","name":"phone model {i}"}}"#));
        }
        items.push(r#"{"id":"x","name":"phone pixel"}"#.to_owned());
        let idx = index(&format!("[{}]", items.join(","))).unwrap_or_default();
        let first = |w: &str| idx.scores[idx.terms[idx.term(w).unwrap_or(0)].start as usize];
        assert!(first("pixel") > 3.0 * first("phone"));
    }

    #[test]
    fn bad_catalogs_say_what_and_where() {
        let e = |c: &str| index(c).err();
        assert_eq!(e(r#"{"items":[]}"#), Some((Error::CatalogInvalid("catalog"), 0)));
        assert_eq!(e(r#"[{"id":"a","name":"x"},{"name":"y"}]"#), Some((Error::CatalogInvalid("id"), 1)));
        assert_eq!(
            e(r#"[{"id":"a","name":"x"},{"id":"","name":"y"}]"#),
            Some((Error::CatalogInvalid("id"), 1))
        );
        assert_eq!(e(r#"[{"id":1.5,"name":"x"}]"#), Some((Error::CatalogInvalid("id"), 0)));
        assert_eq!(e(r#"[{"id":"a"}]"#), Some((Error::CatalogInvalid("name"), 0)));
        assert_eq!(e(r#"[{"id":"a","name":"x","price":"9.99"}]"#), Some((Error::CatalogInvalid("price"), 0)));
        assert_eq!(e(r#"[{"id":"a","name":"x","price":-1}]"#), Some((Error::CatalogInvalid("price"), 0)));
        assert_eq!(e(r#"[{"id":"a","name":"x","tags":[1]}]"#), Some((Error::CatalogInvalid("tags"), 0)));
        assert_eq!(
            e(r#"[{"id":"a","name":"x","in_stock":"yes"}]"#),
            Some((Error::CatalogInvalid("in_stock"), 0))
        );
        assert_eq!(e(r#"[3]"#), Some((Error::CatalogInvalid("product"), 0)));
        assert_eq!(
            e(r#"[{"id":"a","name":"x"},{"id":"b","name":"y"},{"id":"a","name":"z"}]"#),
            Some((Error::CatalogDuplicateId, 2))
        );
        assert_eq!(e(r#"[{"id":7,"name":"x"},{"id":"7","name":"y"}]"#), Some((Error::CatalogDuplicateId, 1)));
        assert!(index(r#"{"products":[]}"#).is_ok_and(|i| i.products.is_empty() && i.terms.is_empty()));
    }

    #[test]
    fn long_fields_are_cut_not_refused() {
        let long = "word ".repeat(10_000);
        let idx =
            index(&format!(r#"[{{"id":"a","name":"x","description":"{long} tail"}}]"#)).unwrap_or_default();
        assert!(idx.term("word").is_some());
        assert!(idx.term("tail").is_none(), "beyond MAX_FIELD_BYTES");
    }

    #[test]
    fn the_interner_survives_growth() {
        let mut i = Interner::default();
        for n in 0..5000u32 {
            assert_eq!(i.intern(&format!("w{n}")), n);
        }
        assert_eq!(i.intern("w42"), 42);
        assert_eq!(i.words().len(), 5000);
    }
}
