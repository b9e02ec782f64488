//! The search module's state and its calls, on [`Value`]s: what the wasm bindings of the
//! search module forward to, and what native tests drive.
//!
//! - [`Engine::load`]: a catalog (JSON value) indexed, replacing the previous one;
//! - [`Engine::search`]: a query with its options, personal order from a profile snapshot;
//! - [`Engine::rerank`]: the shop's own result list in the visitor's order;
//! - [`Engine::explain`]: why an item of the last search or re-ranking is where it is;
//! - [`Engine::load_model`], [`Engine::recommend`]: recommendations over the same catalog.

use crate::core::config::{flag, number};
use crate::core::error::{Error, Result};
use crate::core::profile::price_band;
use crate::core::rank::{self, Diversity, Item, Placement, Visitor};
use crate::core::recommend::engine::Recommender;
use crate::core::value::Value;
use crate::prelude::*;

use super::query::{Filters, Options, Scratch};
use super::{text, Boosts, Index, Product};

/// Hits a search re-ranks personally: the best this many by text, before `limit` is applied. 50.
pub const PERSONAL_WINDOW: usize = 50;
/// Items [`Engine::rerank`] accepts in one list. 1,000.
pub const MAX_RERANK_ITEMS: usize = 1000;

/// One search module instance.
#[derive(Debug, Default)]
pub struct Engine {
    index: Option<Index>,
    scratch: Scratch,
    explained: Explained,
    recommender: Recommender,
}

/// The last placements: (id, placement, new position), and the query they answered.
#[derive(Debug, Default)]
struct Explained {
    placements: Vec<(String, Placement, usize)>,
    query: String,
}

impl Engine {
    /// Indexes the catalog in JSON `text` (see [`super::build`]; `float` reads the numbers that
    /// are not whole); returns the number of products. On error the previous catalog stays, and
    /// the position of the offending product is given.
    pub fn load(
        &mut self,
        text: String,
        options: &Value,
        float: &dyn Fn(&str) -> f64,
    ) -> core::result::Result<usize, (Error, usize)> {
        let boosts = boosts(options).map_err(|e| (e, 0))?;
        let index = super::build::build_text(text, &boosts, float)?;
        let n = index.products.len();
        self.recommender.catalog_loaded(&index);
        self.index = Some(index);
        self.explained.placements.clear();
        Ok(n)
    }

    /// Uses a pre-built index (see [`super::stored`]).
    pub fn load_index(&mut self, index: Index) -> usize {
        let n = index.products.len();
        self.recommender.catalog_loaded(&index);
        self.index = Some(index);
        self.explained.placements.clear();
        n
    }

    /// Reads a recommendations model (see [`Recommender::load_model`]) and links it to the
    /// loaded catalog.
    pub fn load_model(
        &mut self,
        text: &str,
        options: &Value,
        now: u64,
        float: &dyn Fn(&str) -> f64,
    ) -> Result<Value> {
        self.recommender.load_model(text, options, now, self.index.as_ref(), float)
    }

    /// Recommendations for the visitor of `snapshot` (see [`Recommender::recommend`]).
    pub fn recommend(&mut self, options: &Value, snapshot: &Value) -> Result<Value> {
        self.recommender.recommend(self.index.as_ref(), options, snapshot)
    }

    /// The loaded index.
    pub fn index(&self) -> Option<&Index> {
        self.index.as_ref()
    }

