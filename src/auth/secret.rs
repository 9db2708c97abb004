//! Random tokens and their digests. The database keeps only SHA-256 digests of session and
//! API tokens, so a copy of it lets nobody in.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// `n` bytes from the OS generator, hex-encoded.
pub(crate) fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Hex SHA-256: the stored form of a token.
pub(crate) fn sha256_hex(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

/// What logs may say about a token or session id: 8 hex digits of its digest.
pub(crate) fn log_id(stored_digest: &str) -> &str {
    stored_digest.get(..8).unwrap_or("")
}

/// A one-time password a person can type: 24 characters without look-alikes (about 137 bits).
pub(crate) fn one_time_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    (0..24)
        .map(|_| {
            // Rejection sampling keeps every character equally likely.
            loop {
                let b = (rng.next_u32() & 0xff) as usize;
                if b < ALPHABET.len() * (256 / ALPHABET.len()) {
                    return char::from(ALPHABET[b % ALPHABET.len()]);
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_digests_stable() {
        assert_ne!(random_hex(32), random_hex(32));
        assert_eq!(random_hex(32).len(), 64);
        assert_eq!(sha256_hex("a"), sha256_hex("a"));
        assert_eq!(log_id(&sha256_hex("a")).len(), 8);
        let p = one_time_password();
        assert_eq!(p.chars().count(), 24);
        assert!(p
            .chars()
            .all(|c| c.is_ascii_alphanumeric() && !"0O1lI".contains(c)));
    }
}
