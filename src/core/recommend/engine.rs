//! The recommendations state of the search module: the loaded model, linked to the loaded
//! catalog, and the calls the bindings forward to ([`Recommender::load_model`],
//! [`Recommender::recommend`]), on [`Value`]s.
//!
//! A model that cannot be used is set aside with a warning that every result reports, and the
//! strategies degrade to content similarity and popularity:
//!
//! | warning | when |
//! |---|---|
//! | `model_unavailable` | the model could not be fetched (the wrapper says so) |
//! | `model_invalid` | not JSON, truncated, another version, or lists that do not add up |
//! | `model_stale` | built more than `maxAgeDays` (default 30) before it was loaded |
//! | `model_mismatch` | fewer than half of its products are in the catalog |
//! | `product_unknown` | the request's `product_id` is not in the catalog |

use crate::core::config::{flag, number};
use crate::core::error::{Error, Result};
use crate::core::rank::Visitor;
use crate::core::search::{text, Index};
use crate::core::value::Value;
use crate::prelude::*;

use super::content::Features;
use super::model::stored;
use super::strategy::{self, Inputs, Link, Match, Request, Shopper, Strategy};
use super::Model;

/// Days after which a model is stale. Default 30; range 1 to 3,650 (the `maxAgeDays` option).
pub const MAX_AGE_DAYS: f64 = 30.0;
/// Share of a model's products that must be in the catalog for it to be used. One half.
pub const MIN_FOUND: f64 = 0.5;

/// The recommendations state.
#[derive(Debug, Default)]
pub struct Recommender {
    model: Option<Model>,
    link: Link,
    features: Option<Features>,
    /// Why the last model given is not used: (code, message).
    warning: Option<(&'static str, &'static str)>,
}

impl Recommender {
    /// Reads a model from its JSON `text` (empty: it could not be fetched), at `now` (ms) with
    /// `options` `{maxAgeDays}`; returns `{products, found, built_at, warning}`. A model that
    /// cannot be used replaces none: the strategies fall back.
    ///
    /// `float` reads numbers that are not whole (there are none in a well-formed model).
    pub fn load_model(
        &mut self,
        text: &str,
        options: &Value,
        now: u64,
        index: Option<&Index>,
        float: &dyn Fn(&str) -> f64,
    ) -> Result<Value> {
        let max_age = number(options, "maxAgeDays", 1.0, 3650.0, MAX_AGE_DAYS)?;
        self.model = None;
        self.link = Link::default();
        self.warning = None;
        let parsed = if text.is_empty() {
            Err(("model_unavailable", "the recommendations model could not be fetched"))
        } else {
            crate::core::json::parse(text, 8, float)
                .as_ref()
                .and_then(stored::from_value)
                .ok_or(("model_invalid", "the recommendations model is not a whole model of version 1"))
        };
        match parsed {
            Ok(model) => {
                let age = now.saturating_sub(model.built_at) as f64 / 86_400_000.0;
                if age > max_age {
                    self.warning =
                        Some(("model_stale", "the recommendations model is older than maxAgeDays"));
                } else {
                    self.model = Some(model);
                    if let Some(index) = index {
                        self.catalog_loaded(index);
                    }
                }
            }
            Err(warning) => self.warning = Some(warning),
        }
        Ok(self.status())
    }

    /// Links the model to a newly loaded catalog (and forgets the old catalog's features).
    pub fn catalog_loaded(&mut self, index: &Index) {
        self.features = None;
        let Some(model) = &self.model else { return };
        let link = Link::new(model, index);
        if (link.found as f64) < MIN_FOUND * model.ids.len() as f64 {
            self.warning =
                Some(("model_mismatch", "fewer than half of the model's products are in the catalog"));
            self.link = Link::default();
            return;
        }
        if self.warning.as_ref().is_some_and(|(code, _)| *code == "model_mismatch") {
            self.warning = None;
        }
        self.link = link;
    }

    fn status(&self) -> Value {
        let warning = match &self.warning {
            Some((code, message)) => Value::object().with("code", *code).with("message", *message),
            None => Value::Null,
        };
        Value::object()
            .with("products", self.model.as_ref().map_or(0.0, |m| m.ids.len() as f64))
            .with("found", self.link.found as f64)
            .with("built_at", self.model.as_ref().map_or(Value::Null, |m| Value::Number(m.built_at as f64)))
            .with("warning", warning)
    }

