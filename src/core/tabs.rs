//! Several tabs, one visitor: each tab keeps its own outbox in localStorage, so tabs never
//! overwrite each other's queues, and a tab that goes away with events undelivered leaves them for
//! the next tab to **reclaim**. Each queued event has its own key, `persona:outbox:<tab id>:<seq>`
//! (so tracking an event writes that event, not the whole queue), holding a queue of one in the
//! outbox's stored form; `persona:outbox:<tab id>` holds the tab's unreported drop count, when
//! there is one. Keys of earlier versions (`persona:outbox:<tab id>` with a whole queue, and the
//! single `persona:outbox`) have the same form and are reclaimed the same way.
//!
//! Which tabs are alive is the browser's knowledge, not ours: the web layer holds a Web Lock named
//! `persona-tab:<tab id>` for each tab's lifetime and passes the ids of the locks currently held
//! ([`reclaim`]'s `live`), taking a second lock (`persona-reclaim`) around the whole operation so
//! two tabs never reclaim the same outbox. A reclaimed outbox is merged (by `messageId`) and its
//! key removed in the same synchronous step, so its events are sent by exactly one tab.
//!
//! Without Web Locks (browsers before 2022) `live` is unknown and every other outbox is taken: two
//! tabs open at once may then both send an event, which collectors drop by `messageId`.
//! The single key `persona:outbox` of persona 0.1.0 is always reclaimed.

use crate::core::error::{Error, Result};
use crate::core::id;
use crate::core::outbox::{Entry, Outbox};
use crate::core::platform::{Clock, Codec, Entropy, Storage};
use crate::prelude::*;

/// Prefix of every outbox key; the exact key is the pre-tab format.
pub const OUTBOX_PREFIX: &str = "persona:outbox";

/// A new random tab id: 16 hex characters.
pub fn new_tab_id(entropy: &impl Entropy) -> Result<String> {
    let uuid = id::uuid_v4(entropy)?;
    Ok(uuid.chars().filter(|c| *c != '-').take(16).collect())
}

/// The outbox key of tab `tab`.
pub fn outbox_key(tab: &str) -> String {
    let mut key = String::with_capacity(OUTBOX_PREFIX.len() + 1 + tab.len());
    key.push_str(OUTBOX_PREFIX);
    key.push(':');
    key.push_str(tab);
    key
}

/// The key of entry `seq` of the outbox whose key is `outbox_key`.
pub fn entry_key(outbox_key: &str, seq: u64) -> String {
    let mut key = String::with_capacity(outbox_key.len() + 8);
    key.push_str(outbox_key);
    key.push(':');
    crate::core::time::push_num(&mut key, seq, 1);
    key
}

/// The tab an outbox key belongs to: `Some("")` for the pre-tab key, `None` for other keys.
fn tab_of(key: &str) -> Option<&str> {
    let rest = key.strip_prefix(OUTBOX_PREFIX)?;
    if rest.is_empty() {
        return Some("");
    }
    let rest = rest.strip_prefix(':')?;
    // The tab id is hex; an event key adds `:<seq>` after it.
    let end = rest.bytes().position(|b| b == b':').unwrap_or(rest.len());
    rest.get(..end)
}

/// The `<seq>` of an event key (`persona:outbox:<tab>:<seq>`); 0 for a whole-queue key.
fn seq_of(key: &str) -> u64 {
    let digits = key.bytes().rev().take_while(u8::is_ascii_digit).count();
    let tail = key.get(key.len() - digits..).unwrap_or_default();
    if digits == 0 || digits > 15 || !key.get(..key.len() - digits).unwrap_or_default().ends_with(':') {
        return 0;
    }
    tail.bytes().fold(0, |n, d| n * 10 + u64::from(d - b'0'))
}

/// Orders reclaimed entries by when they were queued, ties by their tab's own order (their
/// `seq` holds it, from the key and the place in it, until the outbox renumbers them). A Shell sort: a few lines, where the
/// standard library's sorts add kilobytes to the wasm.
fn sort_by_queue_time(entries: &mut [Entry]) {
    let mut gap = entries.len() / 2;
    while gap > 0 {
        for i in gap..entries.len() {
            let mut j = i;
            // `get` rather than indexing: no bounds-check panic (and its formatting) in the wasm.
            while j >= gap {
                match (entries.get(j - gap), entries.get(j)) {
                    (Some(a), Some(b)) if (a.queued_at, a.seq) > (b.queued_at, b.seq) => {
                        entries.swap(j - gap, j)
                    }
                    _ => break,
                }
                j -= gap;
            }
        }
        gap /= 2;
    }
}

