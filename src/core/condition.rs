//! Conditions: MongoDB-style queries over a visitor's attributes, with GrowthBook's semantics, so
//! that targeting written for GrowthBook moves over unchanged.
//!
//! ```text
//! { "country": {"$in": ["de", "at"]}, "cart.value": {"$gte": 50},
//!   "$or": [{"segments": {"$elemMatch": {"$eq": "console-owner"}}}, {"visits": {"$gt": 3}}] }
//! ```
//!
//! Keys are dotted paths into the attributes (a missing path reads as `null`); `$or`, `$nor`,
//! `$and` and `$not` combine whole conditions. A path's condition is a plain value (strings
//! compare with `String(value)`, numbers with `Number(value)`, booleans with truthiness, arrays
//! and objects with their JSON text) or an object of operators: `$eq $ne $lt $lte $gt $gte`
//! (JavaScript's comparison rules), `$in $nin $ini $nini $all $alli` (the `i` forms ignore
//! case), `$exists $type $size $elemMatch $not`, `$regex $regexi` (the browser's `RegExp`),
//! `$veq $vne $vlt $vlte $vgt $vgte` (versions, pre-releases ordered as in SemVer), and
//! `$inGroup $notInGroup` (saved groups of ids). Evaluation never fails: an operator it does not
//! know is false, as in GrowthBook. [`check`] is the strict side, for configuration: it names the
//! first malformed part instead.
//!
//! JavaScript's number formatting and parsing, `toLowerCase` and `RegExp` are the [`Host`]'s, so
//! no float formatting or parsing, Unicode case or space tables or regex engine are compiled into
//! the wasm.
//!
//! Size: the operators are looked up in one table ([`OPERATORS`]) that evaluation and [`check`]
//! share; the six orderings (`$lt`…, `$vlt`…) are one comparison and a mask of the outcomes that
//! pass.

use crate::prelude::*;
use core::cmp::Ordering;

use crate::core::error::{Error, Result};
use crate::core::json;
use crate::core::value::Value;

/// What evaluation borrows from the JavaScript engine.
pub trait Host {
    /// Appends `Number.prototype.toString(n)` for a number that is not a whole number below 2^53.
    fn number_text(&self, n: f64, out: &mut String);
    /// `Number(text)`: JavaScript's `StringToNumber` (blank is 0; decimal literals, `Infinity`,
    /// `0x` / `0o` / `0b` integers, between JavaScript's white space; else `NaN`).
    fn number(&self, text: &str) -> f64;
    /// `a.toLowerCase() === b.toLowerCase()`.
    fn same_lowercase(&self, a: &str, b: &str) -> bool;
    /// `new RegExp(pattern, insensitive ? "i" : "").test(input)`; `None` when the pattern is
    /// not a valid regular expression.
    fn regex_test(&self, pattern: &str, insensitive: bool, input: &str) -> Option<bool>;
}

/// Named lists of ids for `$inGroup` / `$notInGroup` (GrowthBook's saved groups).
pub type Groups<'a> = &'a [(String, Vec<Value>)];

/// An operator or combinator, as [`OPERATORS`] names it.
#[derive(Clone, Copy)]
enum Op {
    /// `$or` (true) and `$nor` (false): whether one of the listed conditions must hold.
    Or(bool),
    And,
    /// `$not`, as a combinator and as an operator.
    Not,
    /// `$eq` (true) and `$ne` (false).
    Eq(bool),
    /// `$lt $lte $gt $gte` (JavaScript's comparison) and, with `true`, `$veq $vne $vlt $vlte $vgt
    /// $vgte` (compared as [`version_key`]s): the [`ordering`] outcomes that pass.
    Compare(u8, bool),
    Exists,
    /// `$in $nin $ini $nini`: (ignore case, wanted membership).
    In(bool, bool),
    /// `$inGroup` (true) and `$notInGroup` (false).
    InGroup(bool),
    /// `$all` and `$alli` (ignore case).
    All(bool),
    Size,
    ElemMatch,
    /// `$regex` and `$regexi` (ignore case).
    Regex(bool),
    Type,
}