    /// Searches; `snapshot` is the visitor's profile snapshot (`null` for none). Results:
    /// `{query, total, matched_words, words, hits: [{id, score, typos}], facets: {brand, category}}`
    /// (facets: `[{value, count}]`). No catalog: no hits.
    pub fn search(&mut self, query: &str, options: &Value, snapshot: &Value) -> Result<Value> {
        let o = search_options(options)?;
        let personal = rerank_options(options, 30.0)?;
        let Some(index) = self.index.as_ref() else {
            return Ok(Value::object()
                .with("query", query)
                .with("total", 0.0)
                .with("hits", Value::Array(Vec::new())));
        };
        let limit = o.limit;
        let mut found = index.search(
            query,
            &Options { limit: limit.max(PERSONAL_WINDOW), ..o.clone() },
            &mut self.scratch,
        );
        let folded = text::join(&found.words);
        let visitor = Visitor::from_snapshot(snapshot);
        let items: Vec<Item> = found
            .hits
            .iter()
            .map(|h| index.products.get(h.doc as usize).map(|p| item_of(index, p)).unwrap_or_default())
            .collect();
        let placements = rank::rerank(&items, &visitor, &rank::Options { query: folded.clone(), ..personal });
        let mut hits = Vec::new();
        for p in placements.iter().take(limit) {
            let Some(h) = found.hits.get(p.from) else { continue };
            let id = index.products.get(h.doc as usize).map_or("", |p| p.id.as_str());
            hits.push(
                Value::object()
                    .with("id", id)
                    .with("score", f64::from(h.score))
                    .with("typos", f64::from(h.typos)),
            );
        }
        remember(&mut self.explained, &items, &placements, &folded);
        let facet = |list: &[(u32, u32)]| {
            Value::Array(
                list.iter()
                    .map(|(v, c)| {
                        let value = index.values.get(*v as usize).map_or("", String::as_str);
                        Value::object().with("value", value).with("count", f64::from(*c))
                    })
                    .collect(),
            )
        };
        let facets =
            Value::object().with("brand", facet(&found.brands)).with("category", facet(&found.categories));
        found.hits.clear();
        Ok(Value::object()
            .with("query", query)
            .with("total", found.total as f64)
            .with("matched_words", found.matched_words as f64)
            .with("words", found.words.len() as f64)
            .with("hits", Value::Array(hits))
            .with("facets", facets))
    }

    /// The new order of the shop's `items` (positions into them), for the visitor of
    /// `snapshot`. Throws `property_invalid` (`items`, `id`) or `option_invalid`.
    pub fn rerank(&mut self, items: &Value, options: &Value, snapshot: &Value) -> Result<Vec<usize>> {
        let list = items.as_array().ok_or(Error::PropertyInvalid("items"))?;
        if list.len() > MAX_RERANK_ITEMS {
            return Err(Error::PropertyInvalid("items"));
        }
        let mut parsed = Vec::with_capacity(list.len());
        for v in list {
            parsed.push(item_from(v)?);
        }
        let o = rerank_options(options, 50.0)?;
        let query = match options.get("query") {
            Some(Value::String(q)) => text::fold(q),
            _ => String::new(),
        };
        let placements = rank::rerank(
            &parsed,
            &Visitor::from_snapshot(snapshot),
            &rank::Options { query: query.clone(), ..o },
        );
        let order = placements.iter().map(|p| p.from).collect();
        remember(&mut self.explained, &parsed, &placements, &query);
        Ok(order)
    }

    /// Why `id` is where it is in the last search or re-ranking: `{id, from, to, relevance,
    /// personal, blended, learned, held_back, reasons: [{facet, value, affinity, session}],
    /// query}`, or `null` when it was not in it.
    pub fn explain(&self, id: &str) -> Value {
        let Some((id, p, to)) = self.explained.placements.iter().find(|(i, _, _)| i == id) else {
            return Value::Null;
        };
        let reasons = p
            .reasons
            .iter()
            .map(|(facet, value, affinity, session)| {
                Value::object()
                    .with("facet", facet.as_str())
                    .with("value", value.as_str())
                    .with("affinity", *affinity)
                    .with("session", *session)
            })
            .collect();
        Value::object()
            .with("id", id.as_str())
            .with("from", p.from as f64)
            .with("to", *to as f64)
            .with("relevance", p.relevance)
            .with("personal", p.personal)
            .with("blended", p.blended)
            .with("learned", p.learned)
            .with("held_back", p.held_back)
            .with("reasons", Value::Array(reasons))
            .with("query", self.explained.query.as_str())
    }
}

fn remember(explained: &mut Explained, items: &[Item], placements: &[Placement], query: &str) {
    explained.placements.clear();
    for (to, p) in placements.iter().enumerate() {
        if let Some(item) = items.get(p.from) {
            explained.placements.push((item.id.clone(), p.clone(), to));
        }
    }
    explained.query = query.to_owned();
}

