//! The tracker's privacy side: recording consent answers and forgetting the visitor. What each
//! answer permits is decided in [`crate::core::consent`]; this applies it to what the tracker
//! holds and has stored.

use super::{Tracker, KEY_CONSENT, KEY_PREFIX};
use crate::core::consent::{Consent, State};
use crate::core::error::Result;
use crate::core::id;
use crate::core::outbox::Outbox;
use crate::core::platform::Platform;
use crate::prelude::*;

impl<P: Platform> Tracker<P> {
    /// What the visitor allowed so far.
    pub fn consent(&self) -> Consent {
        self.consent
    }

    /// Records the visitor's answer for `categories` (all when empty). A grant persists the id,
    /// the pending events and the answer, and lets them be sent; a denial of analytics drops
    /// the queued events, and once nothing is granted every key persona wrote is erased.
    pub fn set_consent(&mut self, state: State, categories: &[String]) -> Result<()> {
        let before = self.consent;
        self.consent.set(state, categories)?;
        let now = self.consent;
        if !now.keeps_events() {
            self.outbox = Outbox::default();
        }
        if before.may_send() && !now.may_send() {
            self.remove_stored_outbox();
        }
        if now.personalization == State::Denied {
            self.clear_profile();
        }
        if now.may_store() {
            if !before.may_store() {
                self.restore_id();
                match self.personal.user_id.clone() {
                    Some(user) => self.write(super::KEY_USER_ID, &user),
                    None => self.restore_ids(),
                }
            }
            if now.may_send() {
                if let Some(live) = self.deferred_reclaim.take() {
                    self.reclaim(live);
                }
            }
            self.persist_session();
            let remembered = self.platform.encode(&now.to_value());
            match remembered {
                Ok(text) => self.write(KEY_CONSENT, &text),
                Err(e) => self.warnings.push(e),
            }
            self.persist_outbox();
            if before.personalization != State::Granted {
                self.personal.mark_dirty();
                self.save();
            }
        } else if before.may_store() {
            self.erase();
        }
        Ok(())
    }

    /// Erases every key persona wrote, drops queued events and the profile, starts a new
    /// anonymous id (kept in memory only) and stops storing and sending until consent is granted again.
    pub fn forget(&mut self) -> Result<()> {
        self.clear_profile();
        self.personal.user_id = None;
        self.erase();
        self.session = None;
        self.deferred_reclaim = None;
        self.outbox = Outbox::default();
        self.consent = Consent::all(State::Denied);
        self.anonymous_id = id::uuid_v4(&self.platform)?;
        Ok(())
    }

    /// Removes this tab's outbox keys (its events', and its drop count); the queue in memory
    /// is written again when sending is allowed.
    fn remove_stored_outbox(&mut self) {
        let own = &self.outbox_key;
        let keys = self.platform.keys().unwrap_or_default();
        let mut entry_prefix = own.clone();
        entry_prefix.push(':');
        for key in keys.iter().filter(|k| *k == own || k.starts_with(&entry_prefix)) {
            let _ = self.platform.remove(key);
        }
        self.persisted_dropped = 0;
        self.outbox.mark_unpersisted();
    }

