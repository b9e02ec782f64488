//! Identifiers: random UUID v4 strings for anonymous ids and message ids.

use crate::core::error::Result;
use crate::core::platform::Entropy;
use crate::prelude::*;

/// A random RFC 4122 version-4 UUID in lowercase hex, e.g. `1b4e28ba-2fa1-4d2b-883f-0016d3cca427`.
pub fn uuid_v4(entropy: &impl Entropy) -> Result<String> {
    let mut bytes = [0u8; 16];
    entropy.fill(&mut bytes)?;
    Ok(format_uuid(bytes))
}

/// Formats 16 bytes as a v4 UUID (sets the version and variant bits).
pub fn format_uuid(mut bytes: [u8; 16]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let mut out = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 0x0f)] as char);
    }
    out
}

/// True if `s` looks like an id persona generated (36 chars, hex and dashes in UUID layout).
pub fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_version_and_variant() {
        let id = format_uuid([0xff; 16]);
        assert_eq!(id, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert!(is_uuid(&id));
        let id = format_uuid([0; 16]);
        assert_eq!(id, "00000000-0000-4000-8000-000000000000");
    }

    #[test]
    fn rejects_non_uuids() {
        assert!(!is_uuid(""));
        assert!(!is_uuid("not-a-uuid"));
        assert!(!is_uuid("ffffffff-ffff-4fff-bfff-fffffffffffg"));
        assert!(!is_uuid("ffffffffffff-4fff-bfff-ffffffffffff-"));
    }
}