/// Masks of the [`Ordering`]s of actual against expected that pass.
const LT: u8 = 1;
const EQ: u8 = 2;
const GT: u8 = 4;

/// Every name with a meaning: combinators at the top of a condition, operators in a path's.
const OPERATORS: [(&str, Op); 30] = [
    ("$or", Op::Or(true)),
    ("$nor", Op::Or(false)),
    ("$and", Op::And),
    ("$not", Op::Not),
    ("$eq", Op::Eq(true)),
    ("$ne", Op::Eq(false)),
    ("$lt", Op::Compare(LT, false)),
    ("$lte", Op::Compare(LT | EQ, false)),
    ("$gt", Op::Compare(GT, false)),
    ("$gte", Op::Compare(GT | EQ, false)),
    ("$veq", Op::Compare(EQ, true)),
    ("$vne", Op::Compare(LT | GT, true)),
    ("$vlt", Op::Compare(LT, true)),
    ("$vlte", Op::Compare(LT | EQ, true)),
    ("$vgt", Op::Compare(GT, true)),
    ("$vgte", Op::Compare(GT | EQ, true)),
    ("$exists", Op::Exists),
    ("$in", Op::In(false, true)),
    ("$nin", Op::In(false, false)),
    ("$ini", Op::In(true, true)),
    ("$nini", Op::In(true, false)),
    ("$all", Op::All(false)),
    ("$alli", Op::All(true)),
    ("$inGroup", Op::InGroup(true)),
    ("$notInGroup", Op::InGroup(false)),
    ("$size", Op::Size),
    ("$elemMatch", Op::ElemMatch),
    ("$regex", Op::Regex(false)),
    ("$regexi", Op::Regex(true)),
    ("$type", Op::Type),
];

/// GrowthBook's `$type` names, in [`type_name`]'s order.
const TYPES: [&str; 6] = ["null", "boolean", "number", "string", "array", "object"];

fn lookup(name: &str) -> Option<&'static (&'static str, Op)> {
    OPERATORS.iter().find(|(n, _)| *n == name)
}

/// True when `attributes` satisfy `condition` (GrowthBook's `evalCondition`).
pub fn eval(attributes: &Value, condition: &Value, groups: Groups<'_>, host: &dyn Host) -> bool {
    let Value::Object(members) = condition else { return false };
    members.iter().all(|(key, value)| {
        let list = items(value);
        match lookup(key).map(|e| e.1) {
            // `$or` holds for an empty list.
            Some(Op::Or(want)) => {
                (list.is_empty() || list.iter().any(|c| eval(attributes, c, groups, host))) == want
            }
            Some(Op::And) => list.iter().all(|c| eval(attributes, c, groups, host)),
            Some(Op::Not) => !eval(attributes, value, groups, host),
            _ => matches(value, path_value(attributes, key), groups, host),
        }
    })
}

fn items(value: &Value) -> &[Value] {
    value.as_array().unwrap_or_default()
}

/// The value at a dotted path; `null` where the path leaves the data.
fn path_value<'v>(attributes: &'v Value, path: &str) -> &'v Value {
    const NULL: &Value = &Value::Null;
    let (mut current, mut rest) = (attributes, Some(path));
    while let Some(text) = rest {
        let part;
        (part, rest) = split_at_any(text, b'.', b'.');
        current = match current {
            Value::Object(_) => current.get(part),
            Value::Array(items) => index(part).and_then(|i| items.get(i)),
            _ => None,
        }
        .unwrap_or(NULL);
    }
    current
}

/// `part.parse::<usize>()`, by hand: smaller in the wasm.
fn index(part: &str) -> Option<usize> {
    let digits = part.strip_prefix('+').unwrap_or(part);
    if digits.is_empty() {
        return None;
    }
    digits.bytes().try_fold(0usize, |n, b| {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        n.checked_mul(10)?.checked_add(usize::from(digit))
    })
}

