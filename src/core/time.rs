//! Timestamps as the wire formats want them, with integer arithmetic only.
//!
//! `iso8601(ms)` renders milliseconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SS.mmmZ` (the form
//! of JavaScript's `Date.prototype.toISOString` for years 0000..=9999) without `core::fmt`.

use crate::prelude::*;
/// Formats milliseconds since 1970-01-01T00:00:00Z as an ISO-8601 UTC timestamp.
pub fn iso8601(ms: u64) -> String {
    let days = ms / 86_400_000;
    let ms_of_day = ms % 86_400_000;
    let (year, month, day) = civil_from_days(days);
    let mut out = String::with_capacity(24);
    push_num(&mut out, year, 4);
    out.push('-');
    push_num(&mut out, month, 2);
    out.push('-');
    push_num(&mut out, day, 2);
    out.push('T');
    push_num(&mut out, ms_of_day / 3_600_000, 2);
    out.push(':');
    push_num(&mut out, ms_of_day / 60_000 % 60, 2);
    out.push(':');
    push_num(&mut out, ms_of_day / 1000 % 60, 2);
    out.push('.');
    push_num(&mut out, ms_of_day % 1000, 3);
    out.push('Z');
    out
}

/// Appends `n` in decimal, left-padded with zeros to `width` digits.
pub fn push_num(out: &mut String, n: u64, width: usize) {
    // The highest power of ten not above `n` (1 for 0); no digit buffer, so no bounds check.
    let mut unit = 1u64;
    let mut len = 1;
    while unit <= n / 10 {
        unit *= 10;
        len += 1;
    }
    for _ in len..width {
        out.push('0');
    }
    while unit > 0 {
        out.push(char::from(b'0' + (n / unit % 10) as u8));
        unit /= 10;
    }
}

/// Parses what [`iso8601`] writes (`YYYY-MM-DDTHH:MM:SS.mmmZ`, years 1970..=9999) back into
/// milliseconds since the epoch; `None` for any other shape. Used by wire formats that want epoch
/// milliseconds (Snowplow's `dtm`).
pub fn parse_iso8601(s: &str) -> Option<u64> {
    // The numbers in order: year, month, day, hour, minute, second, millisecond. Each `0` of the
    // template is a digit, every other byte must be there as written and starts the next number.
    let mut fields = [0u64; 7];
    let mut field = 0;
    if s.len() != 24 {
        return None;
    }
    for (&c, &t) in s.as_bytes().iter().zip(b"0000-00-00T00:00:00.000Z") {
        if t != b'0' {
            if c != t {
                return None;
            }
            field += 1;
        } else {
            let n = fields.get_mut(field)?;
            if !c.is_ascii_digit() {
                return None;
            }
            *n = *n * 10 + u64::from(c - b'0');
        }
    }
    let [year, month, day, hour, minute, second, ms] = fields;
    // Out-of-range fields (month 13, hour 24, Feb 30th) fail the round trip at the end; these
    // checks only keep the arithmetic below from underflowing.
    if year < 1970 || month == 0 || day == 0 {
        return None;
    }
    // Days from the civil date, the inverse of `civil_from_days`.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = (era * 146_097 + doe).checked_sub(719_468)?;
    let ms = days * 86_400_000 + hour * 3_600_000 + minute * 60_000 + second * 1000 + ms;
    // Reject dates that do not exist (Feb 30th): they would not round-trip.
    (iso8601(ms) == s).then_some(ms)
}

/// Days since the epoch to (year, month, day) in the proleptic Gregorian calendar.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    // Shift the epoch to 0000-03-01 so leap days fall at the end of a 400-year era.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(iso8601(1_795_305_600_123), "2026-11-22T00:00:00.123Z");
        assert_eq!(iso8601(1_709_251_199_999), "2024-02-29T23:59:59.999Z");
        assert_eq!(iso8601(253_402_300_799_999), "9999-12-31T23:59:59.999Z");
    }

    #[test]
    fn every_day_boundary_is_consistent_over_years() {
        // Walk day by day through 1968..2032 and check the calendar never skips or repeats.
        let mut prev = iso8601(0);
        for day in 1..(366 * 60) {
            let cur = iso8601(day * 86_400_000);
            assert!(cur > prev, "{cur} after {prev}");
            assert!(cur.ends_with("T00:00:00.000Z"));
            prev = cur;
        }
    }

    #[test]
    fn parses_what_it_writes() {
        for ms in [0, 951_782_400_000, 1_795_305_600_123, 1_709_251_199_999, 253_402_300_799_999] {
            assert_eq!(parse_iso8601(&iso8601(ms)), Some(ms));
        }
        for day in (0..(366 * 60)).step_by(7) {
            let ms = day * 86_400_000 + 45_296_789;
            assert_eq!(parse_iso8601(&iso8601(ms)), Some(ms));
        }
        for bad in [
            "",
            "2026-11-22",
            "2026-02-30T00:00:00.000Z",
            "2026-11-22T24:00:00.000Z",
            "2026-13-01T00:00:00.000Z",
            "2026-00-10T00:00:00.000Z",
            "2026-11-00T00:00:00.000Z",
            "2026-11-22T00:60:00.000Z",
            "2026-11-22T00:00:60.000Z",
            "2026-11-22 00:00:00.000Z",
            "1969-12-31T23:59:59.999Z",
            "2026-11-22T00:00:00.000+",
            "2026-1x-22T00:00:00.000Z",
        ] {
            assert_eq!(parse_iso8601(bad), None, "{bad}");
        }
    }

    #[test]
    fn push_num_pads() {
        let mut s = String::new();
        push_num(&mut s, 7, 3);
        push_num(&mut s, 12345, 2);
        push_num(&mut s, 0, 2);
        push_num(&mut s, u64::MAX, 0);
        assert_eq!(s, "007123450018446744073709551615");
    }
}
