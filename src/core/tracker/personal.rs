//! The tracker's personalization half: every recorded event updates the visitor's [`Profile`],
//! segments are re-evaluated right after, and membership changes become `Segment Entered` /
//! `Segment Exited` events recorded behind the event that caused them (same page view, no
//! server round trip). Identity (`identify`, `reset`) and data from other channels
//! (`profile.import`) live here too.
//!
//! Consent: the profile is kept in memory unless personalization is denied, and stored under
//! [`KEY_PROFILE`] only once it is granted (at most every [`PROFILE_STORE_INTERVAL_MS`], and at
//! once for orders, identify, import and [`Tracker::save`], which the web layer calls when the
//! page is hidden). A stored value persona cannot read yields a fresh profile and a
//! `storage_corrupt` warning.

use super::{read, Tracker};
use crate::core::consent::State;
use crate::core::decide::{self, Decision};
use crate::core::error::{Error, Result};
use crate::core::event::{EventKind, PageContext};
use crate::core::platform::Platform;
use crate::core::profile::{self, Profile};
use crate::core::segments;
use crate::core::value::Value;
use crate::prelude::*;

/// localStorage key of the visitor profile (see [`crate::core::profile`]).
pub const KEY_PROFILE: &str = "persona:profile";
/// localStorage key of the known customer's id (`identify`; stored under any granted consent,
/// like the anonymous id, since analytics needs it on every event).
pub const KEY_USER_ID: &str = "persona:user_id";

/// Longest time the stored profile may lag behind the one in memory, in ms, while the page is
/// visible (it is written when the page is hidden, and at once after orders).
pub const PROFILE_STORE_INTERVAL_MS: u64 = 2_000;

/// Segment membership that changed since the last [`Tracker::take_segment_change`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SegmentChange {
    /// Keys entered.
    pub entered: Vec<String>,
    /// Keys exited.
    pub exited: Vec<String>,
}

/// The personalization state the tracker keeps beside the profile.
#[derive(Debug, Default)]
pub struct Personal {
    pub(super) profile: Profile,
    /// The profile changed since it was last stored.
    dirty: bool,
    /// When it was last stored.
    stored_at: u64,
    /// Membership changes not yet taken by the web layer.
    change: Option<SegmentChange>,
    /// `"mobile" | "tablet" | "desktop"`, set by the web layer.
    device: &'static str,
    /// The known customer's id.
    pub(super) user_id: Option<String>,
    /// The stored profile as this tab last read or wrote it: when storage holds something else,
    /// another tab changed the visitor, and this one adopts it (see [`Tracker::sync`]).
    stored_text: Option<String>,
}

/// A user id persona accepts: 1 to 256 bytes, no control characters.
fn valid_user_id(id: &str) -> bool {
    (1..=256).contains(&id.len()) && !id.chars().any(char::is_control)
}

impl Personal {
    /// The profile must be written at the next [`Tracker::save`].
    pub(super) fn mark_dirty(&mut self) {
        self.dirty = true;
    }
}

impl<P: Platform> Tracker<P> {
    /// Reads the stored profile (personalization granted only); unknown segments are dropped.
    pub(super) fn restore_profile(&mut self) {
        if self.consent.personalization != State::Granted {
            return;
        }
        let Some(text) = read(&self.platform, KEY_PROFILE, &mut self.warnings) else { return };
        if !self.adopt(&text) {
            self.warnings.push(Error::StorageCorrupt);
            self.personal.dirty = true; // overwrite what cannot be read
        }
        self.personal.stored_text = Some(text);
    }

    /// Takes the stored profile `text` as this tab's; false when it cannot be read.
    fn adopt(&mut self, text: &str) -> bool {
        let Some(mut profile) = self.platform.decode(text).ok().as_ref().and_then(Profile::from_value) else {
            return false;
        };
        profile.segments.retain(|k| self.config.segments.iter().any(|s| s.key == *k));
        self.personal.profile = profile;
        self.personal.dirty = false;
        true
    }

