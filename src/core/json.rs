//! JSON text from a [`Value`], written in Rust.
//!
//! The output is what `JSON.stringify` gives for the same value, so sizes and stored forms do not
//! depend on who encoded them. Whole numbers below 2^53 are written here; any other finite number
//! goes through `float` (the browser's `Number.prototype.toString` in the wasm build, which is
//! exactly `JSON.stringify`'s rule), so no float formatting is compiled into the wasm. Non-finite
//! numbers are `null`, as in JavaScript.
//!
//! Writing in Rust and handing the browser one finished string is what keeps `track()` cheap:
//! building a JS object member by member costs one string crossing per key and per value.

use crate::core::time::push_num;
use crate::core::value::Value;

/// Largest integer a double holds exactly (2^53).
const MAX_SAFE: f64 = 9_007_199_254_740_992.0;

/// Appends the JSON text of `value` to `out`; `float` appends a number that is not a whole
/// number below 2^53.
pub fn write(value: &Value, out: &mut String, float: &dyn Fn(f64, &mut String)) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => number(*n, out, float),
        Value::String(s) => string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, out, float);
            }
            out.push(']');
        }
        Value::Object(members) => {
            out.push('{');
            for (i, (key, member)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                string(key, out);
                out.push(':');
                write(member, out, float);
            }
            out.push('}');
        }
    }
}

/// A number as `JSON.stringify` writes it.
pub fn number(n: f64, out: &mut String, float: &dyn Fn(f64, &mut String)) {
    if !n.is_finite() {
        out.push_str("null");
    } else if n.fract() == 0.0 && n.abs() < MAX_SAFE {
        if n < 0.0 {
            out.push('-');
        }
        push_num(out, n.abs() as u64, 1);
    } else {
        float(n, out);
    }
}

/// A string literal with `JSON.stringify`'s escapes.
pub fn string(s: &str, out: &mut String) {
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        // `i` is an ASCII byte, so both cuts fall on character boundaries.
        out.push_str(s.get(start..i).unwrap_or_default());
        start = i + 1;
        if escape.is_empty() {
            out.push_str("\\u00");
            out.push(hex(b >> 4));
            out.push(hex(b & 15));
        } else {
            out.push_str(escape);
        }
    }
    out.push_str(s.get(start..).unwrap_or_default());
    out.push('"');
}

fn hex(nibble: u8) -> char {
    char::from(if nibble < 10 { b'0' + nibble } else { b'a' + nibble - 10 })
}

/// The JSON text of `value` (see [`write`]).
pub fn to_string(value: &Value, float: &dyn Fn(f64, &mut String)) -> String {
    let mut out = String::new();
    write(value, &mut out, float);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn float(n: f64, out: &mut String) {
        out.push_str(&serde_json::to_string(&n).unwrap());
    }

    #[test]
    fn matches_what_serde_json_reads_back() {
        let value = Value::object()
            .with("s", "quote \" backslash \\ nl \n tab \t bell \u{7} del \u{7f} ü ß 😀 \u{2028}")
            .with(
                "n",
                Value::Array(vec![
                    0.0.into(),
                    (-0.0).into(),
                    42.0.into(),
                    (-7.0).into(),
                    9.5.into(),
                    1e300.into(),
                ]),
            )
            .with("big", 9_007_199_254_740_993.0)
            .with("inf", f64::INFINITY)
            .with("b", true)
            .with("nil", Value::Null)
            .with("empty", Value::object())
            .with("list", Value::Array(vec![]));
        let text = to_string(&value, &float);
        let back: serde_json::Value = serde_json::from_str(&text).expect(&text);
        assert_eq!(back["s"], "quote \" backslash \\ nl \n tab \t bell \u{7} del \u{7f} ü ß 😀 \u{2028}");
        assert_eq!(back["n"], serde_json::json!([0, 0, 42, -7, 9.5, 1e300]));
        assert_eq!(back["inf"], serde_json::Value::Null);
        assert_eq!(back["b"], true);
        assert!(text.contains(" bell \\u0007 del \u{7f}"), "{text}");
        assert!(text.starts_with("{\"s\":\"quote \\\" backslash \\\\ nl \\n tab \\t"), "{text}");
        assert!(text.ends_with(",\"b\":true,\"nil\":null,\"empty\":{},\"list\":[]}"), "{text}");
        assert!(text.contains("\"n\":[0,0,42,-7,9.5,1e+300]"), "{text}");
    }
}
