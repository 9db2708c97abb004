//! A transaction we build decodes back with cosmos-sdk-proto, its signature recovers to the

// Helpers outside #[test] fns are not covered by clippy.toml's allow-unwrap-in-tests.
#![allow(clippy::unwrap_used)]
//! sender, and the recorded `tx_response.data` vector decodes to its order hash.

use std::str::FromStr;

use cosmos_sdk_proto::cosmos::authz::v1beta1::MsgExec;
use cosmos_sdk_proto::cosmos::tx::signing::v1beta1::SignMode;
use cosmos_sdk_proto::cosmos::tx::v1beta1::{mode_info, AuthInfo, SignDoc, Tx, TxBody};
use prost::Message;
use rust_decimal::Decimal;
use tradebot_injective::address::Address;
use tradebot_injective::keys::{InjectiveKey, PrivateKey, PublicKey};
use tradebot_injective::msgs::{self, Batch, MarketKind, MarketMeta, NewOrder, Side};
use tradebot_injective::{proto, tx};

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_else(|_| panic!("{s}"))
}

fn market() -> MarketMeta {
    MarketMeta {
        market_id: "0x0611780ba69656949525013d947713300f56c37b6175e02f26bffa495c3208fe".into(),
        kind: MarketKind::Spot,
        ticker: "INJ/USDT".into(),
        base_denom: Some("inj".into()),
        quote_denom: "peggy0x87aB3B4C8661e07D6372361211B96ed4Dc36B1B5".into(),
        base_decimals: Some(18),
        quote_decimals: 6,
        price_tick: d("0.001"),
        quantity_tick: d("0.001"),
        min_notional: d("0.000000000001"),
        maker_fee_rate: d("-0.0001"),
        taker_fee_rate: d("0.0005"),
        initial_margin_ratio: None,
        active: true,
    }
}

fn params() -> tx::TxParams {
    tx::TxParams {
        chain_id: "injective-888".into(),
        account_number: 12345,
        sequence: 9,
        gas_limit: 150_000,
        fee_amount: tx::fee_for(150_000, d("160000000")),
        fee_denom: "inj".into(),
        timeout_height: 9_000_000,
        memo: "tradebot".into(),
        fee_granter: None,
    }
}

#[test]
fn delegated_batch_tx_round_trips_and_recovers_the_grantee() {
    let granter = Address::from_str("inj14au322k9munkmx5wrchz9q30juf5wjgz2cfqku").unwrap();
    let bot =
        PrivateKey::from_hex("e6888cb164d52e4880e08a8a5dbe69cd62f67fde3d5906f2c5c951be553b2267")
            .unwrap();
    let batch = Batch {
        creates: vec![NewOrder {
            market_id: market().market_id,
            side: Side::Sell,
            price: d("27.92"),
            quantity: d("0.01"),
            post_only: true,
            cid: "bot1-000001".into(),
            leverage: None,
        }],
        cancels: vec![],
        cancel_all: vec![market().market_id],
    };
    let msg = msgs::batch_update(granter, granter.subaccount(0), &batch, &[market()]).unwrap();
    let signed = tx::build_and_sign(
        &bot,
        vec![tx::exec(bot.address(), vec![proto::to_any(&msg)])],
        &params(),
    )
    .unwrap();

    let decoded = Tx::decode(signed.tx_bytes.as_slice()).unwrap();
    let body: TxBody = decoded.body.unwrap();
    assert_eq!(body.timeout_height, 9_000_000);
    assert_eq!(body.messages[0].type_url, "/cosmos.authz.v1beta1.MsgExec");
    let exec = MsgExec::decode(body.messages[0].value.as_slice()).unwrap();
    assert_eq!(exec.grantee, bot.address().to_bech32());
    assert_eq!(
        exec.msgs[0].type_url,
        "/injective.exchange.v2.MsgBatchUpdateOrders"
    );
    let inner = proto::MsgBatchUpdateOrders::decode(exec.msgs[0].value.as_slice()).unwrap();
    assert_eq!(inner, msg);
    assert_eq!(inner.sender, granter.to_bech32());
    let order = inner.spot_orders_to_create[0].order_info.as_ref().unwrap();
    assert_eq!(order.price, "27920000000000000000");
    assert_eq!(order.quantity, "10000000000000000");
    assert_eq!(
        inner.spot_orders_to_create[0].order_type,
        proto::OrderType::SellPo as i32
    );

    let auth: AuthInfo = decoded.auth_info.unwrap();
    let signer = &auth.signer_infos[0];
    assert_eq!(signer.sequence, 9);
    let pk = signer.public_key.as_ref().unwrap();
    assert_eq!(pk.type_url, "/injective.crypto.v1beta1.ethsecp256k1.PubKey");
    let pk = proto::PubKey::decode(pk.value.as_slice()).unwrap();
    assert_eq!(pk.key.len(), 33);
    match signer.mode_info.as_ref().unwrap().sum.as_ref().unwrap() {
        mode_info::Sum::Single(s) => assert_eq!(s.mode, SignMode::Direct as i32),
        other => panic!("{other:?}"),
    }
    let fee = auth.fee.unwrap();
    assert_eq!(fee.gas_limit, 150_000);
    assert_eq!(fee.amount[0].amount, "24000000000000");

    // The signature is over keccak256 of the SignDoc rebuilt from the decoded parts.
    let doc = SignDoc {
        body_bytes: body.encode_to_vec(),
        auth_info_bytes: signed.sign_doc.auth_info_bytes.clone(),
        chain_id: "injective-888".into(),
        account_number: 12345,
    };
    assert_eq!(doc.encode_to_vec(), signed.sign_doc_bytes);
    let sig = &decoded.signatures[0];
    assert_eq!(sig.len(), 64);
    let recovered = PublicKey::recover_keccak(&signed.sign_doc_bytes, sig);
    let pubkey = PublicKey::from_compressed(&pk.key).unwrap();
    assert!(recovered.contains(&pubkey));
    assert_eq!(pubkey.address(), bot.address());
    assert!(pubkey.verify_keccak(&signed.sign_doc_bytes, sig));
    assert_eq!(signed.hash, tx::tx_hash(&signed.tx_bytes));
}

#[test]
fn tx_response_data_vector_decodes_to_the_order_hash() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/tx_response_data_vector.json"
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let responses = tx::msg_responses(v["tx_response_data_hex"].as_str().unwrap()).unwrap();
    assert_eq!(responses.len(), 1);
    let resp = proto::MsgCreateOrderResponse::decode(responses[0].1.as_slice()).unwrap();
    let expected = &v["decoded"]
        ["MsgExecResponse.results[0] (= MsgCreateSpotMarketOrderResponse bytes).order_hash"];
    assert_eq!(resp.order_hash, expected.as_str().unwrap());
    assert_eq!(
        tx::fee_for(
            v["fee"]["gas_limit"].as_str().unwrap().parse().unwrap(),
            d("500000000")
        )
        .to_string(),
        v["fee"]["amount"].as_str().unwrap()
    );
    use base64::Engine;
    let sig = base64::engine::general_purpose::STANDARD
        .decode(v["tx_signature_base64_64_bytes"].as_str().unwrap())
        .unwrap();
    assert_eq!(sig.len(), 64);
    let parsed = k256::ecdsa::Signature::from_slice(&sig).unwrap();
    assert!(parsed.normalize_s().is_none(), "chain signatures are low-S");
}
