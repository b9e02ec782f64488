//! The one error type of persona.
//!
//! Every failure the SDK can report is a variant of [`Error`]. Each variant has a stable,
//! machine-readable [`Error::code`] (snake_case, never renamed once released) and a static,
//! human-readable [`Error::message`]. Messages are `&'static str` on purpose: formatting machinery
//! costs kilobytes in the wasm artifact. Where a message needs to name a field, the variant carries
//! the field's name as a `&'static str` ([`Error::detail`]).
//!
//! At the JavaScript boundary an `Error` becomes a real JS `Error` object whose `code` property is
//! [`Error::code`]; non-fatal problems (a corrupted stored queue, a full localStorage) are reported
//! as warnings with the same codes and never interrupt the page.

/// Everything that can go wrong in persona.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// The options passed to `init` are not an object.
    ConfigInvalid,
    /// `init` was called without `collector.url`.
    CollectorMissing,
    /// `collector.url` is not an absolute `http(s)://` URL or a path starting with `/`.
    CollectorUrlInvalid,
    /// A tunable has the wrong type or is outside its documented range; carries the option name.
    OptionInvalid(&'static str),
    /// The event name is not a string, is empty, or is longer than [`crate::core::event::MAX_NAME_LEN`].
    EventNameInvalid,
    /// Event properties are not a plain JSON object (or contain functions, symbols, cycles...).
    PropertiesInvalid,
    /// A shop event lacks a property its spec requires; carries the property's name (see
    /// [`crate::core::ecommerce`]).
    PropertyMissing(&'static str),
    /// A shop event's property has the wrong type or value; carries the property's name.
    PropertyInvalid(&'static str),
    /// The encoded event is larger than the configured `maxEventBytes`.
    EventTooLarge,
    /// localStorage cannot be used at all (disabled, sandboxed iframe, private mode).
    StorageUnavailable,
    /// localStorage refused a write because it is full (`QuotaExceededError`).
    StorageFull,
    /// A value persona stored earlier could not be read back; it was discarded.
    StorageCorrupt,
    /// The outbox was at its cap; the oldest events were dropped to make room.
    OutboxOverflow,
    /// The platform's secure random source failed.
    EntropyUnavailable,
    /// The collector rejected a batch as invalid (4xx other than 408/429); it was dropped.
    BatchRejected,
    /// Encoding a value to JSON failed.
    EncodeFailed,
    /// A condition (segment, experiment targeting) is malformed: an unknown operator, an operator
    /// given the wrong kind of operand, a regular expression the browser rejects; carries the
    /// operator (or `"operator"` when unknown, `"condition"` when not an object).
    ConditionInvalid(&'static str),
    /// The page's `collector.transform` threw, rejected or returned something that is not JSON;
    /// the batch is kept and retried with backoff.
    TransformFailed,
    /// The search catalog is not a list of products, or a product lacks a field or gives it the
    /// wrong type; carries the field (`id`, `name`, `price`, ... or `catalog`).
    CatalogInvalid(&'static str),
    /// Two products of the search catalog have the same `id`.
    CatalogDuplicateId,
    /// The search catalog is over a documented cap (products or bytes; see
    /// [`crate::core::search`]).
    CatalogTooLarge,
    /// A pre-built search index is truncated, corrupted or of another format version.
    IndexInvalid,
}

impl Error {
    /// Stable machine-readable code, exposed to JavaScript as `error.code`.
    pub fn code(self) -> &'static str {
        match self {
            Error::ConfigInvalid => "config_invalid",
            Error::CollectorMissing => "collector_missing",
            Error::CollectorUrlInvalid => "collector_url_invalid",
            Error::OptionInvalid(_) => "option_invalid",
            Error::EventNameInvalid => "event_name_invalid",
            Error::PropertiesInvalid => "properties_invalid",
            Error::PropertyMissing(_) => "property_missing",
            Error::PropertyInvalid(_) => "property_invalid",
            Error::EventTooLarge => "event_too_large",
            Error::StorageUnavailable => "storage_unavailable",
            Error::StorageFull => "storage_full",
            Error::StorageCorrupt => "storage_corrupt",
            Error::OutboxOverflow => "outbox_overflow",
            Error::EntropyUnavailable => "entropy_unavailable",
            Error::BatchRejected => "batch_rejected",
            Error::EncodeFailed => "encode_failed",
            Error::TransformFailed => "transform_failed",
            Error::ConditionInvalid(_) => "condition_invalid",
            Error::CatalogInvalid(_) => "catalog_invalid",
            Error::CatalogDuplicateId => "catalog_duplicate_id",
            Error::CatalogTooLarge => "catalog_too_large",
            Error::IndexInvalid => "index_invalid",
        }
    }

    /// Static human-readable explanation, exposed to JavaScript as `error.message`.
    pub fn message(self) -> &'static str {
        match self {
            Error::ConfigInvalid => "persona: init options must be an object",
            Error::CollectorMissing => "persona: init needs collector.url (for example \"/v1/batch\")",
            Error::CollectorUrlInvalid => {
                "persona: collector.url must be an http(s) URL or a path starting with \"/\""
            }
            Error::OptionInvalid(_) => "persona: an option has the wrong type or is out of range",
            Error::EventNameInvalid => {
                "persona: event name must be a non-empty string of at most 200 characters"
            }
            Error::PropertiesInvalid => "persona: properties must be a plain JSON object",
            Error::PropertyMissing(_) => "persona: this shop event needs a property it was not given",
            Error::PropertyInvalid(_) => "persona: a property of this shop event has the wrong type",
            Error::EventTooLarge => "persona: event is larger than maxEventBytes; not enqueued",
            Error::StorageUnavailable => "persona: localStorage is unavailable; events kept in memory only",
            Error::StorageFull => "persona: localStorage is full; events kept in memory only",
            Error::StorageCorrupt => "persona: stored data was unreadable and has been discarded",
            Error::OutboxOverflow => "persona: outbox full; oldest events dropped",
            Error::EntropyUnavailable => "persona: secure random numbers are unavailable",
            Error::BatchRejected => "persona: the collector rejected a batch; it was dropped",
            Error::EncodeFailed => "persona: a value could not be encoded as JSON",
            Error::TransformFailed => "persona: collector.transform failed; the batch will be retried",
            Error::ConditionInvalid(_) => "persona: a condition has an unknown or misused operator",
            Error::CatalogInvalid(_) => "persona: a catalog product lacks a field or has the wrong type",
            Error::CatalogDuplicateId => "persona: two catalog products have the same id",
            Error::CatalogTooLarge => "persona: the catalog is over the search caps",
            Error::IndexInvalid => "persona: the search index is corrupted or of another version",
        }
    }

    /// The name of the offending option or property, where the variant carries one.
    pub fn detail(self) -> Option<&'static str> {
        match self {
            Error::OptionInvalid(name)
            | Error::PropertyMissing(name)
            | Error::PropertyInvalid(name)
            | Error::ConditionInvalid(name)
            | Error::CatalogInvalid(name) => Some(name),
            _ => None,
        }
    }
}

/// Result alias used throughout the core.
pub type Result<T> = core::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case() {
        let all = [
            Error::ConfigInvalid,
            Error::CollectorMissing,
            Error::CollectorUrlInvalid,
            Error::OptionInvalid("batchSize"),
            Error::EventNameInvalid,
            Error::PropertiesInvalid,
            Error::PropertyMissing("product_id"),
            Error::PropertyInvalid("revenue"),
            Error::EventTooLarge,
            Error::StorageUnavailable,
            Error::StorageFull,
            Error::StorageCorrupt,
            Error::OutboxOverflow,
            Error::EntropyUnavailable,
            Error::BatchRejected,
            Error::EncodeFailed,
            Error::TransformFailed,
            Error::ConditionInvalid("$in"),
            Error::CatalogInvalid("id"),
            Error::CatalogDuplicateId,
            Error::CatalogTooLarge,
            Error::IndexInvalid,
        ];
        let mut codes: Vec<&str> = all.iter().map(|e| e.code()).collect();
        for c in &codes {
            assert!(c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_'), "{c}");
        }
        for e in all {
            assert!(e.message().starts_with("persona: "));
        }
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
        assert_eq!(Error::OptionInvalid("batchSize").detail(), Some("batchSize"));
        assert_eq!(Error::StorageFull.detail(), None);
    }
}
