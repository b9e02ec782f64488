//! Events out, for a warehouse: JSON lines or CSV, a page at a time in the order they were stored
//! (`collector export`, `GET /v1/export`).

use std::io::Write;

use rusqlite::{params, Connection};
use serde_json::{Map, Value};

use crate::config::ExportFormat;

/// Events per page, and the most a page of `GET /v1/export` holds.
pub const PAGE: u32 = 10_000;

/// The CSV header.
const CSV_HEADER: &str =
    "id,message_id,type,event,name,anonymous_id,user_id,at,received_at,channel,server,properties,context\n";

/// Which events a page holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// Events that happened at or after this time (ms since the epoch).
    pub from_ms: i64,
    /// ...and before this time.
    pub until_ms: i64,
    /// Only events stored after the one with this id (0: from the first).
    pub after: i64,
    /// At most this many.
    pub limit: u32,
}

/// An ISO 8601 time of ms since the epoch.
fn iso(ms: i64) -> String {
    persona::core::time::iso8601(ms.max(0) as u64)
}

/// A CSV field, quoted when it holds a comma, quote or line break. A field a spreadsheet would
/// run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return: visitors
/// choose their ids and event names) gets a leading `'`, as OWASP advises; no column the
/// collector writes itself starts that way.
fn csv_field(out: &mut String, text: &str) {
    let formula = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let owned;
    let text = if formula {
        owned = format!("'{text}");
        owned.as_str()
    } else {
        text
    };
    if formula || text.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&text.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(text);
    }
}

/// Writes one page (the CSV header first when `header`); returns how many events it held and the
/// id of the last one.
pub fn write_page(
    conn: &Connection,
    page: &Page,
    format: ExportFormat,
    header: bool,
    out: &mut impl Write,
) -> Result<(u32, i64), String> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, message_id, type, event, name, anonymous_id, user_id, at, received_at, channel, server,
                    properties, context, raw
             FROM events WHERE id > ?1 AND at >= ?2 AND at < ?3 ORDER BY id LIMIT ?4",
        )
        .map_err(|e| e.to_string())?;
    let mut rows = stmt
        .query(params![page.after, page.from_ms, page.until_ms, page.limit])
        .map_err(|e| e.to_string())?;
    if header && format == ExportFormat::Csv {
        out.write_all(CSV_HEADER.as_bytes()).map_err(|e| e.to_string())?;
    }
    let (mut count, mut last) = (0, page.after);
    let mut line = String::new();
    while let Some(row) = rows.next().map_err(|e| e.to_string())? {
        let text = |i: usize| row.get::<_, Option<String>>(i).map(Option::unwrap_or_default);
        let read = || -> rusqlite::Result<_> {
            Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(7)?, row.get::<_, i64>(8)?, row.get::<_, bool>(10)?))
        };
        let (id, at, received_at, server) = read().map_err(|e| e.to_string())?;
        line.clear();
        match format {
            ExportFormat::Jsonl => {
                let raw = text(13).map_err(|e| e.to_string())?;
                let mut event: Map<String, Value> = serde_json::from_str(&raw).unwrap_or_default();
                event.insert("at".to_owned(), iso(at).into());
                event.insert("receivedAt".to_owned(), iso(received_at).into());
                event.insert("channel".to_owned(), text(9).map_err(|e| e.to_string())?.into());
                event.insert("server".to_owned(), server.into());
                line.push_str(&Value::Object(event).to_string());
            }
            ExportFormat::Csv => {
                for i in 0..13 {
                    if i > 0 {
                        line.push(',');
                    }
                    let field = match i {
                        0 => id.to_string(),
                        7 => iso(at),
                        8 => iso(received_at),
                        10 => u8::from(server).to_string(),
                        _ => text(i).map_err(|e| e.to_string())?,
                    };
                    csv_field(&mut line, &field);
                }
            }
        }
        line.push('\n');
        out.write_all(line.as_bytes()).map_err(|e| e.to_string())?;
        count += 1;
        last = id;
    }
    Ok((count, last))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_only_what_needs_it() {
        let mut out = String::new();
        for field in ["plain", "a,b", "say \"hi\"", "two\nlines", "=HYPERLINK(\"x\")", "-1+2", "{\"a\":1}"] {
            csv_field(&mut out, field);
            out.push('|');
        }
        assert_eq!(
            out,
            "plain|\"a,b\"|\"say \"\"hi\"\"\"|\"two\nlines\"|\"'=HYPERLINK(\"\"x\"\")\"|\"'-1+2\"|\"{\"\"a\"\":1}\"|"
        );
    }
}
