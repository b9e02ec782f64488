//! The index as bytes: a shop can build it once (`node scripts/build-index.mjs`) and ship it, so
//! the browser skips parsing and indexing the catalog.
//!
//! Format (version 1; all integers LEB128 varints unless said otherwise, strings as a varint
//! byte length and UTF-8):
//!
//! ```text
//! "PSIX" 0x01
//! products: n, then per product: id, brand, categories (n, strings), tags (n, strings),
//!           price (f64 little-endian; NaN when none), in_stock (one byte), popularity (f64 LE),
//!           brand value + 1 (0 = none), category values (n, varints)
//! values:   n, then each facet value as first given (the folded form is recomputed)
//! terms:    n, then per term: text, postings count
//! postings: per term in order, per posting: product (delta from the previous, from 0 for each
//!           term), score (f32 LE), first position in the name (one byte)
//! ```
//!
//! Letter sets and the length groups are recomputed on load. Anything that does not fit (a bad
//! magic, another version, a count past the end, a product out of range, bytes left over) is
//! `index_invalid`: a truncated download never yields a half index.

use crate::core::error::{Error, Result};
use crate::prelude::*;

use super::{text, typo, Index, Product, Term};

const MAGIC: &[u8; 4] = b"PSIX";
/// The format version written and read.
pub const VERSION: u8 = 1;

/// The bytes of `index`.
pub fn to_bytes(index: &Index) -> Vec<u8> {
    let mut out = Vec::with_capacity(index.docs.len() * 6 + index.terms.len() * 12);
    out.extend_from_slice(MAGIC);
    out.push(VERSION);
    varint(&mut out, index.products.len() as u64);
    for p in &index.products {
        string(&mut out, &p.id);
        string(&mut out, &p.brand);
        strings(&mut out, &p.categories);
        strings(&mut out, &p.tags);
        out.extend_from_slice(&p.price.to_le_bytes());
        out.push(u8::from(p.in_stock));
        out.extend_from_slice(&p.popularity.to_le_bytes());
        varint(&mut out, if p.brand_value == u32::MAX { 0 } else { u64::from(p.brand_value) + 1 });
        varint(&mut out, p.category_values.len() as u64);
        for v in &p.category_values {
            varint(&mut out, u64::from(*v));
        }
    }
    strings(&mut out, &index.values);
    varint(&mut out, index.terms.len() as u64);
    for t in &index.terms {
        string(&mut out, &t.text);
        varint(&mut out, u64::from(t.len));
    }
    for t in &index.terms {
        let (start, end) = (t.start as usize, (t.start + t.len) as usize);
        let mut previous = 0u32;
        for i in start..end {
            let (Some(doc), Some(score), Some(position)) =
                (index.docs.get(i), index.scores.get(i), index.name_positions.get(i))
            else {
                continue;
            };
            varint(&mut out, u64::from(doc.wrapping_sub(previous)));
            previous = *doc;
            out.extend_from_slice(&score.to_le_bytes());
            out.push(*position);
        }
    }
    out
}

/// The index stored in `bytes`; `index_invalid` when they are not a whole index of this version.
pub fn from_bytes(bytes: &[u8]) -> Result<Index> {
    read(bytes).ok_or(Error::IndexInvalid)
}

fn read(bytes: &[u8]) -> Option<Index> {
    let mut r = Reader { bytes, at: 0 };
    if r.take(4)? != MAGIC || r.byte()? != VERSION {
        return None;
    }
    let n = r.count()?;
    let mut index = Index::default();
    for _ in 0..n {
        let id = r.string()?;
        let brand = r.string()?;
        let categories = r.strings()?;
        let tags = r.strings()?;
        let price = r.f64()?;
        let in_stock = r.byte()? != 0;
        let popularity = r.f64()?;
        let brand_value = match r.varint()? {
            0 => u32::MAX,
            v => u32::try_from(v - 1).ok()?,
        };
        let k = r.count()?;
        let mut category_values = Vec::with_capacity(k);
        for _ in 0..k {
            category_values.push(u32::try_from(r.varint()?).ok()?);
        }
        index.products.push(Product {
            id,
            brand,
            categories,
            tags,
            price,
            in_stock,
            popularity,
            brand_value,
            category_values,
        });
    }
    index.values = r.strings()?;
    index.folded_values = index.values.iter().map(|v| text::fold(v)).collect();
    let values = index.values.len() as u32;
    let fits = |v: &u32| *v < values;
    if !index
        .products
        .iter()
        .all(|p| (p.brand_value == u32::MAX || fits(&p.brand_value)) && p.category_values.iter().all(fits))
    {
        return None;
    }
    let terms = r.count()?;
    let mut start = 0u32;
    for _ in 0..terms {
        let text = r.string()?;
        let len = u32::try_from(r.varint()?).ok()?;
        index.terms.push(Term { letters: typo::letters(&text), text, start, len });
        start = start.checked_add(len)?;
    }
    if index.terms.windows(2).any(|w| w.first().map(|a| &a.text) >= w.get(1).map(|b| &b.text)) {
        return None; // binary search needs sorted, distinct words
    }
    let products = index.products.len() as u32;
    for t in &index.terms {
        let mut doc = 0u32;
        for _ in 0..t.len {
            doc = doc.checked_add(u32::try_from(r.varint()?).ok()?)?;
            if doc >= products {
                return None;
            }
            index.docs.push(doc);
            index.scores.push(f32::from_le_bytes(r.take(4)?.try_into().ok()?));
            index.name_positions.push(r.byte()?);
        }
    }
    if r.at != bytes.len() {
        return None;
    }
    index.group_by_length();
    Some(index)
}

