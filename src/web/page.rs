//! The page context stamped on every event, read from `location` and `document`.

use crate::core::event::PageContext;

/// Reads the current page; fields the browser will not give are left empty.
pub fn current() -> PageContext {
    let Some(window) = web_sys::window() else {
        return PageContext::default();
    };
    let location = window.location();
    let document = window.document();
    PageContext {
        url: location.href().unwrap_or_default(),
        path: location.pathname().unwrap_or_default(),
        search: location.search().unwrap_or_default(),
        title: document.as_ref().map(web_sys::Document::title).unwrap_or_default(),
        referrer: document.as_ref().map(web_sys::Document::referrer).unwrap_or_default(),
    }
}
