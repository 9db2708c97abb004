//! secp256k1 keys as Injective uses them: Ethereum-style keys whose signatures are over keccak256.
//!
//! The private key is the contract crate's [`PrivateKey`] (locked, wiped on drop, never
//! printed); this module adds what the connector needs in its own types: [`InjectiveKey`] (the
//! key's [`PublicKey`] and [`Address`]) and public-key checks and recovery.

use k256::ecdsa::{signature::hazmat::PrehashVerifier, Signature, VerifyingKey};

use crate::address::Address;

/// The wallet key: the one private-key type of the project, defined in the contract crate
/// (`tradebot_contract::key`) and used as is by the connector, the bot and the dashboard. It
/// signs keccak256 prehashes with low S (`sign_keccak`, `sign_keccak_recoverable`).
pub use tradebot_contract::key::{keccak256, KeyError, PrivateKey};

/// What the connector reads off a [`PrivateKey`], in its own types. Import it with the key:
/// `use tradebot_injective::keys::{InjectiveKey, PrivateKey};`.
pub trait InjectiveKey {
    /// The public key, as a transaction's signer info carries it.
    fn public_key(&self) -> PublicKey;
    /// The account: its `inj1` address, or `0x` hex, and its subaccounts.
    fn address(&self) -> Address;
}

impl InjectiveKey for PrivateKey {
    fn public_key(&self) -> PublicKey {
        PublicKey(*self.verifying_key())
    }

    fn address(&self) -> Address {
        Address::from_bytes(self.address_bytes())
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
        Address::from_bytes(tradebot_contract::key::address_of(&self.0))
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