/// What [`reclaim`] did.
#[derive(Debug, Default, PartialEq)]
pub struct Reclaimed {
    /// Events moved into this tab's outbox.
    pub events: usize,
    /// Events dropped because the outbox was at its cap.
    pub dropped: usize,
    /// Unreadable outboxes that were discarded.
    pub corrupt: usize,
}

/// Moves the events of every orphaned outbox (not the tab of `own_key`, not a tab in `live`)
/// into `outbox`, oldest first, skipping events it already holds, and removes the orphans' keys.
/// An event queued "in the future" (the clock was set back since) counts as queued now, so it
/// cannot hold back the batch.
pub fn reclaim<P: Storage + Codec + Clock>(
    platform: &P,
    own_key: &str,
    live: Option<&[String]>,
    outbox: &mut Outbox,
    max_queue: u32,
    max_bytes: usize,
) -> Result<Reclaimed> {
    let mut done = Reclaimed::default();
    let now = platform.now_ms();
    let own_tab = tab_of(own_key);
    let mut found = Vec::new();
    for key in platform.keys()? {
        let Some(tab) = tab_of(&key) else { continue };
        let alive = live.is_some_and(|live| live.iter().any(|t| t == tab));
        if Some(tab) == own_tab || (alive && !tab.is_empty()) {
            continue;
        }
        // A key storage will not read is left for a later reclaim; the others still count.
        let Ok(Some(text)) = platform.get(&key) else { continue };
        let _ = platform.remove(&key);
        match platform.decode(&text).and_then(|v| Outbox::from_value(&v, platform)) {
            Ok(mut orphan) => {
                outbox.add_dropped(orphan.dropped());
                let key_seq = seq_of(&key) << 20;
                for (i, mut entry) in orphan.drain().enumerate() {
                    entry.seq = key_seq + i as u64;
                    found.push(entry);
                }
            }
            Err(_) => done.corrupt += 1,
        }
    }
    // Keys come in no particular order; the queue keeps the order events happened in.
    sort_by_queue_time(&mut found);
    for mut entry in found {
        entry.queued_at = entry.queued_at.min(now);
        if !outbox.contains(&entry.message_id) {
            done.events += 1;
            done.dropped += outbox.push_within(entry, max_queue, max_bytes);
        }
    }
    Ok(done)
}

