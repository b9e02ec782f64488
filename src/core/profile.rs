//! The visitor profile: what one visitor did, kept on the device and updated by every event.
//!
//! The tracker updates it with every event it records ([`Profile::record`]), stores it under
//! `persona:profile` when personalization consent is granted, and evaluates segments over its
//! [`Profile::attributes`]. Every list is capped, so the profile stays small however long the
//! visitor stays:
//!
//! - **affinities** per facet value (`category`, `brand`, `tags`, `price_band`): each shop event
//!   adds its weight ([`Weights`]) to the values of the product it concerns, and scores decay
//!   exponentially with [`ProfileConfig::half_life_ms`]; events of the current session count
//!   [`ProfileConfig::session_boost`] times;
//! - recently **viewed** products, the **cart**, **purchases** (order id, products, categories,
//!   revenue, time), recent **searches** with the product clicked after each;
//! - **counts** per event name, **sessions**, first and last seen, **orders** and **revenue**
//!   (recency / frequency / monetary value);
//! - first and last **touch**: the campaign (or referrer) the visitor came through;
//! - the known customer's **traits** from `identify`, and what the shop's backend
//!   hands over with `profile.import` (traits, store purchases, contact counts; [`Profile::import`]);
//! - the **segments** the visitor was last found in (so a reload does not enter them again).
//!
//! The stored form ([`Profile::to_json`], [`Profile::from_value`]) lives in `stored`.

use crate::core::config::number;
use crate::core::error::{Error, Result};
use crate::core::num;
use crate::core::value::Value;
use crate::prelude::*;

mod stored;
pub use stored::STORED_VERSION;

/// Event weights for affinities. Defaults: view 1, click 2, add to cart 5, purchase 10.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights {
    /// `Product Viewed`.
    pub view: f64,
    /// `Product Clicked`.
    pub click: f64,
    /// `Product Added`.
    pub add: f64,
    /// Each product of `Order Completed`.
    pub purchase: f64,
}

/// Profile tunables.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileConfig {
    /// Time for an affinity score to halve, in ms. Default 14 days; range 1 hour to 365 days.
    /// Shorter follows a visitor's current interest, longer remembers their history.
    pub half_life_ms: u64,
    /// Multiplier for weights earned in the current session. Default 1.5; range 1 to 10.
    pub session_boost: f64,
    /// Event weights.
    pub weights: Weights,
    /// Values kept per facet (the highest scores). Default 20; range 1 to 100.
    pub max_values: usize,
    /// Entries kept in each list (viewed, purchases, searches, counts). Default 20; range 1 to 100.
    pub max_entries: usize,
}

impl Default for ProfileConfig {
    fn default() -> ProfileConfig {
        ProfileConfig {
            half_life_ms: 14 * 24 * 3_600_000,
            session_boost: 1.5,
            weights: Weights { view: 1.0, click: 2.0, add: 5.0, purchase: 10.0 },
            max_values: 20,
            max_entries: 20,
        }
    }
}

impl ProfileConfig {
    /// Reads the `profile` init option:
    /// `{halfLifeDays, sessionBoost, weights: {view, click, add, purchase}, maxValues, maxEntries}`
    /// (every key optional; ranges as documented on the fields, weights 0 to 100).
    pub fn from_option(option: Option<&Value>) -> Result<ProfileConfig> {
        let mut c = ProfileConfig::default();
        let Some(o) = option.filter(|o| !o.is_null()) else { return Ok(c) };
        if !o.is_object() {
            return Err(Error::OptionInvalid("profile"));
        }
        // (option, min, max, default), read by one loop.
        const OPTIONS: [(&str, f64, f64, f64); 8] = [
            ("halfLifeDays", 1.0 / 24.0, 365.0, 14.0),
            ("sessionBoost", 1.0, 10.0, 1.5),
            ("maxValues", 1.0, 100.0, 20.0),
            ("maxEntries", 1.0, 100.0, 20.0),
            ("view", 0.0, 100.0, 1.0),
            ("click", 0.0, 100.0, 2.0),
            ("add", 0.0, 100.0, 5.0),
            ("purchase", 0.0, 100.0, 10.0),
        ];
        let weights = o.get("weights").filter(|w| !w.is_null()).unwrap_or(&Value::Null);
        if !(weights.is_null() || weights.is_object()) {
            return Err(Error::OptionInvalid("weights"));
        }
        let mut n = [0.0; 8];
        for (i, (key, min, max, default)) in OPTIONS.iter().enumerate() {
            let from = if i < 4 { o } else { weights };
            if let Some(slot) = n.get_mut(i) {
                *slot = number(from, key, *min, *max, *default)?;
            }
        }
        let [days, boost, values, entries, view, click, add, purchase] = n;
        c.half_life_ms = (days * 86_400_000.0) as u64;
        c.session_boost = boost;
        c.max_values = values as usize;
        c.max_entries = entries as usize;
        c.weights = Weights { view, click, add, purchase };
        Ok(c)
    }
}

/// The facets affinities are kept for.
pub const FACETS: [&str; 4] = ["category", "brand", "tags", "price_band"];

