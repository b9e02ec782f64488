//! Personalised re-ranking of a result list: the shop's order blended with the visitor's
//! affinities, never removing or adding an item.
//!
//! For `n` items in the shop's order, item `i` has
//!
//! - a **relevance** in [0, 1]: its `score` scaled between the list's lowest and highest, or,
//!   without scores, `1 - i/n` (its position);
//! - a **personal** score: the visitor's affinities for its facet values (category, brand, tags,
//!   price band: [`crate::core::profile`]), plus `session_boost` times what this visit earned for
//!   them, divided by the largest such sum in the list, so it is in [0, 1].
//!
//! The new order sorts by `(1 - λ)·relevance + λ·personal`, where `λ = impact / 100`, plus
//! [`LEARNED`] for an item the visitor clicked after the same query before
//! ([`Visitor::learned`]): what they chose then comes first now. Equal values keep the shop's
//! order (stable). Impact 0 returns the shop's order as given, 100 orders
//! by affinity with the shop's order breaking ties. Diversity then lets at most `max` items of one
//! facet value into the first `within` places; the ones held back follow, in order.
//!
//! Each placement carries its reasons, which `qa.explain(id)` shows.

use crate::core::search::text;
use crate::core::value::Value;
use crate::prelude::*;

/// What a learned click adds to an item's blend (which is otherwise at most 1): 1, so the
/// product the visitor chose after the same query comes first (when impact is above 0).
pub const LEARNED: f64 = 1.0;

/// How to re-rank.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// How much the visitor's affinities move items: 0 (never) to 100 (affinity first).
    /// Default 50.
    pub impact: f64,
    /// Extra weight of this visit's interest over the visitor's history: 0 to 10. Default 1
    /// (what this session earned counts once more).
    pub session_boost: f64,
    /// At most `max` items per value of `facet` in the first `within` places.
    pub diversity: Option<Diversity>,
    /// The query the list answers (folded), for learned clicks; empty when none.
    pub query: String,
}

impl Default for Options {
    fn default() -> Options {
        Options { impact: 50.0, session_boost: 1.0, diversity: None, query: String::new() }
    }
}

/// A diversity rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Diversity {
    /// The facet (`brand`, `category`, ...).
    pub facet: String,
    /// Items per value allowed in the first `within` places; at least 1.
    pub max: usize,
    /// Places the rule covers.
    pub within: usize,
}

/// One item of the list.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Item {
    /// The shop's id.
    pub id: String,
    /// The shop's score, if it gave one.
    pub score: Option<f64>,
    /// Facet values, folded: (facet, values).
    pub facets: Vec<(String, Vec<String>)>,
}

/// The visitor, as re-ranking sees them (from the profile snapshot).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Visitor {
    /// Per facet, folded value and affinity (session boost of the profile included).
    pub affinity: Vec<(String, Vec<(String, f64)>)>,
    /// Per facet, folded value and what this session earned.
    pub session: Vec<(String, Vec<(String, f64)>)>,
    /// Earlier searches (folded query) and the product clicked after each.
    pub learned: Vec<(String, String)>,
}

impl Visitor {
    /// Reads a profile snapshot (`p.profile()`): `affinity`, `session.affinity`,
    /// `searches.queries` with `searches.clicked`. Anything missing counts as nothing.
    pub fn from_snapshot(snapshot: &Value) -> Visitor {
        let table = |v: Option<&Value>| -> Vec<(String, Vec<(String, f64)>)> {
            let Some(Value::Object(facets)) = v else { return Vec::new() };
            facets
                .iter()
                .map(|(facet, values)| {
                    let list = match values {
                        Value::Object(entries) => entries
                            .iter()
                            .filter_map(|(k, v)| {
                                v.as_f64().filter(|x| x.is_finite() && *x > 0.0).map(|x| (text::fold(k), x))
                            })
                            .collect(),
                        _ => Vec::new(),
                    };
                    (facet.clone(), list)
                })
                .collect()
        };
        let searches = snapshot.get("searches");
        let queries = searches.and_then(|s| s.get("queries")).and_then(Value::as_array).unwrap_or_default();
        let clicked = searches.and_then(|s| s.get("clicked")).and_then(Value::as_array).unwrap_or_default();
        let learned = queries
            .iter()
            .zip(clicked)
            .filter_map(|(q, c)| Some((text::fold(q.as_str()?), c.as_str()?.to_owned())))
            .collect();
        Visitor {
            affinity: table(snapshot.get("affinity")),
            session: table(snapshot.get("session").and_then(|s| s.get("affinity"))),
            learned,
        }
    }

    /// The score of folded `value` of `facet` in `table` (0 when absent).
    pub fn score(table: &[(String, Vec<(String, f64)>)], facet: &str, value: &str) -> f64 {
        table
            .iter()
            .find(|(f, _)| f == facet)
            .and_then(|(_, values)| values.iter().find(|(v, _)| v == value))
            .map_or(0.0, |(_, s)| *s)
    }
}

