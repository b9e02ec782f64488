//! Consent: what the visitor allowed, per category, and what that permits persona to do.
//!
//! Two categories: **analytics** (sending events to the collector) and **personalization**
//! (keeping a profile on the device to adapt the shop). Each is `pending`, `granted` or `denied`.
//!
//! - Nothing is written to localStorage while no category is granted, and nothing is sent while
//!   analytics is not granted. Pending events wait in memory (up to `maxQueue`); a grant persists
//!   and sends them, a denial of analytics drops them.
//! - The init option `consent` is `"pending" | "granted" | "denied"` for both categories, or an
//!   object `{analytics, personalization}`. Default `"granted"` (shops that need opt-in, as German
//!   shops do, pass `"pending"` and call `consent.grant()` when the visitor agrees).
//! - A grant is remembered on the device (`persona:consent`), so later pages that start
//!   `"pending"` (the consent banner has not answered yet) proceed at once; a denial erases it.
//! - With `respectGpc: true`, a browser that sends Global Privacy Control denies both categories
//!   whatever the option says.

use crate::core::error::{Error, Result};
use crate::core::value::Value;
use crate::prelude::*;

/// The visitor's answer for one category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Not answered yet: keep events in memory, store and send nothing.
    Pending,
    /// Allowed.
    Granted,
    /// Refused: store and send nothing, keep nothing.
    Denied,
}

impl State {
    /// Parses `"pending" | "granted" | "denied"`.
    pub fn parse(text: &str) -> Option<State> {
        match text {
            "pending" => Some(State::Pending),
            "granted" => Some(State::Granted),
            "denied" => Some(State::Denied),
            _ => None,
        }
    }

    /// The wire/option name.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Granted => "granted",
            State::Denied => "denied",
        }
    }
}

/// The category names, as used in options, `grant`/`deny` calls and `context.consent`.
pub const CATEGORIES: [&str; 2] = ["analytics", "personalization"];

/// Consent per category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Consent {
    /// Sending events to the collector.
    pub analytics: State,
    /// Keeping a profile on the device.
    pub personalization: State,
}

impl Default for Consent {
    fn default() -> Consent {
        Consent::all(State::Granted)
    }
}

impl Consent {
    /// The same state for every category.
    pub fn all(state: State) -> Consent {
        Consent { analytics: state, personalization: state }
    }

    /// Reads the `consent` init option (absent: granted).
    pub fn from_option(option: Option<&Value>) -> Result<Consent> {
        let invalid = Error::OptionInvalid("consent");
        match option {
            None | Some(Value::Null) => Ok(Consent::default()),
            Some(Value::String(s)) => State::parse(s).map(Consent::all).ok_or(invalid),
            Some(object @ Value::Object(_)) => {
                let mut consent = Consent::all(State::Pending);
                for name in CATEGORIES {
                    match object.get(name) {
                        None | Some(Value::Null) => {}
                        Some(Value::String(s)) => *consent.slot(name) = State::parse(s).ok_or(invalid)?,
                        Some(_) => return Err(invalid),
                    }
                }
                Ok(consent)
            }
            Some(_) => Err(invalid),
        }
    }

    fn get(&self, category: &str) -> State {
        if category == "analytics" {
            self.analytics
        } else {
            self.personalization
        }
    }

    fn slot(&mut self, category: &str) -> &mut State {
        if category == "analytics" {
            &mut self.analytics
        } else {
            &mut self.personalization
        }
    }

    /// Sets `state` for the named categories (all when `categories` is empty). Unknown names
    /// are [`Error::OptionInvalid`]`("consent")` and change nothing.
    pub fn set(&mut self, state: State, categories: &[String]) -> Result<()> {
        if categories.iter().any(|c| !CATEGORIES.contains(&c.as_str())) {
            return Err(Error::OptionInvalid("consent"));
        }
        for name in CATEGORIES {
            if categories.is_empty() || categories.iter().any(|c| c == name) {
                *self.slot(name) = state;
            }
        }
        Ok(())
    }

    /// May persona write to the device? Only when some category is granted.
    pub fn may_store(&self) -> bool {
        self.analytics == State::Granted || self.personalization == State::Granted
    }

    /// May persona send events? Only with analytics granted.
    pub fn may_send(&self) -> bool {
        self.analytics == State::Granted
    }

