//! persona: on-device personalization for online shops, compiled to WebAssembly.
//!
//! - [`core`]: pure Rust — event model, configuration, outbox, wire formats, ids, time. No
//!   browser crates; tested natively with `cargo test` and reusable by the reference collector.
//! - `web` (wasm32 only): browser glue — localStorage, `fetch`, timers, page context, JSON and
//!   JS-value conversion — implementing the core's [`core::platform`] ports.
//! - `bindings` (wasm32 only): the `#[wasm_bindgen]` surface, one exported `Persona` type.
//! - `search_bindings` (wasm32, feature `search-module`): the search module's surface, one
//!   exported `Search` type; built as a second, lazily loaded module (`persona-search.wasm`).
//!
//! See `ARCHITECTURE.md` for how the pieces fit together.

#![cfg_attr(all(target_arch = "wasm32", not(test)), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod core;

#[cfg(all(target_arch = "wasm32", not(feature = "search-module")))]
pub mod bindings;
#[cfg(all(target_arch = "wasm32", feature = "search-module"))]
pub mod search_bindings;
#[cfg(target_arch = "wasm32")]
pub mod web;

extern crate alloc;

/// What `std`'s prelude gives, for the modules that use it: on wasm32 the crate is `no_std`.
#[allow(unused_imports)]
pub(crate) mod prelude {
    pub use alloc::borrow::ToOwned;
    pub use alloc::boxed::Box;
    pub use alloc::format;
    pub use alloc::string::{String, ToString};
    pub use alloc::vec;
    pub use alloc::vec::Vec;
}

/// Without `std` (the shipped module, built with `--no-default-features`), a panic ends in a trap
/// without formatting its message: `std`'s handler would link `core::fmt` machinery for messages
/// nobody reads (the JS guard reports the trap as a `"fault"`). With `std`, its handler is used.
#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
#[panic_handler]
fn panic(_: &::core::panic::PanicInfo) -> ! {
    ::core::arch::wasm32::unreachable()
}
