//! Click autotracking: what an annotated element's `data-persona-*` attributes mean.
//!
//! The web layer finds the clicked element (the nearest one carrying `data-persona-event` or
//! `data-persona-product-id`) and hands over its `data-persona-*` attributes with the prefix
//! removed, camelCased as in `element.dataset` (`data-persona-product-id` → `productId`), numbers
//! already numbers for `position`, `price` and `quantity`. This module turns them into an event:
//!
//! - `data-persona-event="Newsletter Signup"` → that event, with the other attributes as
//!   properties (snake_cased);
//! - otherwise `data-persona-product-id` → `Product Clicked` with `product_id`, `list_id` (from
//!   `data-persona-list`), `position`, and whatever else is annotated (`name`, `brand`,
//!   `category`, `price`, ...).
//!
//! ```html
//! <a href="/p/sku-1" data-persona-product-id="sku-1" data-persona-list="home" data-persona-position="2">
//! ```
//!
//! Links and buttons: a click on an element matching the `autotrack.clickSelector` CSS selector
//! (default [`DEFAULT_CLICK_SELECTOR`]) that is not inside an annotated element is an
//! [`ELEMENT_CLICKED`] event, whose properties [`element_click`] builds from what the web layer
//! read off the element (its tag, id, label candidates and, for links, the `href` and host names
//! as the browser's URL parser gave them).
//!
//! Searches: a form holding an input marked `data-persona-search` (on submit), or that input
//! itself while the visitor types (after a pause), is a `Products Searched` event with the
//! query ([`search`]). A later click on a product in the same session carries that `query`, so a
//! result click says what it was a result of.

use crate::core::error::{Error, Result};
use crate::core::value::Value;
use crate::prelude::*;

/// The event for a click on an element with these attributes, or `None` when they do not
/// describe one.
pub fn click(attributes: &Value) -> Option<(String, Value)> {
    let Value::Object(entries) = attributes else { return None };
    let mut name = None;
    let mut properties = Value::object();
    for (key, value) in entries {
        match key.as_str() {
            "event" => name = value.as_str().map(str::to_owned),
            "list" => properties.set("list_id", value.clone()),
            _ => properties.set(&snake_case(key), value.clone()),
        }
    }
    match name {
        Some(name) if !name.trim().is_empty() => Some((name, properties)),
        _ if properties.get("product_id").is_some() => Some(("Product Clicked".to_owned(), properties)),
        _ => None,
    }
}

/// The event of a click on a link or button matched by `autotrack.clickSelector`.
pub const ELEMENT_CLICKED: &str = "Element Clicked";

/// The links and buttons tracked when `autotrack.clickSelector` is not given: every link with a
/// target and everything a visitor presses as a button (native, ARIA, and form buttons). A shop
/// sees its calls to action, banners, menus and outbound links without markup; a narrower
/// selector (`"a.cta, button"`) or `:not(...)` exclusions trim the stream.
pub const DEFAULT_CLICK_SELECTOR: &str =
    "a[href],area[href],button,[role=button],input[type=submit],input[type=button]";

/// Longest `text` and `id` of an [`ELEMENT_CLICKED`] event, in characters; longer ones are cut.
/// Enough for any button caption or link text, short enough that a link wrapping a whole teaser
/// does not ship its copy with every click.
pub const MAX_TEXT_CHARS: usize = 100;

/// Reads the option `autotrack.clickSelector`: a CSS selector (trimmed), `false` or `""` for
/// none, absent / `null` / `true` for [`DEFAULT_CLICK_SELECTOR`]. Whether the browser accepts the
/// selector is checked by the web layer at init.
pub fn click_selector(option: Option<&Value>) -> Result<Option<&str>> {
    match option {
        None | Some(Value::Null | Value::Bool(true)) => Ok(Some(DEFAULT_CLICK_SELECTOR)),
        Some(Value::Bool(false)) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim()).filter(|s| !s.is_empty())),
        Some(_) => Err(Error::OptionInvalid("clickSelector")),
    }
}

