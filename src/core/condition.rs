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
//! JavaScript's number formatting, `toLowerCase` and `RegExp` are the [`Host`]'s, so no float
//! formatting, Unicode case tables or regex engine are compiled into the wasm.

use crate::core::error::{Error, Result};
use crate::core::json;
use crate::core::value::Value;

/// What evaluation borrows from the JavaScript engine.
pub trait Host {
    /// Appends `Number.prototype.toString(n)` for a number that is not a whole number below 2^53.
    fn number_text(&self, n: f64, out: &mut String);
    /// The value of a decimal literal (already checked against JavaScript's grammar).
    fn decimal(&self, text: &str) -> f64;
    /// `text.toLowerCase()`.
    fn lowercase(&self, text: &str) -> String;
    /// `new RegExp(pattern, insensitive ? "i" : "").test(input)`; `None` when the pattern is
    /// not a valid regular expression.
    fn regex_test(&self, pattern: &str, insensitive: bool, input: &str) -> Option<bool>;
}

/// Named lists of ids for `$inGroup` / `$notInGroup` (GrowthBook's saved groups).
pub type Groups<'a> = &'a [(String, Vec<Value>)];

/// True when `attributes` satisfy `condition` (GrowthBook's `evalCondition`).
pub fn eval(attributes: &Value, condition: &Value, groups: Groups<'_>, host: &dyn Host) -> bool {
    let Value::Object(members) = condition else { return false };
    members.iter().all(|(key, value)| match key.as_str() {
        "$or" => any_of(attributes, value, groups, host),
        "$nor" => !any_of(attributes, value, groups, host),
        "$and" => items(value).iter().all(|c| eval(attributes, c, groups, host)),
        "$not" => !eval(attributes, value, groups, host),
        path => matches(value, path_value(attributes, path), groups, host),
    })
}

/// `$or`: true for an empty list, else when any condition holds.
fn any_of(attributes: &Value, conditions: &Value, groups: Groups<'_>, host: &dyn Host) -> bool {
    let list = items(conditions);
    list.is_empty() || list.iter().any(|c| eval(attributes, c, groups, host))
}

fn items(value: &Value) -> &[Value] {
    value.as_array().unwrap_or_default()
}

/// The value at a dotted path; `null` where the path leaves the data.
fn path_value<'v>(attributes: &'v Value, path: &str) -> &'v Value {
    const NULL: &Value = &Value::Null;
    let mut current = attributes;
    for part in path.split('.') {
        current = match current {
            Value::Object(_) => current.get(part),
            Value::Array(items) => part.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        }
        .unwrap_or(NULL);
    }
    current
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
    let insensitive = op.ends_with('i'); // $ini $nini $alli $regexi
    match op {
        "$eq" => strict_eq(actual, expected),
        "$ne" => !strict_eq(actual, expected),
        "$lt" => less(actual, expected, host) == Some(true),
        "$gt" => less(expected, actual, host) == Some(true),
        "$lte" => less(expected, actual, host) == Some(false),
        "$gte" => less(actual, expected, host) == Some(false),
        "$veq" | "$vne" | "$vlt" | "$vlte" | "$vgt" | "$vgte" => {
            let (a, e) = (version_key(actual, host), version_key(expected, host));
            let order = utf16_cmp(&a, &e);
            match op {
                "$veq" => order.is_eq(),
                "$vne" => order.is_ne(),
                "$vlt" => order.is_lt(),
                "$vlte" => order.is_le(),
                "$vgt" => order.is_gt(),
                _ => order.is_ge(),
            }
        }
        "$exists" => truthy(expected) != matches!(actual, Value::Null),
        "$in" | "$ini" => expected.as_array().is_some_and(|list| is_in(actual, list, insensitive, host)),
        "$nin" | "$nini" => expected.as_array().is_some_and(|list| !is_in(actual, list, insensitive, host)),
        "$inGroup" | "$notInGroup" => {
            let name = expected.as_str().unwrap_or_default();
            let list = groups.iter().find(|(n, _)| n == name).map_or(&[][..], |(_, ids)| ids.as_slice());
            is_in(actual, list, false, host) == (op == "$inGroup")
        }
        "$not" => !matches(expected, actual, groups, host),
        "$size" => match actual {
            Value::Array(items) => matches(expected, &Value::Number(items.len() as f64), groups, host),
            _ => false,
        },
        "$elemMatch" => match actual {
            Value::Array(items) if is_operator_object(expected) => {
                items.iter().any(|item| matches(expected, item, groups, host))
            }
            Value::Array(items) => items.iter().any(|item| eval(item, expected, groups, host)),
            _ => false,
        },
        "$all" | "$alli" => match (actual, expected) {
            (Value::Array(have), Value::Array(wanted)) => wanted.iter().all(|w| {
                have.iter().any(|h| match (insensitive, w, h) {
                    (true, Value::String(w), Value::String(h)) => host.lowercase(w) == host.lowercase(h),
                    _ => matches(w, h, groups, host),
                })
            }),
            _ => false,
        },
        "$regex" | "$regexi" => {
            let pattern = js_string(expected, host);
            host.regex_test(&pattern, insensitive, &js_string(actual, host)).unwrap_or(false)
        }
        "$type" => expected.as_str() == Some(type_name(actual)),
        _ => false,
    }
}