    /// Recommends from `index` (none loaded: no items) for the visitor of `snapshot`:
    /// `{strategy, items: [{id, score, reason, because}], fallback, warnings: [{code, message}]}`.
    /// Throws `option_invalid` for bad options.
    pub fn recommend(&mut self, index: Option<&Index>, options: &Value, snapshot: &Value) -> Result<Value> {
        let request = request(options)?;
        let mut warnings: Vec<Value> = Vec::new();
        let warn = |code: &str, message: &str| Value::object().with("code", code).with("message", message);
        if let Some((code, message)) = &self.warning {
            warnings.push(warn(code, message));
        }
        let strategy_name = request.strategy.name();
        let empty = |warnings: Vec<Value>| {
            Value::object()
                .with("strategy", strategy_name)
                .with("items", Value::Array(Vec::new()))
                .with("fallback", false)
                .with("warnings", Value::Array(warnings))
        };
        let Some(index) = index else { return Ok(empty(warnings)) };
        if let Some(id) = &request.product {
            if index.position(id).is_none() {
                warnings.push(warn("product_unknown", "the product_id is not in the catalog"));
            }
        }
        let features = self.features.get_or_insert_with(|| Features::new(index));
        let model = self.model.as_ref().filter(|_| self.link.found > 0).map(|m| (m, &self.link));
        let shopper = shopper(snapshot);
        let inputs = Inputs { index, features, model, shopper: &shopper };
        let (picks, fallback) = strategy::recommend(&inputs, &request);
        let id = |doc: u32| index.products.get(doc as usize).map_or("", |p| p.id.as_str());
        let items = picks
            .iter()
            .map(|p| {
                Value::object()
                    .with("id", id(p.doc))
                    .with("score", f64::from(p.score))
                    .with("reason", p.reason)
                    .with("because", p.because.map_or(Value::Null, |d| Value::from(id(d))))
            })
            .collect();
        Ok(empty(warnings).with("items", Value::Array(items)).with("fallback", fallback))
    }
}

/// The visitor of a profile snapshot: `viewed.products`, `cart.products`,
/// `purchased.products`, and the affinities.
fn shopper(snapshot: &Value) -> Shopper {
    let ids = |list: &str| -> Vec<String> {
        let mut out = Vec::new();
        let given = snapshot.get(list).and_then(|v| v.get("products")).and_then(Value::as_array);
        for v in given.unwrap_or_default() {
            out.extend(crate::core::search::build::id_text(Some(v)));
        }
        out
    };
    Shopper {
        viewed: ids("viewed"),
        cart: ids("cart"),
        purchased: ids("purchased"),
        visitor: Visitor::from_snapshot(snapshot),
    }
}

/// The request in `o`: `{strategy, product_id, limit, filters: {inStock, excludePurchased,
/// excludeCart, include, exclude}, pinned, complements, recent}`.
fn request(o: &Value) -> Result<Request> {
    if !o.is_object() {
        return Err(Error::OptionInvalid("options"));
    }
    let mut r = Request::default();
    let name = o.get("strategy").and_then(Value::as_str).unwrap_or_default();
    r.strategy = Strategy::named(name).ok_or(Error::OptionInvalid("strategy"))?;
    r.product = match o.get("product_id").or_else(|| o.get("productId")) {
        None | Some(Value::Null) => None,
        v => Some(crate::core::search::build::id_text(v).ok_or(Error::OptionInvalid("product_id"))?),
    };
    r.limit = number(o, "limit", 1.0, 100.0, 10.0)? as usize;
    r.recent = number(o, "recent", 1.0, 20.0, 5.0)? as usize;
    r.pinned = strings(o.get("pinned"), "pinned", false)?;
    match o.get("complements") {
        None | Some(Value::Null) => {}
        Some(Value::Object(rules)) => {
            for (from, to) in rules {
                r.complements.push((text::fold(from), strings(Some(to), "complements", true)?));
            }
        }
        Some(_) => return Err(Error::OptionInvalid("complements")),
    }
    let Some(f) = o.get("filters").filter(|f| !f.is_null()) else { return Ok(r) };
    if !f.is_object() {
        return Err(Error::OptionInvalid("filters"));
    }
    r.in_stock = flag(f, "inStock", true)?;
    r.exclude_purchased = flag(f, "excludePurchased", true)?;
    r.exclude_cart = flag(f, "excludeCart", true)?;
    r.include = matcher(f.get("include"), "include")?;
    r.exclude = matcher(f.get("exclude"), "exclude")?;
    Ok(r)
}

