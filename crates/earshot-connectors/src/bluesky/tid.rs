//! Timestamp identifiers (TIDs), the record keys of Bluesky posts.
//!
//! Per the AT Protocol spec (atproto.com/specs/tid): a 64-bit integer whose top
//! bit is 0, then 53 bits of microseconds since the Unix epoch, then a 10-bit
//! clock identifier; written big-endian as 13 characters of the base32-sortable
//! alphabet, so that string order is time order.
//!
//! Earshot derives a reply's key from its outbox entry instead of the clock:
//! the same entry always gets the same key, and the PDS will not create a second
//! record under a key that exists, so a retry after a lost response cannot post
//! twice.

use sha2::{Digest, Sha256};

const ALPHABET: &[u8; 32] = b"234567abcdefghijklmnopqrstuvwxyz";
const LEN: usize = 13;
const MICROS_BITS: u32 = 53;
const CLOCK_BITS: u32 = 10;

/// Encodes microseconds since the epoch (only the low 53 bits are kept) and a
/// clock id (only the low 10 bits are kept).
pub fn encode(micros: u64, clock_id: u16) -> String {
    let micros = micros & ((1 << MICROS_BITS) - 1);
    let clock = u64::from(clock_id) & ((1 << CLOCK_BITS) - 1);
    let mut value = (micros << CLOCK_BITS) | clock;
    let mut out = [0u8; LEN];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(value & 31) as usize];
        value >>= 5;
    }
    out.iter().map(|&b| char::from(b)).collect()
}

/// The microseconds and clock id of a TID, if it is one (tests check keys with it).
#[cfg(test)]
pub fn decode(tid: &str) -> Option<(u64, u16)> {
    if tid.len() != LEN {
        return None;
    }
    let mut value: u64 = 0;
    for (i, b) in tid.bytes().enumerate() {
        let digit = ALPHABET.iter().position(|&a| a == b)? as u64;
        // 13 characters carry 65 bits: the first must leave the top two clear
        // (the one that does not fit, and the integer's top bit, always 0).
        if i == 0 && digit >= 8 {
            return None;
        }
        value = (value << 5) | digit;
    }
    Some((
        value >> CLOCK_BITS,
        (value & ((1 << CLOCK_BITS) - 1)) as u16,
    ))
}

/// The record key of an outbox entry's reply: its queue time (Unix ms) with a
/// sub-millisecond offset and a clock id both taken from a hash of its
/// idempotency key, so two replies queued in the same millisecond still get
/// different keys (unless 20 bits of their hashes collide).
pub fn for_reply(queued_at_ms: i64, idempotency_key: &str) -> String {
    let hash = Sha256::digest(idempotency_key.as_bytes());
    let sub_ms = u64::from(u16::from_be_bytes([hash[0], hash[1]])) % 1000;
    let clock_id = u16::from_be_bytes([hash[2], hash[3]]);
    let micros = u64::try_from(queued_at_ms).unwrap_or(0) * 1000 + sub_ms;
    encode(micros, clock_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_is_all_twos_as_the_spec_says() {
        assert_eq!(encode(0, 0), "2222222222222");
        assert_eq!(decode("2222222222222"), Some((0, 0)));
    }

    #[test]
    fn the_spec_example_decodes_and_encodes_back() {
        // "3jzfcijpj2z2a" is the example in atproto.com/specs/tid.
        let (micros, clock) = decode("3jzfcijpj2z2a").unwrap();
        assert_eq!(encode(micros, clock), "3jzfcijpj2z2a");
        // It dates from 2022 (the spec was written then): a sanity check on bit order.
        let year_2022 = 1_640_995_200_000_000u64;
        let year_2024 = 1_704_067_200_000_000u64;
        assert!((year_2022..year_2024).contains(&micros), "{micros}");
    }

    #[test]
    fn round_trips_and_sorts_by_time() {
        let samples = [
            (1_700_000_000_000_000u64, 0u16),
            (1_700_000_000_000_001, 1023),
            (1_700_000_000_000_002, 5),
            (1_800_000_000_123_456, 512),
            ((1 << 53) - 1, 1023),
        ];
        let mut previous = String::new();
        for (micros, clock) in samples {
            let tid = encode(micros, clock);
            assert_eq!(tid.len(), 13);
            assert_eq!(decode(&tid), Some((micros, clock)), "{tid}");
            assert!(tid > previous, "{tid} must sort after {previous}");
            previous = tid;
        }
        // The largest TID still starts with a character the spec allows first.
        assert!(encode(u64::MAX, u16::MAX).starts_with('b'));
    }

    #[test]
    fn decode_refuses_what_is_not_a_tid() {
        assert_eq!(decode("3jzfcijpj2z2"), None, "too short");
        assert_eq!(decode("3jzfcijpj2z2a2"), None, "too long");
        assert_eq!(decode("3jzfcijpj2z21"), None, "1 is not in the alphabet");
        assert_eq!(decode("3JZFCIJPJ2Z2A"), None, "upper case is not allowed");
        assert_eq!(decode("zzzzzzzzzzzzz"), None, "the top bit must be 0");
    }

    #[test]
    fn a_reply_key_is_stable_and_keyed_by_the_entry() {
        let a = for_reply(1_763_840_000_000, "entry-1");
        assert_eq!(
            a,
            for_reply(1_763_840_000_000, "entry-1"),
            "same entry, same key"
        );
        assert_ne!(
            a,
            for_reply(1_763_840_000_000, "entry-2"),
            "same ms, other entry"
        );
        let (micros, _) = decode(&a).unwrap();
        assert_eq!(
            micros / 1000,
            1_763_840_000_000,
            "the key dates from the queue time"
        );
        assert!(
            for_reply(1_763_840_001_000, "entry-1") > a,
            "later entries sort later"
        );
    }
}
