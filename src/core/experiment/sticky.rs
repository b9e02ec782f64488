//! Sticky assignments on the device: one localStorage entry per hash attribute value
//! (`persona:sticky:<attribute>||<value>`, GrowthBook's assignment document), so a visitor keeps
//! their variation across reloads and weight changes, and keeps it after logging in when the
//! experiment hashes the user id with the anonymous id as fallback. The caller decides whether
//! storing is allowed (consent); `forget()` erases these keys with every other `persona:` key.

use crate::core::error::Error;
use crate::core::platform::{Codec, Storage};
use crate::core::value::Value;
use crate::prelude::*;

/// The prefix of every sticky-assignment key.
pub const KEY_PREFIX: &str = "persona:sticky:";

/// Attribute values longer than this (in bytes) are not made sticky: their key would be too long.
pub const MAX_VALUE_BYTES: usize = 200;

/// An assignment document's id: `<attribute>||<value>` (GrowthBook's).
pub fn doc_id(attribute: &str, value: &str) -> String {
    let mut id = String::with_capacity(attribute.len() + value.len() + 2);
    id.push_str(attribute);
    id.push_str("||");
    id.push_str(value);
    id
}

fn key_of(id: &str) -> String {
    let mut key = String::from(KEY_PREFIX);
    key.push_str(id);
    key
}

/// The stored documents for `attributes` (`(name, value)` pairs, the experiment hash attributes
/// the visitor has), as the evaluator takes them (`{id: doc}`). An unreadable or foreign entry is
/// skipped with a [`Error::StorageCorrupt`] warning (it is replaced on the next save).
pub fn load(platform: &(impl Storage + Codec), attributes: &[(&str, &str)]) -> (Value, Vec<Error>) {
    let mut docs = Value::object();
    let mut warnings = Vec::new();
    for (name, value) in attributes {
        if value.is_empty() || value.len() > MAX_VALUE_BYTES {
            continue;
        }
        let id = doc_id(name, value);
        let text = match platform.get(&key_of(&id)) {
            Ok(Some(text)) => text,
            Ok(None) => continue,
            Err(e) => {
                warnings.push(e);
                continue;
            }
        };
        let doc = platform.decode(&text).ok().filter(|doc| {
            doc.get("attributeName").and_then(Value::as_str) == Some(name)
                && doc.get("attributeValue").and_then(Value::as_str) == Some(value)
                && doc.get("assignments").is_some_and(Value::is_object)
        });
        match doc {
            Some(doc) => docs.set(&id, doc),
            None => warnings.push(Error::StorageCorrupt),
        }
    }
    (docs, warnings)
}

/// Stores the documents of `after` that differ from `before` (what evaluation added); the first
/// storage error is returned (the assignments still hold for this page).
pub fn save(platform: &(impl Storage + Codec), before: &Value, after: &Value) -> Result<(), Error> {
    let Value::Object(docs) = after else { return Ok(()) };
    for (id, doc) in docs {
        let value_len = doc.get("attributeValue").and_then(Value::as_str).map_or(0, str::len);
        if before.get(id) == Some(doc) || value_len > MAX_VALUE_BYTES {
            continue;
        }
        platform.set(&key_of(id), &platform.encode(doc)?)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::experiment::evaluate::{Evaluator, Reason};
    use crate::core::testing::{MemPlatform, NativeHost};

    fn hero(weights: [f64; 2]) -> Value {
        crate::core::experiment::hero_fixture()
            .with("weights", Value::Array(vec![weights[0].into(), weights[1].into()]))
            .with("hashAttribute", "user_id")
            .with("fallbackAttribute", "anonymous_id")
    }

    /// One page view: load the visitor's documents, evaluate, store what changed.
    fn page_view(p: &MemPlatform, attributes: &Value, exp: &Value) -> (usize, Reason) {
        let pairs: Vec<(&str, &str)> = ["user_id", "anonymous_id"]
            .iter()
            .filter_map(|name| attributes.get(name).and_then(Value::as_str).map(|v| (*name, v)))
            .collect();
        let (docs, warnings) = load(p, &pairs);
        assert_eq!(warnings, vec![]);
        let mut e = Evaluator::new(attributes, &NativeHost);
        e.sticky = Some(docs.clone());
        let r = e.run(exp, None);
        save(p, &docs, e.sticky.as_ref().unwrap()).unwrap();
        (r.variation_id, r.reason)
    }

    #[test]
    fn assignments_survive_reloads_weight_changes_and_login() {
        let p = MemPlatform::default();
        let anonymous = Value::object().with("anonymous_id", "a-123");
        let (first, reason) = page_view(&p, &anonymous, &hero([0.5, 0.5]));
        assert_eq!(reason, Reason::Hashed);
        assert_eq!(page_view(&p, &anonymous, &hero([0.5, 0.5])), (first, Reason::Sticky), "after a reload");
        let all_to_other = if first == 0 { [0.0, 1.0] } else { [1.0, 0.0] };
        assert_eq!(
            page_view(&p, &anonymous, &hero(all_to_other)),
            (first, Reason::Sticky),
            "weights changed"
        );
        let logged_in = anonymous.clone().with("user_id", "u-42");
        assert_eq!(
            page_view(&p, &logged_in, &hero(all_to_other)),
            (first, Reason::Sticky),
            "after identify: the anonymous id's assignment carries over"
        );
        let keys: Vec<String> = p.keys().unwrap().into_iter().filter(|k| k.starts_with(KEY_PREFIX)).collect();
        assert_eq!(keys.len(), 2, "the user id's document was written too: {keys:?}");
        let bumped = hero(all_to_other).with("bucketVersion", 1.0);
        assert_eq!(
            page_view(&p, &logged_in, &bumped).1,
            Reason::Hashed,
            "a bucket-version bump assigns afresh"
        );
        assert_eq!(page_view(&p, &logged_in, &bumped).1, Reason::Sticky, "and that sticks");
        let excluding = bumped.with("bucketVersion", 2.0).with("minBucketVersion", 2.0);
        assert_eq!(
            page_view(&p, &logged_in, &excluding).1,
            Reason::NotRunning,
            "a minimum bucket version leaves out whoever was in an earlier one"
        );
    }

    #[test]
    fn corrupt_or_foreign_documents_are_skipped_with_a_warning() {
        let p = MemPlatform::default();
        p.set(&key_of(&doc_id("anonymous_id", "a-1")), "{not json").unwrap();
        p.set(
            &key_of(&doc_id("anonymous_id", "a-2")),
            r#"{"attributeName": "anonymous_id", "attributeValue": "someone-else", "assignments": {}}"#,
        )
        .unwrap();
        let (docs, warnings) = load(&p, &[("anonymous_id", "a-1"), ("anonymous_id", "a-2"), ("user_id", "")]);
        assert_eq!(docs, Value::object());
        assert_eq!(warnings, vec![Error::StorageCorrupt, Error::StorageCorrupt]);
        let long = "x".repeat(MAX_VALUE_BYTES + 1);
        assert_eq!(load(&p, &[("user_id", &long)]).0, Value::object(), "too long to be a key");
    }
}
