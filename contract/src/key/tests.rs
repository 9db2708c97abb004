use k256::ecdsa::{RecoveryId, Signature, VerifyingKey};

use super::*;

/// BIP-39's own first test mnemonic (all-zero entropy). Its m/44'/60'/0'/0/0 key and address
/// are published by injective-ts (PrivateKey.spec.ts, in bot/injective/tests/fixtures/
/// vectors.json) and, as the address, by many Ethereum wallet test suites.
const ABANDON: &str = "abandon abandon abandon abandon abandon abandon abandon abandon abandon \
                       abandon abandon about";

#[test]
fn known_vector_addresses() {
    // Published Injective SDK vectors (bot/injective/tests/fixtures/vectors.json).
    let key =
        PrivateKey::from_hex("5d386fbdbf11f1141010f81a46b40f94887367562bd33b452bbaa6ce1cd1381e")
            .unwrap();
    assert_eq!(
        key.eth_address(),
        "0xAF79152AC5dF276D9A8e1E2E22822f9713474902"
    );
    assert_eq!(
        key.inj_address(),
        "inj14au322k9munkmx5wrchz9q30juf5wjgz2cfqku"
    );
    let key =
        PrivateKey::from_hex("0xf9db9bf330e23cb7839039e944adef6e9df447b90b503d5b4464c90bea9022f3")
            .unwrap();
    assert_eq!(
        hex::encode(key.address_bytes()),
        "bdaedec95d563fb05240d6e01821008454c24c36"
    );
    assert_eq!(
        hex::encode(key.verifying_key().to_encoded_point(true).as_bytes()),
        "035ddc4d5642b9383e2f087b2ee88b7207f6286ebc9f310e9df1406eccc2c31813"
    );
}

#[test]
fn malformed_hex_is_refused_without_echo() {
    for (bad, expected) in [
        ("", KeyError::Format),
        ("zz", KeyError::Format),
        ("0x1234", KeyError::Format),
        (&"g".repeat(64), KeyError::Format),
        (&"0".repeat(64), KeyError::OutOfRange),
        (&"f".repeat(64), KeyError::OutOfRange),
    ] {
        let err = PrivateKey::from_hex(bad).unwrap_err();
        assert_eq!(err, expected, "{bad}");
        assert!(bad.is_empty() || !err.to_string().contains(bad));
    }
}

#[test]
fn generated_keys_roundtrip_through_hex_and_bytes() {
    let key = PrivateKey::generate();
    let hex = key.to_hex();
    assert_eq!(hex.len(), 64);
    let again = PrivateKey::from_hex(&hex).unwrap();
    assert_eq!(key.eth_address(), again.eth_address());
    let copy = PrivateKey::from_bytes(key.expose_secret()).unwrap();
    assert_eq!(copy.to_hex().as_str(), hex.as_str());
    assert_ne!(
        PrivateKey::generate().to_hex(),
        hex,
        "two draws gave one key"
    );
}

#[test]
fn debug_is_redacted() {
    let key = PrivateKey::generate();
    let shown = format!("{key:?}");
    assert_eq!(shown, "PrivateKey(<redacted>)");
    assert!(!shown.contains(&key.to_hex()[..8]));
}

#[test]
fn mnemonic_vectors() {
    let key = PrivateKey::from_mnemonic(ABANDON).unwrap();
    assert_eq!(
        key.to_hex().as_str(),
        "1ab42cc412b618bdea3a599e3c9bae199ebf030895b039e9db1e30dafb12b727"
    );
    assert_eq!(
        key.eth_address(),
        "0x9858EfFD232B4033E47d90003D41EC34EcaEda94"
    );
    assert_eq!(
        key.inj_address(),
        "inj1npvwllfr9dqr8erajqqr6s0vxnk2ak55re90dz"
    );
    // 24 words: InjectiveLabs/sdk-go client/keyring/keyring_test.go.
    let key = PrivateKey::from_mnemonic(
        "real simple naive tissue alcohol bar short joy maze shoe reason item tray attitude \
         panda century pulse skirt original autumn sea shop exhaust love",
    )
    .unwrap();
    assert_eq!(
        key.to_hex().as_str(),
        "e6888cb164d52e4880e08a8a5dbe69cd62f67fde3d5906f2c5c951be553b2267"
    );
}

#[test]
fn mnemonic_spacing_and_case_do_not_matter() {
    let messy = format!("  {}\n", ABANDON.to_uppercase().replace(' ', " \t "));
    let key = PrivateKey::from_mnemonic(&messy).unwrap();
    assert_eq!(
        key.eth_address(),
        "0x9858EfFD232B4033E47d90003D41EC34EcaEda94"
    );
}

#[test]
fn bad_mnemonics_are_refused_by_kind_without_echo() {
    let words: Vec<&str> = ABANDON.split(' ').collect();
    let eleven = words[..11].join(" ");
    let mut typo = words.clone();
    typo[4] = "abandonn";
    let typo = typo.join(" ");
    let twelve_abandon = ["abandon"; 12].join(" ");
    for (bad, expected) in [
        ("", KeyError::MnemonicLength(0)),
        (eleven.as_str(), KeyError::MnemonicLength(11)),
        // sdk-python's test phrase is not BIP-39 (6 words, no checksum): refused, not guessed.
        (
            "test mnemonic never use other places",
            KeyError::MnemonicLength(6),
        ),
        (typo.as_str(), KeyError::MnemonicWord(5)),
        (twelve_abandon.as_str(), KeyError::MnemonicChecksum),
        // A hex key is not a mnemonic.
        (
            "5d386fbdbf11f1141010f81a46b40f94887367562bd33b452bbaa6ce1cd1381e",
            KeyError::MnemonicLength(1),
        ),
    ] {
        let err = PrivateKey::from_mnemonic(bad).unwrap_err();
        assert_eq!(err, expected, "{bad}");
        let text = err.to_string();
        assert!(
            !text.contains("abandon") && !text.contains("places"),
            "{text}"
        );
        assert_eq!(text.lines().count(), 1);
    }
}

#[test]
fn signatures_are_low_s_and_recover_to_the_key() {
    let key = PrivateKey::from_hex(&"11".repeat(32)).unwrap();
    for i in 0..32u8 {
        let msg = [i; 7];
        let (sig, recid) = key.sign_keccak_recoverable(&msg).unwrap();
        let parsed = Signature::from_slice(&sig).unwrap();
        assert!(parsed.normalize_s().is_none(), "high S");
        let id = RecoveryId::from_byte(recid).unwrap();
        let rec = VerifyingKey::recover_from_prehash(&keccak256(&msg), &parsed, id).unwrap();
        assert_eq!(&rec, key.verifying_key());
        assert_eq!(
            key.sign_keccak(&msg).unwrap(),
            sig,
            "RFC 6979 is deterministic"
        );
    }
}
