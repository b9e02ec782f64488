//! Sessions: a visit ends after [`Config::session_timeout_ms`](crate::core::config::Config)
//! without events (default 30 minutes) or when the visitor arrives through a new campaign.
//!
//! Every event carries `context.session = {id, number, landing_page, referrer}`: a random id, the
//! visitor's session count (1 for the first visit), and the page and referrer the session
//! started with. The session is stored with the visitor (`persona:session`) when consent allows
//! storage, so it survives page loads; otherwise it lives for the page. A continuing session is
//! rewritten at most every [`STORE_INTERVAL_MS`] (its last-seen time is all that changes), so a
//! page that tracks often does not write the same key on every event.

use crate::core::error::Result;
use crate::core::id;
use crate::core::platform::Entropy;
use crate::core::value::Value;
use crate::prelude::*;

/// Least time between two writes of a continuing session, in ms: its stored last-seen time may
/// lag by this much, which can end a 30-minute session up to a minute early after a reload.
pub const STORE_INTERVAL_MS: u64 = 60_000;

/// The current visit.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// Random id (UUID v4).
    pub id: String,
    /// 1 for the visitor's first session, then counting up.
    pub number: u32,
    /// When it started, ms since the epoch.
    pub started_at: u64,
    /// Its last event, ms since the epoch.
    pub last_seen: u64,
    /// The campaign it came from (`source/medium/name`), if any.
    pub campaign: Option<String>,
    /// The URL it started on.
    pub landing_page: String,
    /// The referrer it started with.
    pub referrer: String,
    /// The visitor's last search in this session, and when it was made (ms since the epoch):
    /// clicks on results carry it.
    pub last_search: Option<(String, u64)>,
}

/// Where an event happens, as far as sessions care.
pub struct Visit<'a> {
    /// Now, ms since the epoch.
    pub now: u64,
    /// The page's campaign (`context.campaign`), if any.
    pub campaign: Option<&'a Value>,
    /// The page URL.
    pub url: &'a str,
    /// The page's referrer.
    pub referrer: &'a str,
}

/// `source/medium/name` of a campaign, which is what makes two campaigns different.
fn campaign_key(campaign: &Value) -> String {
    let field = |k| campaign.get(k).and_then(Value::as_str).unwrap_or_default();
    let mut key = String::new();
    for (i, part) in [field("source"), field("medium"), field("name")].iter().enumerate() {
        if i > 0 {
            key.push('/');
        }
        key.push_str(part);
    }
    key
}

impl Session {
    /// The session an event at `visit` belongs to: `current` if it is still going, else a new
    /// one (numbered after `current`). Returns it and whether it is new.
    pub fn continue_or_start(
        current: Option<Session>,
        visit: &Visit<'_>,
        timeout_ms: u64,
        entropy: &impl Entropy,
    ) -> Result<(Session, bool)> {
        let campaign = visit.campaign.map(campaign_key);
        let number = match current {
            Some(mut session) => {
                let idle = visit.now.saturating_sub(session.last_seen) > timeout_ms;
                let new_campaign = campaign.is_some() && campaign != session.campaign;
                if !idle && !new_campaign {
                    session.last_seen = session.last_seen.max(visit.now);
                    return Ok((session, false));
                }
                session.number.saturating_add(1)
            }
            None => 1,
        };
        let session = Session {
            id: id::uuid_v4(entropy)?,
            number,
            started_at: visit.now,
            last_seen: visit.now,
            campaign,
            landing_page: visit.url.to_owned(),
            referrer: visit.referrer.to_owned(),
            last_search: None,
        };
        Ok((session, true))
    }

    /// `context.session`.
    pub fn to_context(&self) -> Value {
        Value::object()
            .with("id", self.id.as_str())
            .with("number", f64::from(self.number))
            .with("landing_page", self.landing_page.as_str())
            .with("referrer", self.referrer.as_str())
    }