/// Upper bounds of the price bands (`price_band` facet values `"<10"`, `"10-25"`, ... `"1000+"`).
const PRICE_BANDS: [(f64, &str); 7] = [
    (10.0, "<10"),
    (25.0, "10-25"),
    (50.0, "25-50"),
    (100.0, "50-100"),
    (250.0, "100-250"),
    (500.0, "250-500"),
    (1000.0, "500-1000"),
];

/// The price band of a price.
pub fn price_band(price: f64) -> &'static str {
    PRICE_BANDS.iter().find(|(limit, _)| price < *limit).map_or("1000+", |(_, band)| band)
}

/// One facet value's decaying score.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    /// The facet value (`"consoles"`, `"Acme"`, `"25-50"`).
    pub value: String,
    /// The score as of `at`.
    pub score: f64,
    /// When it was last updated, ms since the epoch.
    pub at: u64,
    /// Weight earned in the current session (boosted when read, not decayed).
    pub session: f64,
}

impl Score {
    /// The score decayed to `now`.
    pub fn at_time(&self, now: u64, half_life_ms: u64) -> f64 {
        let elapsed = now.saturating_sub(self.at) as f64;
        self.score * exp2(-(elapsed / half_life_ms.max(1) as f64))
    }
}

/// 2^x for the decay factors (x ≤ 0): 2^⌊x⌋ exactly, times 2^fraction from its Taylor series
/// (relative error below 1e-11). Keeps libm's `exp` out of the wasm; whole half-lives are exact.
fn exp2(x: f64) -> f64 {
    if x.is_nan() || x <= -1000.0 {
        return 0.0; // gone
    }
    let whole = num::floor(x).min(0.0);
    let t = (x - whole) * core::f64::consts::LN_2;
    let (mut term, mut sum) = (1.0, 1.0);
    for k in 1..14 {
        term *= t / f64::from(k);
        sum += term;
    }
    sum * f64::from_bits(((whole as i64 + 1023) as u64) << 52)
}

/// One order.
#[derive(Debug, Clone, PartialEq)]
pub struct Purchase {
    /// `order_id`.
    pub order_id: String,
    /// The ordered products' ids.
    pub products: Vec<String>,
    /// Their categories.
    pub categories: Vec<String>,
    /// `revenue`.
    pub revenue: f64,
    /// When, ms since the epoch.
    pub at: u64,
}

/// One search and what was clicked after it.
#[derive(Debug, Clone, PartialEq)]
pub struct Search {
    /// The query.
    pub query: String,
    /// The product clicked from its results, if any.
    pub clicked: Option<String>,
    /// When, ms since the epoch.
    pub at: u64,
}

/// Everything the device knows about the visitor.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Profile {
    /// First event, ms since the epoch.
    pub first_seen: u64,
    /// Last event.
    pub last_seen: u64,
    /// Sessions seen (the highest `context.session.number`).
    pub sessions: u32,
    /// The current session's id.
    pub session_id: String,
    /// Events per name, most recent names kept.
    pub counts: Vec<(String, u32)>,
    /// Per facet, its values' scores, highest first after each update.
    pub affinity: Vec<(String, Vec<Score>)>,
    /// Recently viewed product ids, newest first, with when.
    pub viewed: Vec<(String, u64)>,
    /// Product ids in the cart, with quantities.
    pub cart: Vec<(String, f64)>,
    /// Orders, newest first.
    pub purchases: Vec<Purchase>,
    /// Searches, newest first.
    pub searches: Vec<Search>,
    /// Orders ever placed (frequency).
    pub orders: u32,
    /// Revenue of all orders (monetary value).
    pub revenue: f64,
    /// Last order, ms since the epoch (recency); 0 when none.
    pub last_order_at: u64,
    /// The campaign of the visitor's first visit.
    pub first_touch: Option<Value>,
    /// The campaign of the latest visit that came through one.
    pub last_touch: Option<Value>,
    /// Traits from `identify` and `profile.import` (an object; `Null` when none).
    pub traits: Value,
    /// Keys of the segments the visitor is in, as last evaluated.
    pub segments: Vec<String>,
}

/// A non-empty string, or a whole number as its digits (ids may be either).
/// Longest text the profile keeps (ids, facet values, queries, event names), in bytes: longer
/// ones are cut at a character boundary, so that no string can grow the stored form.
pub const MAX_TEXT: usize = 100;

/// `s` cut to at most [`MAX_TEXT`] bytes at a character boundary.
fn capped(s: &str) -> String {
    let mut end = s.len().min(MAX_TEXT);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or_default().to_owned()
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(capped(s)),
        Value::Number(n) if num::is_whole(*n) && n.abs() < 9e15 => {
            let mut out = String::new();
            crate::core::json::number(*n, &mut out, &|_, _| {});
            Some(out)
        }
        _ => None,
    }
}

