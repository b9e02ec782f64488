//! Typo tolerance: the edit distance between a query word and an indexed word, bounded.
//!
//! Distance is optimal string alignment over bytes of folded words: an insertion, a deletion, a
//! substitution or a swap of two neighbours each cost one edit (`smasung` is one edit from
//! `samsung`, `controler` one from `controller`). Only words within the allowed edits are
//! wanted, so [`within`] gives up as soon as a row of the table exceeds the bound, and a cheap
//! filter ([`letters`]: which letters a word holds, as bits) rules most words out before any
//! table is built.

use crate::prelude::*;

/// Edits allowed for a query word of `len` bytes: none below 4, one from 4, two from 8 (a
/// shorter word with a typo matches too much: `case` one edit from `cast`, `care`, `cave`...).
pub fn allowed(len: usize) -> u8 {
    match len {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// Which of 64 letter classes `word` holds, as bits: one each for a-z and 0-9, the other bytes
/// (of letters outside ASCII) share the remaining 28 by value.
pub fn letters(word: &str) -> u64 {
    let mut bits = 0u64;
    for b in word.bytes() {
        let class = match b {
            b'a'..=b'z' => b - b'a',
            b'0'..=b'9' => 26 + b - b'0',
            _ => 36 + b % 28,
        };
        bits |= 1 << class;
    }
    bits
}

/// Whether two words' letter sets differ in few enough letters for `k` edits: an edit adds at
/// most one letter and removes at most one, so `k` edits change at most `2k` bits.
pub fn may_be_within(a: u64, b: u64, k: u8) -> bool {
    (a ^ b).count_ones() <= 2 * u32::from(k)
}

/// The distance between `a` and `b` when it is at most `k`, else `None`.
pub fn within(a: &[u8], b: &[u8], k: u8, rows: &mut Vec<u8>) -> Option<u8> {
    let k = usize::from(k);
    if a.len().abs_diff(b.len()) > k {
        return None;
    }
    let width = b.len() + 1;
    // Three rows: two back (for swaps), one back, current.
    rows.clear();
    rows.resize(3 * width, 0);
    for (j, cell) in rows.iter_mut().take(width).enumerate() {
        *cell = j.min(255) as u8;
    }
    let big = (k + 1) as u8;
    for i in 1..=a.len() {
        let (cur, prev, prev2) = ((i % 3) * width, ((i + 2) % 3) * width, ((i + 1) % 3) * width);
        let ai = *a.get(i - 1)?;
        set(rows, cur, i.min(255) as u8);
        let mut best = get(rows, cur);
        for j in 1..=b.len() {
            let bj = *b.get(j - 1)?;
            let cost = u8::from(ai != bj);
            let mut d =
                (get(rows, prev + j - 1) + cost).min(get(rows, prev + j) + 1).min(get(rows, cur + j - 1) + 1);
            if i > 1 && j > 1 && a.get(i - 2) == Some(&bj) && b.get(j - 2) == Some(&ai) {
                d = d.min(get(rows, prev2 + j - 2) + 1);
            }
            let d = d.min(big);
            set(rows, cur + j, d);
            best = best.min(d);
        }
        if usize::from(best) > k {
            return None;
        }
    }
    let d = get(rows, (a.len() % 3) * width + b.len());
    (usize::from(d) <= k).then_some(d)
}

fn get(rows: &[u8], i: usize) -> u8 {
    rows.get(i).copied().unwrap_or(u8::MAX / 2)
}

fn set(rows: &mut [u8], i: usize, v: u8) {
    if let Some(cell) = rows.get_mut(i) {
        *cell = v;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(a: &str, b: &str, k: u8) -> Option<u8> {
        within(a.as_bytes(), b.as_bytes(), k, &mut Vec::new())
    }

    #[test]
    fn edits_count_one_each() {
        assert_eq!(d("samsung", "samsung", 1), Some(0));
        assert_eq!(d("smasung", "samsung", 1), Some(1), "swap");
        assert_eq!(d("controler", "controller", 1), Some(1), "deletion");
        assert_eq!(d("iphonee", "iphone", 1), Some(1), "insertion");
        assert_eq!(d("motorala", "motorola", 1), Some(1), "substitution");
        assert_eq!(d("otterbx", "otterbox", 2), Some(1));
        assert_eq!(d("hedphnes", "headphones", 2), Some(2));
        assert_eq!(d("hedphns", "headphones", 2), None);
        assert_eq!(d("case", "cast", 0), None);
        assert_eq!(d("", "ab", 2), Some(2));
        assert_eq!(d("abc", "", 2), None);
    }

    #[test]
    fn agrees_with_a_plain_table_on_many_pairs() {
        // Optimal string alignment computed the textbook way, without bounds.
        fn osa(a: &[u8], b: &[u8]) -> usize {
            let mut t = vec![vec![0usize; b.len() + 1]; a.len() + 1];
            for (i, row) in t.iter_mut().enumerate() {
                row[0] = i;
            }
            for (j, cell) in t[0].iter_mut().enumerate() {
                *cell = j;
            }
            for i in 1..=a.len() {
                for j in 1..=b.len() {
                    let cost = usize::from(a[i - 1] != b[j - 1]);
                    let mut v = (t[i - 1][j - 1] + cost).min(t[i - 1][j] + 1).min(t[i][j - 1] + 1);
                    if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                        v = v.min(t[i - 2][j - 2] + 1);
                    }
                    t[i][j] = v;
                }
            }
            t[a.len()][b.len()]
        }
        let words = [
            "galaxy", "galxay", "glaxy", "gaalxy", "pixel", "pixle", "ipone", "iphone", "phone", "xl", "lx",
            "",
        ];
        for a in words {
            for b in words {
                for k in 0..=2u8 {
                    let want = osa(a.as_bytes(), b.as_bytes());
                    let got = d(a, b, k);
                    assert_eq!(got, (want <= usize::from(k)).then_some(want as u8), "{a} {b} {k}");
                    if got.is_some() {
                        assert!(may_be_within(letters(a), letters(b), k), "filter kept {a} {b}");
                    }
                }
            }
        }
        assert_eq!((allowed(3), allowed(4), allowed(7), allowed(8)), (0, 1, 1, 2));
    }
}