/// A catalog product as the re-ranker sees it. Brand and categories come folded from the index
/// (folded once when it was built), not folded again for every search.
fn item_of(index: &Index, p: &Product) -> Item {
    let folded = |v: &u32| index.folded_values.get(*v as usize).cloned();
    let mut facets = vec![
        ("category".to_owned(), p.category_values.iter().filter_map(folded).collect()),
        ("brand".to_owned(), folded(&p.brand_value).into_iter().collect()),
        ("tags".to_owned(), p.tags.iter().map(|t| text::fold(t)).collect()),
    ];
    if p.price.is_finite() {
        facets.push(("price_band".to_owned(), vec![text::fold(price_band(p.price))]));
    }
    Item { id: p.id.clone(), score: None, facets }
}

/// An item of the shop's list: `{id, score?, category?|categories?, brand?, tags?, price?}`; the id
/// is read as a catalog's (a string of 1 to 256 bytes, or a whole number).
fn item_from(v: &Value) -> Result<Item> {
    let id = super::build::id_text(v.get("id")).ok_or(Error::PropertyInvalid("id"))?;
    let score = match v.get("score") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => Some(*n),
        Some(_) => return Err(Error::PropertyInvalid("score")),
    };
    let strings = |key: &str| -> Vec<String> {
        match v.get(key) {
            Some(Value::String(s)) => vec![text::fold(s)],
            Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).map(text::fold).collect(),
            _ => Vec::new(),
        }
    };
    let mut categories = strings("category");
    categories.extend(strings("categories"));
    let mut facets = vec![("category".to_owned(), categories), ("brand".to_owned(), strings("brand"))];
    facets.push(("tags".to_owned(), strings("tags")));
    if let Some(price) = v.get("price").and_then(Value::as_f64).filter(|p| p.is_finite() && *p >= 0.0) {
        facets.push(("price_band".to_owned(), vec![text::fold(price_band(price))]));
    }
    Ok(Item { id, score, facets })
}

/// `{boosts: {name, brand, categories, tags, description}}`, each 0 to 10.
fn boosts(o: &Value) -> Result<Boosts> {
    let mut b = Boosts::default();
    let Some(given) = o.get("boosts").filter(|v| !v.is_null()) else { return Ok(b) };
    if !given.is_object() {
        return Err(Error::OptionInvalid("boosts"));
    }
    for (i, field) in super::FIELDS.iter().enumerate() {
        if let Some(slot) = b.0.get_mut(i) {
            *slot = number(given, field, 0.0, 10.0, f64::from(*slot))? as f32;
        }
    }
    Ok(b)
}

/// The re-ranking options: `impact` (0-100, default `impact`; `personalize: false` is 0),
/// `sessionBoost` (0-10, default 1), `diversity: {facet, max, within}`.
fn rerank_options(o: &Value, impact: f64) -> Result<rank::Options> {
    let mut impact = number(o, "impact", 0.0, 100.0, impact)?;
    if !flag(o, "personalize", true)? {
        impact = 0.0;
    }
    let session_boost = number(o, "sessionBoost", 0.0, 10.0, 1.0)?;
    let diversity = match o.get("diversity") {
        None | Some(Value::Null) => None,
        Some(d) if d.is_object() => {
            let facet = match d.get("facet") {
                None | Some(Value::Null) => "brand".to_owned(),
                Some(Value::String(f))
                    if matches!(f.as_str(), "brand" | "category" | "tags" | "price_band") =>
                {
                    f.clone()
                }
                Some(_) => return Err(Error::OptionInvalid("diversity")),
            };
            let max = number(d, "max", 1.0, 1000.0, 2.0)? as usize;
            let within = number(d, "within", 1.0, 1000.0, 10.0)? as usize;
            Some(Diversity { facet, max, within })
        }
        Some(_) => return Err(Error::OptionInvalid("diversity")),
    };
    Ok(rank::Options { impact, session_boost, diversity, query: String::new() })
}

