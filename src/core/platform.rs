//! The ports through which the core reaches the outside world.
//!
//! The core makes every decision; the platform does the I/O. `src/web` implements these traits
//! with localStorage, `Date.now`, `JSON` and `crypto.getRandomValues`; native tests implement them
//! in memory. Network delivery is not a trait: the outbox is sans-I/O ([`crate::core::outbox`]) and
//! the web layer performs the `fetch` and reports the outcome back.

use crate::core::condition::Host;
use crate::core::error::Result;
use crate::core::value::Value;
use crate::prelude::*;

/// Key/value persistence (localStorage in the browser). Every method reports failure instead of
/// panicking; callers treat storage as best effort.
pub trait Storage {
    /// Reads `key`; `Ok(None)` when absent.
    fn get(&self, key: &str) -> Result<Option<String>>;
    /// Writes `key`; `Err(Error::StorageFull)` on quota errors.
    fn set(&self, key: &str, value: &str) -> Result<()>;
    /// Removes `key`.
    fn remove(&self, key: &str) -> Result<()>;
    /// Every key currently stored (of this origin, not only persona's).
    fn keys(&self) -> Result<Vec<String>>;
}

/// Wall-clock time.
pub trait Clock {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> u64;
}

/// JSON text <-> [`Value`].
pub trait Codec {
    /// Encodes `value` as compact JSON text.
    fn encode(&self, value: &Value) -> Result<String>;
    /// Decodes JSON text; `Err(Error::StorageCorrupt)` when it is not valid JSON.
    fn decode(&self, text: &str) -> Result<Value>;
}

/// Cryptographically secure random bytes.
pub trait Entropy {
    /// Fills `buf` with random bytes.
    fn fill(&self, buf: &mut [u8]) -> Result<()>;
}

/// Everything the tracker needs from its environment (conditions need the browser's number
/// formatting, lowercasing and `RegExp`: [`Host`]).
pub trait Platform: Storage + Clock + Codec + Entropy + Host {}

impl<T: Storage + Clock + Codec + Entropy + Host> Platform for T {}
