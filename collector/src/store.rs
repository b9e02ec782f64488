//! SQLite storage: schema migrations, batch inserts deduplicated by `messageId`, and event queries.
//!
//! One connection behind a mutex; callers run these blocking methods on `spawn_blocking`. The database is
//! in WAL mode with `synchronous=NORMAL`, so a write survives a crash of the process (not of the OS).

use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{params, params_from_iter, Connection};
use serde::Serialize;
use serde_json::Value;

use crate::aggregate;
use crate::ingest::{validate_event, ValidEvent};

/// Schema migrations, in order. Migration `i` takes the database from `user_version` `i` to `i + 1`.
/// Append new ones; never edit a released one.
const MIGRATIONS: &[&str] = &[
    "
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        message_id TEXT NOT NULL UNIQUE,
        type TEXT NOT NULL,
        event TEXT,
        name TEXT,
        anonymous_id TEXT,
        user_id TEXT,
        original_timestamp TEXT,
        sent_at TEXT,
        received_at INTEGER NOT NULL,
        properties TEXT NOT NULL,
        context TEXT NOT NULL,
        raw TEXT NOT NULL
    );
    CREATE INDEX events_anonymous_id ON events(anonymous_id);
    CREATE INDEX events_user_id ON events(user_id);
    CREATE INDEX events_event ON events(event);
    CREATE INDEX events_received_at ON events(received_at);
",
    "
    CREATE TABLE drop_reports (
        message_id TEXT PRIMARY KEY,
        count INTEGER NOT NULL,
        received_at INTEGER NOT NULL
    );
",
    // The dashboard: each event's time, channel and origin, and aggregates kept at ingest
    // (see `aggregate`), so its queries read days, not events. `backfill` fills them for events
    // stored before this migration.
    "
    ALTER TABLE events ADD COLUMN at INTEGER;
    ALTER TABLE events ADD COLUMN channel TEXT;
    ALTER TABLE events ADD COLUMN server INTEGER NOT NULL DEFAULT 0;
    UPDATE events SET at = received_at;
    CREATE INDEX events_at ON events(at);
    CREATE INDEX events_visitor_goal ON events(anonymous_id, event, at);
    CREATE INDEX events_user_goal ON events(user_id, event, at);
    -- Their first columns serve every lookup these served; each index costs ingest a page write.
    DROP INDEX events_anonymous_id;
    DROP INDEX events_user_id;
    CREATE TABLE sessions (
        id TEXT PRIMARY KEY, channel TEXT NOT NULL, day INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX sessions_day ON sessions(day);
    CREATE TABLE daily (
        day INTEGER NOT NULL, channel TEXT NOT NULL, event TEXT NOT NULL,
        events INTEGER NOT NULL, revenue REAL NOT NULL DEFAULT 0,
        PRIMARY KEY (day, channel, event)
    ) WITHOUT ROWID;
    CREATE TABLE daily_visitors (
        day INTEGER NOT NULL, channel TEXT NOT NULL, visitor TEXT NOT NULL, steps INTEGER NOT NULL,
        PRIMARY KEY (day, channel, visitor)
    ) WITHOUT ROWID;
    CREATE TABLE daily_searches (
        day INTEGER NOT NULL, channel TEXT NOT NULL, query TEXT NOT NULL,
        searches INTEGER NOT NULL, no_results INTEGER NOT NULL,
        PRIMARY KEY (day, channel, query)
    ) WITHOUT ROWID;
    CREATE TABLE daily_segments (
        day INTEGER NOT NULL, segment TEXT NOT NULL, entered INTEGER NOT NULL, exited INTEGER NOT NULL,
        PRIMARY KEY (day, segment)
    ) WITHOUT ROWID;
    CREATE TABLE exposures (
        experiment TEXT NOT NULL, visitor TEXT NOT NULL, variation TEXT NOT NULL, at INTEGER NOT NULL,
        event_id INTEGER NOT NULL,
        PRIMARY KEY (experiment, visitor, variation)
    ) WITHOUT ROWID;
    CREATE INDEX exposures_at ON exposures(at);
    CREATE TABLE experiment_names (
        experiment TEXT NOT NULL, variation TEXT NOT NULL, name TEXT NOT NULL,
        PRIMARY KEY (experiment, variation)
    ) WITHOUT ROWID;
    CREATE TABLE identities (
        anonymous_id TEXT NOT NULL, user_id TEXT NOT NULL, at INTEGER NOT NULL,
        PRIMARY KEY (anonymous_id, user_id)
    ) WITHOUT ROWID;
    CREATE INDEX identities_user ON identities(user_id);
",
];

/// The migrations, for tests that build an older database.
#[cfg(test)]
pub fn migrations() -> &'static [&'static str] {
    MIGRATIONS
}

