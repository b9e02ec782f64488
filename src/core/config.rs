//! SDK configuration: the options object passed to `Persona.init`, validated into [`Config`].
//!
//! ```text
//! {
//!   collector: { url: "/v1/batch", format: "segment", writeKey: "...", contentType: "text/plain",
//!                appId: "shop", batchSize: 20, flushIntervalMs: 1000, maxQueue: 1000,
//!                maxQueueBytes: 524288 },
//!   pageview: true,
//!   maxEventBytes: 32768,
//!   sessionTimeoutMs: 1800000,
//!   autotrack: { pageviews: true, clicks: true, searches: true,     // or false
//!                clickSelector: "a[href],button,…" },               // or false
//!   consent: "granted",            // or "pending" | "denied" | {analytics, personalization}
//!   respectGpc: false,
//!   profile: { halfLifeDays: 14, sessionBoost: 1.5, maxValues: 20, maxEntries: 20,
//!              weights: { view: 1, click: 2, add: 5, purchase: 10 } },
//!   segments: [{ key: "console-owner", name: "Console owners",
//!                condition: { "purchased.categories": { "$in": ["consoles"] } } }]
//! }
//! ```
//! Only `collector.url` is required. Unknown keys are ignored so that a page written for a newer
//! SDK keeps working with an older one. A wrong type or an out-of-range number is
//! [`Error::OptionInvalid`] naming the option; nothing half-configured is ever started.

use crate::core::autotrack;
use crate::core::consent::Consent;
use crate::core::error::{Error, Result};
use crate::core::profile::ProfileConfig;
use crate::core::segments::Segment;
use crate::core::value::Value;
use crate::core::wire::Format;
use crate::prelude::*;

/// Validated SDK configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Where batches are POSTed: an absolute `http(s)://` URL or a same-origin path (`/v1/batch`).
    pub collector_url: String,
    /// Wire format (option `collector.format`): `"segment"` (default), `"native"` or `"snowplow"`;
    /// see [`crate::core::wire`]. A JS `collector.transform` function receives the native batch.
    pub format: Format,
    /// Write key (option `collector.writeKey`, 1..=256 printable characters, default none): sent
    /// in the body, or as `Authorization: Basic` where the body cannot carry it.
    pub write_key: Option<String>,
    /// Send `Content-Type: application/json` (option `collector.contentType:
    /// "application/json"`). Default false: `"text/plain"`, which spares cross-origin requests
    /// a CORS preflight; JSON with a write key moves the key into a header.
    pub json_content_type: bool,
    /// Snowplow application id, `aid` (option `collector.appId`, 1..=256 printable characters;
    /// default none). Ignored by the other formats.
    pub app_id: Option<String>,
    /// Events per request. Default 20, range 1..=100. Larger batches mean fewer requests but a
    /// larger loss window per failed request (retries keep the events either way).
    pub batch_size: u32,
    /// How long an event may wait for companions before a batch is sent, in ms. Default 1000,
    /// range 0..=60000. 0 sends at once; larger values save requests on chatty pages.
    pub flush_interval_ms: u32,
    /// Most events kept in the outbox; beyond it the oldest are dropped and reported. Default 1000,
    /// range 10..=10000. Bounds localStorage use while the collector is unreachable.
    pub max_queue: u32,
    /// Most bytes (encoded JSON) the outbox keeps; beyond it the oldest events are dropped and
    /// reported. Default 524288 (512 KiB), range 32768..=4194304. Keeps persona's share of the
    /// origin's ~5 MB localStorage small while the collector is unreachable.
    pub max_queue_bytes: u32,
    /// Largest accepted event, as encoded JSON bytes. Default 32768, range 1024..=32768. Keeps one
    /// event well inside the 64 KiB budget of keep-alive requests sent while the page unloads.
    pub max_event_bytes: u32,
    /// A session ends after this long without events, in ms. Default 1800000 (30 minutes),
    /// range 60000..=86400000. A visit through a new campaign starts a new session regardless.
    pub session_timeout_ms: u32,
    /// Record a page view automatically at init. Default true.
    pub pageview: bool,
    /// First retry delay after a failed delivery, in ms; doubles per attempt with ±50 % jitter.
    /// Default 1000, range 100..=60000.
    pub retry_base_ms: u32,
    /// Upper bound of the retry delay, in ms. Default 60000, range 1000..=3600000.
    pub retry_max_ms: u32,
    /// Record a page view on single-page-app navigation (`history.pushState`, `replaceState`,
    /// `popstate`, when the URL without its fragment changes) and when the page is restored from
    /// the back/forward cache. Option `autotrack.pageviews`, default true (`autotrack: false`
    /// switches every kind of autotracking off).
    pub autotrack_pageviews: bool,
    /// Track clicks on elements annotated with `data-persona-*` attributes
    /// ([`crate::core::autotrack`]). Option `autotrack.clicks`, default true.
    pub autotrack_clicks: bool,
    /// Track searches in forms and inputs marked `data-persona-search`. Option
    /// `autotrack.searches`, default true.
    pub autotrack_searches: bool,
    /// CSS selector of the links and buttons whose clicks are `Element Clicked` events (the
    /// nearest match from the click target, unless the click is inside an annotated element and
    /// tracked as such). Option `autotrack.clickSelector`: default
    /// [`autotrack::DEFAULT_CLICK_SELECTOR`] (every link and button); `false` or `""` switches it
    /// off, as do `autotrack.clicks: false` and `autotrack: false` (then `None`). The browser
    /// checks it at init. See [`autotrack::element_click`].
    pub click_selector: Option<String>,
    /// What the visitor allowed so far (option `consent`); see [`crate::core::consent`].
    pub consent: Consent,
    /// Treat Global Privacy Control (`navigator.globalPrivacyControl`) as a denial of every
    /// category (option `respectGpc`). Default false.
    pub respect_gpc: bool,
    /// This tab's id (option `tabId`, 16 lowercase hex characters): set by the JS wrapper, which
    /// asks for the tab's Web Lock under it while the module loads, so the lock is held by the
    /// time persona starts instead of being waited for then. `None`: persona draws one.
    pub tab_id: Option<String>,
    /// Profile tunables (option `profile`); see [`ProfileConfig`].
    pub profile: ProfileConfig,
    /// Segment definitions (option `segments`), parsed by [`segments::parse`] where the
    /// browser can check their regular expressions: the web layer sets them after
    /// [`Config::from_options`].
    pub segments: Vec<Segment>,
}