/// Why an item is where it is.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Placement {
    /// Its position in the shop's list.
    pub from: usize,
    /// Relevance in [0, 1].
    pub relevance: f64,
    /// Personal score, normalised to [0, 1].
    pub personal: f64,
    /// The blend the order sorts by.
    pub blended: f64,
    /// Facet values that earned affinity: (facet, value, affinity, session part).
    pub reasons: Vec<(String, String, f64, f64)>,
    /// Clicked after the same query before.
    pub learned: bool,
    /// Moved down by the diversity rule.
    pub held_back: bool,
}

/// The new order of `items`: each placement says where its item came `from`.
pub fn rerank(items: &[Item], visitor: &Visitor, options: &Options) -> Vec<Placement> {
    let n = items.len();
    let lambda = (options.impact / 100.0).clamp(0.0, 1.0);
    let scores: Vec<f64> = items.iter().filter_map(|i| i.score.filter(|s| s.is_finite())).collect();
    let (lo, hi) =
        scores.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), s| (lo.min(*s), hi.max(*s)));
    let mut placements: Vec<Placement> = Vec::with_capacity(n);
    let mut raw_max = 0.0f64;
    for (i, item) in items.iter().enumerate() {
        let relevance = match item.score.filter(|s| s.is_finite()) {
            Some(s) if hi > lo => (s - lo) / (hi - lo),
            Some(_) => 1.0,
            None => 1.0 - i as f64 / n.max(1) as f64,
        };
        let mut p = Placement { from: i, relevance, ..Placement::default() };
        let mut raw = 0.0;
        for (facet, values) in &item.facets {
            for value in values {
                let long = Visitor::score(&visitor.affinity, facet, value);
                let visit = Visitor::score(&visitor.session, facet, value);
                if long > 0.0 || visit > 0.0 {
                    raw += long + options.session_boost * visit;
                    p.reasons.push((facet.clone(), value.clone(), long, visit));
                }
            }
        }
        p.personal = raw;
        raw_max = raw_max.max(raw);
        p.learned = !options.query.is_empty()
            && visitor.learned.iter().any(|(q, id)| *q == options.query && *id == item.id);
        placements.push(p);
    }
    for p in &mut placements {
        p.personal = if raw_max > 0.0 { p.personal / raw_max } else { 0.0 };
        p.blended = (1.0 - lambda) * p.relevance + lambda * p.personal;
        if p.learned && lambda > 0.0 {
            p.blended += LEARNED;
        }
    }
    if lambda > 0.0 {
        // Equal blends keep the shop's order (`from` breaks ties, so an unstable sort is stable
        // here, and smaller in the module than a stable one).
        placements.sort_unstable_by(|a, b| b.blended.total_cmp(&a.blended).then(a.from.cmp(&b.from)));
    }
    if let Some(rule) = &options.diversity {
        diversify(&mut placements, items, rule);
    }
    placements
}