/// The search options: `limit` (1-1000, default 10), `prefix`, `typos` (default true), `facets`
/// (values per facet, 0-100, default 10), `filters: {category|categories, brand|brands,
/// price: {min, max}, inStock}`.
fn search_options(o: &Value) -> Result<Options> {
    if !(o.is_null() || o.is_object()) {
        return Err(Error::OptionInvalid("options"));
    }
    let mut out = Options {
        limit: number(o, "limit", 1.0, 1000.0, 10.0)? as usize,
        prefix: flag(o, "prefix", true)?,
        typos: flag(o, "typos", true)?,
        facet_limit: number(o, "facets", 0.0, 100.0, 10.0)? as usize,
        filters: Filters::default(),
    };
    let Some(f) = o.get("filters").filter(|f| !f.is_null()) else { return Ok(out) };
    if !f.is_object() {
        return Err(Error::OptionInvalid("filters"));
    }
    let list = |keys: [&'static str; 2]| -> Result<Vec<String>> {
        let mut out = Vec::new();
        for key in keys {
            match f.get(key) {
                None | Some(Value::Null) => {}
                Some(Value::String(s)) => out.push(s.clone()),
                Some(Value::Array(items)) => {
                    for v in items {
                        out.push(v.as_str().ok_or(Error::OptionInvalid(key))?.to_owned());
                    }
                }
                Some(_) => return Err(Error::OptionInvalid(key)),
            }
        }
        Ok(out)
    };
    out.filters.categories = list(["category", "categories"])?;
    out.filters.brands = list(["brand", "brands"])?;
    match f.get("price") {
        None | Some(Value::Null) => {}
        Some(p) if p.is_object() => {
            let bound = |key: &'static str| match p.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Number(n)) if n.is_finite() => Ok(Some(*n)),
                Some(_) => Err(Error::OptionInvalid("price")),
            };
            out.filters.min_price = bound("min")?;
            out.filters.max_price = bound("max")?;
        }
        Some(_) => return Err(Error::OptionInvalid("price")),
    }
    out.filters.in_stock = flag(f, "inStock", false)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::testing::json;

    fn float(t: &str) -> f64 {
        t.parse().unwrap_or(f64::NAN)
    }

    fn engine() -> Engine {
        let mut e = Engine::default();
        let catalog = r#"[
            {"id":"h1","name":"Studio Headphones","brand":"Sony","categories":["Audio","Headphones"],"price":199},
            {"id":"s1","name":"Bluetooth Speaker","brand":"JBL","categories":["Audio","Speakers"],"price":99},
            {"id":"s2","name":"Smart Speaker","brand":"Amazon","categories":["Audio","Speakers"],"price":49},
            {"id":"h2","name":"Sport Headphones wireless","brand":"Jabra","categories":["Audio","Headphones"],"price":89}
        ]"#;
        assert_eq!(e.load(catalog.into(), &Value::Null, &float), Ok(4));
        e
    }

    fn hit_ids(v: &Value) -> Vec<String> {
        v.get("hits")
            .and_then(Value::as_array)
            .unwrap_or_default()
            .iter()
            .filter_map(|h| h.get("id").and_then(Value::as_str).map(str::to_owned))
            .collect()
    }

    #[test]
    fn a_headphone_visitor_sees_headphones_first_for_an_ambiguous_query() {
        let mut e = engine();
        let anyone = e.search("audio", &Value::Null, &Value::Null).unwrap_or_default();
        assert_eq!(hit_ids(&anyone), ["h1", "s1", "s2", "h2"]);
        let fan = json(r#"{"affinity":{"category":{"Headphones":8,"Audio":8}}}"#);
        let theirs = e.search("audio", &json(r#"{"impact":60}"#), &fan).unwrap_or_default();
        assert_eq!(hit_ids(&theirs), ["h1", "h2", "s1", "s2"]);
        let why = e.explain("h2");
        assert_eq!(why.get("from"), Some(&Value::Number(3.0)));
        assert_eq!(why.get("to"), Some(&Value::Number(1.0)));
        assert_eq!(why.get("reasons").and_then(Value::as_array).map(<[Value]>::len), Some(2));
        assert_eq!(e.explain("nope"), Value::Null);
        let facets = theirs.get("facets").and_then(|f| f.get("category")).cloned().unwrap_or_default();
        assert_eq!(
            facets.as_array().and_then(|a| a.first()).and_then(|f| f.get("count")),
            Some(&Value::Number(4.0))
        );
    }

    #[test]
    fn a_click_after_a_query_is_learned() {
        let mut e = engine();
        let snapshot = json(r#"{"searches":{"queries":["Speaker"],"clicked":["s2"]}}"#);
        let got = e.search("speaker", &Value::Null, &snapshot).unwrap_or_default();
        assert_eq!(hit_ids(&got)[0], "s2");
        assert_eq!(e.explain("s2").get("learned"), Some(&Value::Bool(true)));
        let off = e.search("speaker", &json(r#"{"personalize":false}"#), &snapshot).unwrap_or_default();
        assert_eq!(hit_ids(&off)[0], "s1");
    }

    #[test]
    fn rerank_keeps_every_item_and_checks_input() {
        let mut e = engine();
        let items = json(
            r#"[{"id":"a","brand":"Sony"},{"id":2,"category":"Books"},{"id":"c","categories":["Headphones"],"price":99}]"#,
        );
        let fan = json(r#"{"affinity":{"category":{"headphones":5},"price_band":{"50-100":1}}}"#);
        assert_eq!(e.rerank(&items, &json(r#"{"impact":100}"#), &fan), Ok(vec![2, 0, 1]));
        assert_eq!(e.rerank(&items, &json(r#"{"impact":0}"#), &fan), Ok(vec![0, 1, 2]));
        assert_eq!(e.explain("2").get("from"), Some(&Value::Number(1.0)));
        assert_eq!(e.rerank(&json("{}"), &Value::Null, &fan), Err(Error::PropertyInvalid("items")));
        assert_eq!(
            e.rerank(&json(r#"[{"name":"x"}]"#), &Value::Null, &fan),
            Err(Error::PropertyInvalid("id"))
        );
        assert_eq!(e.rerank(&items, &json(r#"{"impact":101}"#), &fan), Err(Error::OptionInvalid("impact")));
        assert_eq!(
            e.rerank(&items, &json(r#"{"diversity":{"facet":"color"}}"#), &fan),
            Err(Error::OptionInvalid("diversity"))
        );
    }

    #[test]
    fn options_are_checked_and_filters_applied() {
        let mut e = engine();
        let o = json(r#"{"filters":{"brand":["jbl","Amazon"],"price":{"max":60}}}"#);
        assert_eq!(hit_ids(&e.search("speaker", &o, &Value::Null).unwrap_or_default()), ["s2"]);
        for bad in [
            r#"{"limit":0}"#,
            r#"{"typos":"yes"}"#,
            r#"{"filters":{"brand":[1]}}"#,
            r#"{"filters":{"price":5}}"#,
            "3",
        ] {
            assert!(e.search("speaker", &json(bad), &Value::Null).is_err(), "{bad}");
        }
        let empty = Engine::default().search("x", &Value::Null, &Value::Null).unwrap_or_default();
        assert!(hit_ids(&empty).is_empty());
        // A failed load keeps the catalog before it.
        assert_eq!(
            e.load(r#"[{"id":"x"}]"#.into(), &Value::Null, &float),
            Err((Error::CatalogInvalid("name"), 0))
        );
        assert_eq!(
            e.load(r#"[{"id":"x","name":"y"}"#.into(), &Value::Null, &float),
            Err((Error::CatalogInvalid("catalog"), 0))
        );
        assert_eq!(
            e.load(
                r#"{"products":[{"id":"x","name":"y"},{"id":"x","name":"z"}]}"#.into(),
                &Value::Null,
                &float
            ),
            Err((Error::CatalogDuplicateId, 1))
        );
        assert_eq!(e.index().map(|i| i.products.len()), Some(4));
    }
}
