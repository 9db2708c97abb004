//! The wallet key: one private-key type for the dashboard, the bot and the Injective connector.
//!
//! A secp256k1 private key as Injective's `ethsecp256k1` accounts (and Ethereum) use it. Its 32
//! bytes sit on a heap page of their own, locked in RAM where RLIMIT_MEMLOCK permits, wiped on
//! drop, and never printed (`Debug` shows `<redacted>`). A key is built from OS randomness, from
//! hex, or from a BIP-39 mnemonic ([`PrivateKey::from_mnemonic`]); it gives its address (EIP-55
//! `0x...` or bech32 `inj1...`, the same 20 bytes) and signs keccak256 prehashes. The k256
//! signing key is rebuilt from the locked bytes for each signature and wiped right after, so
//! the locked page holds the only lasting copy of the secret.

mod address;
mod locked;
mod mnemonic;
#[cfg(test)]
mod tests;

use k256::ecdsa::{SigningKey, VerifyingKey};
use rand_core::{OsRng, RngCore};
use zeroize::Zeroizing;

pub use self::address::{address_of, eip55, inj_bech32, keccak256, INJ_HRP};
use self::locked::LockedBytes;
pub use self::mnemonic::ETHEREUM_PATH;

/// Why a key could not be built or used. Never carries key material or mnemonic words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("the key must be 64 hexadecimal characters (32 bytes), optionally prefixed with 0x")]
    Format,
    #[error("the key is not a valid secp256k1 private key (zero or not below the curve order)")]
    OutOfRange,
    #[error("a BIP-39 mnemonic has 12, 15, 18, 21 or 24 words; this one has {0}")]
    MnemonicLength(usize),
    #[error("word {0} of the mnemonic is not in the BIP-39 English word list")]
    MnemonicWord(usize),
    #[error("the mnemonic's checksum does not match: a word is wrong or out of order")]
    MnemonicChecksum,
    #[error("the mnemonic is not a valid BIP-39 mnemonic")]
    Mnemonic,
    #[error("public key is not a valid compressed secp256k1 point")]
    BadPublicKey,
    #[error("signature could not be produced")]
    SigningFailed,
}

/// A secp256k1 private key (32 bytes, big-endian scalar in `1..n`). See the module docs.
pub struct PrivateKey {
    secret: LockedBytes,
    /// Derived once at construction: addresses need no access to the secret.
    public: VerifyingKey,
}

impl PrivateKey {
    /// A new key from the operating system's randomness (rejection sampling: a draw outside
    /// `1..n`, probability below 2^-127, is drawn again). Panics only if the OS has no
    /// randomness to give, as k256's own `SecretKey::random` does.
    pub fn generate() -> Self {
        loop {
            let mut secret = LockedBytes::zeroed();
            OsRng.fill_bytes(secret.as_mut());
            if let Ok(key) = Self::from_locked(secret) {
                return key;
            }
        }
    }

    /// Parses 64 hex digits (surrounding whitespace and a `0x` prefix allowed) straight into
    /// the locked buffer. Errors: [`KeyError::Format`], [`KeyError::OutOfRange`]; they never
    /// echo the input.
    pub fn from_hex(text: &str) -> Result<Self, KeyError> {
        let text = text.trim();
        let text = text.strip_prefix("0x").unwrap_or(text);
        if text.len() != 64 {
            return Err(KeyError::Format);
        }
        let mut secret = LockedBytes::zeroed();
        hex::decode_to_slice(text, secret.as_mut()).map_err(|_| KeyError::Format)?;
        Self::from_locked(secret)
    }

    /// Copies 32 big-endian bytes into the locked buffer; the caller wipes its own copy.
    /// Error: [`KeyError::OutOfRange`] for zero or a value not below the curve order.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, KeyError> {
        let mut secret = LockedBytes::zeroed();
        secret.as_mut().copy_from_slice(bytes);
        Self::from_locked(secret)
    }

    fn from_locked(secret: LockedBytes) -> Result<Self, KeyError> {
        let public = *signing_key(&secret)?.verifying_key();
        Ok(Self { secret, public })
    }

    /// Lower-case hex without prefix (64 characters), in a zeroizing string: the form stored
    /// in Vault (`private_key` of a wallet's KV v2 entry).
    pub fn to_hex(&self) -> Zeroizing<String> {
        let mut digits = Zeroizing::new([0u8; 64]);
        // 32 bytes always fit 64 digits: the error case of encode_to_slice cannot happen.
        let _ = hex::encode_to_slice(self.secret.as_bytes(), digits.as_mut());
        let mut out = Zeroizing::new(String::with_capacity(64));
        out.extend(digits.iter().map(|&d| char::from(d)));
        out
    }

    /// The raw 32 bytes, for the moment of use only (easy to grep, like `secrecy`'s).
    pub fn expose_secret(&self) -> &[u8; 32] {
        self.secret.as_bytes()
    }

    /// Whether the key's page is locked in RAM (false where RLIMIT_MEMLOCK forbids it).
    pub fn is_locked(&self) -> bool {
        self.secret.is_locked()
    }

    /// The public key (k256), e.g. for its 33-byte compressed SEC1 form.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.public
    }

    /// The 20-byte account address ([`address_of`]).
    pub fn address_bytes(&self) -> [u8; 20] {
        address_of(&self.public)
    }

    /// `0x` + EIP-55 checksummed address, as Ethereum wallets show it.
    pub fn eth_address(&self) -> String {
        eip55(&self.address_bytes())
    }

    /// `inj1...` bech32 address, as Injective wallets show it.
    pub fn inj_address(&self) -> String {
        inj_bech32(&self.address_bytes())
    }

    /// Signs keccak256(`message`) with an RFC 6979 nonce; returns r||s with s normalised low
    /// (Cosmos SDK rejects high-S signatures) and the recovery id matching that s (0 or 1,
    /// for go-ethereum style 65-byte signatures). Error: [`KeyError::SigningFailed`].
    pub fn sign_keccak_recoverable(&self, message: &[u8]) -> Result<([u8; 64], u8), KeyError> {
        let digest = keccak256(message);
        let (sig, mut recid) = signing_key(&self.secret)?
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

    /// The 64-byte r||s signature over keccak256(`message`) that Cosmos transactions carry.
    pub fn sign_keccak(&self, message: &[u8]) -> Result<[u8; 64], KeyError> {
        self.sign_keccak_recoverable(message).map(|(sig, _)| sig)
    }
}

/// k256's signing key over the locked bytes; it zeroizes its scalar when dropped.
fn signing_key(secret: &LockedBytes) -> Result<SigningKey, KeyError> {
    SigningKey::from_slice(secret.as_bytes()).map_err(|_| KeyError::OutOfRange)
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PrivateKey(<redacted>)")
    }
}