/// The properties of an [`ELEMENT_CLICKED`] event. `element` is what the web layer read off the
/// clicked element: `tag` (lower case), `id`, `text` (label candidates in order of preference:
/// its text content, `aria-label`, `title`, an image's `alt`, a form button's caption) and, for
/// links, `href` as the browser's URL parser serialised it without `#fragment` and without
/// `user:password@` credentials (absolute, scheme and host in lower case), the link's `host`
/// name and the page's, `pageHost`.
///
/// - `tag`; `text`: the first candidate that is not blank, whitespace collapsed, at most
///   [`MAX_TEXT_CHARS`] characters; `id` when it has one (same cap);
/// - links: `href` with its query (filters and search terms are what a shop wants to see); for
///   schemes other than http(s) (`mailto:`, `tel:`, `javascript:`) only the scheme, since the rest
///   is an address or code; and `outbound`: true when an http(s) link leads to another host name
///   than the page's (`www.shop.example` and `shop.example` are different hosts).
///
/// Absent or blank fields are left out. `None` unless `element` is an object with a `tag`.
pub fn element_click(element: &Value) -> Option<Value> {
    let tag = element.get("tag")?.as_str()?;
    let mut properties = Value::object().with("tag", tag);
    let candidates = element.get("text").and_then(Value::as_array).unwrap_or_default();
    if let Some(text) = candidates
        .iter()
        .filter_map(Value::as_str)
        .map(|t| collapsed(t, MAX_TEXT_CHARS))
        .find(|t| !t.is_empty())
    {
        properties.set("text", text.into());
    }
    if let Some(id) = element
        .get("id")
        .and_then(Value::as_str)
        .map(|t| collapsed(t, MAX_TEXT_CHARS))
        .filter(|id| !id.is_empty())
    {
        properties.set("id", id.into());
    }
    let text = |key| element.get(key).and_then(Value::as_str).unwrap_or_default();
    let (href, host) = (text("href"), text("host"));
    if let Some(scheme) = scheme(href) {
        if (scheme == "http" || scheme == "https") && !host.is_empty() {
            properties.set("href", href.into());
            properties.set("outbound", (host != text("pageHost")).into());
        } else {
            properties.set("href", (scheme.to_owned() + ":").into());
        }
    }
    Some(properties)
}

/// Trimmed, runs of whitespace made one space, cut to at most `max_chars` characters (never
/// ending in a space). One walk over the chars, no `str` slicing: no panic path in the wasm.
fn collapsed(text: &str, max_chars: usize) -> String {
    let mut out = String::new();
    let mut room = max_chars;
    // Whitespace seen since the last kept character (none before the first).
    let mut gap = false;
    for c in text.chars() {
        if c.is_whitespace() {
            gap = !out.is_empty();
            continue;
        }
        // A space is only written when a character fits after it.
        if room <= usize::from(gap) {
            break;
        }
        if gap {
            out.push(' ');
            room -= 1;
            gap = false;
        }
        out.push(c);
        room -= 1;
    }
    out
}

/// The scheme of an absolute URL, `None` when it has none.
fn scheme(url: &str) -> Option<&str> {
    url.get(..url.bytes().position(|b| b == b':')?).filter(|s| !s.is_empty())
}

/// A search is the same as the last one (and not tracked again) when its query is equal and it
/// comes within this many ms: typing pauses and the submit that follows them count once.
pub const SEARCH_REPEAT_MS: u64 = 30_000;

/// How long after a search a product click still counts as a click on its results, in ms.
pub const SEARCH_CLICK_WINDOW_MS: u64 = 30 * 60 * 1000;

/// The normalised query of a search (trimmed, inner whitespace collapsed), or `None` when it is
/// empty or repeats `last` (query and time) within [`SEARCH_REPEAT_MS`].
pub fn search(query: &str, now: u64, last: Option<&(String, u64)>) -> Option<String> {
    let normalised = collapsed(query, usize::MAX);
    if normalised.is_empty() {
        return None;
    }
    match last {
        Some((previous, at)) if *previous == normalised && now.saturating_sub(*at) < SEARCH_REPEAT_MS => None,
        _ => Some(normalised),
    }
}

