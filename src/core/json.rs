//! JSON text from a [`Value`], written in Rust.
//!
//! The output is what `JSON.stringify` gives for the same value, so sizes and stored forms do not
//! depend on who encoded them. Whole numbers below 2^53 are written here; any other finite number
//! goes through `float` (the browser's `Number.prototype.toString` in the wasm build, which is
//! exactly `JSON.stringify`'s rule), so no float formatting is compiled into the wasm. Non-finite
//! numbers are `null`, as in JavaScript.
//!
//! Writing in Rust and handing the browser one finished string is what keeps `track()` cheap:
//! building a JS object member by member costs one string crossing per key and per value. The
//! same holds the other way: [`parse`] reads JSON text (from `JSON.stringify` or storage) with
//! integers parsed here and any other number handed to `float` (the browser's `parseFloat`).

use crate::core::time::push_num;
use crate::core::value::Value;
use crate::prelude::*;

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
    } else if crate::core::num::is_whole(n) && n.abs() < MAX_SAFE {
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
    // Char by char: no slicing of `s`, so no cut points to compute.
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\0'..='\u{1f}' => {
                out.push_str("\\u00");
                out.push(hex(c as u8 >> 4));
                out.push(hex(c as u8 & 15));
            }
            _ => out.push(c),
        }
    }
    out.push('"');
}

fn hex(nibble: u8) -> char {
    char::from(if nibble < 10 { b'0' + nibble } else { b'a' + nibble - 10 })
}

/// Parses JSON text into a [`Value`]; `None` when it is not JSON or holds a value deeper than
/// `max_depth` (the outermost value is depth 0, its members 1, and so on). Whole numbers of up to
/// 15 digits are read here; other numbers go to `float`, which gets their JSON text.
pub fn parse(text: &str, max_depth: usize, float: &dyn Fn(&str) -> f64) -> Option<Value> {
    let mut parser = Parser { text, at: 0, max_depth, float };
    let value = parser.value(0)?;
    parser.skip_space();
    (parser.at == text.len()).then_some(value)
}

/// Reads a JSON array, or the array under `key` of a top-level object, handing `each` every
/// element as soon as it is parsed, so a long list never exists as one tree: a search catalog of
/// 30,000 products is read one product at a time. Other members of the object are parsed and
/// dropped. `None` when the text is not JSON of that shape, or `each` returned `None`.
#[cfg(any(not(target_arch = "wasm32"), feature = "search-module"))]
pub fn parse_list(
    text: &str,
    key: &str,
    max_depth: usize,
    float: &dyn Fn(&str) -> f64,
    each: &mut dyn FnMut(Value) -> Option<()>,
) -> Option<()> {
    let mut p = Parser { text, at: 0, max_depth, float };
    p.skip_space();
    let mut found = false;
    match p.peek()? {
        b'[' => {
            p.items(b']', |p| each(p.value(1)?))?;
            found = true;
        }
        b'{' => p.items(b'}', |p| {
            p.skip_space();
            if p.peek()? != b'"' {
                return None;
            }
            let name = p.string()?;
            p.skip_space();
            p.eat(":")?;
            p.skip_space();
            if name == key && p.peek()? == b'[' {
                p.items(b']', |p| each(p.value(2)?))?;
                found = true;
            } else {
                p.value(1)?;
            }
            Some(())
        })?,
        _ => return None,
    }
    p.skip_space();
    (found && p.at == text.len()).then_some(())
}

