//! Exposures: an `Experiment Viewed` event goes to the collector once per visitor, experiment and
//! session, when the variant is first read, and never for a forced variation or a visitor outside
//! the experiment. An exposure logged for a variant nobody saw, or logged twice, skews the
//! results the dashboard computes from these events.

use super::evaluate::{Assignment, Reason};
use crate::core::value::Value;
use crate::prelude::*;

/// The event name (Segment's A/B testing spec).
pub const EXPERIMENT_VIEWED: &str = "Experiment Viewed";

/// What has been logged in the current session: one entry per visitor and experiment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Exposures {
    /// The session the entries belong to; a new session starts an empty log.
    session: String,
    /// `"<experiment>|<hash attribute>|<hash value>"` of each exposure logged this session.
    logged: Vec<String>,
}

/// At most this many exposures are remembered per session (a page with more experiments than
/// this logs the oldest ones again in the same session rather than growing without bound).
pub const MAX_LOGGED: usize = 200;

impl Exposures {
    /// The `Experiment Viewed` properties for reading `assignment` of experiment `key` (named
    /// `name`, else its key) in session `session`, or `None` when nothing is to be logged: not
    /// in the experiment, a forced variation, or already logged for this visitor in this session.
    pub fn expose(
        &mut self,
        session: &str,
        key: &str,
        name: Option<&str>,
        assignment: &Assignment,
    ) -> Option<Value> {
        if !assignment.in_experiment || !matches!(assignment.reason, Reason::Hashed | Reason::Sticky) {
            return None;
        }
        if self.session != session {
            self.session = session.to_owned();
            self.logged.clear();
        }
        let mut id = String::from(key);
        id.push('|');
        id.push_str(&assignment.hash_attribute);
        id.push('|');
        match &assignment.hash_value {
            Value::String(s) => id.push_str(s),
            // A numeric id: its bits in hex (no float formatting in the core), unique per number.
            Value::Number(n) => {
                id.push('#');
                let bits = n.to_bits();
                for shift in (0..16).rev() {
                    id.push(char::from(b"0123456789abcdef"[((bits >> (shift * 4)) & 0xf) as usize]));
                }
            }
            _ => {}
        }
        if self.logged.contains(&id) {
            return None;
        }
        if self.logged.len() >= MAX_LOGGED {
            self.logged.remove(0);
        }
        self.logged.push(id);
        let variation_name = assignment.name.as_deref().unwrap_or(&assignment.key);
        Some(
            Value::object()
                .with("experiment_id", key)
                .with("experiment_name", name.filter(|n| !n.is_empty()).unwrap_or(key))
                .with("variation_id", assignment.key.as_str())
                .with("variation_name", variation_name),
        )
    }

    /// The stored form: `{s: session, l: [logged...]}`.
    pub fn to_value(&self) -> Value {
        let logged = self.logged.iter().map(|l| Value::from(l.as_str())).collect();
        Value::object().with("s", self.session.as_str()).with("l", Value::Array(logged))
    }

    /// Reads the stored form back; anything else is an empty log.
    pub fn from_value(stored: &Value) -> Exposures {
        let session = stored.get("s").and_then(Value::as_str).unwrap_or_default().to_owned();
        let logged: Vec<String> = stored
            .get("l")
            .and_then(Value::as_array)
            .unwrap_or_default()
            .iter()
            .filter_map(|l| l.as_str().map(str::to_owned))
            .take(MAX_LOGGED)
            .collect();
        Exposures { session, logged }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::experiment::evaluate::Evaluator;
    use crate::core::testing::NativeHost;

    use crate::core::experiment::hero_fixture as hero;

    fn assign(id: &str, exp: &Value, url: &str) -> Assignment {
        let attributes = Value::object().with("id", id);
        let mut e = Evaluator::new(&attributes, &NativeHost);
        e.url = url;
        e.run(exp, None)
    }

    #[test]
    fn once_per_visitor_experiment_and_session() {
        let mut log = Exposures::default();
        let a = assign("visitor-1", &hero(), "");
        let event = log.expose("s1", "hero", Some("Hero banner"), &a).expect("first read is logged");
        assert_eq!(event.get("experiment_id").and_then(Value::as_str), Some("hero"));
        assert_eq!(event.get("experiment_name").and_then(Value::as_str), Some("Hero banner"));
        assert_eq!(event.get("variation_id").and_then(Value::as_str), Some(a.key.as_str()));
        assert!(matches!(
            event.get("variation_name").and_then(Value::as_str),
            Some("Console ad" | "Accessories")
        ));
        assert_eq!(log.expose("s1", "hero", Some("Hero banner"), &a), None, "the second read, same session");
        let other = assign("visitor-2", &hero(), "");
        assert!(log.expose("s1", "hero", None, &other).is_some(), "another visitor (after a logout)");
        let numeric = |n: f64| {
            let attributes = Value::object().with("id", n);
            Evaluator::new(&attributes, &NativeHost).run(&hero(), None)
        };
        assert!(log.expose("s1", "hero", None, &numeric(1.0)).is_some(), "numeric ids are visitors too");
        assert!(log.expose("s1", "hero", None, &numeric(2.0)).is_some(), "and different ones differ");
        assert_eq!(log.expose("s1", "hero", None, &numeric(1.0)), None);
        assert!(log.expose("s2", "hero", None, &a).is_some(), "a new session");
        let stored = Exposures::from_value(&log.to_value());
        assert_eq!(stored, log, "survives a reload");
        let mut reloaded = stored;
        assert_eq!(reloaded.expose("s2", "hero", None, &a), None, "not again after the reload");
    }

    #[test]
    fn never_for_forced_or_outside() {
        let mut log = Exposures::default();
        let forced = assign("visitor-1", &hero(), "https://shop.example/?hero=1");
        assert_eq!(forced.reason, Reason::Forced);
        assert_eq!(log.expose("s1", "hero", None, &forced), None);
        let outside = assign("visitor-1", &hero().with("coverage", 0.0), "");
        assert!(!outside.in_experiment);
        assert_eq!(log.expose("s1", "hero", None, &outside), None);
        let stopped = assign("visitor-1", &hero().with("status", "stopped"), "");
        assert_eq!(log.expose("s1", "hero", None, &stopped), None);
        assert_eq!(log, Exposures::default(), "nothing remembered either");
    }

    #[test]
    fn the_log_is_capped_and_a_foreign_stored_value_is_empty() {
        let mut log = Exposures::default();
        let a = assign("visitor-1", &hero(), "");
        for i in 0..(MAX_LOGGED + 5) {
            assert!(log.expose("s1", &format!("exp-{i}"), None, &a).is_some());
        }
        assert_eq!(log.logged.len(), MAX_LOGGED);
        assert!(log.expose("s1", "exp-0", None, &a).is_some(), "the oldest was forgotten");
        assert_eq!(Exposures::from_value(&Value::from("garbage")), Exposures::default());
        assert_eq!(Exposures::from_value(&Value::object().with("l", 5.0)), Exposures::default());
    }
}