/// The warnings a reclaim reports.
pub fn warnings(done: &Reclaimed) -> impl Iterator<Item = Error> {
    let corrupt = (done.corrupt > 0).then_some(Error::StorageCorrupt);
    let overflow = (done.dropped > 0).then_some(Error::OutboxOverflow);
    corrupt.into_iter().chain(overflow)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::config::Config;
    use crate::core::outbox::entry;
    use crate::core::testing::MemPlatform;

    fn stored_outbox(p: &MemPlatform, key: &str, ids: &[&str]) {
        let mut o = Outbox::default();
        for id in ids {
            o.push(entry(id, 0), 100);
        }
        p.put(key, &o.to_json());
    }

    fn ids(o: &mut Outbox) -> Vec<String> {
        o.drain().map(|e| e.message_id).collect()
    }

    #[test]
    fn keys_and_tabs() {
        assert_eq!(outbox_key("ab12"), "persona:outbox:ab12");
        assert_eq!(tab_of("persona:outbox:ab12"), Some("ab12"));
        assert_eq!(tab_of("persona:outbox"), Some(""));
        assert_eq!(tab_of("persona:outboxes"), None);
        assert_eq!(tab_of("persona:anonymous_id"), None);
        assert_eq!(entry_key("persona:outbox:ab12", 7), "persona:outbox:ab12:7");
        assert_eq!(tab_of("persona:outbox:ab12:7"), Some("ab12"));
        let p = MemPlatform::default();
        let a = new_tab_id(&p).unwrap();
        assert_eq!(a.len(), 16);
        assert_ne!(a, new_tab_id(&p).unwrap());
    }

    #[test]
    fn takes_orphans_leaves_live_tabs_and_itself() {
        let p = MemPlatform::default();
        stored_outbox(&p, "persona:outbox:own", &["o1"]);
        stored_outbox(&p, "persona:outbox:live", &["l1"]);
        stored_outbox(&p, "persona:outbox:dead", &["d1", "d2"]);
        stored_outbox(&p, "persona:outbox", &["legacy", "d1"]);
        p.put("persona:outbox:broken", "{nope");
        p.put("shop:outbox", "not ours");
        let mut mine = Outbox::default();
        let live = ["live".to_owned(), "own".to_owned()];
        let done = reclaim(&p, "persona:outbox:own", Some(&live), &mut mine, 100, usize::MAX).unwrap();
        assert_eq!(done, Reclaimed { events: 3, dropped: 0, corrupt: 1 });
        let mut got = ids(&mut mine);
        got.sort();
        assert_eq!(got, ["d1", "d2", "legacy"], "each event once");
        assert!(p.stored("persona:outbox:dead").is_none() && p.stored("persona:outbox").is_none());
        assert!(p.stored("persona:outbox:broken").is_none(), "corrupt orphans are discarded");
        assert!(p.stored("persona:outbox:live").is_some() && p.stored("persona:outbox:own").is_some());
        assert!(p.stored("shop:outbox").is_some());
        assert_eq!(warnings(&done).collect::<Vec<_>>(), [Error::StorageCorrupt]);
    }

    #[test]
    fn per_event_keys_are_reclaimed_in_the_order_events_happened() {
        let p = MemPlatform::default();
        for (seq, id, at) in [(10, "c", 30), (2, "a", 10), (9, "b", 20)] {
            let mut o = Outbox::default();
            o.push(entry(id, at), 100);
            p.put(&entry_key("persona:outbox:dead", seq), &o.to_json());
        }
        p.put("persona:outbox:dead", &Outbox::dropped_json(4));
        let mut o = Outbox::default();
        o.push(entry("mine", 5), 100);
        p.put(&entry_key("persona:outbox:own", 0), &o.to_json());
        let mut mine = Outbox::default();
        let done = reclaim(&p, "persona:outbox:own", Some(&[]), &mut mine, 100, usize::MAX).unwrap();
        assert_eq!((done.events, mine.dropped()), (3, 4));
        assert_eq!(ids(&mut mine), ["a", "b", "c"]);
        assert!(p.stored("persona:outbox:own:0").is_some(), "its own keys stay");
        assert!(p.stored("persona:outbox:dead:2").is_none() && p.stored("persona:outbox:dead").is_none());
    }

    #[test]
    fn same_millisecond_events_keep_their_tab_order() {
        let p = MemPlatform::default();
        for seq in [10u64, 2, 1, 0, 11] {
            let mut o = Outbox::default();
            o.push(entry(&format!("e{seq}"), 7), 100);
            p.put(&entry_key("persona:outbox:dead", seq), &o.to_json());
        }
        let mut mine = Outbox::default();
        reclaim(&p, "persona:outbox:own", Some(&[]), &mut mine, 100, usize::MAX).unwrap();
        assert_eq!(ids(&mut mine), ["e0", "e1", "e2", "e10", "e11"]);
        assert_eq!((seq_of("persona:outbox:t:12"), seq_of("persona:outbox:t"), seq_of("x:")), (12, 0, 0));
    }

    #[test]
    fn the_shell_sort_orders_by_time_then_discovery() {
        let mut entries: Vec<Entry> =
            (0..200u64).map(|i| Entry { seq: i, ..entry(&i.to_string(), (i * 7919) % 13) }).collect();
        sort_by_queue_time(&mut entries);
        for pair in entries.windows(2) {
            assert!((pair[0].queued_at, pair[0].seq) < (pair[1].queued_at, pair[1].seq));
        }
        assert_eq!(entries.len(), 200);
    }

    #[test]
    fn without_web_locks_every_other_outbox_is_taken() {
        let p = MemPlatform::default();
        stored_outbox(&p, "persona:outbox:other", &["x"]);
        let mut mine = Outbox::default();
        let done = reclaim(&p, "persona:outbox:own", None, &mut mine, 100, usize::MAX).unwrap();
        assert_eq!(done.events, 1);
    }

    #[test]
    fn events_queued_in_the_future_count_as_queued_now() {
        let p = MemPlatform::default();
        let mut o = Outbox::default();
        o.push(entry("later", p.now_ms() + 86_400_000), 100);
        p.put("persona:outbox:dead", &o.to_json());
        let mut mine = Outbox::default();
        reclaim(&p, "persona:outbox:own", Some(&[]), &mut mine, 100, usize::MAX).unwrap();
        let config = Config { flush_interval_ms: 1000, ..Config::default() };
        assert_eq!(mine.due_at(&config), Some(p.now_ms() + 1000), "not a day later");
    }

    #[test]
    fn the_cap_applies_and_is_reported() {
        let p = MemPlatform::default();
        stored_outbox(&p, "persona:outbox:dead", &["1", "2", "3", "4", "5"]);
        let mut mine = Outbox::default();
        let done = reclaim(&p, "persona:outbox:own", Some(&[]), &mut mine, 3, usize::MAX).unwrap();
        assert_eq!((done.events, done.dropped), (5, 2));
        assert_eq!(ids(&mut mine), ["3", "4", "5"], "oldest dropped first");
        assert_eq!(warnings(&done).collect::<Vec<_>>(), [Error::OutboxOverflow]);
    }
}
