//! Experiment results (`GET /v1/experiments`): per experiment and variation, the visitors first
//! exposed in the range, those who reached the goal event at or after their first exposure, the
//! conversion rate with its 95 % interval, the uplift against the control, and the
//! sample-ratio-mismatch check. The statistics are in [`crate::stats`].

use std::cmp::Ordering;
use std::collections::BTreeMap;

use rusqlite::{params, Connection};
use serde_json::{json, Value};

use crate::stats::{self, Counts};

/// The goal when none is asked for.
pub const DEFAULT_GOAL: &str = "Order Completed";

/// What the results are asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    /// The event that counts as a conversion.
    pub goal: String,
    /// First exposures from this time (ms since the epoch)...
    pub from_ms: i64,
    /// ...until before this time; goal events count until then too.
    pub until_ms: i64,
    /// The split the experiments were configured with, one share per variation id `0, 1, ...`,
    /// for the SRM check; `None`: the variations seen, equally.
    pub weights: Option<Vec<f64>>,
}

/// One variation's counts.
#[derive(Debug, Default)]
struct Tally {
    exposed: u64,
    converted: u64,
}

/// Orders variation ids as numbers when both are numbers ("2" before "10"), else as text.
fn variation_order(a: &str, b: &str) -> Ordering {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        _ => a.cmp(b),
    }
}

/// The results of every experiment with a first exposure in the question's range.
pub fn results(conn: &Connection, question: &Question) -> rusqlite::Result<Value> {
    // Each visitor's first exposure per experiment; visitors seen in two variations are counted
    // apart (`excluded`). A conversion is a goal event after the first exposure (a later time, or
    // the same time and stored after it: a browser's batch shares one time) and before the end,
    // by the same browser, by the customer it was identified as (offline purchases), or, for an
    // exposure sent with a user id only (`user:` visitors), by that customer.
    // `CROSS JOIN` keeps SQLite's join order: the visitor's few identities first, then their
    // events by `events_user_goal`; the other way round scans every goal event per visitor.
    let mut stmt = conn.prepare_cached(
        "WITH first AS (
             SELECT experiment, visitor, MIN(variation) AS variation, COUNT(*) AS seen, MIN(at) AS at,
                    MIN(event_id) AS event_id
             FROM exposures GROUP BY experiment, visitor
         )
         SELECT experiment, variation, seen > 1, COUNT(*), SUM(
             EXISTS (SELECT 1 FROM events e
                     WHERE e.anonymous_id = first.visitor AND e.event = ?1 AND e.at >= first.at AND e.at < ?3
                       AND (e.at > first.at OR e.id > first.event_id))
             OR EXISTS (SELECT 1 FROM identities i CROSS JOIN events e ON e.user_id = i.user_id
                        WHERE i.anonymous_id = first.visitor AND e.event = ?1 AND e.at >= first.at AND e.at < ?3
                          AND (e.at > first.at OR e.id > first.event_id))
             OR (first.visitor LIKE 'user:%' AND EXISTS (SELECT 1 FROM events e
                        WHERE e.user_id = substr(first.visitor, 6) AND e.event = ?1 AND e.at >= first.at
                          AND e.at < ?3 AND (e.at > first.at OR e.id > first.event_id))))
         FROM first WHERE at >= ?2 AND at < ?3
         GROUP BY 1, 2, 3",
    )?;
    let mut experiments: BTreeMap<String, (u64, Vec<(String, Tally)>)> = BTreeMap::new();
    let rows = stmt.query_map(params![question.goal, question.from_ms, question.until_ms], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, bool>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, i64>(4)?,
        ))
    })?;
    for row in rows {
        let (experiment, variation, excluded, exposed, converted) = row?;
        let (left_out, variations) = experiments.entry(experiment).or_default();
        if excluded {
            *left_out += exposed as u64;
        } else {
            variations.push((variation, Tally { exposed: exposed as u64, converted: converted as u64 }));
        }
    }
    let names = names(conn)?;
    let mut out = Vec::new();
    for (experiment, (excluded, mut variations)) in experiments {
        variations.sort_by(|a, b| variation_order(&a.0, &b.0));
        let control = variations.first().map(|(_, t)| Counts { converted: t.converted, exposed: t.exposed });
        let rows: Vec<Value> = variations
            .iter()
            .enumerate()
            .map(|(i, (variation, tally))| {
                let counts = Counts { converted: tally.converted, exposed: tally.exposed };
                let versus = control.filter(|_| i > 0);
                let uplift = versus.and_then(|c| stats::uplift(c, counts, stats::CONFIDENCE));
                let p_value = versus.and_then(|c| stats::difference_p_value(c, counts));
                json!({
                    "variation": variation,
                    "name": names.get(&(experiment.clone(), variation.clone())),
                    "exposed": tally.exposed,
                    "converted": tally.converted,
                    "rate": (tally.exposed > 0).then(|| tally.converted as f64 / tally.exposed as f64),
                    "interval": stats::wilson(tally.converted, tally.exposed, stats::CONFIDENCE)
                        .map(|i| [i.low, i.high]),
                    "p_value": p_value,
                    "uplift": uplift.map(|u| json!({
                        "relative": u.relative,
                        "interval": [u.interval.low, u.interval.high],
                        "p_value": u.p_value,
                    })),
                })
            })
            .collect();
        let srm = split(&variations, question.weights.as_deref()).map(|(observed, weights)| {
            let sum: f64 = weights.iter().sum();
            stats::srm(&observed, &weights).map(|s| {
                json!({
                    "statistic": s.statistic,
                    "df": s.df,
                    "p_value": s.p_value,
                    "expected": weights.iter().map(|w| w / sum).collect::<Vec<_>>(),
                    "mismatch": s.mismatch,
                })
            })
        });
        let mut result = json!({
            "experiment": experiment,
            "name": names.get(&(experiment.clone(), String::new())),
            "excluded": excluded,
            "variations": rows,
            "srm": srm.clone().flatten(),
        });
        if srm.is_none() {
            result["srm_error"] =
                "weights give one share per variation id 0, 1, 2, ...: these variations do not match them"
                    .into();
        }
        out.push(result);
    }
    Ok(json!({ "goal": question.goal, "experiments": out }))
}