/// `===` between two values of the data: objects and arrays are never the same object.
fn strict_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        _ => false,
    }
}

/// `$in`: an array attribute is in the list when any of its items is.
fn is_in(actual: &Value, list: &[Value], insensitive: bool, host: &dyn Host) -> bool {
    let same = |a: &Value, b: &Value| match (insensitive, a, b) {
        (true, Value::String(x), Value::String(y)) => host.lowercase(x) == host.lowercase(y),
        _ => strict_eq(a, b),
    };
    match actual {
        Value::Array(items) => items.iter().any(|item| list.iter().any(|l| same(item, l))),
        _ => list.iter().any(|l| same(actual, l)),
    }
}

/// GrowthBook's `$type` names.
fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// JavaScript truthiness.
fn truthy(value: &Value) -> bool {
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
    json::to_string(value, &|n, out| host.number_text(n, out))
}

/// `String(value)`.
fn js_string(value: &Value, host: &dyn Host) -> String {
    let mut out = String::new();
    push_js_string(value, &mut out, host, true);
    out
}

fn push_js_string(value: &Value, out: &mut String, host: &dyn Host, top: bool) {
    match value {
        Value::Null if top => out.push_str("null"),
        Value::Null => {} // inside an array, null joins as ""
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => json::number(*n, out, &|n, out| host.number_text(n, out)),
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_js_string(item, out, host, false);
            }
        }
        Value::Object(_) => out.push_str("[object Object]"),
    }
}

/// `Number(value)`.
fn js_number(value: &Value, host: &dyn Host) -> f64 {
    match value {
        Value::Null => 0.0,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Number(n) => *n,
        Value::String(s) => string_to_number(s, host),
        Value::Array(_) => string_to_number(&js_string(value, host), host),
        Value::Object(_) => f64::NAN,
    }
}

/// JavaScript's `StringToNumber`: blank is 0; decimal, `Infinity`, and 0x / 0o / 0b integers.
fn string_to_number(s: &str, host: &dyn Host) -> f64 {
    let s = s.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
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
        host.decimal(s)
    } else {
        f64::NAN
    }
}

/// `digits[.digits]`, `.digits` or `digits.`, then an optional exponent.
fn is_decimal_literal(s: &str) -> bool {
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(at) => (s.get(..at).unwrap_or_default(), s.get(at + 1..)),
        None => (s, None),
    };
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mantissa_ok = digits(int) && digits(frac) && !(int.is_empty() && frac.is_empty());
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok && !mantissa.is_empty()
}

/// JavaScript's `a < b` for values of the data: `None` when a side is not a number (`NaN`).
fn less(a: &Value, b: &Value, host: &dyn Host) -> Option<bool> {
    let primitive = |v: &Value| match v {
        Value::Array(_) | Value::Object(_) => Value::String(js_string(v, host)),
        other => other.clone(),
    };
    match (primitive(a), primitive(b)) {
        (Value::String(x), Value::String(y)) => Some(utf16_cmp(&x, &y).is_lt()),
        (x, y) => {
            let (x, y) = (js_number(&x, host), js_number(&y, host));
            (!x.is_nan() && !y.is_nan()).then_some(x < y)
        }
    }
}

/// String order as JavaScript compares strings: by UTF-16 code units.
fn utf16_cmp(a: &str, b: &str) -> core::cmp::Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// GrowthBook's padded version string: no leading `v` or `+build`; parts split at `-` and `.`;
/// numeric parts left-padded to 5; `~` appended to a plain `x.y.z` so that it sorts after its
/// pre-releases.
fn version_key(value: &Value, host: &dyn Host) -> String {
    let text = match value {
        Value::Number(_) => js_string(value, host),
        Value::String(s) if !s.is_empty() => s.clone(),
        _ => "0".to_owned(),
    };
    let text = text.strip_prefix('v').unwrap_or(&text);
    let text = text.split('+').next().unwrap_or_default();
    let mut parts: Vec<&str> = text.split(['-', '.']).collect();
    if parts.len() == 3 {
        parts.push("~");
    }
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push('-');
        }
        if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) {
            for _ in part.len()..5 {
                out.push(' ');
            }
        }
        out.push_str(part);
    }
    out
}

