//! Wallet key material: generation from OS randomness, validation of imports, and the
//! Ethereum-style address (what Injective's `inj1` address encodes). Keys live in zeroizing
//! fixed-size buffers and print nothing.

use k256::elliptic_curve::sec1::ToEncodedPoint;
use sha3::{Digest, Keccak256};
use zeroize::Zeroizing;

/// A secp256k1 private key: 32 bytes, wiped on drop, `Debug` redacted.
pub struct PrivateKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PrivateKey(<redacted>)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("the key must be 64 hexadecimal characters (32 bytes), optionally prefixed with 0x")]
    Format,
    #[error("the key is not a valid secp256k1 private key (zero or not below the curve order)")]
    OutOfRange,
}

impl PrivateKey {
    /// A new key from the operating system's randomness.
    pub fn generate() -> Self {
        let secret = k256::SecretKey::random(&mut rand::rngs::OsRng);
        let mut bytes = Zeroizing::new([0u8; 32]);
        bytes.copy_from_slice(&secret.to_bytes());
        Self(bytes)
    }

    /// Parses hex (surrounding whitespace and a `0x` prefix allowed). The error never echoes input.
    pub fn from_hex(text: &str) -> Result<Self, KeyError> {
        let text = text.trim();
        let text = text.strip_prefix("0x").unwrap_or(text);
        if text.len() != 64 {
            return Err(KeyError::Format);
        }
        let mut bytes = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(text, bytes.as_mut()).map_err(|_| KeyError::Format)?;
        Self::from_bytes(bytes)
    }

    pub fn from_bytes(bytes: Zeroizing<[u8; 32]>) -> Result<Self, KeyError> {
        k256::SecretKey::from_slice(bytes.as_ref()).map_err(|_| KeyError::OutOfRange)?;
        Ok(Self(bytes))
    }

    /// Lowercase hex, in a zeroizing string (the form stored in Vault).
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.0.as_ref()))
    }

    /// `0x` + EIP-55 checksummed Ethereum address of this key.
    pub fn address(&self) -> String {
        let secret =
            k256::SecretKey::from_slice(self.0.as_ref()).expect("validated at construction");
        let point = secret.public_key().to_encoded_point(false);
        let hash = Keccak256::digest(&point.as_bytes()[1..]);
        checksum_address(&hash[12..])
    }
}

/// EIP-55: uppercase the hex letters whose nibble in keccak(lowercase hex) is >= 8.
fn checksum_address(addr: &[u8]) -> String {
    let lower = hex::encode(addr);
    let hash = Keccak256::digest(lower.as_bytes());
    let mut out = String::with_capacity(42);
    out.push_str("0x");
    for (i, c) in lower.chars().enumerate() {
        let nibble = (hash[i / 2] >> (if i % 2 == 0 { 4 } else { 0 })) & 0x0f;
        out.push(if c.is_ascii_alphabetic() && nibble >= 8 {
            c.to_ascii_uppercase()
        } else {
            c
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vector_address() {
        // Published Injective SDK vector (shared/fixtures/injective/vectors.json).
        let key = PrivateKey::from_hex(
            "5d386fbdbf11f1141010f81a46b40f94887367562bd33b452bbaa6ce1cd1381e",
        )
        .unwrap();
        assert_eq!(key.address(), "0xAF79152AC5dF276D9A8e1E2E22822f9713474902");
        let key = PrivateKey::from_hex(
            "0xf9db9bf330e23cb7839039e944adef6e9df447b90b503d5b4464c90bea9022f3",
        )
        .unwrap();
        assert_eq!(
            key.address().to_lowercase(),
            "0xbdaedec95d563fb05240d6e01821008454c24c36"
        );
    }

    #[test]
    fn malformed_keys_are_refused_without_echo() {
        for bad in [
            "",
            "zz",
            "0x1234",
            &"g".repeat(64),
            &"0".repeat(64),
            &"f".repeat(64),
        ] {
            let err = PrivateKey::from_hex(bad).unwrap_err();
            assert!(!err.to_string().contains(bad) || bad.is_empty());
        }
    }

    #[test]
    fn generated_keys_roundtrip_and_debug_is_redacted() {
        let key = PrivateKey::generate();
        let again = PrivateKey::from_hex(&key.to_hex()).unwrap();
        assert_eq!(key.address(), again.address());
        assert!(!format!("{key:?}").contains(key.to_hex().as_str()));
    }
}