    /// Another tab may have changed the visitor since this one last read or wrote the profile
    /// (an order, a login, a logout, `forget()`): when the stored profile differs, adopt it,
    /// with the ids stored beside it. Profile updates this tab made since its last write (at
    /// most [`PROFILE_STORE_INTERVAL_MS`] old) give way; events never do.
    fn sync(&mut self) {
        if self.consent.personalization != State::Granted {
            return;
        }
        let current = self.platform.get(KEY_PROFILE).ok().flatten();
        if current == self.personal.stored_text {
            return;
        }
        match &current {
            Some(text) => {
                self.adopt(text);
            }
            None => {
                self.personal.profile = Profile::default(); // erased: a logout or forget()
                self.personal.dirty = false;
            }
        }
        self.personal.stored_text = current;
        self.restore_ids();
    }

    /// Reads the user id, and the anonymous id another tab may have renewed.
    pub(super) fn restore_ids(&mut self) {
        let stored = self.platform.get(super::KEY_ANONYMOUS_ID).ok().flatten();
        if let Some(id) = stored.filter(|s| crate::core::id::is_uuid(s)) {
            self.anonymous_id = id;
        }
        self.personal.user_id = self.platform.get(KEY_USER_ID).ok().flatten().filter(|u| valid_user_id(u));
    }

    /// Sets the device class `device.type` reads (`"mobile"`, `"tablet"` or `"desktop"`).
    pub fn set_device(&mut self, device: &'static str) {
        self.personal.device = device;
    }

    /// Updates the profile with a recorded event, re-evaluates segments and records the
    /// membership changes as events.
    pub(super) fn observe(&mut self, event: &Value, page: &PageContext) {
        if self.consent.personalization == State::Denied {
            return;
        }
        self.sync();
        let now = self.platform.now_ms();
        self.personal.profile.record(event, now, &self.config.profile);
        let urgent = event.get("event").and_then(Value::as_str) == Some("Order Completed");
        self.profile_changed(now, urgent, page);
    }

    fn profile_changed(&mut self, now: u64, urgent: bool, page: &PageContext) {
        self.personal.dirty = true;
        self.evaluate_segments(now, page);
        if urgent || now >= self.personal.stored_at.saturating_add(PROFILE_STORE_INTERVAL_MS) {
            self.save();
        }
    }

    /// Writes the profile if it changed and personalization is granted.
    pub fn save(&mut self) {
        if !self.personal.dirty || self.consent.personalization != State::Granted {
            return;
        }
        let text = self.personal.profile.to_json(&|n, out| self.platform.number_text(n, out));
        self.write(KEY_PROFILE, &text);
        self.personal.stored_text = Some(text);
        self.personal.dirty = false;
        self.personal.stored_at = self.platform.now_ms();
    }

    fn evaluate_segments(&mut self, now: u64, page: &PageContext) {
        let definitions = core::mem::take(&mut self.config.segments);
        if !definitions.is_empty() {
            let attributes = self.attributes_at(now, false);
            let active = segments::evaluate(&definitions, &attributes, &self.platform);
            let (entered, exited) = segments::changes(&self.personal.profile.segments, &active);
            // Reported only once membership can be stored: before that, every page load would
            // enter the segments again.
            let report = self.consent.personalization == State::Granted;
            for (name, keys) in [("Segment Entered", &entered), ("Segment Exited", &exited)] {
                if !report {
                    break;
                }
                for key in keys {
                    let Some(segment) = definitions.iter().find(|s| s.key == *key) else { continue };
                    let properties = Value::object()
                        .with("segment_id", key.as_str())
                        .with("segment_name", segment.name.as_str());
                    if let Ok(recorded) = self.record(EventKind::Track, Some(name), properties, page) {
                        self.side.push(recorded.json);
                    }
                }
            }
            if !(entered.is_empty() && exited.is_empty()) {
                self.personal.profile.segments = active;
                let change = self.personal.change.get_or_insert_with(SegmentChange::default);
                change.entered.extend(entered);
                change.exited.extend(exited);
            }
        }
        self.config.segments = definitions;
    }