/// The channel of an event's visit: its campaign (`context.campaign`), else a referral from
/// another site (`{source: <host>, medium: "referral"}`), else direct (`{source: "(direct)",
/// medium: "(none)"}`).
fn touch(context: Option<&Value>) -> Option<Value> {
    let context = context?;
    if let Some(campaign) = context.get("campaign").filter(|c| c.is_object()) {
        return Some(campaign.clone());
    }
    let page = context.get("page");
    let at = |key| host(page.and_then(|p| p.get(key)).and_then(Value::as_str).unwrap_or_default());
    let (referrer, own) = (at("referrer"), at("url"));
    let (source, medium) = match referrer {
        Some(r) if Some(r) != own => (r, "referral"),
        _ => ("(direct)", "(none)"),
    };
    Some(Value::object().with("source", source).with("medium", medium))
}

/// The host of an absolute URL (`https://www.google.com/search` → `www.google.com`).
fn host(url: &str) -> Option<&str> {
    // Bytes, not `str` patterns: a substring search would bring a string-search engine into
    // the wasm (several KB).
    let b = url.as_bytes();
    let start = b.windows(3).position(|w| w == b"://")? + 3;
    let len = b.iter().skip(start).position(|c| matches!(c, b'/' | b'?' | b'#')).unwrap_or(b.len() - start);
    url.get(start..start + len).filter(|h| !h.is_empty())
}

/// Puts `item` first in `list` and keeps at most `cap` (without `Vec::insert`, whose index
/// assert would keep panic formatting in the wasm).
fn prepend<T>(list: &mut Vec<T>, item: T, cap: usize) {
    let mut front = Vec::with_capacity(list.len() + 1);
    front.push(item);
    front.append(list);
    front.truncate(cap);
    *list = front;
}

/// Puts `item` first in `list`, removing an equal older one, and keeps at most `cap`.
fn push_front<T>(list: &mut Vec<T>, item: T, cap: usize, same: impl Fn(&T, &T) -> bool) {
    list.retain(|old| !same(old, &item));
    prepend(list, item, cap);
}

impl Profile {
    /// Updates the profile with one wire event (the canonical Segment-shaped event `track` and
    /// `page` build).
    pub fn record(&mut self, event: &Value, now: u64, config: &ProfileConfig) {
        if self.first_seen == 0 {
            self.first_seen = now;
        }
        self.last_seen = now;
        let context = event.get("context");
        let session = context.and_then(|c| c.get("session"));
        let in_new_session = match text(session.and_then(|s| s.get("id"))) {
            Some(id) if id != self.session_id => {
                self.session_id = id;
                for (_, scores) in &mut self.affinity {
                    scores.iter_mut().for_each(|s| s.session = 0.0);
                }
                true
            }
            _ => false,
        };
        let number = session.and_then(|s| s.get("number")).and_then(Value::as_f64).unwrap_or(0.0);
        self.sessions = self.sessions.max(number as u32);
        if let Some(touch) = touch(context) {
            if self.first_touch.is_none() {
                self.first_touch = Some(touch.clone());
            }
            // Direct visits do not replace the last channel that brought the visitor.
            let direct = touch.get("medium").and_then(Value::as_str) == Some("(none)");
            if (in_new_session && !direct) || self.last_touch.is_none() {
                self.last_touch = Some(touch);
            }
        }
        let name = match event.get("type").and_then(Value::as_str) {
            Some("page") => "Page Viewed",
            _ => event.get("event").and_then(Value::as_str).unwrap_or_default(),
        };
        self.count(name, config.max_entries);
        let empty = Value::object();
        let properties = event.get("properties").unwrap_or(&empty);
        let w = &config.weights;
        let product_id = text(properties.get("product_id"));
        match name {
            "Product Viewed" => {
                if let Some(id) = product_id {
                    push_front(&mut self.viewed, (id, now), config.max_entries, |a, b| a.0 == b.0);
                }
                self.add_affinity(properties, w.view, true, now, config);
            }
            "Product Clicked" => {
                if let (Some(id), Some(query)) = (product_id, text(properties.get("query"))) {
                    if let Some(search) = self.searches.iter_mut().find(|s| s.query == query) {
                        search.clicked = Some(id);
                    }
                }
                self.add_affinity(properties, w.click, true, now, config);
            }
            "Product Added" => {
                if let Some(id) = product_id {
                    let quantity = properties.get("quantity").and_then(Value::as_f64).unwrap_or(1.0);
                    match self.cart.iter_mut().find(|(p, _)| *p == id) {
                        Some(line) => line.1 += quantity,
                        None => {
                            if self.cart.len() >= config.max_entries && !self.cart.is_empty() {
                                self.cart.remove(0); // the oldest line makes room
                            }
                            self.cart.push((id, quantity));
                        }
                    }
                }
                self.add_affinity(properties, w.add, true, now, config);
            }
            "Product Removed" => {
                if let Some(id) = product_id {
                    self.cart.retain(|(p, _)| *p != id);
                }
            }
            "Products Searched" => {
                if let Some(query) = text(properties.get("query")) {
                    let search = Search { query, clicked: None, at: now };
                    push_front(&mut self.searches, search, config.max_entries, |a, b| a.query == b.query);
                }
            }
            "Order Completed" => self.record_order(properties, now, None, config),
            _ => {}
        }
    }

    fn count(&mut self, name: &str, cap: usize) {
        if name.is_empty() {
            return;
        }
        let count = self.count_of(name) as u32;
        self.set_count(name, count.saturating_add(1), cap);
    }