/// The whole-number tunables as `(option, min, max, default)`, in the order they are checked: the
/// first six under `collector`, the others at the top level. One table read by one loop keeps
/// [`Config::from_options`] small in the wasm.
const WHOLE: [(&str, u32, u32, u32); 8] = [
    ("batchSize", 1, 100, 20),
    ("flushIntervalMs", 0, 60_000, 1000),
    ("maxQueue", 10, 10_000, 1000),
    ("maxQueueBytes", 32 * 1024, 4 * 1024 * 1024, 512 * 1024),
    ("retryBaseMs", 100, 60_000, 1000),
    ("retryMaxMs", 1000, 3_600_000, 60_000),
    ("maxEventBytes", 1024, 32768, 32768),
    ("sessionTimeoutMs", 60_000, 86_400_000, 30 * 60 * 1000),
];

/// How many [`WHOLE`] tunables are read from `collector`.
const COLLECTOR_WHOLE: usize = 6;

impl Default for Config {
    fn default() -> Config {
        let [batch_size, flush_interval_ms, max_queue, max_queue_bytes, retry_base_ms, retry_max_ms, max_event_bytes, session_timeout_ms] =
            WHOLE.map(|(.., default)| default);
        Config {
            collector_url: String::new(),
            format: Format::Segment,
            write_key: None,
            json_content_type: false,
            app_id: None,
            batch_size,
            flush_interval_ms,
            max_queue,
            max_event_bytes,
            max_queue_bytes,
            session_timeout_ms,
            pageview: true,
            retry_base_ms,
            retry_max_ms,
            consent: Consent::default(),
            respect_gpc: false,
            tab_id: None,
            autotrack_pageviews: true,
            autotrack_clicks: true,
            autotrack_searches: true,
            click_selector: Some(autotrack::DEFAULT_CLICK_SELECTOR.to_owned()),
            profile: ProfileConfig::default(),
            segments: Vec::new(),
        }
    }
}