/// Applies the diversity rule in place.
fn diversify(placements: &mut Vec<Placement>, items: &[Item], rule: &Diversity) {
    let max = rule.max.max(1);
    let within = rule.within.min(placements.len());
    let mut counts: Vec<(String, usize)> = Vec::new();
    let mut kept: Vec<Placement> = Vec::with_capacity(placements.len());
    let mut held: Vec<Placement> = Vec::new();
    for p in placements.drain(..) {
        if kept.len() >= within {
            kept.push(p);
            continue;
        }
        let values = items
            .get(p.from)
            .and_then(|i| i.facets.iter().find(|(f, _)| *f == rule.facet))
            .map(|(_, v)| v.as_slice())
            .unwrap_or_default();
        let full = values.iter().any(|v| counts.iter().any(|(c, k)| c == v && *k >= max));
        if full {
            held.push(Placement { held_back: true, ..p });
            continue;
        }
        for v in values {
            match counts.iter_mut().find(|(c, _)| c == v) {
                Some(entry) => entry.1 += 1,
                None => counts.push((v.clone(), 1)),
            }
        }
        kept.push(p);
    }
    // Held-back items go right after the covered places, before the rest.
    let at = within.min(kept.len());
    let rest = kept.split_off(at);
    kept.extend(held);
    kept.extend(rest);
    *placements = kept;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::testing::json;

    fn item(id: &str, brand: &str, category: &str) -> Item {
        Item {
            id: id.into(),
            score: None,
            facets: vec![
                ("brand".into(), vec![text::fold(brand)]),
                ("category".into(), vec![text::fold(category)]),
            ],
        }
    }

    fn list() -> Vec<Item> {
        vec![
            item("a", "Apple", "Phones"),
            item("b", "Samsung", "Phones"),
            item("c", "Sony", "Headphones"),
            item("d", "Bose", "Headphones"),
            item("e", "Apple", "Cases"),
        ]
    }

    fn ids(items: &[Item], placements: &[Placement]) -> Vec<String> {
        placements.iter().map(|p| items[p.from].id.clone()).collect()
    }

    fn headphone_fan() -> Visitor {
        Visitor::from_snapshot(&json(
            r#"{"affinity":{"category":{"headphones":6,"Phones":1},"brand":{"Sony":2}},
                "session":{"affinity":{"category":{"headphones":3}}},
                "searches":{"queries":["Galaxy","cable"],"clicked":["b",null]}}"#,
        ))
    }

    #[test]
    fn impact_zero_is_the_original_order_and_nothing_is_lost() {
        let items = list();
        let v = headphone_fan();
        let o = Options { impact: 0.0, ..Options::default() };
        assert_eq!(ids(&items, &rerank(&items, &v, &o)), ["a", "b", "c", "d", "e"]);
        for impact in [0.0, 10.0, 50.0, 90.0, 100.0] {
            let mut got = ids(&items, &rerank(&items, &v, &Options { impact, ..Options::default() }));
            got.sort();
            assert_eq!(got, ["a", "b", "c", "d", "e"], "impact {impact}");
        }
    }

    #[test]
    fn affinities_move_items_up_as_impact_grows() {
        let items = list();
        let v = headphone_fan();
        let at = |impact: f64| ids(&items, &rerank(&items, &v, &Options { impact, ..Options::default() }));
        assert_eq!(
            at(100.0),
            ["c", "d", "a", "b", "e"],
            "sony headphones, headphones, phones; ties in shop order"
        );
        assert_eq!(at(50.0)[0], "c");
        assert_eq!(at(10.0), ["a", "b", "c", "d", "e"], "a little impact moves little");
        let placements = rerank(&items, &v, &Options::default());
        let c = placements.iter().find(|p| p.from == 2).cloned().unwrap_or_default();
        assert!((c.personal - 1.0).abs() < 1e-9);
        assert_eq!(c.reasons.len(), 2);
        assert_eq!(c.reasons[1], ("category".into(), "headphones".into(), 6.0, 3.0));
    }

    #[test]
    fn the_session_boost_weighs_this_visit() {
        let items = vec![item("x", "Sony", "Phones"), item("y", "Bose", "Headphones")];
        let v = Visitor::from_snapshot(&json(
            r#"{"affinity":{"brand":{"Sony":5},"category":{"headphones":4}},"session":{"affinity":{"category":{"headphones":4}}}}"#,
        ));
        let at = |session_boost: f64| {
            ids(&items, &rerank(&items, &v, &Options { impact: 100.0, session_boost, ..Options::default() }))
        };
        assert_eq!(at(0.0), ["x", "y"], "history alone: Sony 5 over headphones 4");
        assert_eq!(at(1.0), ["y", "x"], "this visit's headphones count again");
    }

    #[test]
    fn scores_drive_relevance_when_given() {
        let mut items = list();
        for (i, s) in [10.0, 9.9, 1.0, 0.5, 9.8].iter().enumerate() {
            items[i].score = Some(*s);
        }
        let v = headphone_fan();
        let got = ids(&items, &rerank(&items, &v, &Options { impact: 30.0, ..Options::default() }));
        assert_eq!(got[..3], ["a", "b", "e"], "big score gaps hold at impact 30: {got:?}");
    }

    #[test]
    fn learned_clicks_rise_for_the_same_query_only() {
        let items = list();
        let v = headphone_fan();
        let o = |q: &str| Options { impact: 50.0, query: text::fold(q), ..Options::default() };
        assert_eq!(ids(&items, &rerank(&items, &v, &o("galaxy")))[0], "b");
        assert_ne!(ids(&items, &rerank(&items, &v, &o("galaxy s7")))[0], "b");
        let b = rerank(&items, &v, &o("GALAXY")).into_iter().find(|p| p.from == 1).unwrap_or_default();
        assert!(b.learned);
    }

    #[test]
    fn diversity_holds_back_without_removing() {
        let items = vec![
            item("a1", "Apple", "x"),
            item("a2", "Apple", "x"),
            item("a3", "Apple", "x"),
            item("s1", "Samsung", "x"),
            item("a4", "Apple", "x"),
            item("s2", "Samsung", "x"),
        ];
        let o = Options {
            impact: 0.0,
            diversity: Some(Diversity { facet: "brand".into(), max: 2, within: 4 }),
            ..Options::default()
        };
        let placements = rerank(&items, &Visitor::default(), &o);
        assert_eq!(ids(&items, &placements), ["a1", "a2", "s1", "s2", "a3", "a4"]);
        assert!(placements[4].held_back && placements[5].held_back && !placements[3].held_back);
    }

    #[test]
    fn an_empty_or_strange_snapshot_is_no_personalization() {
        let items = list();
        for snapshot in
            ["null", "{}", r#"{"affinity":3}"#, r#"{"affinity":{"brand":{"Sony":"x","Apple":-1}}}"#]
        {
            let v = Visitor::from_snapshot(&json(snapshot));
            assert_eq!(
                ids(&items, &rerank(&items, &v, &Options::default())),
                ["a", "b", "c", "d", "e"],
                "{snapshot}"
            );
        }
        assert!(rerank(&[], &headphone_fan(), &Options::default()).is_empty());
    }
}