/// Adds the last search's `query` to a `Product Clicked` that has none, when the search was made
/// within [`SEARCH_CLICK_WINDOW_MS`].
pub fn attribute_click(properties: &mut Value, now: u64, last: Option<&(String, u64)>) {
    if let Some((query, at)) = last {
        if properties.get("query").is_none() && now.saturating_sub(*at) < SEARCH_CLICK_WINDOW_MS {
            properties.set("query", query.as_str().into());
        }
    }
}

/// `productId` → `product_id`.
fn snake_case(camel: &str) -> String {
    let mut out = String::with_capacity(camel.len() + 4);
    for c in camel.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_cards_become_product_clicked() {
        let attrs = Value::object()
            .with("productId", "sku-1")
            .with("list", "home")
            .with("position", 2.0)
            .with("price", 449.99);
        let (name, props) = click(&attrs).unwrap();
        assert_eq!(name, "Product Clicked");
        assert_eq!(props.get("product_id").and_then(Value::as_str), Some("sku-1"));
        assert_eq!(props.get("list_id").and_then(Value::as_str), Some("home"));
        assert_eq!(props.get("position").and_then(Value::as_f64), Some(2.0));
        assert_eq!(props.get("price").and_then(Value::as_f64), Some(449.99));
    }

    #[test]
    fn searches_are_normalised_and_repeats_ignored() {
        assert_eq!(search("  ps5   controller ", 0, None).as_deref(), Some("ps5 controller"));
        assert_eq!(search("   ", 0, None), None);
        let last = ("ps5".to_owned(), 1_000);
        assert_eq!(search("ps5 ", 2_000, Some(&last)), None, "typing pause then submit");
        assert_eq!(search("ps5", 1_000 + SEARCH_REPEAT_MS, Some(&last)).as_deref(), Some("ps5"));
        assert_eq!(search("xbox", 2_000, Some(&last)).as_deref(), Some("xbox"));
    }

    #[test]
    fn result_clicks_carry_the_query() {
        let last = ("ps5".to_owned(), 0);
        let mut props = Value::object().with("product_id", "sku-1");
        attribute_click(&mut props, 60_000, Some(&last));
        assert_eq!(props.get("query").and_then(Value::as_str), Some("ps5"));
        let mut late = Value::object().with("product_id", "sku-1");
        attribute_click(&mut late, SEARCH_CLICK_WINDOW_MS, Some(&last));
        assert_eq!(late.get("query"), None);
    }

    #[test]
    fn a_named_event_wins_and_other_elements_are_ignored() {
        let attrs = Value::object().with("event", "Newsletter Signup").with("placementId", "footer");
        let (name, props) = click(&attrs).unwrap();
        assert_eq!(name, "Newsletter Signup");
        assert_eq!(props.get("placement_id").and_then(Value::as_str), Some("footer"));
        assert_eq!(click(&Value::object().with("list", "home")), None);
        assert_eq!(click(&Value::object().with("event", " ")), None);
        assert_eq!(click(&Value::Null), None);
    }

    fn element(tag: &str, texts: &[&str]) -> Value {
        let texts = texts.iter().map(|t| Value::from(*t)).collect();
        Value::object().with("tag", tag).with("text", Value::Array(texts))
    }

    /// A link as the web layer describes it: `href` already without fragment and credentials.
    fn link(text: &str, href: &str, host: &str) -> Value {
        element("a", &[text]).with("href", href).with("host", host).with("pageHost", "shop.example")
    }

    #[test]
    fn links_carry_text_href_and_whether_they_leave_the_site() {
        let teaser = link(
            "\n   Sony   WH-1000XM5\n  headphones ",
            "https://shop.example/p/sku-1?color=black",
            "shop.example",
        )
        .with("id", "teaser-1");
        assert_eq!(
            element_click(&teaser).unwrap(),
            Value::object()
                .with("tag", "a")
                .with("text", "Sony WH-1000XM5 headphones")
                .with("id", "teaser-1")
                .with("href", "https://shop.example/p/sku-1?color=black")
                .with("outbound", false)
        );
        let partner =
            element_click(&link("Partner", "https://partner.example:8443/x?ref=shop", "partner.example"))
                .unwrap();
        assert_eq!(
            partner.get("href").and_then(Value::as_str),
            Some("https://partner.example:8443/x?ref=shop")
        );
        assert_eq!(partner.get("outbound"), Some(&Value::Bool(true)));
        let other_port = link("Same host", "http://shop.example:8080/", "shop.example");
        assert_eq!(element_click(&other_port).unwrap().get("outbound"), Some(&Value::Bool(false)));
        let sub = link("Help", "https://help.shop.example/", "help.shop.example");
        assert_eq!(element_click(&sub).unwrap().get("outbound"), Some(&Value::Bool(true)));
        let from_file = link("x", "https://shop.example/", "shop.example").with("pageHost", "");
        assert_eq!(element_click(&from_file).unwrap().get("outbound"), Some(&Value::Bool(true)));
    }

    #[test]
    fn other_schemes_keep_only_the_scheme() {
        for (href, host, kept) in [
            ("mailto:max@example.com", "", Some("mailto:")),
            ("tel:+49301234", "", Some("tel:")),
            ("javascript:void(0)", "", Some("javascript:")),
            (":x", "", None),
            ("https://", "", Some("https:")),
            ("nonsense", "", None),
            ("", "", None),
        ] {
            let props = element_click(&link("x", href, host)).unwrap();
            assert_eq!(props.get("href").and_then(Value::as_str), kept, "{href}");
            assert_eq!(props.get("outbound"), None, "{href}");
        }
    }

    #[test]
    fn buttons_take_the_first_label_and_long_text_is_cut() {
        let icon = element("button", &[" \n ", "Add to wishlist", "Wishlist"]);
        assert_eq!(
            element_click(&icon).unwrap(),
            Value::object().with("tag", "button").with("text", "Add to wishlist")
        );
        let long = "ä".repeat(60) + "  " + &"b".repeat(60);
        let props = element_click(&element("button", &[&long]).with("id", "x ".repeat(80))).unwrap();
        let text = props.get("text").and_then(Value::as_str).unwrap();
        assert_eq!(text.chars().count(), MAX_TEXT_CHARS);
        assert_eq!(text, "ä".repeat(60) + " " + &"b".repeat(39), "collapsed, then cut");
        let id = props.get("id").and_then(Value::as_str).unwrap();
        assert_eq!(id.chars().count(), MAX_TEXT_CHARS - 1, "cut at 100, then the trailing space trimmed");
        let bare = Value::object().with("tag", "div").with("id", "").with("text", "not a list");
        assert_eq!(element_click(&bare), Some(Value::object().with("tag", "div")));
        assert_eq!(element_click(&Value::object().with("id", "x")), None);
        assert_eq!(element_click(&Value::Null), None);
    }

    #[test]
    fn the_click_selector_option() {
        let default = Some(DEFAULT_CLICK_SELECTOR);
        assert_eq!(click_selector(None), Ok(default));
        assert_eq!(click_selector(Some(&Value::Null)), Ok(default));
        assert_eq!(click_selector(Some(&Value::Bool(true))), Ok(default));
        assert_eq!(click_selector(Some(&Value::Bool(false))), Ok(None));
        assert_eq!(click_selector(Some(&"  ".into())), Ok(None));
        assert_eq!(click_selector(Some(&" a.cta, button ".into())), Ok(Some("a.cta, button")));
        assert_eq!(click_selector(Some(&Value::Number(1.0))), Err(Error::OptionInvalid("clickSelector")));
    }
}
