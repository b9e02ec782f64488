//! Encoders for collector wire formats.
//!
//! Events are built in the canonical Segment-spec shape ([`crate::core::event`]); each format here
//! turns a batch of them into the request body its collector expects. This issue ships the
//! Segment batch format (also spoken by RudderStack, Jitsu and persona's reference collector);
//! Snowplow and native JSON join as sibling modules.

pub mod segment;
