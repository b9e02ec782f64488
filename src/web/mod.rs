//! Browser glue: the only code that touches `js-sys` and the browser (through `glue.js`).
//!
//! - [`convert`]: JS values ⇄ [`crate::core::value::Value`], with the checks `track` needs;
//! - [`platform`]: [`WebPlatform`](platform::WebPlatform), the core's ports over localStorage,
//!   `Date.now`, `JSON` and `crypto.getRandomValues`;
//! - [`page`]: the page context stamped on events, and the browser's check of a CSS selector;
//! - [`transport`]: `fetch` POST of a batch, with keep-alive while the page unloads;
//! - [`driver`]: owns the tracker, schedules deliveries with `setTimeout`, flushes when the page
//!   is hidden, and reports events, deliveries and warnings to a JS listener;
//! - [`js_error`]: core errors as real JS `Error` objects with a stable `code`.
//!
//! Nothing here panics: every JS call that can throw is matched, and JS callbacks are invoked
//! with no Rust borrow held, so a listener that calls back into persona is safe.

pub mod convert;
pub mod driver;
pub mod page;
pub mod platform;
pub mod transport;

use wasm_bindgen::JsValue;

/// The global allocator. talc instead of the default dlmalloc: a few KB less wasm. The module is
/// single-threaded (no `atomics` target feature), which this allocator requires.
#[cfg(not(target_feature = "atomics"))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

use ::core::cell::{Ref, RefCell, RefMut};

use crate::core::error::Error;

/// A [`RefCell`] whose borrows trap instead of panicking. A failed `RefCell` borrow panics with a
/// formatted message, which alone kept `Formatter::pad` in the module; the driver never borrows
/// twice (it calls no JS while holding a borrow), and a panic would end in the same trap anyway
/// (`panic = "abort"`), which the JS guard reports as a `"fault"`.
pub struct Slot<T>(RefCell<T>);

impl<T> Slot<T> {
    /// A slot holding `value`.
    pub fn new(value: T) -> Self {
        Slot(RefCell::new(value))
    }

    /// Borrows the value; traps if it is mutably borrowed.
    pub fn borrow(&self) -> Ref<'_, T> {
        self.0.try_borrow().unwrap_or_else(|_| core::arch::wasm32::unreachable())
    }

    /// Borrows the value mutably; traps if it is borrowed.
    pub fn borrow_mut(&self) -> RefMut<'_, T> {
        self.0.try_borrow_mut().unwrap_or_else(|_| core::arch::wasm32::unreachable())
    }
}

/// Turns a core error into a JS `Error` with `name = "PersonaError"`, `code` and, where the error
/// names an option or a property, `option` or `property`.
pub fn js_error(error: Error) -> JsValue {
    let e = js_sys::Error::new(error.message());
    e.set_name("PersonaError");
    let obj: &JsValue = e.as_ref();
    let _ = js_sys::Reflect::set(obj, &"code".into(), &error.code().into());
    if let Some(name) = error.detail() {
        let field = match error {
            Error::OptionInvalid(_) => "option",
            Error::ConditionInvalid(_) => "operator",
            _ => "property",
        };
        let _ = js_sys::Reflect::set(obj, &field.into(), &name.into());
    }
    e.into()
}