    /// Sets the count of `name` (most recent first). When the list is full, the name with the
    /// smallest count leaves (not the oldest: rare but telling events such as orders stay).
    fn set_count(&mut self, name: &str, count: u32, cap: usize) {
        self.counts.retain(|(n, _)| n != name);
        if self.counts.len() >= cap {
            let smallest = self.counts.iter().map(|c| c.1).min().unwrap_or(0);
            // Of the smallest counts, the least recent leaves.
            if let Some(i) = self.counts.iter().rposition(|c| c.1 == smallest) {
                if i < self.counts.len() {
                    self.counts.remove(i);
                }
            }
        }
        prepend(&mut self.counts, (capped(name), count), usize::MAX);
    }

    /// Records an order: placed now, or `imported` from another channel with its time (its
    /// affinity weight decayed by the time since, and not counted as this session's interest).
    fn record_order(&mut self, properties: &Value, now: u64, imported: Option<u64>, config: &ProfileConfig) {
        let (at, live) = (imported.unwrap_or(now), imported.is_none());
        let order_id = text(properties.get("order_id")).unwrap_or_default();
        if !order_id.is_empty() && self.purchases.iter().any(|p| p.order_id == order_id) {
            return; // the same order again (a reloaded confirmation page): counted once
        }
        let age = Score { value: String::new(), score: 1.0, at, session: 0.0 };
        let weight = config.weights.purchase * age.at_time(now, config.half_life_ms);
        let products = properties.get("products").and_then(Value::as_array).unwrap_or_default();
        let products = products.get(..config.max_entries).unwrap_or(products);
        let mut ids = Vec::new();
        let mut categories = Vec::new();
        for product in products {
            if let Some(id) = text(product.get("product_id")) {
                ids.push(id);
            }
            if let Some(category) = text(product.get("category")) {
                if !categories.contains(&category) {
                    categories.push(category);
                }
            }
            self.add_affinity(product, weight, live, now, config);
        }
        let revenue = properties.get("revenue").and_then(Value::as_f64).filter(|r| *r >= 0.0).unwrap_or(0.0);
        self.orders = self.orders.saturating_add(1);
        self.revenue = (self.revenue + revenue).min(1e15);
        self.last_order_at = self.last_order_at.max(at);
        if live {
            // What was ordered leaves the cart (all of it when the order lists no products).
            self.cart.retain(|(id, _)| !ids.is_empty() && !ids.contains(id));
        }
        let purchase = Purchase { order_id, products: ids, categories, revenue, at };
        let i = self.purchases.iter().position(|p| p.at <= at).unwrap_or(self.purchases.len());
        let mut later = self.purchases.split_off(i.min(self.purchases.len()));
        self.purchases.push(purchase);
        self.purchases.append(&mut later);
        self.purchases.truncate(config.max_entries);
    }

    /// Adds `weight` to each facet value of `product`.
    /// `live` is false for imported orders: their weight does not count as this session's.
    fn add_affinity(&mut self, product: &Value, weight: f64, live: bool, now: u64, config: &ProfileConfig) {
        for facet in ["category", "brand"] {
            if let Some(value) = text(product.get(facet)) {
                self.bump(facet, value, weight, live, now, config);
            }
        }
        for tag in product.get("tags").and_then(Value::as_array).unwrap_or_default() {
            if let Some(value) = text(Some(tag)) {
                self.bump("tags", value, weight, live, now, config);
            }
        }
        if let Some(price) = product.get("price").and_then(Value::as_f64) {
            self.bump("price_band", price_band(price).to_owned(), weight, live, now, config);
        }
    }

    fn bump(
        &mut self,
        facet: &str,
        value: String,
        weight: f64,
        live: bool,
        now: u64,
        config: &ProfileConfig,
    ) {
        let slot = match self.affinity.iter().position(|(f, _)| f == facet) {
            Some(i) => i,
            None => {
                self.affinity.push((facet.to_owned(), Vec::new()));
                self.affinity.len() - 1
            }
        };
        let Some((_, scores)) = self.affinity.get_mut(slot) else { return };
        let half_life = config.half_life_ms;
        let mut i = match scores.iter().position(|s| s.value == value) {
            Some(i) => i,
            None => {
                scores.push(Score { value, score: 0.0, at: now, session: 0.0 });
                scores.len() - 1
            }
        };
        let Some(s) = scores.get_mut(i) else { return };
        s.score = s.at_time(now, half_life) + weight;
        s.at = now;
        if live {
            s.session += weight;
        }
        // Highest first. Every score decays by the same factor, so the order of the others never
        // changes with time: only the one that grew moves up.
        let grown = s.score;
        while i > 0
            && i < scores.len()
            && scores.get(i - 1).is_some_and(|a| a.at_time(now, half_life) < grown)
        {
            scores.swap(i - 1, i);
            i -= 1;
        }
        scores.truncate(config.max_values);
    }

