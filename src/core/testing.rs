//! In-memory platform for native unit tests: shared storage that can be made "full", a settable
//! clock, deterministic entropy, and a JSON codec backed by serde_json (a dev-dependency only;
//! the wasm build uses the browser's JSON).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use crate::core::error::{Error, Result};
use crate::core::platform::{Clock, Codec, Entropy, Storage};
use crate::core::value::Value;

/// Clones share one store, clock and random stream, like tabs sharing localStorage.
#[derive(Clone)]
pub struct MemPlatform {
    store: Rc<RefCell<HashMap<String, String>>>,
    full: Rc<Cell<bool>>,
    writes: Rc<Cell<u32>>,
    now: Rc<Cell<u64>>,
    seed: Rc<Cell<u64>>,
}

impl Default for MemPlatform {
    fn default() -> MemPlatform {
        MemPlatform {
            store: Rc::default(),
            full: Rc::default(),
            writes: Rc::default(),
            now: Rc::new(Cell::new(1_795_305_600_000)),
            seed: Rc::new(Cell::new(0x9e37_79b9_7f4a_7c15)),
        }
    }
}

impl MemPlatform {
    /// Raw stored value.
    pub fn stored(&self, key: &str) -> Option<String> {
        self.store.borrow().get(key).cloned()
    }
    /// How many `set` and `remove` calls reached the storage.
    pub fn writes(&self) -> u32 {
        self.writes.get()
    }
    /// Writes a raw value, bypassing the "full" switch.
    pub fn put(&self, key: &str, value: &str) {
        self.store.borrow_mut().insert(key.into(), value.into());
    }
    /// Makes every later `set` fail with `StorageFull`.
    pub fn set_full(&self, full: bool) {
        self.full.set(full);
    }
    /// Moves the clock.
    pub fn advance(&self, ms: u64) {
        self.now.set(self.now.get() + ms);
    }
    /// Parses JSON text for assertions.
    pub fn decode_json(&self, text: &str) -> serde_json::Value {
        serde_json::from_str(text).expect("valid JSON")
    }
}

impl Storage for MemPlatform {
    fn get(&self, key: &str) -> Result<Option<String>> {
        Ok(self.stored(key))
    }
    fn set(&self, key: &str, value: &str) -> Result<()> {
        self.writes.set(self.writes.get() + 1);
        if self.full.get() {
            return Err(Error::StorageFull);
        }
        self.put(key, value);
        Ok(())
    }
    fn keys(&self) -> Result<Vec<String>> {
        let mut keys: Vec<String> = self.store.borrow().keys().cloned().collect();
        keys.sort();
        Ok(keys)
    }
    fn remove(&self, key: &str) -> Result<()> {
        self.writes.set(self.writes.get() + 1);
        self.store.borrow_mut().remove(key);
        Ok(())
    }
}

impl Clock for MemPlatform {
    fn now_ms(&self) -> u64 {
        self.now.get()
    }
}

impl Entropy for MemPlatform {
    fn fill(&self, buf: &mut [u8]) -> Result<()> {
        for b in buf {
            // xorshift64*: deterministic, good enough for distinct test ids.
            let mut x = self.seed.get();
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            self.seed.set(x);
            *b = (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8;
        }
        Ok(())
    }
}

impl Codec for MemPlatform {
    fn encode(&self, value: &Value) -> Result<String> {
        serde_json::to_string(&to_json(value)).map_err(|_| Error::EncodeFailed)
    }
    fn decode(&self, text: &str) -> Result<Value> {
        serde_json::from_str(text).map(|j| from_json(&j)).map_err(|_| Error::StorageCorrupt)
    }
}

fn to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => (*b).into(),
        Value::Number(n) => serde_json::Number::from_f64(*n).map_or(serde_json::Value::Null, Into::into),
        Value::String(s) => s.as_str().into(),
        Value::Array(items) => items.iter().map(to_json).collect(),
        Value::Object(entries) => entries.iter().map(|(k, v)| (k.clone(), to_json(v))).collect(),
    }
}