/// The schema version this build writes (`PRAGMA user_version`).
pub const SCHEMA_VERSION: usize = MIGRATIONS.len();

/// Errors from the store.
pub type StoreError = rusqlite::Error;

/// An event the recommendations model reads.
#[derive(Debug, Clone, PartialEq)]
pub struct ShopEvent {
    /// `Order Completed` (true) or `Product Viewed` (false).
    pub order: bool,
    /// The visitor (empty when none).
    pub anonymous_id: String,
    /// When the collector received it (ms since the Unix epoch).
    pub received_at: i64,
    /// The event's properties.
    pub properties: Value,
    /// The event's context (`context.session.id` groups a visit's views).
    pub context: Value,
}

/// How many events of a batch were new and how many were already stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InsertOutcome {
    /// Events written by this call.
    pub stored: usize,
    /// Events whose `messageId` was already stored (earlier, or earlier in the same batch).
    pub duplicates: usize,
}

/// Filters of an event query; every `Some` must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// Exact `anonymousId`.
    pub anonymous_id: Option<String>,
    /// Exact `userId`.
    pub user_id: Option<String>,
    /// Exact event name.
    pub event: Option<String>,
    /// Exact `type`.
    pub kind: Option<String>,
    /// Only events received at or after this time (ms since the Unix epoch).
    pub since: Option<i64>,
    /// At most this many events.
    pub limit: u32,
}

/// An event as returned by the read API.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredEvent {
    /// `messageId`.
    pub message_id: String,
    /// `type`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Event name (track calls).
    pub event: Option<String>,
    /// Page or screen name.
    pub name: Option<String>,
    /// `anonymousId`.
    pub anonymous_id: Option<String>,
    /// `userId`.
    pub user_id: Option<String>,
    /// Client-side time of the event.
    pub original_timestamp: Option<String>,
    /// Client-side send time.
    pub sent_at: Option<String>,
    /// Server-side receive time, ms since the Unix epoch.
    pub received_at: i64,
    /// `properties` object.
    pub properties: Value,
    /// `context` object.
    pub context: Value,
}

/// The event database.
pub struct Store {
    conn: Mutex<Connection>,
    /// A second connection for the dashboard's reads and exports: SQLite's WAL lets it read while
    /// ingest writes on `conn`, so a long read never holds up a batch. `None` in memory (tests),
    /// where a second connection would open another database.
    reader: Option<Mutex<Connection>>,
}

