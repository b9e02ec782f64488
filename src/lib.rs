//! persona: on-device personalization for online shops, compiled to WebAssembly.
//!
//! - [`core`]: pure Rust — event model, configuration, outbox, wire formats, ids, time. No
//!   browser crates; tested natively with `cargo test` and reusable by the reference collector.
//! - `web` (wasm32 only): browser glue — localStorage, `fetch`, timers, page context, JSON and
//!   JS-value conversion — implementing the core's [`core::platform`] ports.
//! - `bindings` (wasm32 only): the `#[wasm_bindgen]` surface, one exported `Persona` type.
//!
//! See `ARCHITECTURE.md` for how the pieces fit together.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod core;

#[cfg(target_arch = "wasm32")]
pub mod bindings;
#[cfg(target_arch = "wasm32")]
pub mod web;