    /// The affinity of `facet` value `value` at `now` (0 when unknown): the decayed score, plus
    /// `session_boost - 1` times what the current session earned.
    pub fn affinity(&self, facet: &str, value: &str, now: u64, config: &ProfileConfig) -> f64 {
        self.affinity
            .iter()
            .find(|(f, _)| f == facet)
            .and_then(|(_, scores)| scores.iter().find(|s| s.value == value))
            .map_or(0.0, |s| s.at_time(now, config.half_life_ms) + (config.session_boost - 1.0) * s.session)
    }
}

/// Milliseconds of an ISO 8601 UTC time, with or without milliseconds
/// (`2026-01-05T10:00:00Z`, `2026-01-05T10:00:00.000Z`).
fn parse_time(iso: &str) -> Option<u64> {
    let whole = iso.strip_suffix('Z').filter(|t| t.len() == 19).map(|t| t.to_owned() + ".000Z");
    crate::core::time::parse_iso8601(whole.as_deref().unwrap_or(iso))
}

/// `current` traits with `given` merged in (a `null` value removes one): flat, keys of at most 64
/// bytes, strings of at most 256, at most [`MAX_TRAITS`]; `property_invalid` (`traits`) else.
pub fn merged_traits(current: &Value, given: &Value) -> Result<Value> {
    let invalid = Error::PropertyInvalid("traits");
    let mut merged = match current {
        Value::Object(members) => members.clone(),
        _ => Vec::new(),
    };
    let Value::Object(given) = given else {
        return if given.is_null() { Ok(Value::Object(merged)) } else { Err(invalid) };
    };
    for (key, value) in given {
        match value {
            Value::String(s) if s.len() > 256 => return Err(invalid),
            Value::Object(_) | Value::Array(_) => return Err(invalid),
            _ if key.is_empty() || key.len() > 64 => return Err(invalid),
            _ => {}
        }
        merged.retain(|(k, _)| k != key);
        if !value.is_null() {
            merged.push((key.clone(), value.clone()));
        }
    }
    if merged.len() > MAX_TRAITS {
        return Err(invalid);
    }
    Ok(Value::Object(merged))
}

/// Most traits kept; `identify` and `profile.import` beyond it are refused.
pub const MAX_TRAITS: usize = 50;

impl Profile {
    /// Merges `traits` into the known customer's traits (a `null` value removes one). Traits are
    /// flat: strings of at most 256 bytes, numbers, booleans; at most [`MAX_TRAITS`].
    pub fn merge_traits(&mut self, traits: &Value) -> Result<()> {
        self.traits = merged_traits(&self.traits, traits)?;
        Ok(())
    }

    /// Merges what the shop knows from other channels (see `profile.import` in the README):
    ///
    /// ```text
    /// { traits: {loyalty_tier: "gold"},                  merged as by identify
    ///   purchases: [{order_id, revenue, at (ms or ISO 8601),
    ///                products: [{product_id, category, brand, price, tags}]}],
    ///   counts: {"Hotline Contacted": 2} }               totals: the larger count wins
    /// ```
    ///
    /// Idempotent, so a page may hand over the same data on every load: an order already known
    /// (by `order_id`) is skipped. Imported orders count as purchases (affinities decayed from
    /// their time, `purchased.*`, frequency and monetary value). Nothing is merged on error.
    pub fn import(&mut self, data: &Value, now: u64, config: &ProfileConfig) -> Result<()> {
        if !data.is_object() {
            return Err(Error::PropertiesInvalid);
        }
        let counts = match data.get("counts") {
            None | Some(Value::Null) => &[][..],
            Some(Value::Object(counts)) => counts,
            Some(_) => return Err(Error::PropertyInvalid("counts")),
        };
        let orders = match data.get("purchases") {
            None | Some(Value::Null) => &[][..],
            Some(Value::Array(orders)) => orders,
            Some(_) => return Err(Error::PropertyInvalid("purchases")),
        };
        // Checked in full before anything is merged.
        let mut times = Vec::with_capacity(orders.len());
        for order in orders {
            let id = text(order.get("order_id")).ok_or(Error::PropertyMissing("order_id"))?;
            let at = match order.get("at") {
                Some(Value::Number(ms)) if *ms >= 0.0 => Some(*ms as u64),
                Some(Value::String(iso)) => parse_time(iso),
                None | Some(Value::Null) => Some(now),
                Some(_) => None,
            };
            let at = at.ok_or(Error::PropertyInvalid("at"))?.min(now);
            if order.get("products").and_then(Value::as_array).is_none() {
                return Err(Error::PropertyInvalid("products"));
            }
            if !order.get("revenue").is_none_or(|r| r.is_null() || r.as_f64().is_some_and(|r| r >= 0.0)) {
                return Err(Error::PropertyInvalid("revenue"));
            }
            times.push((id, at));
        }
        for (_, n) in counts {
            if !n.as_f64().is_some_and(|n| n >= 0.0 && num::is_whole(n)) {
                return Err(Error::PropertyInvalid("counts"));
            }
        }
        self.merge_traits(data.get("traits").unwrap_or(&Value::Null))?;
        for (name, n) in counts {
            let n = n.as_f64().unwrap_or_default() as u32;
            if n > self.count_of(name) as u32 {
                self.set_count(name, n, config.max_entries);
            }
        }
        for (order, (id, at)) in orders.iter().zip(times) {
            let full = self.purchases.len() >= config.max_entries;
            let older = full && self.purchases.last().is_some_and(|p| p.at > at);
            if !older && !self.purchases.iter().any(|p| p.order_id == id) {
                self.record_order(order, now, Some(at), config);
            }
        }
        Ok(())
    }
}