impl Store {
    /// Opens (creating if needed, with parent directories) the database at `path` and migrates it.
    pub fn open(path: &Path) -> Result<Store, String> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create directory {}: {e}", parent.display()))?;
        }
        let conn = Connection::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        let mut store =
            Store::init(conn).map_err(|e| format!("cannot initialise {}: {e}", path.display()))?;
        let reader = Connection::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        reader.busy_timeout(Duration::from_secs(5)).map_err(|e| e.to_string())?;
        store.reader = Some(Mutex::new(reader));
        Ok(store)
    }

    /// An empty in-memory database, for tests.
    #[cfg(test)]
    pub fn memory() -> Store {
        Store::init(Connection::open_in_memory().expect("in-memory database")).expect("schema")
    }

    /// Stores `events` (Segment-shaped JSON, each with an `"at"` in ms: when it arrived), one
    /// batch per event, for tests.
    #[cfg(test)]
    pub fn ingest_at(&self, events: &[Value]) {
        for (i, event) in events.iter().enumerate() {
            let at = event["at"].as_i64().expect("at");
            let valid = crate::ingest::validate_event("batch", i, event, None).expect("valid event");
            self.insert_batch_reporting(&[valid], 0, at).expect("stored");
        }
    }

    /// Sets the connection's pragmas and brings the schema up to [`SCHEMA_VERSION`].
    fn init(mut conn: Connection) -> Result<Store, String> {
        conn.busy_timeout(Duration::from_secs(5)).map_err(|e| e.to_string())?;
        let mode: String =
            conn.query_row("PRAGMA journal_mode=WAL", [], |row| row.get(0)).map_err(|e| e.to_string())?;
        if !mode.eq_ignore_ascii_case("wal") && !mode.eq_ignore_ascii_case("memory") {
            return Err(format!("could not switch to WAL mode (journal_mode is {mode})"));
        }
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(|e| e.to_string())?;
        migrate(&mut conn)?;
        Ok(Store { conn: Mutex::new(conn), reader: None })
    }

    /// The connection for reads that may take long (the dashboard, exports, profiles).
    pub(crate) fn reader(&self) -> MutexGuard<'_, Connection> {
        match &self.reader {
            Some(reader) => reader.lock().unwrap_or_else(|poisoned| poisoned.into_inner()),
            None => self.conn(),
        }
    }

    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a half-applied transaction behind (it rolls back
        // on drop), so a poisoned lock is safe to reuse.
        self.conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Stores a batch in one transaction; events whose `messageId` exists are skipped.
    #[cfg(test)]
    pub fn insert_batch(&self, events: &[ValidEvent], received_at: i64) -> Result<InsertOutcome, StoreError> {
        self.insert_batch_reporting(events, 0, received_at)
    }

    /// [`Store::insert_batch`] plus the batch's drop report, in the same transaction. The report is
    /// keyed by the batch's first `messageId`, so a retried batch reports its drops once.
    pub fn insert_batch_reporting(
        &self,
        events: &[ValidEvent],
        dropped: u64,
        received_at: i64,
    ) -> Result<InsertOutcome, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        if let (Some(first), true) = (events.first(), dropped > 0) {
            tx.execute(
                "INSERT INTO drop_reports (message_id, count, received_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT(message_id) DO NOTHING",
                params![first.message_id, dropped as i64, received_at],
            )?;
        }
        let mut stored = 0;
        for e in events {
            let at = e.at.unwrap_or(received_at);
            let channel = aggregate::channel(&tx, e, at)?;
            let new = tx
                .prepare_cached(
                    "INSERT INTO events (message_id, type, event, name, anonymous_id, user_id,
                         original_timestamp, sent_at, received_at, properties, context, raw, at, channel, server)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
                     ON CONFLICT(message_id) DO NOTHING",
                )?
                .execute(params![
                    e.message_id,
                    e.kind,
                    e.event,
                    e.name,
                    e.anonymous_id,
                    e.user_id,
                    e.original_timestamp,
                    e.sent_at,
                    received_at,
                    e.properties,
                    e.context,
                    e.raw,
                    at,
                    channel,
                    e.server,
                ])?;
            if new == 1 {
                aggregate::add(&tx, e, tx.last_insert_rowid(), at, &channel)?;
            }
            stored += new;
        }
        tx.commit()?;
        Ok(InsertOutcome { stored, duplicates: events.len() - stored })
    }

    /// Events the senders reported as dropped by their queue caps, in all.
    pub fn dropped_total(&self) -> Result<i64, StoreError> {
        self.conn().query_row("SELECT COALESCE(SUM(count), 0) FROM drop_reports", [], |r| r.get(0))
    }

    /// Number of stored events.
    pub fn count(&self) -> Result<i64, StoreError> {
        self.conn().query_row("SELECT COUNT(*) FROM events", [], |row| row.get(0))
    }

    /// The events the recommendations model reads (`Order Completed`, `Product Viewed`), in the
    /// order they were received.
    pub fn shop_events(&self) -> Result<Vec<ShopEvent>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT event, anonymous_id, received_at, properties, context FROM events
             WHERE event IN ('Order Completed', 'Product Viewed') ORDER BY id ASC",
        )?;
        let rows = stmt.query_map([], |row| {
            let json = |i: usize| -> rusqlite::Result<Value> {
                Ok(serde_json::from_str(&row.get::<_, String>(i)?).unwrap_or(Value::Null))
            };
            Ok(ShopEvent {
                order: row.get::<_, String>(0)? == "Order Completed",
                anonymous_id: row.get::<_, Option<String>>(1)?.unwrap_or_default(),
                received_at: row.get(2)?,
                properties: json(3)?,
                context: json(4)?,
            })
        })?;
        rows.collect()
    }

    /// Events matching `filter`, in the order they were received.
    pub fn query(&self, filter: &EventFilter) -> Result<Vec<StoredEvent>, StoreError> {
        let mut sql = String::from(
            "SELECT message_id, type, event, name, anonymous_id, user_id, original_timestamp, sent_at,
                    received_at, properties, context
             FROM events WHERE 1 = 1",
        );
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        let text_filters = [
            ("anonymous_id", &filter.anonymous_id),
            ("user_id", &filter.user_id),
            ("event", &filter.event),
            ("type", &filter.kind),
        ];
        for (column, value) in text_filters {
            if let Some(value) = value {
                args.push(value.clone().into());
                sql.push_str(&format!(" AND {column} = ?{}", args.len()));
            }
        }
        if let Some(since) = filter.since {
            args.push(since.into());
            sql.push_str(&format!(" AND received_at >= ?{}", args.len()));
        }
        args.push(i64::from(filter.limit).into());
        sql.push_str(&format!(" ORDER BY id ASC LIMIT ?{}", args.len()));

        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params_from_iter(args), |row| {
            Ok(StoredEvent {
                message_id: row.get(0)?,
                kind: row.get(1)?,
                event: row.get(2)?,
                name: row.get(3)?,
                anonymous_id: row.get(4)?,
                user_id: row.get(5)?,
                original_timestamp: row.get(6)?,
                sent_at: row.get(7)?,
                received_at: row.get(8)?,
                properties: json_column(row.get(9)?),
                context: json_column(row.get(10)?),
            })
        })?;
        rows.collect()
    }
}

