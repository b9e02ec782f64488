//! The dashboard's aggregates, written in the same transaction as the events they count: events
//! and revenue per day, channel and name; each visitor's funnel steps per day and channel; searches
//! and searches without a result; segment entries and exits; experiment exposures; and which
//! browser ids a known customer used. The dashboard reads these, never a scan of the events.

use rusqlite::{params, OptionalExtension, Transaction};

use crate::clock::day_of;
use crate::ingest::ValidEvent;

/// The channel the event counts under: its visit's (the visit's first event decides it, and is
/// remembered in `sessions`), or its own when it has no visit (server-side events).
pub fn channel(tx: &Transaction<'_>, event: &ValidEvent, at: i64) -> rusqlite::Result<String> {
    let Some(session) = event.facts.session.as_deref().filter(|_| !event.server) else {
        return Ok(event.facts.channel.clone());
    };
    let known: Option<String> = tx
        .prepare_cached("SELECT channel FROM sessions WHERE id = ?1")?
        .query_row([session], |row| row.get(0))
        .optional()?;
    if let Some(channel) = known {
        return Ok(channel);
    }
    tx.prepare_cached("INSERT INTO sessions (id, channel, day) VALUES (?1, ?2, ?3)")?.execute(params![
        session,
        event.facts.channel,
        day_of(at)
    ])?;
    Ok(event.facts.channel.clone())
}

/// Who the event is about: the browser's anonymous id, else `user:` and the customer's id.
pub fn visitor(event: &ValidEvent) -> Option<String> {
    event.anonymous_id.clone().or_else(|| event.user_id.as_ref().map(|user| format!("user:{user}")))
}

/// The name an event counts under in `daily`: a track call's event name, else `$` and its type.
pub fn name(event: &ValidEvent) -> String {
    event.event.clone().unwrap_or_else(|| format!("${}", event.kind))
}

/// Adds a newly stored event (row `id` of `events`), which happened at `at` in `channel`, to the
/// aggregates.
pub fn add(
    tx: &Transaction<'_>,
    event: &ValidEvent,
    id: i64,
    at: i64,
    channel: &str,
) -> rusqlite::Result<()> {
    let day = day_of(at);
    let facts = &event.facts;
    tx.prepare_cached(
        "INSERT INTO daily (day, channel, event, events, revenue) VALUES (?1, ?2, ?3, 1, ?4)
         ON CONFLICT DO UPDATE SET events = events + 1, revenue = revenue + excluded.revenue",
    )?
    .execute(params![day, channel, name(event), facts.revenue.unwrap_or(0.0)])?;
    let visitor = visitor(event);
    if let Some(visitor) = &visitor {
        tx.prepare_cached(
            "INSERT INTO daily_visitors (day, channel, visitor, steps) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT DO UPDATE SET steps = steps | excluded.steps",
        )?
        .execute(params![day, channel, visitor, facts.step])?;
    }
    if let (Some(anonymous), Some(user)) = (&event.anonymous_id, &event.user_id) {
        tx.prepare_cached(
            "INSERT INTO identities (anonymous_id, user_id, at) VALUES (?1, ?2, ?3)
             ON CONFLICT DO UPDATE SET at = max(at, excluded.at)",
        )?
        .execute(params![anonymous, user, at])?;
    }
    for (query, searches, no_results) in [(&facts.search, 1, 0), (&facts.no_result, 0, 1)] {
        if let Some(query) = query {
            tx.prepare_cached(
                "INSERT INTO daily_searches (day, channel, query, searches, no_results) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT DO UPDATE SET searches = searches + excluded.searches,
                                           no_results = no_results + excluded.no_results",
            )?
            .execute(params![day, channel, query, searches, no_results])?;
        }
    }
    if let Some((segment, entered)) = &facts.segment {
        tx.prepare_cached(
            "INSERT INTO daily_segments (day, segment, entered, exited) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT DO UPDATE SET entered = entered + excluded.entered, exited = exited + excluded.exited",
        )?
        .execute(params![day, segment, i64::from(*entered), i64::from(!*entered)])?;
    }
    if let (Some(exposure), Some(visitor)) = (&facts.exposure, &visitor) {
        tx.prepare_cached(
            // The first exposure: earliest time, and among events of one time (one batch from
            // a browser) the first stored, which is the order the page sent them in.
            "INSERT INTO exposures (experiment, visitor, variation, at, event_id) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT DO UPDATE SET
                 event_id = CASE WHEN excluded.at < at THEN excluded.event_id ELSE event_id END,
                 at = min(at, excluded.at)",
        )?
        .execute(params![exposure.experiment, visitor, exposure.variation, at, id])?;
        let names = [
            (String::new(), &exposure.experiment_name),
            (exposure.variation.clone(), &exposure.variation_name),
        ];
        for (variation, name) in names {
            if let Some(name) = name {
                tx.prepare_cached(
                    "INSERT INTO experiment_names (experiment, variation, name) VALUES (?1, ?2, ?3)
                     ON CONFLICT DO UPDATE SET name = excluded.name",
                )?
                .execute(params![exposure.experiment, variation, name])?;
            }
        }
    }
    Ok(())
}