/// `{category, brand, tags, ids, price: {min, max}}`, each a string or a list of strings.
fn matcher(v: Option<&Value>, what: &'static str) -> Result<Match> {
    let Some(m) = v.filter(|m| !m.is_null()) else { return Ok(Match::default()) };
    if !m.is_object() {
        return Err(Error::OptionInvalid(what));
    }
    let price = m.get("price").filter(|p| !p.is_null());
    if price.is_some_and(|p| !p.is_object()) {
        return Err(Error::OptionInvalid(what));
    }
    let bound = |key: &str| -> Result<Option<f64>> {
        match price.and_then(|p| p.get(key)) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) if n.is_finite() => Ok(Some(*n)),
            Some(_) => Err(Error::OptionInvalid(what)),
        }
    };
    Ok(Match {
        categories: strings(m.get("category"), what, true)?,
        brands: strings(m.get("brand"), what, true)?,
        tags: strings(m.get("tags"), what, true)?,
        ids: strings(m.get("ids"), what, false)?,
        min_price: bound("min")?,
        max_price: bound("max")?,
    })
}

/// A string or a list of strings (ids may be whole numbers), folded when `fold`.
fn strings(v: Option<&Value>, what: &'static str, fold: bool) -> Result<Vec<String>> {
    let one = |v: &Value| -> Result<String> {
        let s = crate::core::search::build::id_text(Some(v)).ok_or(Error::OptionInvalid(what))?;
        Ok(if fold { text::fold(&s) } else { s })
    };
    let mut out = Vec::new();
    match v {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) => {
            for v in list {
                out.push(one(v)?);
            }
        }
        Some(v) => out.push(one(v)?),
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::core::recommend::{model::stored, Builder};
    use crate::core::search::engine::Engine;
    use crate::core::testing::json;
    use crate::core::value::Value;

    const NOW: u64 = 1_764_979_200_000;
    const DAY: u64 = 86_400_000;

    fn float(t: &str) -> f64 {
        t.parse().unwrap_or(f64::NAN)
    }

    /// A small game shop: three consoles, games and controllers per platform, headphones.
    fn shop() -> Engine {
        let catalog = r#"[
          {"id":"ps5","name":"PlayStation 5 Console","brand":"Sony","category":"consoles","price":499,"tags":["playstation"]},
          {"id":"xbox","name":"Xbox Series X Console","brand":"Microsoft","category":"consoles","price":479,"tags":["xbox"]},
          {"id":"switch","name":"Nintendo Switch Console","brand":"Nintendo","category":"consoles","price":299,"tags":["nintendo"],"popularity":50},
          {"id":"ps5-game","name":"Spider-Man 2 for PlayStation 5","brand":"Sony","category":"games","price":69,"tags":["playstation"]},
          {"id":"xbox-game","name":"Starfield for Xbox","brand":"Microsoft","category":"games","price":59,"tags":["xbox"]},
          {"id":"switch-game","name":"Zelda for Nintendo Switch","brand":"Nintendo","category":"games","price":59,"tags":["nintendo"],"in_stock":false},
          {"id":"dualsense","name":"DualSense Wireless Controller","brand":"Sony","category":"controllers","price":69,"tags":["playstation"]},
          {"id":"xbox-pad","name":"Xbox Wireless Controller","brand":"Microsoft","category":"controllers","price":59,"tags":["xbox"]},
          {"id":"headset","name":"Pulse 3D Wireless Headset","brand":"Sony","category":"headphones","price":99,"tags":["playstation"]}
        ]"#;
        let mut e = Engine::default();
        assert_eq!(e.load(catalog.into(), &Value::Null, &float), Ok(9));
        e
    }

    fn model_text(built_at: u64) -> String {
        let mut b = Builder::default();
        b.add_basket(["ps5", "ps5-game", "dualsense"]);
        b.add_basket(["ps5", "dualsense"]);
        b.add_basket(["xbox", "xbox-game"]);
        b.add_basket(["headset", "ps5-game"]);
        b.add_visit(["ps5", "xbox"]);
        b.add_visit(["ps5", "xbox", "switch"]);
        for (id, n) in [("xbox-game", 9), ("headset", 4), ("ps5", 2)] {
            b.add_trending(id, n);
        }
        let mut m = b.finish(20);
        m.built_at = built_at;
        m.window_days = 7;
        crate::core::json::to_string(&stored::to_value(&m), &|n, out| out.push_str(&n.to_string()))
    }

    fn with_model() -> Engine {
        let mut e = shop();
        let status = e.load_model(&model_text(NOW - DAY), &Value::Null, NOW, &float).unwrap();
        assert_eq!(status.get("warning"), Some(&Value::Null), "{status:?}");
        assert_eq!(
            status.get("found").and_then(Value::as_f64),
            Some(7.0),
            "the products with orders or visits"
        );
        e
    }

    fn ask(e: &mut Engine, options: &str, snapshot: &str) -> Value {
        e.recommend(&json(options), &json(snapshot)).unwrap()
    }

    fn ids(v: &Value) -> Vec<String> {
        let items = v.get("items").and_then(Value::as_array).unwrap_or_default();
        items.iter().filter_map(|i| i.get("id").and_then(Value::as_str).map(str::to_owned)).collect()
    }

    fn first(v: &Value, key: &str) -> Option<String> {
        v.get("items")?.as_array()?.first()?.get(key)?.as_str().map(str::to_owned)
    }

    fn warnings(v: &Value) -> Vec<String> {
        let list = v.get("warnings").and_then(Value::as_array).unwrap_or_default();
        list.iter().filter_map(|w| w.get("code").and_then(Value::as_str).map(str::to_owned)).collect()
    }

    const RULES: &str = r#""complements":{"consoles":["games","controllers"]}"#;

    #[test]
    fn bought_and_viewed_together_follow_the_model_and_say_why() {
        let mut e = with_model();
        let r = ask(&mut e, r#"{"strategy":"bought_together","product_id":"ps5","limit":2}"#, "{}");
        assert_eq!(ids(&r), ["dualsense", "ps5-game"], "{r:?}");
        assert_eq!(
            (first(&r, "reason"), first(&r, "because")),
            (Some("bought_together".into()), Some("ps5".into()))
        );
        assert_eq!(r.get("fallback"), Some(&Value::Bool(false)));
        let r = ask(&mut e, r#"{"strategy":"viewed_together","product_id":"switch","limit":3}"#, "{}");
        assert_eq!(&ids(&r)[..2], ["ps5", "xbox"]);
        assert_eq!(first(&r, "reason").as_deref(), Some("viewed_together"));
        // Without a product: the cart is the context.
        let r =
            ask(&mut e, r#"{"strategy":"bought_together","limit":1}"#, r#"{"cart":{"products":["xbox"]}}"#);
        assert_eq!(ids(&r), ["xbox-game"]);
    }

    #[test]
    fn similar_is_content_and_needs_no_model() {
        let mut e = shop();
        let r = ask(&mut e, r#"{"strategy":"similar","product_id":"ps5","limit":3}"#, "{}");
        let mut consoles = ids(&r)[..2].to_vec();
        consoles.sort();
        assert_eq!(consoles, ["switch", "xbox"], "consoles first: {r:?}");
        assert_eq!(first(&r, "reason").as_deref(), Some("similar"));
        assert!(!ids(&r).contains(&"ps5".to_owned()), "never the product itself");
        let r = ask(&mut e, r#"{"strategy":"similar","product_id":"ps5-game","limit":1}"#, "{}");
        assert_eq!(ids(&r), ["xbox-game"], "the other game in stock");
    }

    #[test]
    fn complementary_ranks_the_rules_categories_by_model_content_and_profile() {
        let mut e = with_model();
        let options = format!(r#"{{"strategy":"complementary","product_id":"ps5","limit":5,{RULES}}}"#);
        let r = ask(&mut e, &options, "{}");
        let got = ids(&r);
        assert_eq!(&got[..2], ["dualsense", "ps5-game"], "{r:?}");
        assert_eq!(got.len(), 4, "games and controllers only, in stock, no filling: {got:?}");
        assert_eq!(got[2..], ["xbox-game", "xbox-pad"], "the more popular first");
        // The visitor's affinity moves a complement up.
        let r = ask(&mut e, &options, r#"{"affinity":{"category":{"controllers":3}}}"#);
        assert_eq!(ids(&r)[2..], ["xbox-pad", "xbox-game"]);
        // Without a model, the platform (tags, brand) still leads.
        let mut e = shop();
        let r = ask(&mut e, &options, "{}");
        assert_eq!(&ids(&r)[..2], ["ps5-game", "dualsense"], "{r:?}");
        assert_eq!(first(&r, "because").as_deref(), Some("ps5"));
        // Bought together without a model: the complements, not other consoles.
        let together = format!(r#"{{"strategy":"bought_together","product_id":"ps5","limit":2,{RULES}}}"#);
        let r = ask(&mut e, &together, "{}");
        assert_eq!(
            (ids(&r), first(&r, "reason")),
            (vec!["ps5-game".to_owned(), "dualsense".to_owned()], Some("complementary".into()))
        );
    }

    #[test]
    fn after_buying_a_console_no_other_console_is_recommended() {
        let mut e = with_model();
        let bought = r#"{"viewed":{"products":["ps5","xbox","switch"]},"purchased":{"products":["ps5"]},
                         "affinity":{"category":{"consoles":12}}}"#;
        for strategy in
            ["for_you", "trending", "bought_together", "viewed_together", "recently_viewed", "complementary"]
        {
            let r = ask(&mut e, &format!(r#"{{"strategy":"{strategy}","limit":10,{RULES}}}"#), bought);
            let got = ids(&r);
            assert!(
                got.iter().all(|id| !["ps5", "xbox", "switch"].contains(&id.as_str())),
                "{strategy}: {got:?}"
            );
            if strategy != "recently_viewed" {
                assert!(
                    got.contains(&"dualsense".to_owned()) && got.contains(&"ps5-game".to_owned()),
                    "{strategy}: {got:?}"
                );
            }
        }
        let r = ask(&mut e, &format!(r#"{{"strategy":"for_you","limit":2,{RULES}}}"#), bought);
        assert_eq!(ids(&r), ["dualsense", "ps5-game"]);
        // A product page's "similar" still shows consoles.
        let r = ask(&mut e, &format!(r#"{{"strategy":"similar","product_id":"switch",{RULES}}}"#), bought);
        assert_eq!(first(&r, "id").as_deref(), Some("xbox"));
    }

    #[test]
    fn for_you_follows_recent_views_and_affinities_and_leaves_them_out() {
        let mut e = with_model();
        let r =
            ask(&mut e, r#"{"strategy":"for_you","limit":3}"#, r#"{"viewed":{"products":["xbox-game"]}}"#);
        assert_eq!(first(&r, "id").as_deref(), Some("xbox"), "{r:?}");
        assert!(!ids(&r).contains(&"xbox-game".to_owned()));
        let fan = r#"{"affinity":{"brand":{"nintendo":5}}}"#;
        let r = ask(&mut e, r#"{"strategy":"for_you","limit":1}"#, fan);
        assert_eq!((first(&r, "id"), first(&r, "reason")), (Some("switch".into()), Some("affinity".into())));
        // A new visitor: popularity.
        let r = ask(&mut e, r#"{"strategy":"for_you","limit":2}"#, "{}");
        assert_eq!(first(&r, "reason").as_deref(), Some("popular"));
        assert_eq!(r.get("fallback"), Some(&Value::Bool(true)));
    }

    #[test]
    fn trending_reads_the_window_then_popularity() {
        let mut e = with_model();
        let r = ask(&mut e, r#"{"strategy":"trending","limit":3}"#, "{}");
        assert_eq!(ids(&r), ["xbox-game", "headset", "ps5"]);
        let mut e = shop();
        let r = ask(&mut e, r#"{"strategy":"trending","limit":1}"#, "{}");
        assert_eq!(
            (first(&r, "id"), first(&r, "reason")),
            (Some("switch".into()), Some("popular".into())),
            "catalog popularity"
        );
    }

    #[test]
    fn filters_rules_and_pins() {
        let mut e = with_model();
        let all = |e: &mut Engine, filters: &str| {
            ids(&ask(
                e,
                &format!(r#"{{"strategy":"trending","limit":20,{filters}}}"#),
                r#"{"cart":{"products":["headset"]}}"#,
            ))
        };
        let default = all(&mut e, r#""filters":{}"#);
        assert_eq!(default.len(), 7, "no out-of-stock game, no cart item: {default:?}");
        assert!(all(&mut e, r#""filters":{"inStock":false,"excludeCart":false}"#).len() == 9);
        let mut pads = all(&mut e, r#""filters":{"include":{"category":"Controllers"}}"#);
        pads.sort();
        assert_eq!(pads, ["dualsense", "xbox-pad"]);
        let cheap = all(&mut e, r#""filters":{"include":{"price":{"max":60}}}"#);
        assert_eq!(cheap.len(), 2, "{cheap:?}");
        let no_sony = all(&mut e, r#""filters":{"exclude":{"brand":["sony"],"ids":["xbox"]}}"#);
        assert_eq!(no_sony, ["xbox-game", "switch", "xbox-pad"]);
        let pinned =
            ids(&ask(&mut e, r#"{"strategy":"trending","limit":2,"pinned":["xbox-pad","nope"]}"#, "{}"));
        assert_eq!(pinned, ["xbox-pad", "xbox-game"]);
        let r = ask(&mut e, r#"{"strategy":"trending","limit":1,"pinned":["dualsense"]}"#, "{}");
        assert_eq!(first(&r, "reason").as_deref(), Some("pinned"));
    }

    #[test]
    fn a_model_that_cannot_be_used_degrades_with_a_warning() {
        let cases: [(&str, String, &str); 4] = [
            ("unavailable", String::new(), "model_unavailable"),
            ("truncated", model_text(NOW)[..200].to_owned(), "model_invalid"),
            ("stale", model_text(NOW - 45 * DAY), "model_stale"),
            (
                "mismatched",
                model_text(NOW)
                    .replace("\"ps5", "\"old-ps5")
                    .replace("\"xbox", "\"old-xbox")
                    .replace("\"headset", "\"old-headset"),
                "model_mismatch",
            ),
        ];
        for (what, text, code) in cases {
            let mut e = shop();
            let status = e.load_model(&text, &Value::Null, NOW, &float).unwrap();
            assert_eq!(
                status.get("warning").and_then(|w| w.get("code")).and_then(Value::as_str),
                Some(code),
                "{what}"
            );
            let r = ask(&mut e, r#"{"strategy":"bought_together","product_id":"ps5","limit":3}"#, "{}");
            assert_eq!(warnings(&r), [code], "{what}");
            assert_eq!(first(&r, "reason").as_deref(), Some("similar"), "{what}: content stands in");
            let r = ask(&mut e, r#"{"strategy":"trending","limit":1}"#, "{}");
            assert_eq!(first(&r, "id").as_deref(), Some("switch"), "{what}: catalog popularity");
        }
        // A model loaded before the catalog links when the catalog comes; a fresh one clears the warning.
        let mut e = Engine::default();
        assert!(e.load_model(&model_text(NOW), &Value::Null, NOW, &float).is_ok());
        let r = ask(&mut e, r#"{"strategy":"trending"}"#, "{}");
        assert!(ids(&r).is_empty(), "no catalog, no items");
        let stale = json(r#"{"maxAgeDays":0.5}"#);
        assert!(e.load_model(&model_text(NOW), &stale, NOW, &float).is_err(), "maxAgeDays below 1");
    }

    #[test]
    fn bad_requests_are_option_errors_and_unknown_products_warn() {
        let mut e = with_model();
        for bad in [
            r#"{"strategy":"best"}"#,
            r#"{}"#,
            r#"{"strategy":"similar","limit":0}"#,
            r#"{"strategy":"similar","filters":[]}"#,
            r#"{"strategy":"similar","filters":{"include":{"price":"cheap"}}}"#,
            r#"{"strategy":"similar","complements":["games"]}"#,
            r#"{"strategy":"similar","product_id":{"x":1}}"#,
            r#""similar""#,
        ] {
            assert!(e.recommend(&json(bad), &Value::Null).is_err(), "{bad}");
        }
        let r = ask(&mut e, r#"{"strategy":"bought_together","product_id":"gone","limit":2}"#, "{}");
        assert_eq!(warnings(&r), ["product_unknown"]);
        assert_eq!(ids(&r).len(), 2, "popularity fills");
    }
}