/// Parses a stored JSON text column; text that is not JSON (never written by this collector) reads as `{}`.
fn json_column(text: String) -> Value {
    serde_json::from_str(&text).unwrap_or_else(|_| Value::Object(Default::default()))
}

/// The schema version that brought the dashboard's aggregates.
const AGGREGATES_VERSION: usize = 3;

/// Fills the aggregates from the events stored before they existed (read back from `raw`, as
/// events from browsers: they count from when they arrived).
fn backfill(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<()> {
    let mut read = tx.prepare("SELECT id, raw, received_at FROM events ORDER BY id")?;
    let rows =
        read.query_map([], |row| Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?, row.get(2)?)))?;
    for row in rows {
        let (id, raw, received_at): (i64, String, i64) = row?;
        let Ok(event) = serde_json::from_str::<Value>(&raw) else { continue };
        let Ok(event) = validate_event("events", 0, &event, None) else { continue };
        let channel = aggregate::channel(tx, &event, received_at)?;
        tx.execute("UPDATE events SET channel = ?1 WHERE id = ?2", params![channel, id])?;
        aggregate::add(tx, &event, id, received_at, &channel)?;
    }
    Ok(())
}

/// Applies the migrations the database has not seen yet, each in its own transaction.
fn migrate(conn: &mut Connection) -> Result<(), String> {
    let version: usize = conn
        .query_row("PRAGMA user_version", [], |row| row.get::<_, i64>(0))
        .map_err(|e| e.to_string())?
        .try_into()
        .map_err(|_| "negative user_version".to_owned())?;
    if version > SCHEMA_VERSION {
        return Err(format!(
            "database schema version {version} is newer than this collector supports ({SCHEMA_VERSION})"
        ));
    }
    for (from, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        let tx = conn.transaction().map_err(|e| e.to_string())?;
        tx.execute_batch(sql).map_err(|e| format!("migration to version {}: {e}", from + 1))?;
        if from + 1 == AGGREGATES_VERSION {
            backfill(&tx).map_err(|e| format!("migration to version {}: {e}", from + 1))?;
        }
        tx.pragma_update(None, "user_version", from + 1).map_err(|e| e.to_string())?;
        tx.commit().map_err(|e| e.to_string())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::parse_batch;

    fn memory_store() -> Store {
        Store::init(Connection::open_in_memory().unwrap()).unwrap()
    }

    fn events(json: &str) -> Vec<ValidEvent> {
        parse_batch(json.as_bytes()).unwrap()
    }

    #[test]
    fn migrates_to_current_version() {
        let store = memory_store();
        let version: i64 = store.conn().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version as usize, SCHEMA_VERSION);
        // Migrating again is a no-op.
        migrate(&mut store.conn()).unwrap();
    }

    #[test]
    fn refuses_newer_schema() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
        assert!(migrate(&mut conn).unwrap_err().contains("newer"));
    }

    #[test]
    fn deduplicates_by_message_id_and_filters() {
        let store = memory_store();
        let batch = events(
            r#"{"batch":[{"messageId":"a","type":"track","event":"X","anonymousId":"u"},
                         {"messageId":"b","type":"page","name":"Home","anonymousId":"v"},
                         {"messageId":"a","type":"track","event":"X","anonymousId":"u"}]}"#,
        );
        assert_eq!(store.insert_batch(&batch, 10).unwrap(), InsertOutcome { stored: 2, duplicates: 1 });
        assert_eq!(store.insert_batch(&batch, 20).unwrap(), InsertOutcome { stored: 0, duplicates: 3 });
        assert_eq!(store.count().unwrap(), 2);

        let all = store.query(&EventFilter { limit: 100, ..Default::default() }).unwrap();
        assert_eq!(all.iter().map(|e| e.message_id.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(all[0].received_at, 10);
        assert_eq!(all[0].properties, serde_json::json!({}));

        let by_anon = EventFilter { anonymous_id: Some("v".into()), limit: 100, ..Default::default() };
        assert_eq!(store.query(&by_anon).unwrap()[0].name.as_deref(), Some("Home"));
        let by_type =
            EventFilter { kind: Some("track".into()), since: Some(10), limit: 1, ..Default::default() };
        assert_eq!(store.query(&by_type).unwrap().len(), 1);
        let none = EventFilter { since: Some(11), limit: 100, ..Default::default() };
        assert!(store.query(&none).unwrap().is_empty());
        let raw: String = store
            .conn()
            .query_row("SELECT raw FROM events WHERE message_id = 'b'", [], |r| r.get(0))
            .unwrap();
        assert!(raw.contains("Home"));
    }
}
