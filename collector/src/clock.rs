//! Calendar arithmetic for the collector: UTC days (days since 1970-01-01, through
//! `persona::core::time`'s calendar) and the ISO 8601 timestamps server-side senders put on their
//! events, with fractions and offsets.

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;

/// Now, in milliseconds since the Unix epoch (0 if the clock is before it).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// The UTC day of `ms` (milliseconds since the Unix epoch).
pub fn day_of(ms: i64) -> i64 {
    ms.div_euclid(DAY_MS)
}

/// `YYYY-MM-DD` of a day number (days before 1970 read as 1970-01-01: no event is that old).
pub fn day_text(day: i64) -> String {
    let mut text = persona::core::time::iso8601(day.max(0) as u64 * DAY_MS as u64);
    text.truncate(10);
    text
}

/// Reads `width` ASCII digits at `at`.
fn digits(bytes: &[u8], at: usize, width: usize) -> Option<i64> {
    let part = bytes.get(at..at + width)?;
    part.iter().try_fold(0i64, |n, &c| c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0')))
}

/// A date `YYYY-MM-DD` (1970 to 9999) as a day number; `None` for any other text or a date that
/// does not exist.
pub fn parse_day(text: &str) -> Option<i64> {
    if text.len() != 10 {
        return None;
    }
    let ms = persona::core::time::parse_iso8601(&format!("{text}T00:00:00.000Z"))?;
    Some(ms as i64 / DAY_MS)
}

/// An ISO 8601 / RFC 3339 timestamp, `YYYY-MM-DDTHH:MM:SS`, optional fraction, then `Z` or
/// `±HH:MM` (a space may stand for the `T`), as milliseconds since the Unix epoch.
pub fn parse_timestamp(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let day = parse_day(text.get(..10)?)?;
    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) || b.get(13) != Some(&b':') || b.get(16) != Some(&b':')
    {
        return None;
    }
    let (h, min, s) = (digits(b, 11, 2)?, digits(b, 14, 2)?, digits(b, 17, 2)?);
    if h > 23 || min > 59 || s > 60 {
        return None;
    }
    let mut at = 19;
    let mut ms = 0;
    if b.get(at) == Some(&b'.') {
        at += 1;
        let start = at;
        while b.get(at).is_some_and(u8::is_ascii_digit) {
            if at - start < 3 {
                ms = ms * 10 + i64::from(b[at] - b'0');
            }
            at += 1;
        }
        if at == start {
            return None;
        }
        for _ in (at - start)..3 {
            ms *= 10;
        }
    }
    let offset_minutes = match (b.get(at), b.len() - at) {
        (Some(b'Z' | b'z'), 1) => 0,
        (Some(&sign @ (b'+' | b'-')), 6) if b[at + 3] == b':' => {
            let minutes = digits(b, at + 1, 2)? * 60 + digits(b, at + 4, 2)?;
            if sign == b'+' {
                minutes
            } else {
                -minutes
            }
        }
        _ => return None,
    };
    Some(((day * 24 + h) * 60 + min - offset_minutes) * 60_000 + s * 1000 + ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_trip() {
        assert_eq!(parse_day("1970-01-01"), Some(0));
        assert_eq!(parse_day("2026-12-06"), Some(20_793));
        assert_eq!(day_text(20_793), "2026-12-06");
        assert_eq!(day_text(-1), "1970-01-01", "no earlier days");
        for day in [0, 59, 60, 11_016, 20_793, 2_932_896] {
            assert_eq!(parse_day(&day_text(day)), Some(day), "{day}");
        }
        for bad in ["2026-02-30", "2026-13-01", "2026-1-01", "20261201", "2026-12-0x", "", "1969-12-31"] {
            assert_eq!(parse_day(bad), None, "{bad}");
        }
    }

    #[test]
    fn timestamps_with_fractions_and_offsets() {
        let base = 20_793 * DAY_MS + 10 * 3_600_000;
        assert_eq!(parse_timestamp("2026-12-06T10:00:00Z"), Some(base));
        assert_eq!(parse_timestamp("2026-12-06T10:00:00.5Z"), Some(base + 500));
        assert_eq!(parse_timestamp("2026-12-06T10:00:00.123456Z"), Some(base + 123));
        assert_eq!(parse_timestamp("2026-12-06 11:30:00+01:30"), Some(base));
        assert_eq!(parse_timestamp("2026-12-06T08:00:00-02:00"), Some(base));
        for bad in ["2026-12-06", "2026-12-06T10:00:00", "2026-12-06T25:00:00Z", "2026-12-06T10:00:00.Z", "x"]
        {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
        assert_eq!(day_of(base), 20_793);
        assert_eq!(day_of(-1), -1);
    }
}
