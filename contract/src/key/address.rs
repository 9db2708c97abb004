//! Addresses of a secp256k1 key as Ethereum and Injective spell them: the same 20 bytes,
//! `0x` + EIP-55 hex or bech32 with prefix `inj`.

use bech32::{Bech32, Hrp};
use k256::ecdsa::VerifyingKey;
use sha3::{Digest, Keccak256};

/// Bech32 human-readable part of Injective account addresses.
pub const INJ_HRP: Hrp = Hrp::parse_unchecked("inj");

/// keccak256 (the original Keccak padding, not SHA3-256): the prehash of every Injective
/// signature and the hash of Ethereum addresses.
pub fn keccak256(data: &[u8]) -> [u8; 32] {
    Keccak256::digest(data).into()
}

/// The account address of a public key: the last 20 bytes of keccak256 over the uncompressed
/// point without its `0x04` tag (Ethereum yellow paper, eq. 284; Injective's ethsecp256k1).
pub fn address_of(public: &VerifyingKey) -> [u8; 20] {
    let point = public.to_encoded_point(false);
    let hash = keccak256(&point.as_bytes()[1..]);
    let mut out = [0u8; 20];
    out.copy_from_slice(&hash[12..]);
    out
}

/// `0x` + 40 hex digits, checksummed by case (EIP-55): a letter is upper-case when the
/// matching nibble of keccak256(lower-case hex) is 8 or more.
pub fn eip55(address: &[u8; 20]) -> String {
    let lower = hex::encode(address);
    let hash = keccak256(lower.as_bytes());
    let mut out = String::with_capacity(42);
    out.push_str("0x");
    for (i, c) in lower.chars().enumerate() {
        let nibble = (hash[i / 2] >> if i % 2 == 0 { 4 } else { 0 }) & 0x0f;
        out.push(if nibble >= 8 {
            c.to_ascii_uppercase()
        } else {
            c
        });
    }
    out
}

/// `inj1...`: bech32 (BIP-173) of the 20 bytes with prefix `inj`.
pub fn inj_bech32(address: &[u8; 20]) -> String {
    // Encoding fails only past bech32's length limit (90 characters); 20 bytes make 42.
    bech32::encode::<Bech32>(INJ_HRP, address).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eip55_spec_vectors() {
        // From the EIP-55 text itself.
        for expected in [
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
            "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
            "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
        ] {
            let mut bytes = [0u8; 20];
            hex::decode_to_slice(&expected[2..], &mut bytes).unwrap();
            assert_eq!(eip55(&bytes), expected);
        }
    }

    #[test]
    fn bech32_of_a_known_account() {
        // docs/INJECTIVE.md: 0xAF79...4902 is inj14au322k9munkmx5wrchz9q30juf5wjgz2cfqku.
        let mut bytes = [0u8; 20];
        hex::decode_to_slice("af79152ac5df276d9a8e1e2e22822f9713474902", &mut bytes).unwrap();
        assert_eq!(
            inj_bech32(&bytes),
            "inj14au322k9munkmx5wrchz9q30juf5wjgz2cfqku"
        );
    }
}