/// `"Product Viewed"` → `"product_viewed"`: event names as attribute keys.
pub fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

impl Profile {
    /// The attributes conditions (segments, targeting) read, at `now`:
    ///
    /// ```text
    /// affinity.<facet>.<value>   decayed score, e.g. affinity.category.consoles
    /// viewed.products, viewed.count
    /// cart.products, cart.items   (ids; quantity in total)
    /// purchased.products, purchased.categories, purchased.orders, purchased.revenue,
    /// purchased.days_since        (null before the first order)
    /// searches.queries, searches.clicked  (the product clicked after each query, or null)
    /// counts.<event_name>         e.g. counts.product_viewed, counts.page_viewed
    /// session.count, session.id, session.affinity.<facet>.<value> (what this session earned)
    /// days_since_first_seen
    /// campaign.*                  the last touch (source, medium, name, ...); first_campaign.*
    /// traits.*                    from identify and profile.import, e.g. traits.loyalty_tier
    /// ```
    ///
    /// The tracker adds `user_id`, `device.type` and `segments` (see `Tracker::attributes`).
    pub fn attributes(&self, now: u64, config: &ProfileConfig) -> Value {
        const DAY: f64 = 86_400_000.0;
        let days = |since: u64| num::floor((now.saturating_sub(since)) as f64 / DAY);
        let ids = |items: &mut dyn Iterator<Item = &String>| {
            Value::Array(items.map(|s| s.as_str().into()).collect())
        };
        // Per facet, each value's affinity (`session`: false) or this session's part (true).
        let table = |session: bool| {
            Value::Object(
                self.affinity
                    .iter()
                    .map(|(facet, scores)| {
                        let values = scores
                            .iter()
                            .filter(|s| !session || s.session > 0.0)
                            .map(|s| {
                                let n = if session {
                                    s.session
                                } else {
                                    self.affinity(facet, &s.value, now, config)
                                };
                                (s.value.clone(), Value::Number(n))
                            })
                            .collect();
                        (facet.clone(), Value::Object(values))
                    })
                    .collect(),
            )
        };
        let mut purchased_products = Vec::new();
        let mut purchased_categories: Vec<String> = Vec::new();
        for p in &self.purchases {
            for id in &p.products {
                if !purchased_products.contains(id) {
                    purchased_products.push(id.clone());
                }
            }
            for c in &p.categories {
                if !purchased_categories.contains(c) {
                    purchased_categories.push(c.clone());
                }
            }
        }
        let days_since_order =
            if self.orders == 0 { Value::Null } else { Value::Number(days(self.last_order_at)) };
        Value::object()
            .with("affinity", table(false))
            .with(
                "viewed",
                Value::object()
                    .with("products", ids(&mut self.viewed.iter().map(|v| &v.0)))
                    .with("count", self.count_of("Product Viewed")),
            )
            .with(
                "cart",
                Value::object()
                    .with("products", ids(&mut self.cart.iter().map(|c| &c.0)))
                    .with("items", self.cart.iter().map(|c| c.1).sum::<f64>()),
            )
            .with(
                "purchased",
                Value::object()
                    .with("products", ids(&mut purchased_products.iter()))
                    .with("categories", ids(&mut purchased_categories.iter()))
                    .with("orders", f64::from(self.orders))
                    .with("revenue", self.revenue)
                    .with("days_since", days_since_order),
            )
            .with(
                "searches",
                Value::object().with("queries", ids(&mut self.searches.iter().map(|s| &s.query))).with(
                    "clicked",
                    Value::Array(self.searches.iter().map(|s| s.clicked.as_deref().into()).collect()),
                ),
            )
            .with(
                "counts",
                Value::Object(
                    self.counts.iter().map(|(n, c)| (snake_case(n), Value::Number(f64::from(*c)))).collect(),
                ),
            )
            .with(
                "session",
                Value::object()
                    .with("count", f64::from(self.sessions))
                    .with("id", self.session_id.as_str())
                    .with("affinity", table(true)),
            )
            .with("days_since_first_seen", if self.first_seen == 0 { 0.0 } else { days(self.first_seen) })
            .with("campaign", self.last_touch.clone().unwrap_or_else(Value::object))
            .with("first_campaign", self.first_touch.clone().unwrap_or_else(Value::object))
            .with("traits", if self.traits.is_object() { self.traits.clone() } else { Value::object() })
    }

