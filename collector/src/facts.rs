//! What one event contributes to the dashboard's aggregates, read off it once at ingest: the
//! channel a visit came through, its funnel step, revenue, search, segment change and experiment
//! exposure. Pure, so the rules are unit-tested; [`crate::store`] writes the aggregates.

use serde_json::{Map, Value};

/// The funnel's steps in order; step `i` is bit `1 << i` of a visitor's day.
pub const FUNNEL: [&str; 4] = ["Product Viewed", "Product Added", "Checkout Started", "Order Completed"];

/// The channel of a visit without a campaign or another site's referrer.
pub const DIRECT: &str = "direct";
/// The channel of a server-side event without `context.channel`.
pub const OFFLINE: &str = "offline";
/// Longest channel, search query, segment or experiment key kept (in bytes, cut at a character).
pub const MAX_KEY_BYTES: usize = 200;

/// An experiment exposure (`Experiment Viewed`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exposure {
    /// `experiment_id`.
    pub experiment: String,
    /// `variation_id`.
    pub variation: String,
    /// `experiment_name`, if sent.
    pub experiment_name: Option<String>,
    /// `variation_name`, if sent.
    pub variation_name: Option<String>,
}

/// What an event adds to the aggregates.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    /// `context.session.id`: the visit, whose first event decides its channel.
    pub session: Option<String>,
    /// The channel this event would give a visit it opens (see [`channel`]).
    pub channel: String,
    /// `context.channel`, which names a server-side event's channel (see [`Facts::as_server`]).
    pub context_channel: Option<String>,
    /// The funnel bit of this event (0 when it is no funnel step).
    pub step: u8,
    /// Revenue of an `Order Completed` (`revenue`, else `total`).
    pub revenue: Option<f64>,
    /// The query of a `Products Searched`, trimmed and lowercased.
    pub search: Option<String>,
    /// The query of a search results list shown with no product (`Product List Viewed` with
    /// `list_id: "search"`, a `query` and an empty `products`).
    pub no_result: Option<String>,
    /// `Segment Entered` (true) or `Segment Exited` (false) with its `segment_id`.
    pub segment: Option<(String, bool)>,
    /// An `Experiment Viewed`.
    pub exposure: Option<Exposure>,
}