fn from_json(j: &serde_json::Value) -> Value {
    match j {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(0.0)),
        serde_json::Value::String(s) => Value::String(s.clone()),
        serde_json::Value::Array(items) => Value::Array(items.iter().map(from_json).collect()),
        serde_json::Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), from_json(v))).collect())
        }
    }
}

/// A file of the workplace's shared test data (`../shared/` beside the project): found through
/// `PERSONA_SHARED_DIR`, else the nearest `shared/` folder above the project, else `/work/shared`.
/// Panics with the places it looked when there is none: a missing vector must fail the test.
pub fn shared_file(relative: &str) -> std::path::PathBuf {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut candidates: Vec<std::path::PathBuf> =
        std::env::var_os("PERSONA_SHARED_DIR").map(Into::into).into_iter().collect();
    candidates.extend(root.ancestors().skip(1).map(|dir| dir.join("shared")));
    candidates.push("/work/shared".into());
    candidates
        .iter()
        .map(|dir| dir.join(relative))
        .find(|path| path.is_file())
        .unwrap_or_else(|| panic!("shared test data {relative} not found in {candidates:?}"))
}

/// One section of GrowthBook's cross-SDK test suite (`conformance/growthbook-cases.json`).
pub fn growthbook_cases(section: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(shared_file("conformance/growthbook-cases.json")).unwrap();
    let all = crate::core::json::parse(&text, 64, &|t| t.parse().unwrap()).expect("the cases file is JSON");
    all.get(section).and_then(Value::as_array).unwrap_or_else(|| panic!("no section {section}")).to_vec()
}

/// `text` parsed as JSON (numbers by Rust's parser); panics on malformed test input. For the
/// search and re-ranking tests, which the main wasm build does not compile.
#[cfg(any(not(target_arch = "wasm32"), feature = "search-module"))]
pub fn json(text: &str) -> Value {
    crate::core::json::parse(text, 64, &|t| t.parse().unwrap()).expect("test JSON")
}

/// `value` as JSON text, for test failure messages (the experiment tests', native only for now).
#[cfg(not(target_arch = "wasm32"))]
pub fn json_text(value: &Value) -> String {
    crate::core::json::to_string(value, &|n, out| out.push_str(&n.to_string()))
}

/// The ways `value` breaks `schema`, for the subset of JSON Schema (draft 4) that the Snowplow
/// schemas persona meets use: `type`, `properties`, `required`, `additionalProperties: false`,
/// `items`, `minItems`, `minLength`, `maxLength`, `minimum`. Unknown keywords are an error, so a
/// schema using more than this is noticed rather than half-checked.
pub fn schema_violations(schema: &serde_json::Value, value: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    check(schema, value, "$", &mut out);
    out
}

fn check(schema: &serde_json::Value, value: &serde_json::Value, at: &str, out: &mut Vec<String>) {
    use serde_json::Value as J;
    let Some(rules) = schema.as_object() else {
        out.push(format!("{at}: schema is not an object"));
        return;
    };
    for (keyword, rule) in rules {
        match keyword.as_str() {
            "$schema" | "description" | "self" => {}
            "type" => {
                let ok = match rule.as_str() {
                    Some("object") => value.is_object(),
                    Some("array") => value.is_array(),
                    Some("string") => value.is_string(),
                    Some("integer") => value.as_f64().is_some_and(|n| n.fract() == 0.0),
                    Some("number") => value.is_number(),
                    Some("boolean") => value.is_boolean(),
                    other => {
                        out.push(format!("{at}: unsupported type {other:?}"));
                        true
                    }
                };
                if !ok {
                    out.push(format!("{at}: expected {rule}, got {value}"));
                }
            }
            "properties" => {
                if let (Some(props), J::Object(members)) = (rule.as_object(), value) {
                    for (name, sub) in props {
                        if let Some(member) = members.get(name) {
                            check(sub, member, &format!("{at}.{name}"), out);
                        }
                    }
                }
            }
            "required" => {
                for name in rule.as_array().into_iter().flatten().filter_map(J::as_str) {
                    if value.is_object() && value.get(name).is_none() {
                        out.push(format!("{at}: missing required {name}"));
                    }
                }
            }
            "additionalProperties" => {
                if rule == &J::Bool(false) {
                    let known = schema.get("properties").and_then(J::as_object);
                    for name in value.as_object().into_iter().flat_map(|m| m.keys()) {
                        if !known.is_some_and(|k| k.contains_key(name)) {
                            out.push(format!("{at}: unexpected property {name}"));
                        }
                    }
                }
            }
            "items" => {
                for (i, item) in value.as_array().into_iter().flatten().enumerate() {
                    check(rule, item, &format!("{at}[{i}]"), out);
                }
            }
            "minItems" | "minLength" | "maxLength" | "minimum" => {
                let limit = rule.as_f64().unwrap_or(f64::NAN);
                let actual = match (keyword.as_str(), value) {
                    ("minItems", J::Array(items)) => Some(items.len() as f64),
                    ("minLength" | "maxLength", J::String(s)) => Some(s.chars().count() as f64),
                    ("minimum", J::Number(n)) => n.as_f64(),
                    _ => None,
                };
                let broken =
                    actual.is_some_and(|a| if keyword == "maxLength" { a > limit } else { a < limit });
                if broken {
                    out.push(format!("{at}: {keyword} {limit} broken by {value}"));
                }
            }
            other => out.push(format!("{at}: unsupported keyword {other}")),
        }
    }
}