    fn count_of(&self, name: &str) -> f64 {
        self.counts.iter().find(|(n, _)| n == name).map_or(0.0, |(_, c)| f64::from(*c))
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub(super) fn event(name: &str, properties: Value, session: &str) -> Value {
        let session = Value::object().with("id", session).with("number", 1.0);
        Value::object()
            .with("type", "track")
            .with("event", name)
            .with("properties", properties)
            .with("context", Value::object().with("session", session))
    }

    pub(super) fn console(id: &str, price: f64) -> Value {
        Value::object()
            .with("product_id", id)
            .with("category", "consoles")
            .with("brand", "Nintendo")
            .with("price", price)
            .with("tags", Value::Array(vec!["gaming".into(), "family".into()]))
    }

    #[test]
    fn a_console_buyer_has_console_affinity_and_an_order() {
        let config = ProfileConfig::default();
        let mut p = Profile::default();
        let t0 = 1_795_305_600_000;
        for (i, id) in ["c1", "c2", "c3"].iter().enumerate() {
            p.record(&event("Product Viewed", console(id, 299.0), "s1"), t0 + i as u64, &config);
        }
        p.record(&event("Product Added", console("c2", 299.0).with("quantity", 1.0), "s1"), t0 + 10, &config);
        let order = Value::object()
            .with("order_id", "o-1")
            .with("revenue", 299.0)
            .with("products", Value::Array(vec![console("c2", 299.0)]));
        p.record(&event("Order Completed", order, "s1"), t0 + 20, &config);
        let consoles = p.affinity("category", "consoles", t0 + 20, &config);
        assert!((consoles - 1.5 * (3.0 + 5.0 + 10.0)).abs() < 1e-6, "all earned this session: {consoles}");
        assert!(p.affinity("price_band", "250-500", t0 + 20, &config) > 0.0);
        assert!(p.affinity("tags", "gaming", t0 + 20, &config) > 0.0);
        assert_eq!(p.viewed.iter().map(|v| v.0.as_str()).collect::<Vec<_>>(), ["c3", "c2", "c1"]);
        assert!(p.cart.is_empty(), "what was ordered leaves the cart");
        p.record(&event("Product Added", console("c1", 299.0), "s1"), t0 + 30, &config);
        p.record(&event("Product Added", console("c3", 299.0), "s1"), t0 + 31, &config);
        let partial = Value::object()
            .with("order_id", "o-2")
            .with("revenue", 299.0)
            .with("products", Value::Array(vec![console("c3", 299.0)]));
        p.record(&event("Order Completed", partial, "s1"), t0 + 32, &config);
        assert_eq!(p.cart, [("c1".to_owned(), 1.0)], "the rest stays in the cart");
        assert_eq!(
            (p.orders, p.revenue, p.purchases[1].categories.clone()),
            (2, 598.0, vec!["consoles".to_owned()])
        );
        assert_eq!(p.counts.iter().find(|c| c.0 == "Product Viewed").map(|c| c.1), Some(3));
        assert_eq!(p.purchases.iter().map(|o| o.order_id.as_str()).collect::<Vec<_>>(), ["o-2", "o-1"]);
    }

    #[test]
    fn profile_options_are_checked() {
        let parse = |text: &str| {
            let v = crate::core::json::parse(text, 8, &|t| t.parse().unwrap()).unwrap();
            ProfileConfig::from_option(Some(&v))
        };
        let c = parse(r#"{"halfLifeDays": 7, "weights": {"purchase": 20}, "maxEntries": 5}"#).unwrap();
        assert_eq!(
            (c.half_life_ms, c.weights.purchase, c.weights.view, c.max_entries),
            (7 * 86_400_000, 20.0, 1.0, 5)
        );
        assert_eq!(parse("{}"), Ok(ProfileConfig::default()));
        assert_eq!(parse(r#"{"halfLifeDays": 0}"#), Err(Error::OptionInvalid("halfLifeDays")));
        assert_eq!(parse(r#"{"weights": 3}"#), Err(Error::OptionInvalid("weights")));
        assert_eq!(parse(r#"{"weights": {"add": 101}}"#), Err(Error::OptionInvalid("add")));
        assert_eq!(parse("[]"), Err(Error::OptionInvalid("profile")));
    }

    #[test]
    fn attributes_are_what_conditions_read() {
        let config = ProfileConfig::default();
        let mut p = Profile::default();
        p.record(&event("Product Viewed", console("c1", 299.0), "s1"), 1_000, &config);
        let order = Value::object()
            .with("order_id", "o-1")
            .with("revenue", 299.0)
            .with("products", Value::Array(vec![console("c1", 299.0)]));
        p.record(&event("Order Completed", order, "s1"), 2_000, &config);
        let a = p.attributes(2_000 + 3 * 86_400_000, &config);
        let at = |path: &str| path.split('.').try_fold(&a, |v, k| v.get(k)).cloned();
        assert!(at("affinity.category.consoles").and_then(|v| v.as_f64()).is_some_and(|x| x > 0.0));
        assert_eq!(at("purchased.categories"), Some(Value::Array(vec!["consoles".into()])));
        assert_eq!(at("purchased.days_since"), Some(Value::Number(3.0)));
        assert_eq!(at("counts.product_viewed"), Some(Value::Number(1.0)));
        assert_eq!(at("counts.order_completed"), Some(Value::Number(1.0)));
        assert_eq!(at("viewed.count"), Some(Value::Number(1.0)));
        assert_eq!(at("session.count"), Some(Value::Number(1.0)));
        // View 1 and purchase 10 earned this session (not decayed, not boosted).
        assert_eq!(at("session.affinity.category.consoles"), Some(Value::Number(11.0)));
        assert_eq!(snake_case("Product Added to Wishlist"), "product_added_to_wishlist");
        assert_eq!(snake_case("  Custom: Big-Event! "), "custom_big_event");
    }

    #[test]
    fn scores_halve_every_half_life() {
        let config = ProfileConfig { session_boost: 1.0, ..ProfileConfig::default() };
        let mut p = Profile::default();
        p.record(&event("Product Viewed", console("c1", 20.0), "s1"), 0, &config);
        let half = config.half_life_ms;
        assert!((p.affinity("brand", "Nintendo", half, &config) - 0.5).abs() < 1e-9);
        assert!((p.affinity("brand", "Nintendo", 2 * half, &config) - 0.25).abs() < 1e-9);
        p.record(&event("Product Viewed", console("c1", 20.0), "s2"), half, &config);
        assert!((p.affinity("brand", "Nintendo", half, &config) - 1.5).abs() < 1e-9, "decayed, then added");
        let boosted = ProfileConfig { session_boost: 2.0, ..config.clone() };
        assert!(
            (p.affinity("brand", "Nintendo", half, &boosted) - 2.5).abs() < 1e-9,
            "only this session's view is boosted"
        );
        assert_eq!(price_band(20.0), "10-25");
        for x in [-0.3, -1.0, -2.75, -13.1, -40.0] {
            let exact = (x * core::f64::consts::LN_2).exp();
            assert!(((exp2(x) - exact) / exact).abs() < 1e-11, "2^{x}");
        }
        assert_eq!(exp2(-2000.0), 0.0);
        assert_eq!(price_band(5000.0), "1000+");
    }

    #[test]
    fn every_list_is_capped_whatever_the_history() {
        let config = ProfileConfig::default();
        let mut p = Profile::default();
        for i in 0..10_000u64 {
            let product = Value::object()
                .with("product_id", format!("p{i}"))
                .with("category", format!("cat{}", i % 97))
                .with("brand", format!("brand{}", i % 31))
                .with("price", (i % 700) as f64);
            p.record(&event("Product Viewed", product.clone(), "s"), i * 60_000, &config);
            p.record(
                &event("Products Searched", Value::object().with("query", format!("q{i}")), "s"),
                i * 60_000,
                &config,
            );
            p.record(&event(&format!("Custom {}", i % 50), Value::object(), "s"), i * 60_000, &config);
            if i % 10 == 0 {
                p.record(&event("Product Added", product, "s"), i * 60_000, &config);
            }
        }
        assert!(p.viewed.len() <= 20 && p.searches.len() <= 20 && p.cart.len() <= 20 && p.counts.len() <= 20);
        for (_, scores) in &p.affinity {
            assert!(scores.len() <= 20);
            let now = 10_000 * 60_000;
            assert!(scores
                .windows(2)
                .all(|w| w[0].at_time(now, config.half_life_ms) >= w[1].at_time(now, config.half_life_ms)));
        }
        assert_eq!(p.searches[0].query, "q9999");
        assert_eq!(p.viewed[0].0, "p9999");
        let text = p.to_json(&|n, out| out.push_str(&n.to_string()));
        assert!(text.len() < 16 * 1024, "the stored profile stays under 16 KB: {} bytes", text.len());
    }

    #[test]
    fn searches_remember_the_click_and_campaigns_the_touches() {
        let config = ProfileConfig::default();
        let mut p = Profile::default();
        // An event of session `id` (visit `number`) that came through campaign `source`.
        let visit = |name: &str, properties: Value, id: &str, number: f64, source: &str| {
            let campaign = Value::object().with("source", source).with("medium", "email");
            let session = Value::object().with("id", id).with("number", number);
            event(name, properties, id)
                .with("context", Value::object().with("session", session).with("campaign", campaign))
        };
        let searched = visit("Products Searched", Value::object().with("query", "switch"), "s1", 1.0, "news");
        p.record(&searched, 1, &config);
        p.record(&event("Product Clicked", console("c1", 299.0).with("query", "switch"), "s1"), 2, &config);
        assert_eq!(p.searches[0].clicked.as_deref(), Some("c1"));
        let a = p.attributes(3, &config);
        let searches = a.get("searches").cloned().unwrap_or_default();
        assert_eq!(searches.get("queries"), Some(&Value::Array(vec!["switch".into()])));
        assert_eq!(searches.get("clicked"), Some(&Value::Array(vec!["c1".into()])));
        p.record(&visit("Product Viewed", console("c2", 99.0), "s2", 2.0, "ads"), 3, &config);
        assert_eq!(
            p.first_touch.as_ref().and_then(|c| c.get("source")).and_then(Value::as_str),
            Some("news")
        );
        assert_eq!(p.last_touch.as_ref().and_then(|c| c.get("source")).and_then(Value::as_str), Some("ads"));
        assert_eq!((p.sessions, p.session_id.as_str()), (2, "s2"));
    }
}
