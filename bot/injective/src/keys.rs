//! secp256k1 keys as Injective uses them: Ethereum-style keys whose signatures are over keccak256.
//!
//! The private key lives only inside k256's `SigningKey`, which zeroizes its scalar on drop. The
//! wrapper exists so that no `Debug`, `Display` or serde impl can ever print it.

use k256::ecdsa::{signature::hazmat::PrehashVerifier, Signature, SigningKey, VerifyingKey};
use sha3::{Digest, Keccak256};
use zeroize::Zeroizing;

use crate::address::Address;

/// Why a key could not be used. Never carries key material.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error("private key must be 64 hex characters (32 bytes), optionally prefixed by 0x")]
    BadPrivateKeyFormat,
    #[error("private key is not a valid secp256k1 scalar")]
    InvalidScalar,
    #[error("public key is not a valid compressed secp256k1 point")]
    BadPublicKey,
    #[error("signature could not be produced")]
    SigningFailed,
}

/// keccak256, the prehash of every Injective signature and of Ethereum addresses.
pub fn keccak256(data: &[u8]) -> [u8; 32] {
    Keccak256::digest(data).into()
}

/// A trading or granter key. Zeroized on drop (by `SigningKey`), never printed.
pub struct PrivateKey(SigningKey);

impl PrivateKey {
    /// Parses 32 bytes of hex (`0x` prefix and surrounding whitespace allowed). The decoded
    /// bytes are held in a zeroizing buffer until k256 takes them.
    pub fn from_hex(text: &str) -> Result<Self, KeyError> {
        let text = text.trim();
        let text = text.strip_prefix("0x").unwrap_or(text);
        if text.len() != 64 {
            return Err(KeyError::BadPrivateKeyFormat);
        }
        let mut bytes = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(text, bytes.as_mut_slice())
            .map_err(|_| KeyError::BadPrivateKeyFormat)?;
        Self::from_bytes(&bytes)
    }

    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, KeyError> {
        SigningKey::from_slice(bytes)
            .map(Self)
            .map_err(|_| KeyError::InvalidScalar)
    }

    pub fn public_key(&self) -> PublicKey {
        PublicKey(*self.0.verifying_key())
    }

    pub fn address(&self) -> Address {
        self.public_key().address()
    }

    /// Signs keccak256(`message`) with an RFC 6979 nonce; returns r||s with s normalised low
    /// (Cosmos rejects high-S) and the recovery id (for go-ethereum style 65-byte signatures).
    pub fn sign_keccak_recoverable(&self, message: &[u8]) -> Result<([u8; 64], u8), KeyError> {
        let digest = keccak256(message);
        let (sig, mut recid) = self
            .0
            .sign_prehash_recoverable(&digest)
            .map_err(|_| KeyError::SigningFailed)?;
        let sig = match sig.normalize_s() {
            Some(low) => {
                // Negating s flips the parity of R's y-coordinate for recovery.
                recid = k256::ecdsa::RecoveryId::new(!recid.is_y_odd(), recid.is_x_reduced());
                low
            }
            None => sig,
        };
        let mut out = [0u8; 64];
        out.copy_from_slice(&sig.to_bytes());
        Ok((out, recid.to_byte()))
    }

    /// The 64-byte r||s signature Cosmos transactions carry.
    pub fn sign_keccak(&self, message: &[u8]) -> Result<[u8; 64], KeyError> {
        self.sign_keccak_recoverable(message).map(|(sig, _)| sig)
    }
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PrivateKey(<redacted>)")
    }
}

/// A secp256k1 public key; serialised compressed (33 bytes) in transactions.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    pub fn from_compressed(bytes: &[u8]) -> Result<Self, KeyError> {
        if bytes.len() != 33 {
            return Err(KeyError::BadPublicKey);
        }
        VerifyingKey::from_sec1_bytes(bytes)
            .map(Self)
            .map_err(|_| KeyError::BadPublicKey)
    }

    pub fn compressed(&self) -> [u8; 33] {
        let point = self.0.to_encoded_point(true);
        let mut out = [0u8; 33];
        out.copy_from_slice(point.as_bytes());
        out
    }

    /// Ethereum address: last 20 bytes of keccak256 over the uncompressed point without its 0x04.
    pub fn address(&self) -> Address {
        let point = self.0.to_encoded_point(false);
        let hash = keccak256(&point.as_bytes()[1..]);
        let mut out = [0u8; 20];
        out.copy_from_slice(&hash[12..]);
        Address::from_bytes(out)
    }

    /// Verifies a 64-byte r||s signature over keccak256(`message`).
    pub fn verify_keccak(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(sig) = Signature::from_slice(signature) else {
            return false;
        };
        self.0.verify_prehash(&keccak256(message), &sig).is_ok()
    }

    /// Recovers the signer of keccak256(`message`); tries both recovery ids, so callers need
    /// only the 64-byte signature a Cosmos tx carries. Returns every candidate key.
    pub fn recover_keccak(message: &[u8], signature: &[u8]) -> Vec<PublicKey> {
        let Ok(sig) = Signature::from_slice(signature) else {
            return Vec::new();
        };
        let digest = keccak256(message);
        (0u8..2)
            .filter_map(k256::ecdsa::RecoveryId::from_byte)
            .filter_map(|id| VerifyingKey::recover_from_prehash(&digest, &sig, id).ok())
            .map(PublicKey)
            .collect()
    }
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({})", hex::encode(self.compressed()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_the_key() {
        let hex = "f9db9bf330e23cb7839039e944adef6e9df447b90b503d5b4464c90bea9022f3";
        let key = PrivateKey::from_hex(hex).unwrap();
        let shown = format!("{key:?}");
        assert!(!shown.contains("f9db9b"), "{shown}");
        assert_eq!(shown, "PrivateKey(<redacted>)");
    }

    #[test]
    fn rejects_malformed_keys_without_echoing_them() {
        for bad in ["", "zz", "0x1234", &"g".repeat(64), &"0".repeat(64)] {
            let err = PrivateKey::from_hex(bad).unwrap_err();
            if !bad.is_empty() {
                assert!(!err.to_string().contains(bad));
            }
        }
    }

    #[test]
    fn signatures_are_low_s_and_recover() {
        let key = PrivateKey::from_hex(&"11".repeat(32)).unwrap();
        for i in 0..32u8 {
            let msg = [i; 7];
            let (sig, recid) = key.sign_keccak_recoverable(&msg).unwrap();
            let parsed = Signature::from_slice(&sig).unwrap();
            assert!(parsed.normalize_s().is_none(), "high S");
            let id = k256::ecdsa::RecoveryId::from_byte(recid).unwrap();
            let rec = VerifyingKey::recover_from_prehash(&keccak256(&msg), &parsed, id).unwrap();
            assert_eq!(PublicKey(rec), key.public_key());
        }
    }
}