struct Parser<'t> {
    text: &'t str,
    at: usize,
    max_depth: usize,
    float: &'t dyn Fn(&str) -> f64,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn eat(&mut self, literal: &str) -> Option<()> {
        let end = self.at + literal.len();
        (self.text.get(self.at..end)? == literal).then(|| self.at = end)
    }

    fn value(&mut self, depth: usize) -> Option<Value> {
        if depth > self.max_depth {
            return None;
        }
        self.skip_space();
        match self.peek()? {
            b'{' => self.object(depth),
            b'[' => self.array(depth),
            b'"' => self.string().map(Value::String),
            b't' => self.eat("true").map(|()| Value::Bool(true)),
            b'f' => self.eat("false").map(|()| Value::Bool(false)),
            b'n' => self.eat("null").map(|()| Value::Null),
            _ => self.number().map(Value::Number),
        }
    }

    fn object(&mut self, depth: usize) -> Option<Value> {
        let mut members = Vec::new();
        self.items(b'}', |p| {
            p.skip_space();
            if p.peek()? != b'"' {
                return None;
            }
            let key = p.string()?;
            p.skip_space();
            p.eat(":")?;
            members.push((key, p.value(depth + 1)?));
            Some(())
        })?;
        Some(Value::Object(members))
    }

    fn array(&mut self, depth: usize) -> Option<Value> {
        let mut items = Vec::new();
        self.items(b']', |p| {
            items.push(p.value(depth + 1)?);
            Some(())
        })?;
        Some(Value::Array(items))
    }

    /// The comma-separated items of a container, from its opening bracket to `close`.
    fn items(&mut self, close: u8, mut item: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.at += 1;
        self.skip_space();
        if self.peek()? == close {
            self.at += 1;
            return Some(());
        }
        loop {
            item(self)?;
            self.skip_space();
            match self.peek()? {
                b',' => self.at += 1,
                b if b == close => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// A string literal, at its opening quote.
    fn string(&mut self) -> Option<String> {
        self.at += 1;
        let mut out = String::new();
        let mut run = self.at;
        loop {
            let b = self.peek()?;
            match b {
                b'"' => {
                    out.push_str(self.text.get(run..self.at)?);
                    self.at += 1;
                    return Some(out);
                }
                b'\\' => {
                    out.push_str(self.text.get(run..self.at)?);
                    self.at += 1;
                    let escaped = self.peek()?;
                    self.at += 1;
                    match escaped {
                        b'"' | b'\\' | b'/' => out.push(char::from(escaped)),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => out.push(self.unicode_escape()?),
                        _ => return None,
                    }
                    run = self.at;
                }
                0..=0x1f => return None,
                _ => self.at += 1,
            }
        }
    }

    /// The character of a `\uXXXX` escape (after the `u`), joining a surrogate pair; a lone
    /// surrogate becomes U+FFFD, as when the browser hands such a string to Rust.
    fn unicode_escape(&mut self) -> Option<char> {
        let first = self.hex4()?;
        if (0xd800..0xdc00).contains(&first) && self.text.as_bytes().get(self.at..self.at + 2) == Some(b"\\u")
        {
            let save = self.at;
            self.at += 2;
            let second = self.hex4()?;
            if (0xdc00..0xe000).contains(&second) {
                return char::from_u32(0x10000 + ((first - 0xd800) << 10) + (second - 0xdc00));
            }
            self.at = save;
        }
        Some(char::from_u32(first).unwrap_or('\u{fffd}'))
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.text.as_bytes().get(self.at..self.at + 4)?;
        self.at += 4;
        digits.iter().try_fold(0u32, |n, d| Some(n * 16 + char::from(*d).to_digit(16)?))
    }

    /// A number per JSON's grammar.
    fn number(&mut self) -> Option<f64> {
        let start = self.at;
        let bytes = self.text.as_bytes();
        let digits = |at: &mut usize| {
            let from = *at;
            while bytes.get(*at).is_some_and(u8::is_ascii_digit) {
                *at += 1;
            }
            *at > from
        };
        let mut at = self.at;
        if bytes.get(at) == Some(&b'-') {
            at += 1;
        }
        let int_start = at;
        if !digits(&mut at) || (bytes.get(int_start) == Some(&b'0') && at - int_start > 1) {
            return None;
        }
        let mut whole = true;
        if bytes.get(at) == Some(&b'.') {
            at += 1;
            whole = false;
            if !digits(&mut at) {
                return None;
            }
        }
        if matches!(bytes.get(at), Some(b'e' | b'E')) {
            at += 1;
            whole = false;
            if matches!(bytes.get(at), Some(b'+' | b'-')) {
                at += 1;
            }
            if !digits(&mut at) {
                return None;
            }
        }
        self.at = at;
        let text = self.text.get(start..at)?;
        if whole && at - int_start <= 15 {
            let n = bytes.get(int_start..at)?.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0')) as f64;
            return Some(if int_start > start { -n } else { n });
        }
        Some((self.float)(text))
    }
}

/// The JSON text of `value` (see [`write`]).
pub fn to_string(value: &Value, float: &dyn Fn(f64, &mut String)) -> String {
    let mut out = String::new();
    write(value, &mut out, float);
    out
}

#[cfg(test)]
mod tests {
    #[cfg(any(not(target_arch = "wasm32"), feature = "search-module"))]
    #[test]
    fn lists_are_read_one_element_at_a_time() {
        let read = |text: &str| {
            let mut seen = Vec::new();
            let ok = super::parse_list(text, "products", 8, &|t| t.parse().unwrap_or(f64::NAN), &mut |v| {
                seen.push(v);
                Some(())
            });
            ok.map(|()| seen.len())
        };
        assert_eq!(read(r#" [1, {"a": [2]}, "x"] "#), Some(3));
        assert_eq!(read(r#"{"version": {"n": 1}, "products": [{}, {}], "more": true}"#), Some(2));
        assert_eq!(read("[]"), Some(0));
        assert_eq!(read(r#"{"items": []}"#), None, "no products");
        assert_eq!(read(r#"{"products": 3}"#), None);
        assert_eq!(read("[1, 2"), None, "truncated");
        assert_eq!(read("[1] x"), None, "trailing text");
        assert_eq!(read("3"), None);
        let mut n = 0;
        let stopped = super::parse_list("[1,2,3]", "products", 8, &|_| 0.0, &mut |_| {
            n += 1;
            (n < 2).then_some(())
        });
        assert_eq!((stopped, n), (None, 2), "each can stop the reading");
    }

    use super::*;

    fn float(n: f64, out: &mut String) {
        out.push_str(&serde_json::to_string(&n).unwrap());
    }

    fn parse_float(text: &str) -> f64 {
        text.parse().unwrap()
    }

    #[test]
    fn parses_what_it_writes_and_what_browsers_write() {
        let value = Value::object()
            .with("s", "quote \" backslash \\ nl \n bell \u{7} ü ß 😀")
            .with(
                "n",
                Value::Array(vec![
                    0.0.into(),
                    42.0.into(),
                    (-7.0).into(),
                    9.5.into(),
                    1e300.into(),
                    123_456_789_012_345_678.0.into(),
                ]),
            )
            .with(
                "nested",
                Value::object().with("a", Value::Array(vec![Value::Null, true.into(), false.into()])),
            )
            .with("empty", Value::object())
            .with("list", Value::Array(vec![]));
        let text = to_string(&value, &float);
        assert_eq!(parse(&text, 32, &parse_float), Some(value));
        let spaced = " { \"a\" : [ 1 , -0.5e1 , \"\\u00e9\\ud83d\\ude00\\/\" ] } ";
        let parsed = parse(spaced, 32, &parse_float).unwrap();
        let a = parsed.get("a").and_then(Value::as_array).unwrap();
        assert_eq!(a, [1.0.into(), (-5.0).into(), "é😀/".into()]);
        assert_eq!(parse("\"\\ud800x\"", 32, &parse_float), Some("\u{fffd}x".into()), "lone surrogate");
    }

    #[test]
    fn rejects_what_is_not_json_or_too_deep() {
        for bad in [
            "",
            "{",
            "[1,]",
            "{\"a\"}",
            "01",
            "1.",
            "-",
            "tru",
            "\"a",
            "\"tab\tin\"",
            "{} x",
            "\"\\x\"",
            "[1 2]",
            "NaN",
        ] {
            assert_eq!(parse(bad, 32, &parse_float), None, "{bad:?}");
        }
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(parse(&deep(33), 32, &parse_float).is_some(), "depth 32 below the outermost");
        assert_eq!(parse(&deep(34), 32, &parse_float), None);
        assert_eq!(
            parse(&format!("{}1{}", "[".repeat(33), "]".repeat(33)), 32, &parse_float),
            None,
            "a value at 33"
        );
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
