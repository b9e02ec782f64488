//! Pure Rust: every decision persona makes, with no browser crates. Unit-tested natively.
//!
//! Later capabilities (profile, segments, experiments, search, re-ranking, recommendations) join
//! as sibling modules and read the same [`value::Value`] and [`platform`] ports.

pub mod autotrack;
pub mod campaign;
pub mod condition;
pub mod config;
pub mod consent;
pub mod decide;
pub mod ecommerce;
pub mod error;
pub mod event;
// Not compiled into the wasm until the module uses it (issue 5): unused, it still changed LLVM's
// inlining elsewhere and cost the script-tag path 80-145 bytes gzip.
#[cfg(not(target_arch = "wasm32"))]
pub mod experiment;
pub mod id;
pub mod json;
pub mod num;
pub mod outbox;
pub mod platform;
pub mod profile;
// Search and re-ranking live in the lazily loaded search module (feature `search-module`); the
// main module does not compile them, since unused code still shifts LLVM's inlining there.
#[cfg(any(not(target_arch = "wasm32"), feature = "search-module"))]
pub mod rank;
#[cfg(any(not(target_arch = "wasm32"), feature = "search-module"))]
pub mod search;
// Recommendations (issue 7): the model and its builder, shared with the collector; not in the
// browser modules yet.
#[cfg(any(not(target_arch = "wasm32"), feature = "search-module"))]
pub mod recommend;
pub mod segments;
pub mod session;
pub mod tabs;
pub mod time;
pub mod tracker;
pub mod value;
pub mod wire;

#[cfg(test)]
pub(crate) mod testing;