/// The text before the first ASCII `one` or `other` (all of it when there is none), and the text
/// after it (`None` when there is none): `str::split` by hand, smaller in the wasm.
fn split_at_any(text: &str, one: u8, other: u8) -> (&str, Option<&str>) {
    let mut at = 0;
    while let Some(&b) = text.as_bytes().get(at) {
        if b == one || b == other {
            return (text.get(..at).unwrap_or_default(), text.get(at + 1..));
        }
        at += 1;
    }
    (text, None)
}

/// An object whose keys all start with `$`.
fn is_operator_object(value: &Value) -> bool {
    matches!(value, Value::Object(m) if !m.is_empty() && m.iter().all(|(k, _)| k.starts_with('$')))
}

/// Whether `actual` satisfies one path's condition (GrowthBook's `evalConditionValue`).
fn matches(condition: &Value, actual: &Value, groups: Groups<'_>, host: &dyn Host) -> bool {
    match condition {
        Value::String(s) => js_string(actual, host) == *s,
        Value::Number(n) => js_number(actual, host) == *n,
        Value::Bool(b) => !matches!(actual, Value::Null) && truthy(actual) == *b,
        Value::Null => matches!(actual, Value::Null),
        Value::Object(ops) if is_operator_object(condition) => {
            ops.iter().all(|(op, expected)| operator(op, actual, expected, groups, host))
        }
        _ => json_text(actual, host) == json_text(condition, host),
    }
}

fn operator(op: &str, actual: &Value, expected: &Value, groups: Groups<'_>, host: &dyn Host) -> bool {
    let Some(&(_, op)) = lookup(op) else { return false };
    match op {
        Op::Eq(want) => same(actual, expected, false, host) == want,
        // Whether the outcome is one of those that pass (a `NaN` side, `None`, never is).
        Op::Compare(pass, version) => {
            ordering(actual, expected, version, host).is_some_and(|o| pass >> ((o as i8 + 1) as u8) & 1 != 0)
        }
        Op::Exists => truthy(expected) != matches!(actual, Value::Null),
        Op::In(insensitive, want) => {
            expected.as_array().is_some_and(|list| is_in(actual, list, insensitive, host) == want)
        }
        Op::InGroup(want) => {
            let name = expected.as_str().unwrap_or_default();
            let list = groups.iter().find(|(n, _)| n == name).map_or(&[][..], |(_, ids)| ids.as_slice());
            is_in(actual, list, false, host) == want
        }
        Op::Not => !matches(expected, actual, groups, host),
        Op::Size => match actual {
            Value::Array(items) => matches(expected, &Value::Number(items.len() as f64), groups, host),
            _ => false,
        },
        Op::ElemMatch => match actual {
            Value::Array(items) => items.iter().any(|item| {
                if is_operator_object(expected) {
                    matches(expected, item, groups, host)
                } else {
                    eval(item, expected, groups, host)
                }
            }),
            _ => false,
        },
        Op::All(insensitive) => match (actual, expected) {
            (Value::Array(have), Value::Array(wanted)) => wanted.iter().all(|w| {
                have.iter().any(|h| match (insensitive, w, h) {
                    (true, Value::String(_), Value::String(_)) => same(w, h, true, host),
                    _ => matches(w, h, groups, host),
                })
            }),
            _ => false,
        },
        Op::Regex(insensitive) => {
            let pattern = js_string(expected, host);
            host.regex_test(&pattern, insensitive, &js_string(actual, host)).unwrap_or(false)
        }
        Op::Type => expected.as_str() == Some(type_name(actual)),
        Op::Or(_) | Op::And => false,
    }
}

/// `===` between two values of the data (objects and arrays are never the same object), except
/// that two strings compare after `toLowerCase` when `insensitive`.
fn same(a: &Value, b: &Value, insensitive: bool, host: &dyn Host) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) if insensitive => host.same_lowercase(x, y),
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => x == y,
        _ => false,
    }
}

/// `$in`: an array attribute is in the list when any of its items is.
fn is_in(actual: &Value, list: &[Value], insensitive: bool, host: &dyn Host) -> bool {
    let one = core::slice::from_ref(actual);
    let have = match actual {
        Value::Array(items) => items.as_slice(),
        _ => one,
    };
    have.iter().any(|item| list.iter().any(|l| same(item, l, insensitive, host)))
}