impl Config {
    /// Validates the options object given to `init`.
    ///
    /// Everything is checked before anything is allocated, so no error path has to drop a
    /// half-built `Config` (each such path costs code in the wasm).
    pub fn from_options(options: &Value) -> Result<Config> {
        if !options.is_object() {
            return Err(Error::ConfigInvalid);
        }
        let c = match given(options, "collector") {
            None => return Err(Error::CollectorMissing),
            Some(c @ Value::Object(_)) => c,
            Some(_) => return Err(Error::OptionInvalid("collector")),
        };
        let url = match given(c, "url") {
            None => return Err(Error::CollectorMissing),
            Some(Value::String(url)) => validate_collector_url(url)?,
            Some(_) => return Err(Error::CollectorUrlInvalid),
        };
        let format = match given(c, "format") {
            None => Format::Segment,
            Some(name) => name.as_str().and_then(Format::from_name).ok_or(Error::OptionInvalid("format"))?,
        };
        if given(c, "transform").is_some() {
            // A function never gets here (the JS wrapper takes it); anything else is a mistake.
            return Err(Error::OptionInvalid("transform"));
        }
        let write_key = text(c, "writeKey")?;
        if write_key.is_some_and(|k| k.contains(':')) {
            // Basic auth ends the user name at the first colon: the collector would see less.
            return Err(Error::OptionInvalid("writeKey"));
        }
        let app_id = text(c, "appId")?;
        let json_content_type = match text(c, "contentType")? {
            None | Some("text/plain") => false,
            Some("application/json") => true,
            Some(_) => return Err(Error::OptionInvalid("contentType")),
        };
        let mut whole = [0; WHOLE.len()];
        for (i, ((key, min, max, default), slot)) in WHOLE.iter().zip(&mut whole).enumerate() {
            let obj = if i < COLLECTOR_WHOLE { c } else { options };
            let n = number(obj, key, f64::from(*min), f64::from(*max), f64::from(*default)).ok();
            *slot = n.filter(|n| crate::core::num::is_whole(*n)).ok_or(Error::OptionInvalid(key))? as u32;
        }
        let [batch_size, flush_interval_ms, max_queue, max_queue_bytes, retry_base_ms, retry_max_ms, max_event_bytes, session_timeout_ms] =
            whole;
        let pageview = flag(options, "pageview", true)?;
        let respect_gpc = flag(options, "respectGpc", false)?;
        let tab_id = match given(options, "tabId") {
            None => None,
            Some(Value::String(id))
                if id.len() == 16 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) =>
            {
                Some(id.clone())
            }
            Some(_) => return Err(Error::OptionInvalid("tabId")),
        };
        let consent = Consent::from_option(options.get("consent"))?;
        let autotrack = given(options, "autotrack");
        let (autotrack_pageviews, autotrack_clicks, autotrack_searches) = match autotrack {
            None => (true, true, true),
            Some(Value::Bool(all)) => (*all, *all, *all),
            Some(kinds @ Value::Object(_)) => (
                flag(kinds, "pageviews", true)?,
                flag(kinds, "clicks", true)?,
                flag(kinds, "searches", true)?,
            ),
            Some(_) => return Err(Error::OptionInvalid("autotrack")),
        };
        let selector = autotrack::click_selector(autotrack.and_then(|a| a.get("clickSelector")))?;
        let profile = ProfileConfig::from_option(options.get("profile"))?;
        Ok(Config {
            collector_url: url.to_owned(),
            format,
            write_key: write_key.map(str::to_owned),
            json_content_type,
            app_id: app_id.map(str::to_owned),
            batch_size,
            flush_interval_ms,
            max_queue,
            max_queue_bytes,
            max_event_bytes,
            session_timeout_ms,
            pageview,
            retry_base_ms,
            retry_max_ms,
            autotrack_pageviews,
            autotrack_clicks,
            autotrack_searches,
            click_selector: selector.filter(|_| autotrack_clicks).map(str::to_owned),
            consent,
            respect_gpc,
            tab_id,
            profile,
            segments: Vec::new(),
        })
    }
}

/// `obj[key]` unless absent or `null` (both mean "use the default").
fn given<'a>(obj: &'a Value, key: &str) -> Option<&'a Value> {
    obj.get(key).filter(|v| !v.is_null())
}

