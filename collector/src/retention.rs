//! Retention: events older than the configured number of days are deleted, with the dashboard's
//! counts of those days and the visits, exposures and identities last seen before them. Segment
//! sizes keep their base: each segment's size at the end of the deleted days is folded onto the
//! first kept day. Retention keeps whole UTC days: N days are today and the N - 1 before it.

use rusqlite::{params, Connection};

use crate::clock::{day_of, DAY_MS};

/// Rows deleted per statement, so ingest waits at most one batch's time for the write lock.
const BATCH: i64 = 5_000;

/// The first kept day's start for `days` of retention at `now_ms`: whole days are kept.
pub fn cutoff(now_ms: i64, days: u32) -> i64 {
    (day_of(now_ms) - i64::from(days) + 1) * DAY_MS
}

/// Deletes everything from before `cutoff_ms` (a day's start); returns the events deleted. Rows go
/// a batch or a day at a time, so ingest never waits long for the write lock.
pub fn prune(conn: &mut Connection, cutoff_ms: i64) -> rusqlite::Result<u64> {
    let day = day_of(cutoff_ms);
    let mut events = 0;
    loop {
        let n = conn.execute(
            "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE at < ?1 LIMIT ?2)",
            params![cutoff_ms, BATCH],
        )?;
        events += n as u64;
        if (n as i64) < BATCH {
            break;
        }
    }
    fold_segments(conn, day)?;
    let old_days: Vec<i64> = conn
        .prepare("SELECT DISTINCT day FROM daily_visitors WHERE day < ?1")?
        .query_map([day], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for old in old_days {
        conn.execute("DELETE FROM daily_visitors WHERE day = ?1", [old])?;
    }
    for table in ["daily", "daily_searches", "sessions"] {
        conn.execute(&format!("DELETE FROM {table} WHERE day < ?1"), [day])?;
    }
    conn.execute("DELETE FROM exposures WHERE at < ?1", [cutoff_ms])?;
    conn.execute("DELETE FROM identities WHERE at < ?1", [cutoff_ms])?;
    conn.execute("DELETE FROM drop_reports WHERE received_at < ?1", [cutoff_ms])?;
    Ok(events)
}

/// Segment sizes add up each day's entries minus exits since the first day, never below 0. The
/// size each segment had at the end of the deleted days moves onto the first kept day as entries,
/// in the same transaction as the delete, so the sizes stay what they were.
fn fold_segments(conn: &mut Connection, day: i64) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    let mut sizes: Vec<(String, i64)> = Vec::new();
    {
        let mut stmt = tx.prepare(
            "SELECT segment, entered - exited FROM daily_segments WHERE day < ?1 ORDER BY segment, day",
        )?;
        let rows = stmt.query_map([day], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        for row in rows {
            let (segment, change) = row?;
            match sizes.last_mut() {
                Some((last, size)) if *last == segment => *size = (*size + change).max(0),
                _ => sizes.push((segment, change.max(0))),
            }
        }
    }
    tx.execute("DELETE FROM daily_segments WHERE day < ?1", [day])?;
    for (segment, size) in sizes.iter().filter(|(_, size)| *size > 0) {
        tx.execute(
            "INSERT INTO daily_segments (day, segment, entered, exited) VALUES (?1, ?2, ?3, 0)
             ON CONFLICT DO UPDATE SET entered = entered + excluded.entered",
            params![day, segment, size],
        )?;
    }
    tx.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_days_are_kept() {
        let now = 20_793 * DAY_MS + 5 * 3_600_000;
        assert_eq!(cutoff(now, 1), 20_793 * DAY_MS, "one day: today");
        assert_eq!(cutoff(now, 30), (20_793 - 29) * DAY_MS);
    }
}
