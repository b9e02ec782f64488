//! Words from text: case and diacritic folding, then splitting on everything that is not a
//! letter or a digit.
//!
//! Folding is a small table, not Unicode's: ASCII and Latin-1/Latin Extended-A letters lose case
//! and accents (`É` → `e`, `ç` → `c`), German umlauts lose their dots (`ä` → `a`, `Ö` → `o`) and
//! `ß` becomes `ss`; basic Greek and Cyrillic capitals become small letters. Index and query fold
//! the same way, so `Müller`, `MÜLLER` and `muller` are one word; `mueller` is one edit from it and
//! found by typo tolerance. Other characters (CJK, symbols that are letters) are kept as they are.

use crate::prelude::*;

/// Longest word kept, in bytes; longer runs (hashes, base64 in descriptions) are cut there.
pub const MAX_WORD_BYTES: usize = 40;

/// Appends the folded form of `c` to `out`, or returns false when `c` separates words.
fn fold_into(c: char, out: &mut String) -> bool {
    let two = match c {
        'ß' => "ss",
        'Æ' | 'æ' => "ae",
        'Œ' | 'œ' => "oe",
        'Ĳ' | 'ĳ' => "ij",
        'Þ' | 'þ' => "th",
        _ => "",
    };
    if !two.is_empty() {
        out.push_str(two);
        return true;
    }
    let folded = match c {
        'a'..='z' | '0'..='9' => c,
        'A'..='Z' => c.to_ascii_lowercase(),
        '\u{c0}'..='\u{17f}' => match latin(c) {
            Some(f) => f,
            None => return false, // × ÷ and the like
        },
        // Greek capitals, Cyrillic capitals (А-Я and Ѐ-Џ).
        '\u{391}'..='\u{3a9}' | '\u{410}'..='\u{42f}' => char::from_u32(c as u32 + 0x20).unwrap_or(c),
        '\u{400}'..='\u{40f}' => char::from_u32(c as u32 + 0x50).unwrap_or(c),
        // Punctuation and symbols: ASCII, Latin-1's, general punctuation to dingbats and
        // arrows, CJK punctuation, full-width ASCII punctuation, emoji.
        '\0'..='\u{bf}' | '\u{2000}'..='\u{2bff}' | '\u{3000}'..='\u{303f}' | '\u{ff00}'..='\u{ff0f}' => {
            return false
        }
        c if (c as u32) >= 0x1f000 => return false,
        c => c, // a letter of another script
    };
    out.push(folded);
    true
}

/// The base letter of a Latin-1 Supplement or Latin Extended-A letter, small.
fn latin(c: char) -> Option<char> {
    const LATIN1: &[u8; 64] = b"aaaaaaaceeeeiiiidnooooo.ouuuuyts\
aaaaaaaceeeeiiiidnooooo.ouuuuyty";
    let code = c as u32;
    if code < 0x100 {
        let b = *LATIN1.get((code - 0xc0) as usize)?;
        return (b != b'.').then_some(b as char);
    }
    // Latin Extended-A (U+0100-U+017F): pairs of capital and small of one base letter, with a
    // few runs; this table gives the base of each pair (or single) in order.
    const EXT_A: &[u8; 128] = b"aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiiijjkkklllllll\
lllnnnnnnnnnoooooooorrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";
    EXT_A.get((code - 0x100) as usize).map(|b| *b as char)
}

/// The folded words of `text`, each at most [`MAX_WORD_BYTES`], in order, calling `word` with
/// each. Returns without calling it for text with no letters or digits.
pub fn words(text: &str, word: &mut dyn FnMut(&str)) {
    let mut current = String::new();
    for c in text.chars() {
        let before = current.len();
        if fold_into(c, &mut current) {
            if current.len() > MAX_WORD_BYTES {
                current.truncate(before);
            }
        } else if !current.is_empty() {
            word(&current);
            current.clear();
        }
    }
    if !current.is_empty() {
        word(&current);
    }
}

/// The folded words of `text`, collected.
pub fn split(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    words(text, &mut |w| out.push(w.to_owned()));
    out
}

/// `text` folded as a whole (words joined by one space): the form facet values are compared in.
pub fn fold(text: &str) -> String {
    join(&split(text))
}

/// Words joined by one space (not `[String]::join`, which brings a generic routine of its own).
pub fn join(words: &[String]) -> String {
    let mut out = String::new();
    for w in words {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_diacritics_and_german() {
        assert_eq!(
            split("Müller's STRAßE, Ärger über Öl"),
            ["muller", "s", "strasse", "arger", "uber", "ol"]
        );
        assert_eq!(split("Crème Brûlée à la Française"), ["creme", "brulee", "a", "la", "francaise"]);
        assert_eq!(split("Łódź ŠKODA Ñandú ÿ Ÿ"), ["lodz", "skoda", "nandu", "y", "y"]);
        assert_eq!(split("ΑΘΗΝΑ МОСКВА Ёж"), ["αθηνα", "москва", "ёж"]);
    }

    #[test]
    fn separators_digits_and_caps() {
        assert_eq!(
            split("iPhone 7 Plus (128GB) - Jet×Black"),
            ["iphone", "7", "plus", "128gb", "jet", "black"]
        );
        assert_eq!(split("  ...  "), Vec::<String>::new());
        let long = "x".repeat(100);
        assert_eq!(split(&long)[0].len(), MAX_WORD_BYTES);
        assert_eq!(fold("  Cell  Phones "), "cell phones");
    }

    #[test]
    fn every_latin_letter_folds_to_ascii() {
        for code in 0xc0u32..0x180 {
            let c = char::from_u32(code).unwrap_or('a');
            let mut out = String::new();
            if fold_into(c, &mut out) {
                assert!(out.bytes().all(|b| b.is_ascii_lowercase()), "U+{code:04X} -> {out}");
                // The fold agrees with Unicode's decomposition for the base letter where there is one.
                let lower: String = c.to_lowercase().collect();
                let base = lower.chars().next().unwrap_or('a');
                if base.is_ascii_lowercase() {
                    assert_eq!(out, base.to_string());
                }
            } else {
                assert!(c == '×' || c == '÷', "U+{code:04X} should fold");
            }
        }
    }
}