/// GrowthBook's `$type` names.
fn type_name(value: &Value) -> &'static str {
    let index = match value {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Number(_) => 2,
        Value::String(_) => 3,
        Value::Array(_) => 4,
        Value::Object(_) => 5,
    };
    TYPES.get(index).copied().unwrap_or_default()
}

/// JavaScript truthiness.
pub(crate) fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => *n != 0.0 && !n.is_nan(),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// `JSON.stringify(value)`.
fn json_text(value: &Value, host: &dyn Host) -> String {
    json::to_string(value, &float(host))
}

/// The host's number formatting as `json` takes it (one closure type for both uses).
fn float(host: &dyn Host) -> impl Fn(f64, &mut String) + '_ {
    move |n, out| host.number_text(n, out)
}

/// `String(value)`.
pub(crate) fn js_string(value: &Value, host: &dyn Host) -> String {
    let mut out = String::new();
    match value {
        Value::Null => out.push_str("null"),
        _ => push_js_string(value, &mut out, host),
    }
    out
}

fn push_js_string(value: &Value, out: &mut String, host: &dyn Host) {
    match value {
        Value::Null => {} // inside an array, null joins as ""
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => json::number(*n, out, &float(host)),
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_js_string(item, out, host);
            }
        }
        Value::Object(_) => out.push_str("[object Object]"),
    }
}

/// `Number(value)`: strings, arrays and objects (`"[object Object]"`, so `NaN`) through their
/// `String(value)`.
fn js_number(value: &Value, host: &dyn Host) -> f64 {
    match value {
        Value::Null => 0.0,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Number(n) => *n,
        _ => host.number(&js_string(value, host)),
    }
}

/// JavaScript's ordering of `a` and `b` for `<`: as strings by UTF-16 code units when both
/// sides are strings, arrays or objects (which turn into strings), else as numbers; `None` when
/// a side is not a number (`NaN`). With `version`, the [`version_key`]s' order.
fn ordering(a: &Value, b: &Value, version: bool, host: &dyn Host) -> Option<Ordering> {
    let text = |v: &Value| matches!(v, Value::String(_) | Value::Array(_) | Value::Object(_));
    if version || text(a) && text(b) {
        let key = |v: &Value| if version { version_key(v, host) } else { js_string(v, host) };
        Some(utf16_cmp(&key(a), &key(b)))
    } else {
        js_number(a, host).partial_cmp(&js_number(b, host))
    }
}

/// String order as JavaScript compares strings: by UTF-16 code units. UTF-8 bytes order as code
/// points, which differs only in that U+E000..U+FFFF (lead bytes EE, EF) come after the surrogate
/// pairs (lead bytes F0..F4) in UTF-16: those two lead bytes move above them.
fn utf16_cmp(a: &str, b: &str) -> Ordering {
    let unit = |b: u8| if b & 0xfe == 0xee { b | 0x10 } else { b };
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut i = 0;
    loop {
        match (a.get(i), b.get(i)) {
            (Some(&x), Some(&y)) if x != y => return unit(x).cmp(&unit(y)),
            (Some(_), Some(_)) => i += 1,
            _ => return a.len().cmp(&b.len()),
        }
    }
}

/// GrowthBook's padded version string: no leading `v` or `+build`; parts split at `-` and `.`;
/// numeric parts left-padded to 5; `~` appended to a plain `x.y.z` so that it sorts after its
/// pre-releases.
fn version_key(value: &Value, host: &dyn Host) -> String {
    let number;
    let text = match value {
        Value::Number(_) => {
            number = js_string(value, host);
            &number
        }
        Value::String(s) if !s.is_empty() => s,
        _ => "0",
    };
    let text = text.strip_prefix('v').unwrap_or(text);
    let mut rest = Some(split_at_any(text, b'+', b'+').0);
    let mut out = String::new();
    let mut parts = 0;
    while let Some(text) = rest {
        let part;
        (part, rest) = split_at_any(text, b'-', b'.');
        if parts > 0 {
            out.push('-');
        }
        parts += 1;
        if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) {
            for _ in part.len()..5 {
                out.push(' ');
            }
        }
        out.push_str(part);
    }
    if parts == 3 {
        out.push_str("-~");
    }
    out
}