impl crate::core::condition::Host for MemPlatform {
    fn number_text(&self, n: f64, out: &mut String) {
        NativeHost.number_text(n, out)
    }
    fn number(&self, text: &str) -> f64 {
        NativeHost.number(text)
    }
    fn same_lowercase(&self, a: &str, b: &str) -> bool {
        NativeHost.same_lowercase(a, b)
    }
    fn regex_test(&self, pattern: &str, insensitive: bool, input: &str) -> Option<bool> {
        NativeHost.regex_test(pattern, insensitive, input)
    }
}

/// Rust's float formatting and parsing, `to_lowercase` and the `regex` crate standing in for
/// JavaScript's in native tests of conditions.
pub struct NativeHost;

impl crate::core::condition::Host for NativeHost {
    fn number_text(&self, n: f64, out: &mut String) {
        out.push_str(&n.to_string());
    }
    fn number(&self, text: &str) -> f64 {
        string_to_number(text)
    }
    fn same_lowercase(&self, a: &str, b: &str) -> bool {
        a.to_lowercase() == b.to_lowercase()
    }
    fn regex_test(&self, pattern: &str, insensitive: bool, input: &str) -> Option<bool> {
        let re = regex::RegexBuilder::new(pattern).case_insensitive(insensitive).build().ok()?;
        Some(re.is_match(input))
    }
}

/// JavaScript's `StringToNumber`: blank is 0; decimal, `Infinity`, and 0x / 0o / 0b integers,
/// between JavaScript's white space and line terminators; anything else `NaN`.
fn string_to_number(s: &str) -> f64 {
    // Unicode's White_Space less U+0085 (not white space to JavaScript), plus U+FEFF.
    let s = s.trim_matches(|c: char| (c.is_whitespace() && c != '\u{85}') || c == '\u{feff}');
    if s.is_empty() {
        return 0.0;
    }
    for (prefix, radix) in [("0x", 16), ("0X", 16), ("0o", 8), ("0O", 8), ("0b", 2), ("0B", 2)] {
        if let Some(digits) = s.strip_prefix(prefix) {
            if digits.is_empty() {
                return f64::NAN;
            }
            return digits
                .chars()
                .try_fold(0.0, |n, c| Some(n * f64::from(radix) + f64::from(c.to_digit(radix)?)))
                .unwrap_or(f64::NAN);
        }
    }
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    if unsigned == "Infinity" {
        return if s.starts_with('-') { f64::NEG_INFINITY } else { f64::INFINITY };
    }
    if is_decimal_literal(unsigned) {
        s.parse().unwrap_or(f64::NAN)
    } else {
        f64::NAN
    }
}

/// `digits[.digits]`, `.digits` or `digits.`, then an optional exponent.
fn is_decimal_literal(s: &str) -> bool {
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(at) => (&s[..at], Some(&s[at + 1..])),
        None => (s, None),
    };
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mantissa_ok = digits(int) && digits(frac) && !(int.is_empty() && frac.is_empty());
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok
}