/// The operators [`check`] accepts, with the kind of operand each takes.
const OPERATORS: [(&str, Operand); 27] = [
    ("$eq", Operand::Any),
    ("$ne", Operand::Any),
    ("$lt", Operand::Any),
    ("$lte", Operand::Any),
    ("$gt", Operand::Any),
    ("$gte", Operand::Any),
    ("$veq", Operand::Text),
    ("$vne", Operand::Text),
    ("$vlt", Operand::Text),
    ("$vlte", Operand::Text),
    ("$vgt", Operand::Text),
    ("$vgte", Operand::Text),
    ("$exists", Operand::Any),
    ("$in", Operand::List),
    ("$nin", Operand::List),
    ("$ini", Operand::List),
    ("$nini", Operand::List),
    ("$all", Operand::Conditions),
    ("$alli", Operand::Conditions),
    ("$inGroup", Operand::Text),
    ("$notInGroup", Operand::Text),
    ("$not", Operand::Condition),
    ("$size", Operand::Condition),
    ("$elemMatch", Operand::Condition),
    ("$regex", Operand::Regex),
    ("$regexi", Operand::Regex),
    ("$type", Operand::Type),
];

#[derive(Clone, Copy)]
enum Operand {
    Any,
    Text,
    List,
    Conditions,
    Condition,
    Regex,
    Type,
}

/// Checks a condition for configuration: an error names the first malformed part (an operator
/// unknown or given the wrong kind of operand, a regular expression the browser rejects, a
/// combinator that is not a list of objects) instead of a condition that is silently false.
pub fn check(condition: &Value, host: &dyn Host) -> Result<()> {
    let Value::Object(members) = condition else { return Err(Error::ConditionInvalid("condition")) };
    for (key, value) in members {
        match key.as_str() {
            "$or" | "$nor" | "$and" => {
                let Value::Array(list) = value else { return Err(Error::ConditionInvalid("$or")) };
                list.iter().try_for_each(|c| check(c, host))?;
            }
            "$not" => check(value, host)?,
            _ => check_value(value, host)?,
        }
    }
    Ok(())
}

fn check_value(condition: &Value, host: &dyn Host) -> Result<()> {
    let Value::Object(ops) = condition else { return Ok(()) };
    if !is_operator_object(condition) {
        if ops.iter().any(|(k, _)| k.starts_with('$')) {
            return Err(Error::ConditionInvalid("operator")); // `$` keys mixed with plain ones
        }
        return Ok(()); // an object compared as JSON
    }
    for (op, operand) in ops {
        let Some(&(name, kind)) = OPERATORS.iter().find(|(name, _)| name == op) else {
            return Err(Error::ConditionInvalid("operator"));
        };
        let ok = match kind {
            Operand::Any => true,
            Operand::Text => operand.as_str().is_some(),
            Operand::List => operand.as_array().is_some(),
            Operand::Conditions => match operand {
                Value::Array(items) => items.iter().try_for_each(|c| check_value(c, host)).is_ok(),
                _ => false,
            },
            Operand::Condition => match operand {
                Value::Object(_) if op == "$elemMatch" && !is_operator_object(operand) => {
                    check(operand, host).is_ok()
                }
                _ => check_value(operand, host).is_ok(),
            },
            Operand::Regex => operand.as_str().is_some_and(|p| host.regex_test(p, false, "").is_some()),
            Operand::Type => {
                let names = ["null", "boolean", "number", "string", "array", "object"];
                operand.as_str().is_some_and(|t| names.contains(&t))
            }
        };
        if !ok {
            return Err(Error::ConditionInvalid(name));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::testing::NativeHost;

    fn cases() -> Vec<Value> {
        let path = crate::core::testing::shared_file("conformance/growthbook-cases.json");
        let text = std::fs::read_to_string(path).unwrap();
        let all = json::parse(&text, 64, &|t| t.parse().unwrap()).expect("the cases file is JSON");
        all.get("evalCondition").and_then(Value::as_array).unwrap().to_vec()
    }

    #[test]
    fn passes_every_growthbook_eval_condition_case() {
        let cases = cases();
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
        let n = |s: &str| string_to_number(s, &NativeHost);
        assert_eq!(
            (n(""), n("  8 "), n("0x1F"), n("-Infinity"), n(".5"), n("5."), n("1e3")),
            (0.0, 8.0, 31.0, f64::NEG_INFINITY, 0.5, 5.0, 1000.0)
        );
        for bad in ["abc", "1.2.3", "0x", "--1", "1e", "e5", ".", "+-1"] {
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
            less(&Value::Array(vec![2.0.into()]), &Value::Array(vec![10.0.into()]), &NativeHost),
            Some(false),
            "as strings"
        );
        assert_eq!(less(&Value::Null, &1.0.into(), &NativeHost), Some(true), "null is 0");
        assert_eq!(less(&"x".into(), &1.0.into(), &NativeHost), None, "NaN");
        assert_eq!(version_key(&"v1.2.3+b".into(), &NativeHost), "    1-    2-    3-~");
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
