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
use crate::core::profile::Profile;
use crate::core::segments;
use crate::core::value::Value;

/// localStorage key of the visitor profile (see [`crate::core::profile`]).
pub const KEY_PROFILE: &str = "persona:profile";

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
        match self.platform.decode(&text).ok().as_ref().and_then(Profile::from_value) {
            Some(mut profile) => {
                profile.segments.retain(|k| self.config.segments.iter().any(|s| s.key == *k));
                self.personal.profile = profile;
            }
            None => {
                self.warnings.push(Error::StorageCorrupt);
                self.personal.dirty = true; // overwrite what cannot be read
            }
        }
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
        self.personal.dirty = false;
        self.personal.stored_at = self.platform.now_ms();
    }

    fn evaluate_segments(&mut self, now: u64, page: &PageContext) {
        let definitions = core::mem::take(&mut self.config.segments);
        if !definitions.is_empty() {
            let attributes = self.attributes_at(now, false);
            let active = segments::evaluate(&definitions, &attributes, &self.platform);
            let (entered, exited) = segments::changes(&self.personal.profile.segments, &active);
            for (name, keys) in [("Segment Entered", &entered), ("Segment Exited", &exited)] {
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

    /// The visitor logged in as `user_id`: later events carry it, `traits` are merged into the
    /// profile, and an `identify` event is recorded. The anonymous history stays.
    pub fn identify(&mut self, user_id: &str, traits: Value, page: &PageContext) -> Result<String> {
        let invalid = Error::PropertyInvalid("userId");
        if user_id.is_empty() || user_id.len() > 256 || user_id.chars().any(char::is_control) {
            return Err(invalid);
        }
        self.personal.profile.merge_traits(&traits)?;
        self.personal.profile.user_id = Some(user_id.to_owned());
        let traits = self.personal.profile.traits.clone();
        let recorded = self.record(EventKind::Identify, None, traits, page)?;
        let now = self.platform.now_ms();
        self.profile_changed(now, true, page);
        Ok(recorded.json)
    }

    /// Merges data from other channels ([`Profile::import`]) and re-evaluates segments.
    pub fn import(&mut self, data: &Value, page: &PageContext) -> Result<()> {
        if self.consent.personalization == State::Denied {
            return Ok(());
        }
        let now = self.platform.now_ms();
        self.personal.profile.import(data, now, &self.config.profile)?;
        self.profile_changed(now, true, page);
        Ok(())
    }

    /// The visitor logged out: a new anonymous id, and the profile, user id, traits and segment
    /// membership forgotten (on the device too). Queued events are still delivered.
    pub fn reset(&mut self) -> Result<()> {
        self.anonymous_id = crate::core::id::uuid_v4(&self.platform)?;
        if self.consent.may_store() {
            self.write(super::KEY_ANONYMOUS_ID, &self.anonymous_id.clone());
        }
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
}