    /// The stored form.
    pub fn to_value(&self) -> Value {
        Value::object()
            .with("id", self.id.as_str())
            .with("n", f64::from(self.number))
            .with("s", self.started_at as f64)
            .with("l", self.last_seen as f64)
            .with("c", self.campaign.clone())
            .with("p", self.landing_page.as_str())
            .with("r", self.referrer.as_str())
            .with("q", self.last_search.as_ref().map(|(q, _)| q.as_str()))
            .with("qt", self.last_search.as_ref().map(|(_, t)| *t as f64))
    }

    /// Reads the stored form; `None` for anything malformed (a fresh session starts then).
    pub fn from_value(value: &Value) -> Option<Session> {
        let number = |k| value.get(k).and_then(Value::as_f64).filter(|n| *n >= 0.0);
        let text = |k| value.get(k).and_then(Value::as_str).map(str::to_owned);
        Some(Session {
            id: text("id").filter(|id| id::is_uuid(id))?,
            number: number("n")? as u32,
            started_at: number("s")? as u64,
            last_seen: number("l")? as u64,
            campaign: text("c"),
            landing_page: text("p").unwrap_or_default(),
            referrer: text("r").unwrap_or_default(),
            last_search: text("q").zip(number("qt").map(|t| t as u64)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::testing::MemPlatform;

    const MIN: u64 = 60_000;

    fn visit(now: u64, campaign: Option<&Value>) -> Visit<'_> {
        Visit { now, campaign, url: "https://shop/landing", referrer: "https://search.example/" }
    }

    #[test]
    fn continues_within_the_timeout_and_restarts_after() {
        let p = MemPlatform::default();
        let (first, new) = Session::continue_or_start(None, &visit(0, None), 30 * MIN, &p).unwrap();
        assert!(new);
        assert_eq!((first.number, first.landing_page.as_str()), (1, "https://shop/landing"));
        let (same, new) =
            Session::continue_or_start(Some(first.clone()), &visit(29 * MIN, None), 30 * MIN, &p).unwrap();
        assert!(!new);
        assert_eq!((same.id.as_str(), same.last_seen), (first.id.as_str(), 29 * MIN));
        let (still, _) =
            Session::continue_or_start(Some(same.clone()), &visit(58 * MIN, None), 30 * MIN, &p).unwrap();
        assert_eq!(still.id, first.id, "inactivity is measured from the last event");
        let (next, new) =
            Session::continue_or_start(Some(still), &visit(89 * MIN, None), 30 * MIN, &p).unwrap();
        assert!(new);
        assert_ne!(next.id, first.id);
        assert_eq!(next.number, 2);
    }

    #[test]
    fn a_new_campaign_starts_a_new_session() {
        let p = MemPlatform::default();
        let news = Value::object().with("source", "newsletter").with("medium", "email");
        let ads = Value::object().with("source", "ads");
        let (s, _) = Session::continue_or_start(None, &visit(0, Some(&news)), 30 * MIN, &p).unwrap();
        let (same, new) =
            Session::continue_or_start(Some(s.clone()), &visit(MIN, Some(&news)), 30 * MIN, &p).unwrap();
        assert!(!new, "the same campaign again");
        let (plain, new) =
            Session::continue_or_start(Some(same), &visit(2 * MIN, None), 30 * MIN, &p).unwrap();
        assert!(!new, "a page without a campaign continues the session");
        let (other, new) =
            Session::continue_or_start(Some(plain), &visit(3 * MIN, Some(&ads)), 30 * MIN, &p).unwrap();
        assert!(new);
        assert_eq!(other.campaign.as_deref(), Some("ads//"));
    }

    #[test]
    fn stored_form_round_trips_and_rejects_garbage() {
        let p = MemPlatform::default();
        let (mut s, _) = Session::continue_or_start(None, &visit(5, None), 30 * MIN, &p).unwrap();
        assert_eq!(Session::from_value(&s.to_value()), Some(s.clone()));
        s.last_search = Some(("ps5".into(), 7));
        assert_eq!(Session::from_value(&s.to_value()), Some(s.clone()));
        assert_eq!(Session::from_value(&Value::object().with("id", "x")), None);
        let ctx = s.to_context();
        assert_eq!(ctx.get("number").and_then(Value::as_f64), Some(1.0));
        assert_eq!(ctx.get("referrer").and_then(Value::as_str), Some("https://search.example/"));
    }
}
