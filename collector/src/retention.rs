//! Retention: events older than the configured number of days are deleted, with the dashboard's
//! counts of those days and the visits, exposures and identities last seen before them. Segment
//! sizes keep their base: the deleted days' entries and exits are folded onto the first kept day.

use rusqlite::{params, Connection};

use crate::clock::{day_of, DAY_MS};

/// Rows deleted per statement, so ingest waits at most one batch's time for the write lock.
const BATCH: i64 = 5_000;

/// The first kept day's start for `days` of retention at `now_ms`: whole days are kept.
pub fn cutoff(now_ms: i64, days: u32) -> i64 {
    (day_of(now_ms) - i64::from(days) + 1) * DAY_MS
}

/// Deletes everything from before `cutoff_ms` (a day's start); returns the events deleted.
pub fn prune(conn: &Connection, cutoff_ms: i64) -> rusqlite::Result<u64> {
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
    // Segment sizes add up entries and exits since the first day: the deleted days' totals move
    // onto the first kept day, so the sizes stay right.
    conn.execute(
        "INSERT INTO daily_segments (day, segment, entered, exited)
             SELECT ?1, segment, SUM(entered), SUM(exited) FROM daily_segments WHERE day < ?1 GROUP BY segment
         ON CONFLICT DO UPDATE SET entered = entered + excluded.entered, exited = exited + excluded.exited",
        [day],
    )?;
    for table in ["daily", "daily_visitors", "daily_searches", "daily_segments", "sessions"] {
        conn.execute(&format!("DELETE FROM {table} WHERE day < ?1"), [day])?;
    }
    conn.execute("DELETE FROM exposures WHERE at < ?1", [cutoff_ms])?;
    conn.execute("DELETE FROM identities WHERE at < ?1", [cutoff_ms])?;
    conn.execute("DELETE FROM drop_reports WHERE received_at < ?1", [cutoff_ms])?;
    Ok(events)
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