    /// The attributes conditions read: the profile's ([`Profile::attributes`]) with
    /// `device.type` and, when `with_segments`, `segments` (the keys the visitor is in).
    fn attributes_at(&self, now: u64, with_segments: bool) -> Value {
        let profile = &self.personal.profile;
        let mut attributes = profile.attributes(now, &self.config.profile);
        attributes.set("device", Value::object().with("type", self.personal.device));
        attributes.set("user_id", self.personal.user_id.as_deref().into());
        if with_segments {
            let keys = profile.segments.iter().map(|k| k.as_str().into()).collect();
            attributes.set("segments", Value::Array(keys));
        }
        attributes
    }

    /// The profile as conditions see it, with the segments: what `p.profile()` returns.
    pub fn attributes(&self) -> Value {
        self.attributes_at(self.platform.now_ms(), true)
    }

    /// Keys of the segments the visitor is in.
    pub fn segments(&self) -> &[String] {
        &self.personal.profile.segments
    }

    /// Segment membership changed since the last call, if it did.
    pub fn take_segment_change(&mut self) -> Option<SegmentChange> {
        self.personal.change.take()
    }

    /// JSON texts of the events recorded on the side (segment changes) since the last call.
    pub fn take_side_events(&mut self) -> Vec<String> {
        core::mem::take(&mut self.side)
    }

    /// The visitor logged in as `user_id`: later events carry it and an `identify` event is
    /// recorded with the traits. With personalization allowed the traits join the profile
    /// (replacing the previous customer's when the id changes) and segments are re-evaluated.
    /// The anonymous history stays. Nothing changes when the event cannot be recorded.
    pub fn identify(&mut self, user_id: &str, traits: Value, page: &PageContext) -> Result<String> {
        if !valid_user_id(user_id) {
            return Err(Error::PropertyInvalid("userId"));
        }
        let personalize = self.consent.personalization != State::Denied;
        if personalize {
            self.sync();
        }
        let same = self.personal.user_id.as_deref() == Some(user_id);
        let current = if personalize && same { &self.personal.profile.traits } else { &Value::Null };
        let merged = profile::merged_traits(current, &traits)?;
        let before = self.personal.user_id.replace(user_id.to_owned());
        let recorded = match self.record(EventKind::Identify, None, merged.clone(), page) {
            Ok(recorded) => recorded,
            Err(e) => {
                self.personal.user_id = before;
                return Err(e);
            }
        };
        if self.consent.may_store() {
            self.write(KEY_USER_ID, user_id);
        }
        if personalize {
            self.personal.profile.traits = merged;
            let now = self.platform.now_ms();
            self.profile_changed(now, true, page);
        }
        Ok(recorded.json)
    }

    /// Merges data from other channels ([`Profile::import`]) and re-evaluates segments.
    pub fn import(&mut self, data: &Value, page: &PageContext) -> Result<()> {
        if self.consent.personalization == State::Denied {
            return Ok(());
        }
        self.sync();
        let now = self.platform.now_ms();
        self.personal.profile.import(data, now, &self.config.profile)?;
        self.profile_changed(now, true, page);
        Ok(())
    }

    /// The visitor logged out: a new anonymous id and session, and the profile, user id, traits
    /// and segment membership forgotten (on the device too). Queued events are still delivered.
    pub fn reset(&mut self) -> Result<()> {
        self.anonymous_id = crate::core::id::uuid_v4(&self.platform)?;
        if self.consent.may_store() {
            self.write(super::KEY_ANONYMOUS_ID, &self.anonymous_id.clone());
        }
        self.personal.user_id = None;
        let _ = self.platform.remove(KEY_USER_ID);
        // The next person on the device starts their own first visit.
        self.session = None;
        let _ = self.platform.remove(super::KEY_SESSION);
        self.clear_profile();
        Ok(())
    }

    /// Forgets the profile in memory and on the device.
    pub(super) fn clear_profile(&mut self) {
        let exited = core::mem::take(&mut self.personal.profile.segments);
        if !exited.is_empty() {
            let change = self.personal.change.get_or_insert_with(SegmentChange::default);
            change.exited.extend(exited);
        }
        self.personal.profile = Profile::default();
        self.personal.dirty = false;
        self.personal.stored_text = None;
        if let Err(e) = self.platform.remove(KEY_PROFILE) {
            self.warnings.push(e);
        }
    }