/// Checks a condition for configuration: an error names the first malformed part (an operator
/// unknown or given the wrong kind of operand, a regular expression the browser rejects, a
/// combinator that is not a list of objects) instead of a condition that is silently false.
pub fn check(condition: &Value, host: &dyn Host) -> Result<()> {
    malformed(condition, true, host).map_err(Error::ConditionInvalid)
}

/// [`check`]'s work, on a whole condition (`whole`) or on one path's: `Err` names the first
/// malformed part. One function for both, as that is smaller in the wasm.
fn malformed(condition: &Value, whole: bool, host: &dyn Host) -> core::result::Result<(), &'static str> {
    let Value::Object(members) = condition else {
        return if whole { Err("condition") } else { Ok(()) };
    };
    if !whole && !is_operator_object(condition) {
        // An object compared as JSON, unless `$` keys are mixed with plain ones.
        return match members.iter().any(|(k, _)| k.starts_with('$')) {
            true => Err("operator"),
            false => Ok(()),
        };
    }
    for (key, value) in members {
        let found = lookup(key);
        if whole {
            match found.map(|e| e.1) {
                Some(Op::Or(_) | Op::And) => {
                    let Value::Array(list) = value else { return Err("$or") };
                    for c in list {
                        malformed(c, true, host)?;
                    }
                }
                Some(Op::Not) => malformed(value, true, host)?,
                _ => malformed(value, false, host)?,
            }
            continue;
        }
        let ok = |v: &Value, whole: bool| malformed(v, whole, host).is_ok();
        let (name, valid) = match found {
            None | Some((_, Op::Or(_) | Op::And)) => return Err("operator"),
            Some(&(name, op)) => (
                name,
                match op {
                    Op::Eq(_) | Op::Compare(_, false) | Op::Exists | Op::Or(_) | Op::And => true,
                    Op::Compare(_, true) | Op::InGroup(_) => value.as_str().is_some(),
                    Op::In(..) => value.as_array().is_some(),
                    Op::All(_) => value.as_array().is_some_and(|items| items.iter().all(|c| ok(c, false))),
                    Op::ElemMatch if value.is_object() && !is_operator_object(value) => ok(value, true),
                    Op::Not | Op::Size | Op::ElemMatch => ok(value, false),
                    Op::Regex(_) => value.as_str().is_some_and(|p| host.regex_test(p, false, "").is_some()),
                    Op::Type => value.as_str().is_some_and(|t| TYPES.contains(&t)),
                },
            ),
        };
        if !valid {
            return Err(name);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::testing::NativeHost;

    #[test]
    fn passes_every_growthbook_eval_condition_case() {
        let cases = crate::core::testing::growthbook_cases("evalCondition");
        assert_eq!(cases.len(), 248, "the suite's evalCondition section");
        let mut failures = Vec::new();
        for case in &cases {
            let c = case.as_array().unwrap();
            let (name, condition, attributes) = (c[0].as_str().unwrap(), &c[1], &c[2]);
            let expected = c[3] == Value::Bool(true);
            let groups: Vec<(String, Vec<Value>)> = match c.get(4) {
                Some(Value::Object(saved)) => saved
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_array().unwrap_or_default().to_vec()))
                    .collect(),
                _ => Vec::new(),
            };
            if eval(attributes, condition, &groups, &NativeHost) != expected {
                failures.push(name.to_owned());
            }
        }
        assert_eq!(failures, Vec::<String>::new());
    }

    #[test]
    fn javascript_coercions() {
        let n = |s: &str| js_number(&s.into(), &NativeHost);
        assert_eq!(
            (n(""), n("  8 "), n("0x1F"), n("-Infinity"), n(".5"), n("5."), n("1e3")),
            (0.0, 8.0, 31.0, f64::NEG_INFINITY, 0.5, 5.0, 1000.0)
        );
        for bad in ["abc", "1.2.3", "0x", "--1", "1e", "e5", ".", "+-1", "\u{85}1"] {
            assert!(n(bad).is_nan(), "{bad}");
        }
        let arr = Value::Array(vec![
            1.0.into(),
            Value::Null,
            "a".into(),
            Value::Array(vec![2.0.into(), 3.0.into()]),
        ]);
        assert_eq!(js_string(&arr, &NativeHost), "1,,a,2,3");
        assert_eq!(js_string(&Value::object(), &NativeHost), "[object Object]");
        assert_eq!(
            ordering(&Value::Array(vec![2.0.into()]), &Value::Array(vec![10.0.into()]), false, &NativeHost),
            Some(Ordering::Greater),
            "as strings"
        );
        assert_eq!(
            ordering(&Value::Null, &1.0.into(), false, &NativeHost),
            Some(Ordering::Less),
            "null is 0"
        );
        assert_eq!(ordering(&"x".into(), &1.0.into(), false, &NativeHost), None, "NaN");
        assert!(js_number(&Value::object(), &NativeHost).is_nan(), "[object Object]");
        // UTF-16 order: U+FF5E sorts after U+1F600 (a surrogate pair), though its code point is lower.
        assert_eq!(utf16_cmp("\u{ff5e}", "\u{1f600}"), Ordering::Greater);
        assert_eq!(utf16_cmp("\u{d7ff}", "\u{1f600}"), Ordering::Less);
        assert_eq!(utf16_cmp("ab", "abc"), Ordering::Less);
        assert_eq!(utf16_cmp("\u{e000}", "\u{ffff}"), Ordering::Less);
        assert_eq!(version_key(&"v1.2.3+b".into(), &NativeHost), "    1-    2-    3-~");
        assert_eq!(version_key(&"1.0.0-beta.2".into(), &NativeHost), "    1-    0-    0-beta-    2");
        for part in ["0", "7", "+3", "012", "", "+", "-1", "1a", "x", "99999999999999999999999"] {
            assert_eq!(index(part), part.parse::<usize>().ok(), "{part:?} as str::parse reads it");
        }
        assert_eq!(split_at_any("a.b-c", b'-', b'.'), ("a", Some("b-c")));
        assert_eq!(split_at_any("abc", b'.', b'.'), ("abc", None));
    }

    #[test]
    fn check_names_what_is_malformed() {
        let cond = |text: &str| json::parse(text, 32, &|t| t.parse().unwrap()).unwrap();
        let ok = [
            r#"{}"#,
            r#"{"a": 1, "b": {"c": 2}, "d": [1, 2], "e": null}"#,
            r#"{"$or": [{"a": {"$in": [1]}}, {"$not": {"b": {"$exists": true}}}]}"#,
            r#"{"tags": {"$elemMatch": {"name": {"$regex": "^x"}}}, "n": {"$size": {"$gt": 2}}}"#,
            r#"{"v": {"$vgte": "1.2.0"}, "t": {"$type": "array"}, "id": {"$inGroup": "beta"}}"#,
            r#"{"$groups": {"$elemMatch": {"$eq": "a"}}}"#,
        ];
        for c in ok {
            assert_eq!(check(&cond(c), &NativeHost), Ok(()), "{c}");
        }
        let bad = [
            (r#"[]"#, "condition"),
            (r#"{"$or": {"a": 1}}"#, "$or"),
            (r#"{"a": {"$regx": "x"}}"#, "operator"),
            (r#"{"a": {"$in": 1}}"#, "$in"),
            (r#"{"a": {"$regex": "[)"}}"#, "$regex"),
            (r#"{"a": {"$type": "int"}}"#, "$type"),
            (r#"{"a": {"$vgt": 1}}"#, "$vgt"),
            (r#"{"a": {"$gt": 1, "b": 2}}"#, "operator"),
            (r#"{"$and": [{"a": {"$not": {"$nope": 1}}}]}"#, "$not"),
            (r#"{"a": {"$or": []}}"#, "operator"),
        ];
        for (c, detail) in bad {
            assert_eq!(check(&cond(c), &NativeHost), Err(Error::ConditionInvalid(detail)), "{c}");
        }
    }
}