    /// Should events be kept at all? Not once analytics is denied.
    pub fn keeps_events(&self) -> bool {
        self.analytics != State::Denied
    }

    /// Fills categories still pending from a remembered grant (`stored`); explicit answers in
    /// the option win.
    pub fn with_remembered(mut self, stored: Consent) -> Consent {
        for name in CATEGORIES {
            let remembered = stored.get(name);
            let slot = self.slot(name);
            if *slot == State::Pending && remembered == State::Granted {
                *slot = State::Granted;
            }
        }
        self
    }

    /// `{analytics: "granted", personalization: "pending"}`: the stored form and what
    /// `consent.state()` returns.
    pub fn to_value(&self) -> Value {
        Value::object()
            .with("analytics", self.analytics.as_str())
            .with("personalization", self.personalization.as_str())
    }

    /// Segment's `context.consent`: `{categoryPreferences: {analytics: bool, personalization: bool}}`.
    pub fn to_context(&self) -> Value {
        let prefs = Value::object()
            .with("analytics", self.analytics == State::Granted)
            .with("personalization", self.personalization == State::Granted);
        Value::object().with("categoryPreferences", prefs)
    }

    /// Reads the stored form; anything else is [`Error::StorageCorrupt`].
    pub fn from_stored(value: &Value) -> Result<Consent> {
        let state = |name| value.get(name).and_then(Value::as_str).and_then(State::parse);
        match (state("analytics"), state("personalization")) {
            (Some(analytics), Some(personalization)) => Ok(Consent { analytics, personalization }),
            _ => Err(Error::StorageCorrupt),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_forms() {
        assert_eq!(Consent::from_option(None), Ok(Consent::all(State::Granted)));
        assert_eq!(Consent::from_option(Some(&"pending".into())), Ok(Consent::all(State::Pending)));
        let mixed = Value::object().with("analytics", "granted");
        assert_eq!(
            Consent::from_option(Some(&mixed)),
            Ok(Consent { analytics: State::Granted, personalization: State::Pending })
        );
        for bad in [Value::from("yes"), Value::Bool(true), Value::object().with("analytics", "maybe")] {
            assert_eq!(Consent::from_option(Some(&bad)), Err(Error::OptionInvalid("consent")), "{bad:?}");
        }
    }

    #[test]
    fn what_each_state_permits() {
        let pending = Consent::all(State::Pending);
        assert!(!pending.may_store() && !pending.may_send() && pending.keeps_events());
        let denied = Consent::all(State::Denied);
        assert!(!denied.may_store() && !denied.may_send() && !denied.keeps_events());
        let personalization_only = Consent { analytics: State::Denied, personalization: State::Granted };
        assert!(personalization_only.may_store() && !personalization_only.may_send());
        assert!(Consent::default().may_send());
    }

    #[test]
    fn set_by_category() {
        let mut c = Consent::all(State::Pending);
        c.set(State::Granted, &["analytics".into()]).unwrap();
        assert_eq!(c, Consent { analytics: State::Granted, personalization: State::Pending });
        assert_eq!(c.set(State::Denied, &["ads".into()]), Err(Error::OptionInvalid("consent")));
        assert_eq!(c.analytics, State::Granted, "an unknown category changes nothing");
        c.set(State::Denied, &[]).unwrap();
        assert_eq!(c, Consent::all(State::Denied));
    }

    #[test]
    fn a_remembered_grant_fills_only_pending_categories() {
        let remembered = Consent::all(State::Granted);
        let option = Consent { analytics: State::Pending, personalization: State::Denied };
        assert_eq!(
            option.with_remembered(remembered),
            Consent { analytics: State::Granted, personalization: State::Denied }
        );
        let stored = Consent::from_stored(&remembered.to_value()).unwrap();
        assert_eq!(stored, remembered);
        assert_eq!(Consent::from_stored(&Value::object()), Err(Error::StorageCorrupt));
        let ctx = Consent { analytics: State::Granted, personalization: State::Pending }.to_context();
        let prefs = ctx.get("categoryPreferences").unwrap();
        assert_eq!(
            (prefs.get("analytics"), prefs.get("personalization")),
            (Some(&Value::Bool(true)), Some(&Value::Bool(false)))
        );
    }
}