/// Reads an optional boolean; [`Error::OptionInvalid`] names `key`.
pub fn flag(obj: &Value, key: &'static str, default: bool) -> Result<bool> {
    match given(obj, key) {
        None => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(Error::OptionInvalid(key)),
    }
}

/// Reads an optional string of 1..=256 printable characters (no control characters).
fn text<'a>(obj: &'a Value, key: &'static str) -> Result<Option<&'a str>> {
    match given(obj, key) {
        None => Ok(None),
        Some(Value::String(s)) if !s.is_empty() && s.len() <= 256 && !s.chars().any(char::is_control) => {
            Ok(Some(s))
        }
        Some(_) => Err(Error::OptionInvalid(key)),
    }
}

/// Reads an optional number in `min..=max` from `obj[key]`; [`Error::OptionInvalid`] names `key`.
pub fn number(obj: &Value, key: &'static str, min: f64, max: f64, default: f64) -> Result<f64> {
    match given(obj, key) {
        None => Ok(default),
        Some(Value::Number(n)) if *n >= min && *n <= max => Ok(*n),
        Some(_) => Err(Error::OptionInvalid(key)),
    }
}

/// Accepts `http://host...`, `https://host...` and same-origin paths (`/v1/batch`). Rejects
/// protocol-relative `//host`, other schemes, whitespace and control characters.
pub fn validate_collector_url(url: &str) -> Result<&str> {
    if url.is_empty() || url.len() > 2048 || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::CollectorUrlInvalid);
    }
    let rest = if let Some(rest) = strip_prefix_ci(url, "https://") {
        rest
    } else if let Some(rest) = strip_prefix_ci(url, "http://") {
        rest
    } else if url.starts_with('/') && !url.starts_with("//") {
        return Ok(url);
    } else {
        return Err(Error::CollectorUrlInvalid);
    };
    // The authority ends at the first '/', '?' or '#'; the host starts after its last '@'.
    // Byte-wise on purpose: no `str` slicing, so no char-boundary panic path in the wasm.
    let rest = rest.as_bytes();
    let authority_len = rest.iter().position(|b| matches!(b, b'/' | b'?' | b'#')).unwrap_or(rest.len());
    let authority = rest.get(..authority_len).unwrap_or_default();
    let host = match authority.iter().rposition(|b| *b == b'@') {
        Some(at) => authority.get(at + 1..).unwrap_or_default(),
        None => authority,
    };
    if host.is_empty() || host.first() == Some(&b':') {
        return Err(Error::CollectorUrlInvalid);
    }
    Ok(url)
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.as_bytes().get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix.as_bytes()) {
        s.get(prefix.len()..)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(url: Value) -> Value {
        Value::object().with("collector", Value::object().with("url", url))
    }

    #[test]
    fn minimal_options_get_defaults() {
        let c = Config::from_options(&opts("/v1/batch".into())).unwrap();
        assert_eq!(c.collector_url, "/v1/batch");
        assert_eq!(c.batch_size, 20);
        assert!(c.pageview);
    }

    #[test]
    fn collector_is_required_and_checked() {
        assert_eq!(Config::from_options(&Value::Null), Err(Error::ConfigInvalid));
        assert_eq!(Config::from_options(&Value::object()), Err(Error::CollectorMissing));
        assert_eq!(
            Config::from_options(&Value::object().with("collector", Value::object())),
            Err(Error::CollectorMissing)
        );
        assert_eq!(Config::from_options(&opts(Value::Number(3.0))), Err(Error::CollectorUrlInvalid));
        assert_eq!(
            Config::from_options(&Value::object().with("collector", "x")),
            Err(Error::OptionInvalid("collector"))
        );
    }

    #[test]
    fn url_shapes() {
        for ok in ["/v1/batch", "https://c.example.com/v1/batch", "HTTP://127.0.0.1:8080/x", "http://h"] {
            assert_eq!(validate_collector_url(ok), Ok(ok), "{ok}");
        }
        for bad in [
            "",
            "v1/batch",
            "//evil.example/x",
            "ftp://h/x",
            "javascript:alert(1)",
            "https://",
            "https:///path",
            "http://:80/x",
            "/v1/ba tch",
            "https://h/\n",
        ] {
            assert_eq!(validate_collector_url(bad), Err(Error::CollectorUrlInvalid), "{bad:?}");
        }
    }

    #[test]
    fn tunables_are_range_checked() {
        let with = |key: &str, v: Value| {
            Value::object().with("collector", Value::object().with("url", "/c").with(key, v))
        };
        let c = Config::from_options(&with("batchSize", Value::Number(5.0))).unwrap();
        assert_eq!(c.batch_size, 5);
        for bad in [Value::Number(0.0), Value::Number(101.0), Value::Number(2.5), "5".into()] {
            assert_eq!(Config::from_options(&with("batchSize", bad)), Err(Error::OptionInvalid("batchSize")));
        }
        let off = opts("/c".into()).with("autotrack", false);
        assert!(!Config::from_options(&off).unwrap().autotrack_pageviews);
        assert!(!Config::from_options(&off).unwrap().autotrack_clicks);
        let kinds = opts("/c".into()).with("autotrack", Value::object().with("pageviews", false));
        assert!(!Config::from_options(&kinds).unwrap().autotrack_pageviews);
        assert!(Config::from_options(&opts("/c".into())).unwrap().autotrack_pageviews);
        let bad = opts("/c".into()).with("autotrack", "yes");
        assert_eq!(Config::from_options(&bad), Err(Error::OptionInvalid("autotrack")));
        let collector = |key: &str, v: Value| {
            Value::object().with("collector", Value::object().with("url", "/c").with(key, v))
        };
        let c = Config::from_options(&collector("format", "snowplow".into())).unwrap();
        assert_eq!(c.format, Format::Snowplow);
        assert_eq!(c.write_key, None);
        assert!(!c.json_content_type);
        let c = Config::from_options(&collector("contentType", "application/json".into())).unwrap();
        assert!(c.json_content_type);
        let c = Config::from_options(&collector("writeKey", "wk_1".into())).unwrap();
        assert_eq!(c.write_key.as_deref(), Some("wk_1"));
        for (key, bad) in [
            ("format", Value::from("rudder")),
            ("format", Value::Number(1.0)),
            ("writeKey", Value::from("")),
            ("writeKey", Value::from("a\nb")),
            ("writeKey", Value::from("k".repeat(257))),
            ("writeKey", Value::from("key:with-colon")),
            ("contentType", Value::from("application/x-www-form-urlencoded")),
            ("appId", Value::Bool(true)),
            ("transform", Value::from("x => x")),
        ] {
            let name = match key {
                "transform" => "transform",
                "format" => "format",
                "writeKey" => "writeKey",
                "contentType" => "contentType",
                _ => "appId",
            };
            assert_eq!(Config::from_options(&collector(key, bad)), Err(Error::OptionInvalid(name)), "{key}");
        }
        let bad_pageview = opts("/c".into()).with("pageview", "no");
        assert_eq!(Config::from_options(&bad_pageview), Err(Error::OptionInvalid("pageview")));
    }

    #[test]
    fn the_wrappers_tab_id_is_checked() {
        let with = |v: Value| Config::from_options(&opts("/c".into()).with("tabId", v)).map(|c| c.tab_id);
        assert_eq!(with("0123456789abcdef".into()), Ok(Some("0123456789abcdef".into())));
        assert_eq!(with(Value::Null), Ok(None));
        for bad in ["0123456789ABCDEF", "0123456789abcde", "0123456789abcdef0", "persona:outbox:x"] {
            assert_eq!(with(bad.into()), Err(Error::OptionInvalid("tabId")), "{bad}");
        }
        assert_eq!(with(16.0.into()), Err(Error::OptionInvalid("tabId")));
    }

    #[test]
    fn click_selector_follows_autotrack_clicks() {
        let selector = |kinds: Value| Config::from_options(&opts("/c".into()).with("autotrack", kinds));
        assert_eq!(
            selector(Value::object().with("clickSelector", "a.cta")).unwrap().click_selector.as_deref(),
            Some("a.cta")
        );
        assert_eq!(
            selector(Value::object().with("clicks", false).with("clickSelector", "a"))
                .unwrap()
                .click_selector,
            None
        );
        assert_eq!(selector(false.into()).unwrap().click_selector, None);
        assert_eq!(
            selector(Value::object().with("clickSelector", 1.0)),
            Err(Error::OptionInvalid("clickSelector"))
        );
    }
}