fn varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn string(out: &mut Vec<u8>, s: &str) {
    varint(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

fn strings(out: &mut Vec<u8>, list: &[String]) {
    varint(out, list.len() as u64);
    for s in list {
        string(out, s);
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let end = self.at.checked_add(n)?;
        let slice = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(slice)
    }

    fn byte(&mut self) -> Option<u8> {
        self.take(1)?.first().copied()
    }

    fn varint(&mut self) -> Option<u64> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Some(n);
            }
        }
        None
    }

    /// A count of items still to read: never more than the bytes left (each item takes one at
    /// least), so a corrupted count cannot make the reader allocate without bound.
    fn count(&mut self) -> Option<usize> {
        let n = usize::try_from(self.varint()?).ok()?;
        (n <= self.bytes.len() - self.at).then_some(n)
    }

    fn string(&mut self) -> Option<String> {
        let n = self.count()?;
        core::str::from_utf8(self.take(n)?).ok().map(str::to_owned)
    }

    fn strings(&mut self) -> Option<Vec<String>> {
        let n = self.count()?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(self.string()?);
        }
        Some(out)
    }

    fn f64(&mut self) -> Option<f64> {
        Some(f64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::search::build::test_index;
    use crate::core::search::query::{Options, Scratch};

    fn index() -> Index {
        test_index(
                r#"[{"id":"a","name":"Galaxy Phone","brand":"Samsung","categories":["Phones"],"price":10.5,"popularity":3},
                    {"id":"b","name":"Phone Case Über","tags":["cases","gift"],"in_stock":false},
                    {"id":"c","name":"Charger","brand":"Samsung","description":"for galaxy phones"}]"#,
        )
        .unwrap_or_default()
    }

    #[test]
    fn an_index_survives_the_round_trip() {
        let idx = index();
        let bytes = to_bytes(&idx);
        let back = from_bytes(&bytes).unwrap_or_default();
        // NaN prices compare unequal: compare the bytes written again, and the searches.
        assert_eq!(to_bytes(&back), bytes);
        assert_eq!(back.terms, idx.terms);
        assert_eq!(
            (back.docs.clone(), back.scores.clone(), back.name_positions.clone()),
            (idx.docs.clone(), idx.scores.clone(), idx.name_positions.clone())
        );
        assert_eq!(back.by_len, idx.by_len);
        assert_eq!(back.folded_values, idx.folded_values);
        for q in ["galaxy", "phne", "uber", "samsung charg"] {
            let o = Options::default();
            assert_eq!(
                back.search(q, &o, &mut Scratch::default()),
                idx.search(q, &o, &mut Scratch::default()),
                "{q}"
            );
        }
    }

    #[test]
    fn damaged_bytes_are_refused_never_half_read() {
        let bytes = to_bytes(&index());
        assert_eq!(from_bytes(b""), Err(Error::IndexInvalid));
        assert_eq!(from_bytes(b"PSIX\x02"), Err(Error::IndexInvalid), "another version");
        for cut in [5, 10, bytes.len() / 2, bytes.len() - 1] {
            assert_eq!(from_bytes(&bytes[..cut]), Err(Error::IndexInvalid), "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(from_bytes(&longer), Err(Error::IndexInvalid), "bytes left over");
        // Every single-byte change either is refused or still reads as a valid index.
        for i in 5..bytes.len() {
            let mut changed = bytes.clone();
            changed[i] ^= 0x5a;
            if let Ok(idx) = from_bytes(&changed) {
                let _ = idx.search("galaxy phone", &Options::default(), &mut Scratch::default());
            }
        }
        let mut huge = b"PSIX\x01".to_vec();
        varint(&mut huge, u64::MAX / 2);
        assert_eq!(from_bytes(&huge), Err(Error::IndexInvalid), "a count past the end");
    }
}