/// A string property, cut to [`MAX_KEY_BYTES`]; `None` when absent, empty or not text (ids may be
/// numbers: those read as their JSON text).
fn key(value: Option<&Value>) -> Option<String> {
    let text = match value? {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    if text.is_empty() {
        return None;
    }
    let mut end = text.len().min(MAX_KEY_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Some(text[..end].to_owned())
}

/// The host of an absolute URL, lowercased, without `www.`; `None` when there is none.
fn host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?.split(':').next()?.to_ascii_lowercase();
    let host = host.strip_prefix("www.").map(str::to_owned).unwrap_or(host);
    (!host.is_empty()).then_some(host)
}

/// The channel of a visit opened by an event with this `context`: the campaign's source
/// (`context.campaign.source`), else the host of the referrer the visit started with
/// (`context.session.referrer`, else `context.page.referrer`) when it is another site than the
/// page's, else [`DIRECT`]. (A server-side event's channel is set by [`Facts::as_server`].)
pub fn channel(context: &Map<String, Value>) -> String {
    if let Some(source) = key(context.get("campaign").and_then(|c| c.get("source"))) {
        return source.to_lowercase();
    }
    let page = context.get("page");
    let referrer = context
        .get("session")
        .and_then(|s| s.get("referrer"))
        .and_then(Value::as_str)
        .filter(|r| !r.is_empty())
        .or_else(|| page.and_then(|p| p.get("referrer")).and_then(Value::as_str));
    let page_host = page.and_then(|p| p.get("url")).and_then(Value::as_str).and_then(host);
    match referrer.and_then(host) {
        Some(referrer) if Some(&referrer) != page_host.as_ref() => referrer,
        _ => DIRECT.to_owned(),
    }
}

impl Facts {
    /// The facts of the same event sent with a secret key: its channel is its `context.channel`,
    /// lowercased, or [`OFFLINE`]; it opens no visit.
    pub fn as_server(&mut self) {
        self.channel = self.context_channel.take().map_or_else(|| OFFLINE.to_owned(), |c| c.to_lowercase());
    }
}

/// Reads the facts of a validated event object, as a browser's event.
pub fn of(event: &Map<String, Value>) -> Facts {
    let empty = Map::new();
    let object = |field: &str| event.get(field).and_then(Value::as_object).unwrap_or(&empty);
    let (properties, context) = (object("properties"), object("context"));
    let name = event.get("event").and_then(Value::as_str).unwrap_or_default();
    let mut facts = Facts {
        session: key(context.get("session").and_then(|s| s.get("id"))),
        channel: channel(context),
        context_channel: key(context.get("channel")),
        step: FUNNEL.iter().position(|step| *step == name).map_or(0, |i| 1 << i),
        ..Facts::default()
    };
    match name {
        "Order Completed" => {
            facts.revenue = ["revenue", "total"]
                .iter()
                .find_map(|k| properties.get(*k).and_then(Value::as_f64))
                .filter(|r| r.is_finite() && *r >= 0.0);
        }
        "Products Searched" => facts.search = key(properties.get("query")).map(|q| q.to_lowercase()),
        "Product List Viewed" => {
            let is_search = properties.get("list_id").and_then(Value::as_str) == Some("search");
            let empty = properties.get("products").and_then(Value::as_array).is_some_and(Vec::is_empty);
            if is_search && empty {
                facts.no_result = key(properties.get("query")).map(|q| q.to_lowercase());
            }
        }
        "Segment Entered" | "Segment Exited" => {
            facts.segment = key(properties.get("segment_id")).map(|s| (s, name == "Segment Entered"));
        }
        "Experiment Viewed" => {
            if let (Some(experiment), Some(variation)) =
                (key(properties.get("experiment_id")), key(properties.get("variation_id")))
            {
                facts.exposure = Some(Exposure {
                    experiment,
                    variation,
                    experiment_name: key(properties.get("experiment_name")),
                    variation_name: key(properties.get("variation_name")),
                });
            }
        }
        _ => {}
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn facts(event: Value, server: bool) -> Facts {
        let mut facts = of(event.as_object().unwrap());
        if server {
            facts.as_server();
        }
        facts
    }

    fn context(campaign: Option<&str>, referrer: &str) -> Value {
        let mut c = json!({
            "page": {"url": "https://shop.example/p/1", "referrer": "https://shop.example/"},
            "session": {"id": "s1", "referrer": referrer},
        });
        if let Some(source) = campaign {
            c["campaign"] = json!({"source": source, "medium": "email"});
        }
        c
    }

    #[test]
    fn channels_from_campaign_referrer_or_direct() {
        let of_context = |c: Value| channel(c.as_object().unwrap());
        assert_eq!(of_context(context(Some("Newsletter"), "https://www.google.com/")), "newsletter");
        assert_eq!(of_context(context(None, "https://www.google.com/search?q=ps5")), "google.com");
        assert_eq!(of_context(context(None, "https://shop.example/cart")), DIRECT, "own site");
        assert_eq!(of_context(context(None, "")), DIRECT, "no session referrer: the page's is internal");
        assert_eq!(of_context(json!({})), DIRECT);
        assert_eq!(of_context(json!({"page": {"referrer": "http://user@Blog.test:8080/x"}})), "blog.test");
        assert_eq!(facts(json!({"context": {"channel": "Store"}}), true).channel, "store");
        assert_eq!(
            facts(json!({"context": {"channel": "Store"}}), false).channel,
            DIRECT,
            "a browser's is its visit's"
        );
        assert_eq!(facts(json!({}), true).channel, OFFLINE);
    }

    #[test]
    fn shop_events_become_facts() {
        let order = facts(
            json!({"event": "Order Completed", "properties": {"order_id": "o", "total": 12.5},
                   "context": context(None, "")}),
            false,
        );
        assert_eq!((order.step, order.revenue, order.session.as_deref()), (8, Some(12.5), Some("s1")));
        let viewed = facts(json!({"event": "Product Viewed", "properties": {"product_id": 1}}), false);
        assert_eq!((viewed.step, viewed.session), (1, None));
        let search = facts(json!({"event": "Products Searched", "properties": {"query": "  PS5 "}}), false);
        assert_eq!(search.search.as_deref(), Some("ps5"));
        let none = json!({"event": "Product List Viewed",
                          "properties": {"list_id": "search", "query": "Xyz", "products": []}});
        assert_eq!(facts(none, false).no_result.as_deref(), Some("xyz"));
        let some = json!({"event": "Product List Viewed",
                          "properties": {"list_id": "search", "query": "ps5", "products": [{"product_id": "a"}]}});
        assert_eq!(facts(some, false).no_result, None);
        let exited = facts(json!({"event": "Segment Exited", "properties": {"segment_id": "vip"}}), false);
        assert_eq!(exited.segment, Some(("vip".to_owned(), false)));
        let seen = facts(
            json!({"event": "Experiment Viewed",
                   "properties": {"experiment_id": "hero", "variation_id": 1, "variation_name": "bright"}}),
            false,
        );
        let exposure = seen.exposure.unwrap();
        assert_eq!((exposure.experiment.as_str(), exposure.variation.as_str()), ("hero", "1"));
        assert_eq!(exposure.variation_name.as_deref(), Some("bright"));
        let half = facts(json!({"event": "Experiment Viewed", "properties": {"experiment_id": "x"}}), false);
        assert_eq!(half.exposure, None, "no variation, no exposure");
        let negative = facts(json!({"event": "Order Completed", "properties": {"revenue": -3}}), false);
        assert_eq!(negative.revenue, None);
    }

    #[test]
    fn long_keys_are_cut_at_a_character() {
        let long = "ü".repeat(150);
        let cut = key(Some(&json!(long))).unwrap();
        assert!(cut.len() <= MAX_KEY_BYTES && cut.chars().all(|c| c == 'ü'));
    }
}