    /// The next best action for `slot` among `candidates` (see [`decide::decide`]).
    pub fn decide(&self, candidates: &Value) -> Result<Decision> {
        let now = self.platform.now_ms();
        let attributes = self.attributes_at(now, true);
        let profile = &self.personal.profile;
        let config = &self.config.profile;
        decide::decide(candidates, &attributes, &profile.segments, profile, now, config, &self.platform)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{config, page};
    use super::super::*;
    use crate::core::consent::{Consent, State};
    use crate::core::outbox::Urgency;
    use crate::core::segments;
    use crate::core::testing::{MemPlatform, NativeHost};

    fn shop_config() -> Config {
        let definitions = crate::core::json::parse(
            r#"[{"key": "console-owner", "name": "Console owners",
                 "condition": {"purchased.categories": {"$in": ["consoles"]}}},
                {"key": "gold", "condition": {"traits.loyalty_tier": "gold"}},
                {"key": "store-buyer", "condition": {"purchased.orders": {"$gte": 1}, "counts.hotline_contacted": {"$gte": 2}}}]"#,
            16,
            &|t| t.parse().unwrap(),
        )
        .unwrap();
        let segments = segments::parse(Some(&definitions), &NativeHost).unwrap();
        Config { batch_size: 100, segments, ..config() }
    }

    fn console(id: &str) -> Value {
        Value::object().with("product_id", id).with("category", "consoles").with("price", 299.0)
    }

    fn sent(p: &MemPlatform, t: &mut Tracker<MemPlatform>) -> Vec<serde_json::Value> {
        let request = t.next_request(Urgency::Now).unwrap();
        let body = p.decode_json(&request.body.text);
        t.settle(request.id, 200, None);
        body["batch"].as_array().unwrap().clone()
    }

    #[test]
    fn buying_a_console_enters_console_owner_at_once_and_tells_the_collector() {
        let p = MemPlatform::default();
        let mut t = Tracker::new(p.clone(), shop_config()).unwrap();
        for id in ["c1", "c2", "c3"] {
            t.track("Product Viewed", console(id), &page()).unwrap();
        }
        assert!(t.segments().is_empty());
        assert_eq!(t.take_segment_change(), None);
        let order = Value::object()
            .with("order_id", "o-1")
            .with("revenue", 299.0)
            .with("products", Value::Array(vec![console("c2")]));
        t.track("Order Completed", order, &page()).unwrap();
        assert_eq!(t.segments(), ["console-owner"]);
        let change = t.take_segment_change().unwrap();
        assert_eq!((change.entered, change.exited), (vec!["console-owner".to_owned()], vec![]));
        assert_eq!(t.take_side_events().len(), 1);
        let batch = sent(&p, &mut t);
        let names: Vec<_> = batch.iter().map(|e| e["event"].as_str().unwrap_or_default()).collect();
        assert_eq!(names[3..], ["Order Completed", "Segment Entered"], "right behind its cause");
        assert_eq!(batch[4]["properties"]["segment_id"], "console-owner");
        assert_eq!(batch[4]["properties"]["segment_name"], "Console owners");
        assert_eq!(t.attributes().get("segments"), Some(&Value::Array(vec!["console-owner".into()])));

        // The order is stored at once; a reload knows the visitor and does not enter again.
        let stored = p.stored(KEY_PROFILE).expect("profile stored");
        assert!(stored.contains("\"sg\":[\"console-owner\"]"), "{stored}");
        let mut again = Tracker::new(p.clone(), shop_config()).unwrap();
        assert_eq!(again.segments(), ["console-owner"]);
        again.track("Product Viewed", console("c4"), &page()).unwrap();
        assert_eq!(again.take_segment_change(), None);
    }

    #[test]
    fn identify_import_and_reset() {
        let p = MemPlatform::default();
        let mut t = Tracker::new(p.clone(), shop_config()).unwrap();
        let anonymous = t.anonymous_id().to_owned();
        t.identify("u-42", Value::object().with("loyalty_tier", "gold"), &page()).unwrap();
        assert_eq!(t.segments(), ["gold"]);
        assert_eq!(t.identify("", Value::Null, &page()), Err(Error::PropertyInvalid("userId")));
        assert_eq!(
            t.identify("u-42", Value::object().with("nested", Value::object()), &page()),
            Err(Error::PropertyInvalid("traits"))
        );
        t.track("Product Viewed", console("c1"), &page()).unwrap();
        let batch = sent(&p, &mut t);
        assert_eq!(batch[0]["type"], "identify");
        assert_eq!(batch[0]["userId"], "u-42");
        assert_eq!(batch[0]["anonymousId"], anonymous.as_str(), "the anonymous history stays");
        assert_eq!(batch[0]["traits"]["loyalty_tier"], "gold");
        assert_eq!(batch[2]["userId"], "u-42", "later events carry the user id");

        // Store purchases and hotline contacts from the shop's backend, imported twice.
        let data = crate::core::json::parse(
            r#"{"traits": {"city": "Köln"},
                "purchases": [{"order_id": "store-7", "revenue": 89.5, "at": "2024-01-05T10:00:00Z",
                               "products": [{"product_id": "g1", "category": "games"}]}],
                "counts": {"Hotline Contacted": 2}}"#,
            16,
            &|t| t.parse().unwrap(),
        )
        .unwrap();
        t.import(&data, &page()).unwrap();
        t.import(&data, &page()).unwrap();
        let attributes = t.attributes();
        let at = |path: &str| path.split('.').try_fold(&attributes, |v, k| v.get(k)).cloned();
        assert_eq!(at("purchased.orders"), Some(Value::Number(1.0)), "imports are idempotent");
        assert_eq!(at("traits.city"), Some("Köln".into()));
        assert_eq!(at("traits.loyalty_tier"), Some("gold".into()));
        assert_eq!(t.segments(), ["gold", "store-buyer"]);
        assert_eq!(
            t.import(&Value::object().with("purchases", Value::Array(vec![Value::object()])), &page()),
            Err(Error::PropertyMissing("order_id"))
        );

        t.reset().unwrap();
        assert_ne!(t.anonymous_id(), anonymous);
        assert!(t.segments().is_empty());
        assert_eq!(t.take_segment_change().map(|c| c.exited.len()), Some(2));
        assert_eq!(p.stored(KEY_PROFILE), None, "logout forgets the profile on the device");
        assert_eq!(t.attributes().get("user_id"), Some(&Value::Null));
        t.track("Product Viewed", console("c9"), &page()).unwrap();
        assert_eq!(value_at(&t, "session.count"), Value::Number(1.0), "the next person starts afresh");
    }

    #[test]
    fn the_profile_waits_for_personalization_consent_and_survives_corruption() {
        let p = MemPlatform::default();
        let pending = Config { consent: Consent::all(State::Pending), ..shop_config() };
        let mut t = Tracker::new(p.clone(), pending.clone()).unwrap();
        t.track("Product Viewed", console("c1"), &page()).unwrap();
        assert_eq!(p.stored(KEY_PROFILE), None, "nothing stored before consent");
        assert!(t.attributes().get("viewed").and_then(|v| v.get("count")) == Some(&Value::Number(1.0)));
        t.set_consent(State::Granted, &["personalization".to_owned()]).unwrap();
        assert!(p.stored(KEY_PROFILE).is_some(), "stored once granted");
        t.set_consent(State::Denied, &["personalization".to_owned()]).unwrap();
        assert_eq!(p.stored(KEY_PROFILE), None, "a denial erases it");
        t.track("Product Viewed", console("c2"), &page()).unwrap();
        assert_eq!(t.attributes().get("viewed").and_then(|v| v.get("count")), Some(&Value::Number(0.0)));

        for junk in ["{not json", "{\"v\": 99}", "[1,2]"] {
            let p = MemPlatform::default();
            p.put(KEY_PROFILE, junk);
            let mut t = Tracker::new(p.clone(), shop_config()).unwrap();
            assert_eq!(t.take_warnings(), [Error::StorageCorrupt], "{junk}");
            t.track(
                "Order Completed",
                Value::object()
                    .with("order_id", "o")
                    .with("revenue", 1.0)
                    .with("products", Value::Array(vec![])),
                &page(),
            )
            .unwrap();
            let stored = p.stored(KEY_PROFILE).unwrap();
            assert!(stored.contains("\"o\":1"), "a fresh profile replaces it: {stored}");
        }
    }

    fn order(id: &str, product: Value) -> Value {
        Value::object()
            .with("order_id", id)
            .with("revenue", 299.0)
            .with("products", Value::Array(vec![product]))
    }

    fn names(p: &MemPlatform, t: &mut Tracker<MemPlatform>) -> Vec<String> {
        let batch = sent(p, t);
        batch.iter().map(|e| e["event"].as_str().unwrap_or(e["type"].as_str().unwrap()).to_owned()).collect()
    }

    fn value_at(t: &Tracker<MemPlatform>, path: &str) -> Value {
        let a = t.attributes();
        path.split('.').try_fold(&a, |v, k| v.get(k)).cloned().unwrap_or(Value::Null)
    }

    #[test]
    fn tabs_share_one_visitor() {
        let p = MemPlatform::default();
        let mut a = Tracker::new(p.clone(), shop_config()).unwrap();
        let mut b = Tracker::new(p.clone(), shop_config()).unwrap();
        a.track("Order Completed", order("o-1", console("c1")), &page()).unwrap();
        assert_eq!(names(&p, &mut a), ["Order Completed", "Segment Entered"]);
        p.advance(5_000);
        b.track("Product Viewed", console("c2"), &page()).unwrap();
        assert_eq!(b.segments(), ["console-owner"], "tab b adopts what tab a stored");
        assert_eq!(names(&p, &mut b), ["Product Viewed"], "and does not enter it a second time");
        b.save();
        let reloaded = Tracker::new(p.clone(), shop_config()).unwrap();
        assert_eq!(
            value_at(&reloaded, "purchased.orders"),
            Value::Number(1.0),
            "the order survives b's write"
        );
        assert_eq!(value_at(&reloaded, "viewed.count"), Value::Number(1.0));

        // A logout in tab a is not undone by tab b.
        a.identify("alice", Value::object().with("loyalty_tier", "gold"), &page()).unwrap();
        b.track("Product Viewed", console("c3"), &page()).unwrap();
        assert_eq!(value_at(&b, "user_id"), "alice".into());
        a.reset().unwrap();
        b.track("Product Viewed", console("c4"), &page()).unwrap();
        p.advance(5_000);
        b.track("Product Viewed", console("c5"), &page()).unwrap();
        assert_eq!(value_at(&b, "user_id"), Value::Null, "b follows the logout");
        assert_eq!(value_at(&b, "traits.loyalty_tier"), Value::Null);
        assert_eq!(b.anonymous_id(), a.anonymous_id(), "and takes the new anonymous id");
        let fresh = Tracker::new(p.clone(), shop_config()).unwrap();
        assert_eq!(value_at(&fresh, "user_id"), Value::Null);
    }

    #[test]
    fn identity_follows_analytics_and_traits_follow_personalization() {
        let p = MemPlatform::default();
        let split = |personalization| Config {
            consent: Consent { analytics: State::Granted, personalization },
            ..shop_config()
        };
        let mut t = Tracker::new(p.clone(), split(State::Denied)).unwrap();
        t.identify("u1", Value::object().with("loyalty_tier", "gold"), &page()).unwrap();
        assert!(t.segments().is_empty(), "no segment without personalization");
        assert_eq!(value_at(&t, "traits.loyalty_tier"), Value::Null);
        t.track("Product Viewed", console("c1"), &page()).unwrap();
        let batch = sent(&p, &mut t);
        assert_eq!(batch.len(), 2, "no Segment Entered: {batch:?}");
        assert_eq!(batch[1]["userId"], "u1");
        let mut again = Tracker::new(p.clone(), split(State::Pending)).unwrap();
        let e = again.track("Product Viewed", console("c1"), &page()).unwrap().event;
        assert_eq!(e.get("userId"), Some(&"u1".into()), "the user id survives a reload");

        // Pending personalization: membership in memory, no events until it can be stored.
        let mut t = Tracker::new(MemPlatform::default(), split(State::Pending)).unwrap();
        t.track("Order Completed", order("o-1", console("c1")), &page()).unwrap();
        assert_eq!(t.segments(), ["console-owner"]);
        assert!(t.take_side_events().is_empty());

        // Another customer on the same device does not inherit the traits; a failed identify
        // changes nothing.
        let small = Config { max_event_bytes: 1024, ..shop_config() };
        let mut t = Tracker::new(MemPlatform::default(), small).unwrap();
        t.identify("alice", Value::object().with("loyalty_tier", "gold"), &page()).unwrap();
        t.identify("bob", Value::object().with("city", "Bonn"), &page()).unwrap();
        assert_eq!(value_at(&t, "traits.loyalty_tier"), Value::Null);
        assert!(t.segments().is_empty());
        let long = "x".repeat(250);
        let big = (0..6).fold(Value::object(), |o, i| o.with(&format!("k{i}"), long.as_str()));
        assert_eq!(t.identify("carol", big, &page()), Err(Error::EventTooLarge));
        assert_eq!(value_at(&t, "user_id"), "bob".into());
        assert_eq!(value_at(&t, "traits.k0"), Value::Null);
    }

    #[test]
    fn orders_count_once_and_bad_imports_change_nothing() {
        let p = MemPlatform::default();
        let mut t = Tracker::new(p.clone(), shop_config()).unwrap();
        t.track("Order Completed", order("o-1", console("c1")), &page()).unwrap();
        t.track("Order Completed", order("o-1", console("c1")), &page()).unwrap();
        assert_eq!(value_at(&t, "purchased.orders"), Value::Number(1.0), "a reloaded confirmation page");
        assert_eq!(value_at(&t, "purchased.revenue"), Value::Number(299.0));
        let refund = Value::object()
            .with("purchases", Value::Array(vec![order("r-1", console("c1")).with("revenue", -500.0)]));
        assert_eq!(t.import(&refund, &page()), Err(Error::PropertyInvalid("revenue")));
        t.save();
        let reloaded = Tracker::new(p.clone(), shop_config()).unwrap();
        assert_eq!(value_at(&reloaded, "purchased.orders"), Value::Number(1.0));
        // Imported weight is history, not this session's interest.
        let store = Value::object().with(
            "purchases",
            Value::Array(vec![order(
                "s-1",
                Value::object().with("product_id", "g").with("category", "games"),
            )]),
        );
        t.import(&store, &page()).unwrap();
        assert_eq!(value_at(&t, "affinity.category.games"), Value::Number(10.0));
    }

    #[test]
    fn the_stored_profile_stays_small_whatever_the_strings() {
        let p = MemPlatform::default();
        let mut t = Tracker::new(p.clone(), shop_config()).unwrap();
        let long = "ü".repeat(2_000);
        for i in 0..40 {
            let query = format!("{i}{long}");
            t.track("Products Searched", Value::object().with("query", query.as_str()), &page()).unwrap();
            let product = console(&format!("{i}{long}")).with("brand", long.as_str());
            t.track("Product Added", product, &page()).unwrap();
            t.track(&format!("Custom {i} {}", "y".repeat(150)), Value::Null, &page()).unwrap();
        }
        t.save();
        let stored = p.stored(KEY_PROFILE).unwrap();
        assert!(stored.len() < 16 * 1024, "{} bytes", stored.len());
        let cart = value_at(&t, "cart.products");
        assert!(
            cart.as_array().unwrap()[19].as_str().unwrap().starts_with("39"),
            "a full cart keeps the newest"
        );
        assert!(value_at(&t, "counts.products_searched").as_f64() == Some(40.0), "big counts stay");
    }

    #[test]
    fn touches_name_the_channel() {
        let mut t = Tracker::new(MemPlatform::default(), shop_config()).unwrap();
        let from_google = PageContext {
            url: "https://shop.test/p".into(),
            referrer: "https://www.google.com/search?q=switch".into(),
            ..page()
        };
        t.page(Value::Null, &from_google).unwrap();
        assert_eq!(value_at(&t, "first_campaign.source"), "www.google.com".into());
        assert_eq!(value_at(&t, "campaign.medium"), "referral".into());
    }
}
