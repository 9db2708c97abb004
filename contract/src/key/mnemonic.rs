//! A key from a BIP-39 mnemonic, derived along the Ethereum path as Injective wallets do.
//! Parsing and seed: the `bip39` crate; derivation: the `bip32` crate. Nothing hand-written.

use bip32::{DerivationPath, XPrv};
use bip39::{Language, Mnemonic};
use zeroize::Zeroizing;

use super::{KeyError, LockedBytes, PrivateKey};

/// BIP-44 path of the first account of coin type 60 (SLIP-44: Ether): the path of Injective's
/// `ethsecp256k1` keys (injective-core `crypto/hd`, `injectived keys add`; Keplr, MetaMask).
pub const ETHEREUM_PATH: &str = "m/44'/60'/0'/0/0";

impl PrivateKey {
    /// The key at [`ETHEREUM_PATH`] of a BIP-39 mnemonic in the English word list, with an
    /// empty passphrase (what Injective wallets use). Words are separated by any whitespace;
    /// upper-case letters are accepted. The text is copied only into a zeroizing buffer, the
    /// parsed mnemonic and the 64-byte seed are wiped on drop.
    ///
    /// Errors (they name a word's position, never a word): [`KeyError::MnemonicLength`],
    /// [`KeyError::MnemonicWord`], [`KeyError::MnemonicChecksum`], [`KeyError::Mnemonic`];
    /// [`KeyError::OutOfRange`] if derivation hits an invalid key (probability below 2^-127).
    pub fn from_mnemonic(phrase: &str) -> Result<Self, KeyError> {
        let mut words = Zeroizing::new(phrase.trim().to_owned());
        words.make_ascii_lowercase();
        // English words are ASCII, so NFKD normalisation (which would copy the text into a
        // buffer that is not wiped) is the identity on every phrase that can parse.
        let mnemonic = Mnemonic::parse_in_normalized(Language::English, &words).map_err(refusal)?;
        let seed = Zeroizing::new(mnemonic.to_seed_normalized(""));
        drop(mnemonic);
        let path: DerivationPath = ETHEREUM_PATH.parse().map_err(|_| KeyError::Mnemonic)?;
        let xprv =
            XPrv::derive_from_path(seed.as_ref(), &path).map_err(|_| KeyError::OutOfRange)?;
        let mut secret = LockedBytes::zeroed();
        let bytes = Zeroizing::new(xprv.to_bytes());
        secret.as_mut().copy_from_slice(bytes.as_ref());
        Self::from_locked(secret)
    }
}

fn refusal(e: bip39::Error) -> KeyError {
    match e {
        bip39::Error::BadWordCount(n) => KeyError::MnemonicLength(n),
        bip39::Error::UnknownWord(index) => KeyError::MnemonicWord(index + 1),
        bip39::Error::InvalidChecksum => KeyError::MnemonicChecksum,
        _ => KeyError::Mnemonic,
    }
}
