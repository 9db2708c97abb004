//! Published key, address, signature and LegacyDec vectors (tests/fixtures/vectors.json).

// Helpers outside #[test] fns are not covered by clippy.toml's allow-unwrap-in-tests.
#![allow(clippy::unwrap_used)]

use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::Value;
use tradebot_injective::address::Address;
use tradebot_injective::keys::{InjectiveKey, PrivateKey, PublicKey};
use tradebot_injective::legacy_dec;

fn vectors() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/vectors.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("missing {key}"))
}

#[test]
fn every_key_maps_to_its_addresses() {
    let v = vectors();
    let keys = v["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 5);
    for k in keys {
        let key = PrivateKey::from_hex(s(k, "private_key_hex")).unwrap();
        let pubkey = key.public_key();
        if let Some(b64) = k["pubkey_compressed_b64"].as_str() {
            use base64::Engine;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .unwrap();
            assert_eq!(pubkey.compressed().as_slice(), bytes.as_slice());
            assert_eq!(PublicKey::from_compressed(&bytes).unwrap(), pubkey);
        }
        if let Some(h) = k["pubkey_compressed_hex"].as_str() {
            assert_eq!(hex::encode(pubkey.compressed()), h);
        }
        let addr = key.address();
        assert_eq!(addr.to_eth_hex(), s(k, "eth_address"));
        assert_eq!(addr.to_bech32(), s(k, "inj_address"));
        assert_eq!(Address::from_str(s(k, "inj_address")).unwrap(), addr);
        if let Some(eip55) = k["eth_address_eip55"].as_str() {
            assert_eq!(Address::from_str(eip55).unwrap(), addr);
        }
        if let Some(sub) = k["default_subaccount_id"].as_str() {
            assert_eq!(addr.subaccount(0).to_hex(), sub);
        }
        if let Some(subs) = k["subaccount_ids"].as_object() {
            for (index, id) in subs {
                assert_eq!(
                    addr.subaccount(index.parse().unwrap()).to_hex(),
                    id.as_str().unwrap()
                );
            }
        }
    }
}

/// Every key vector that comes with a mnemonic: a BIP-39 phrase derives the published key at
/// its path; a phrase that is not BIP-39 (sdk-python's, noted in the fixture) is refused.
#[test]
fn mnemonic_vectors_derive_the_published_keys() {
    let v = vectors();
    let with_mnemonic: Vec<&Value> = v["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k.get("mnemonic").is_some())
        .collect();
    assert_eq!(with_mnemonic.len(), 3);
    for k in with_mnemonic {
        assert_eq!(s(k, "hd_path"), tradebot_contract::key::ETHEREUM_PATH);
        let derived = PrivateKey::from_mnemonic(s(k, "mnemonic"));
        if s(k, "source").contains("NOT BIP39-checksum-valid") {
            assert!(derived.is_err(), "{}", s(k, "source"));
            continue;
        }
        let key = derived.unwrap();
        assert_eq!(key.to_hex().as_str(), s(k, "private_key_hex"));
        assert_eq!(key.address().to_bech32(), s(k, "inj_address"));
    }
}

#[test]
fn bech32_only_vectors() {
    for pair in vectors()["bech32_only"].as_array().unwrap() {
        let a = Address::from_eth_hex(s(pair, "eth")).unwrap();
        assert_eq!(a.to_bech32(), s(pair, "inj"));
        assert_eq!(Address::from_bech32(s(pair, "inj")).unwrap(), a);
    }
}

#[test]
fn sdk_go_signature_is_byte_exact() {
    let v = vectors();
    let sig = &v["signatures"][0];
    let key = PrivateKey::from_hex(s(sig, "private_key_hex")).unwrap();
    let (rs, recid) = key
        .sign_keccak_recoverable(s(sig, "message_utf8").as_bytes())
        .unwrap();
    let mut full = rs.to_vec();
    full.push(recid);
    assert_eq!(hex::encode(full), s(sig, "signature_65_hex"));
}

#[test]
fn sdk_python_signature_verifies_and_k256_default_matches() {
    let v = vectors();
    let sig = &v["signatures"][1];
    let key = PrivateKey::from_hex(s(sig, "private_key_hex")).unwrap();
    let msg = s(sig, "message_utf8").as_bytes();
    let python = hex::decode(s(sig, "signature_64_hex")).unwrap();
    assert!(key.public_key().verify_keccak(msg, &python));
    let ours = key.sign_keccak(msg).unwrap();
    assert_eq!(hex::encode(ours), s(sig, "k256_default_signature_64_hex"));
    assert!(key.public_key().verify_keccak(msg, &ours));
    assert!(!key.public_key().verify_keccak(b"other", &ours));
}

#[test]
fn legacy_dec_wire_vectors() {
    for case in vectors()["legacy_dec_wire"].as_array().unwrap() {
        let wire = s(case, "proto_string");
        // The txfees entry annotates its human value with a unit; take the number.
        let human = s(case, "human").split_whitespace().next().unwrap();
        let human = Decimal::from_str(human).unwrap();
        assert_eq!(legacy_dec::to_wire(human).unwrap(), wire);
        assert_eq!(legacy_dec::from_wire(wire).unwrap(), human.normalize());
    }
}

#[test]
fn market_snapshot_ticks_convert_from_v1_chain_format() {
    use legacy_dec::ChainFormat;
    let v = vectors();
    let m = &v["market_snapshots_2024_11"];
    for name in ["INJ/USDT spot", "TIA/USDT spot"] {
        let snap = &m[name];
        let f = ChainFormat::Spot {
            base_decimals: snap["base_decimals"].as_u64().unwrap() as u32,
            quote_decimals: snap["quote_decimals"].as_u64().unwrap() as u32,
        };
        let human = |k: &str| Decimal::from_str(s(snap, k)).unwrap();
        assert_eq!(
            f.price(s(snap, "v1_min_price_tick")).unwrap(),
            human("human_price_tick")
        );
        assert_eq!(
            f.quantity(s(snap, "v1_min_qty_tick")).unwrap(),
            human("human_qty_tick")
        );
        assert_eq!(
            f.quote_amount(s(snap, "v1_min_notional")).unwrap(),
            human("human_min_notional")
        );
    }
    for name in ["INJ/USDT PERP", "TIA/USDT PERP"] {
        let snap = &m[name];
        let f = ChainFormat::Derivative {
            quote_decimals: snap["quote_decimals"].as_u64().unwrap() as u32,
        };
        let human = |k: &str| Decimal::from_str(s(snap, k)).unwrap();
        assert_eq!(
            f.price(s(snap, "v1_min_price_tick")).unwrap(),
            human("human_price_tick")
        );
        assert_eq!(
            f.quote_amount(s(snap, "v1_min_notional")).unwrap(),
            human("human_min_notional")
        );
    }
}