    /// Removes every key persona wrote (all tabs' outboxes included).
    fn erase(&mut self) {
        let keys = self.platform.keys().unwrap_or_default();
        for key in keys.iter().filter(|k| k.starts_with(KEY_PREFIX)) {
            let _ = self.platform.remove(key);
        }
        self.persisted_dropped = 0;
        self.outbox.mark_unpersisted();
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{config, outbox_keys, page, persona_keys};
    use super::super::*;
    use crate::core::consent::{Consent, State};
    use crate::core::outbox::Urgency;
    use crate::core::testing::MemPlatform;

    fn with_consent(consent: &str) -> Config {
        let consent = Consent::from_option(Some(&consent.into())).unwrap();
        Config { consent, ..config() }
    }

    fn context_consent(wire: &Value) -> Option<&Value> {
        wire.get("context").and_then(|c| c.get("consent")).and_then(|c| c.get("categoryPreferences"))
    }

    #[test]
    fn pending_consent_stores_and_sends_nothing_until_granted() {
        let p = MemPlatform::default();
        let mut t = Tracker::new(p.clone(), with_consent("pending")).unwrap();
        let wire =
            t.track("Product Viewed", Value::object().with("product_id", "sku-1"), &page()).unwrap().event;
        assert_eq!(context_consent(&wire).and_then(|c| c.get("analytics")), Some(&Value::Bool(false)));
        t.page(Value::Null, &page()).unwrap();
        assert_eq!(t.pending(), 2, "kept in memory");
        assert_eq!(t.due_at(), None);
        assert!(t.next_request(Urgency::Unload).is_none(), "not even while unloading");
        assert_eq!(p.writes(), 0, "no storage write at all");

        t.set_consent(State::Granted, &[]).unwrap();
        assert_eq!(p.stored(KEY_ANONYMOUS_ID).as_deref(), Some(t.anonymous_id()));
        let own = tabs::outbox_key(t.tab_id());
        let stored: String =
            outbox_keys(&p).iter().filter(|k| k.starts_with(&own)).filter_map(|k| p.stored(k)).collect();
        assert!(stored.contains("sku-1"), "pending events persisted");
        assert_eq!(outbox_keys(&p).len(), 2, "one key per event");
        assert!(p.stored(KEY_CONSENT).unwrap().contains("granted"));
        let req = t.next_request(Urgency::Now).unwrap();
        assert_eq!(req.message_ids.len(), 2);
        assert!(req.body.text.contains("Product Viewed"));

        // The next page starts "pending" (the banner has not answered yet): the grant is remembered.
        let again = Tracker::new(p.clone(), with_consent("pending")).unwrap();
        assert!(again.consent().may_send());
        assert_eq!(again.anonymous_id(), t.anonymous_id());
    }

    #[test]
    fn denied_consent_keeps_nothing() {
        let p = MemPlatform::default();
        let mut t = Tracker::new(p.clone(), with_consent("denied")).unwrap();
        let wire = t.track("x", Value::Null, &page()).unwrap().event;
        assert_eq!(wire.get("event").and_then(Value::as_str), Some("x"), "the page still gets its event");
        assert_eq!(t.pending(), 0);
        assert!(t.next_request(Urgency::Unload).is_none());
        assert_eq!(p.writes(), 0);
        let pending = Tracker::new(p.clone(), with_consent("pending"));
        assert!(!pending.unwrap().consent().may_send(), "a denial is not remembered as a grant");
    }

    #[test]
    fn denying_after_a_grant_erases_what_was_stored() {
        let p = MemPlatform::default();
        let mut t = Tracker::new(p.clone(), config()).unwrap();
        t.track("x", Value::Null, &page()).unwrap();
        t.set_consent(State::Granted, &[]).unwrap();
        assert!(outbox_keys(&p).len() == 1 && p.stored(KEY_CONSENT).is_some());
        t.set_consent(State::Denied, &["analytics".into()]).unwrap();
        assert_eq!((t.pending(), outbox_keys(&p).len()), (0, 0), "queued events dropped");
        assert!(p.stored(KEY_ANONYMOUS_ID).is_some(), "personalization still granted");
        t.set_consent(State::Denied, &["personalization".into()]).unwrap();
        assert_eq!(persona_keys(&p), Vec::<String>::new(), "every key erased");
        assert_eq!(t.set_consent(State::Granted, &["ads".into()]), Err(Error::OptionInvalid("consent")));
    }

    #[test]
    fn forget_erases_everything_and_stops() {
        let p = MemPlatform::default();
        let mut t = Tracker::new(p.clone(), config()).unwrap();
        let before = t.anonymous_id().to_owned();
        t.track("x", Value::Null, &page()).unwrap();
        t.forget().unwrap();
        assert_eq!(persona_keys(&p), Vec::<String>::new());
        assert_ne!(t.anonymous_id(), before);
        assert_eq!(t.pending(), 0);
        t.track("y", Value::Null, &page()).unwrap();
        assert_eq!((t.pending(), t.next_request(Urgency::Now).is_none()), (0, true));
        assert_eq!(p.stored(KEY_ANONYMOUS_ID), None, "the new id is not stored");
    }
}