/// The exposures per variation and the split they are checked against. Without `weights`: the
/// variations seen, equally. With them: one share per variation id `0, 1, 2, ...` (GrowthBook's
/// variation indexes), and a variation nobody saw counts 0, so a variation that lost all its
/// traffic shows as a mismatch; `None` when the ids seen are not such indexes.
fn split(variations: &[(String, Tally)], weights: Option<&[f64]>) -> Option<(Vec<u64>, Vec<f64>)> {
    let Some(weights) = weights else {
        let observed: Vec<u64> = variations.iter().map(|(_, t)| t.exposed).collect();
        let equal = vec![1.0; observed.len()];
        return Some((observed, equal));
    };
    let mut observed = vec![0u64; weights.len()];
    for (variation, tally) in variations {
        let index: usize = variation.parse().ok()?;
        *observed.get_mut(index)? += tally.exposed;
    }
    Some((observed, weights.to_vec()))
}

/// Names sent with exposures: `(experiment, "")` for the experiment, `(experiment, variation)`.
fn names(conn: &Connection) -> rusqlite::Result<BTreeMap<(String, String), String>> {
    let mut stmt = conn.prepare_cached("SELECT experiment, variation, name FROM experiment_names")?;
    let rows = stmt.query_map([], |r| Ok(((r.get(0)?, r.get(1)?), r.get(2)?)))?;
    rows.collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::DAY_MS;
    use crate::store::Store;
    use serde_json::json;

    const T: i64 = 20_793 * DAY_MS;

    fn track(
        id: &str,
        visitor: Option<&str>,
        user: Option<&str>,
        name: &str,
        properties: Value,
        at: i64,
    ) -> Value {
        json!({"messageId": id, "type": "track", "event": name, "anonymousId": visitor, "userId": user,
               "properties": properties, "at": at})
    }

    fn seen(id: &str, visitor: &str, variation: &str, at: i64) -> Value {
        track(
            id,
            Some(visitor),
            None,
            "Experiment Viewed",
            json!({"experiment_id": "hero", "variation_id": variation, "variation_name": format!("v{variation}")}),
            at,
        )
    }

    fn order(id: &str, visitor: Option<&str>, user: Option<&str>, at: i64) -> Value {
        track(id, visitor, user, "Order Completed", json!({"order_id": id, "revenue": 1, "products": []}), at)
    }

    fn question(goal: &str) -> Question {
        Question { goal: goal.to_owned(), from_ms: T, until_ms: T + DAY_MS, weights: None }
    }

    #[test]
    fn only_conversions_after_the_first_exposure_count() {
        let store = Store::memory();
        store.ingest_at(&[
            order("o-early", Some("a"), None, T + 1), // before a's exposure: does not count
            seen("e1", "a", "0", T + 10),
            seen("e2", "a", "0", T + 20), // a second exposure changes nothing
            seen("e3", "b", "1", T + 10),
            order("o-b", Some("b"), None, T + 30),
            seen("e4", "c", "1", T + 10),
            track("i1", Some("c"), Some("cust-9"), "Signed In", json!({}), T + 11),
            order("o-store", None, Some("cust-9"), T + 40), // c's customer bought offline
            seen("e5", "d", "0", T + 10),
            seen("e6", "d", "1", T + 15), // d saw both: left out
            order("o-d", Some("d"), None, T + 50),
            seen("e7", "e", "1", T + DAY_MS + 5), // exposed after the range
        ]);
        let results = results(&store.conn(), &question("Order Completed")).unwrap();
        let hero = &results["experiments"][0];
        assert_eq!(hero["experiment"], "hero");
        assert_eq!(hero["excluded"], 1);
        let counts: Vec<(String, u64, u64)> = hero["variations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                (
                    v["variation"].as_str().unwrap().to_owned(),
                    v["exposed"].as_u64().unwrap(),
                    v["converted"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(counts, [("0".to_owned(), 1, 0), ("1".to_owned(), 2, 2)]);
        assert_eq!(hero["variations"][1]["name"], "v1");
        assert_eq!(hero["variations"][0]["uplift"], Value::Null, "the control has none");
        assert_eq!(hero["variations"][1]["uplift"], Value::Null, "no uplift against a rate of 0");
        assert!(hero["variations"][1]["p_value"].as_f64().is_some(), "but a p-value");
        assert_eq!(hero["variations"][1]["rate"], 1.0);
        assert_eq!(hero["srm"]["expected"], json!([0.5, 0.5]));

        let added = results_for(&store, "Product Added");
        assert_eq!(added["experiments"][0]["variations"][1]["converted"], 0, "another goal, no conversions");
    }

    fn results_for(store: &Store, goal: &str) -> Value {
        results(&store.conn(), &question(goal)).unwrap()
    }

    #[test]
    fn uplift_intervals_and_a_loud_mismatch() {
        let store = Store::memory();
        let mut events = Vec::new();
        // 400 in the control (40 buy), 200 in the treatment (30 buy): a 2:1 split set up as 1:1.
        for i in 0..600 {
            let (variation, buys) = if i < 400 { ("0", i < 40) } else { ("1", i < 430) };
            let visitor = format!("v{i}");
            events.push(seen(&format!("e{i}"), &visitor, variation, T + 1));
            if buys {
                events.push(order(&format!("o{i}"), Some(&visitor), None, T + 2));
            }
        }
        store.ingest_at(&events);
        let hero = results_for(&store, "Order Completed")["experiments"][0].clone();
        let treatment = &hero["variations"][1];
        assert_eq!((treatment["exposed"].as_u64(), treatment["converted"].as_u64()), (Some(200), Some(30)));
        let uplift = &treatment["uplift"];
        assert!((uplift["relative"].as_f64().unwrap() - 0.5).abs() < 1e-12, "15 % against 10 %");
        let (low, high) = (uplift["interval"][0].as_f64().unwrap(), uplift["interval"][1].as_f64().unwrap());
        assert!(low < 0.5 && 0.5 < high && low > -0.2, "{uplift}");
        assert_eq!(hero["srm"]["mismatch"], true, "{}", hero["srm"]);
        assert_eq!(hero["srm"]["df"], 1);

        let mut two_to_one = question("Order Completed");
        two_to_one.weights = Some(vec![2.0, 1.0]);
        let hero = results(&store.conn(), &two_to_one).unwrap()["experiments"][0].clone();
        assert_eq!(hero["srm"]["mismatch"], false, "the configured split was 2:1");
        assert_eq!(hero["srm"]["statistic"], 0.0);
    }

    #[test]
    fn one_batch_keeps_the_pages_order_and_customers_convert() {
        let store = Store::memory();
        let batch = |events: &[Value]| {
            let valid: Vec<_> = events
                .iter()
                .enumerate()
                .map(|(i, e)| crate::ingest::validate_event("batch", i, e, None).unwrap())
                .collect();
            store.insert_batch_reporting(&valid, 0, T + 100).unwrap();
        };
        // a ordered, then saw the experiment on the thank-you page, in one batch: no conversion.
        batch(&[order("o-a", Some("a"), None, 0), seen("e-a", "a", "1", 0)]);
        // b saw it, then ordered, in one batch: a conversion.
        batch(&[seen("e-b", "b", "1", 0), order("o-b", Some("b"), None, 0)]);
        // A server running the experiment knows the customer only; their store purchase converts.
        store.ingest_at(&[
            track(
                "e-u",
                None,
                Some("cust-1"),
                "Experiment Viewed",
                json!({"experiment_id": "hero", "variation_id": "1"}),
                T + 200,
            ),
            order("o-u", None, Some("cust-1"), T + 300),
        ]);
        let hero = results_for(&store, "Order Completed")["experiments"][0].clone();
        assert_eq!(hero["variations"][0]["exposed"], 3);
        assert_eq!(hero["variations"][0]["converted"], 2, "b and cust-1, not a: {hero}");
    }

    #[test]
    fn a_variation_that_lost_its_traffic_is_a_mismatch() {
        let store = Store::memory();
        let events: Vec<Value> = (0..1000)
            .map(|i| seen(&format!("e{i}"), &format!("v{i}"), &(i % 2).to_string(), T + 1))
            .collect();
        store.ingest_at(&events);
        let mut three_way = question("Order Completed");
        three_way.weights = Some(vec![1.0, 1.0, 1.0]);
        let hero = results(&store.conn(), &three_way).unwrap()["experiments"][0].clone();
        assert_eq!(hero["srm"]["df"], 2);
        assert_eq!(hero["srm"]["mismatch"], true, "variation 2 got nobody: {}", hero["srm"]);
        let equal = results_for(&store, "Order Completed")["experiments"][0]["srm"].clone();
        assert_eq!(equal["mismatch"], false, "500/500 of two");
        let mut too_few = question("Order Completed");
        too_few.weights = Some(vec![1.0]);
        let hero = results(&store.conn(), &too_few).unwrap()["experiments"][0].clone();
        assert_eq!(hero["srm"], Value::Null);
        assert!(hero["srm_error"].as_str().unwrap().contains("variation id"));
    }

    #[test]
    fn variation_ids_sort_as_numbers() {
        assert_eq!(variation_order("2", "10"), Ordering::Less);
        assert_eq!(variation_order("b", "a"), Ordering::Greater);
    }
}
