//! Smoke test of the local devnet (`ops/devnet up`, started by the harness): the chain answers,
//! the three markets exist with the ids and ticks of docs/INJECTIVE.md, the accounts are funded
//! and their key files match their addresses. The connector's real-chain tests build on this.
//! Queries go straight to the node's LCD, independently of the connector.
// Helpers outside #[test] fns are not covered by clippy.toml's allow-unwrap-in-tests.
#![allow(clippy::unwrap_used)]

#[path = "../../tests/common/devnet.rs"]
mod devnet;

use devnet::{devnet, Account};
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use tradebot_injective::keys::{InjectiveKey, PrivateKey};

// Market ids are keccak hashes of the denoms (and, for a perpetual, of ticker and oracle): the
// same on every fresh chain. Source: injective-core, exchange/types/market.go.
const INJ_USDT: &str = "0x050373f2e80e3ff8bf7ed08e60cb2ae0bebc8d2dd341a3c7a19389a797c41bd9";
const TIA_USDT: &str = "0xc94dd77968699e24a9af5f09e1cb1bba4b436fcfb91e2215c1c68e6036588121";
const INJ_USDT_PERP: &str = "0x7817c4a4aed4fd830d573369aa63f0e9977d986bd11bc65d94a9fe104cf55e44";

async fn get(path: &str) -> Value {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let url = format!("{}{path}", devnet().lcd);
    let resp = reqwest::get(&url).await.unwrap();
    assert!(resp.status().is_success(), "{url}: {}", resp.status());
    resp.json().await.unwrap()
}

/// The market with `id` in the `markets` list of a v2 market query (entries are either the
/// market or `{market: ...}`).
fn market<'a>(list: &'a Value, id: &str) -> &'a Value {
    list["markets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.get("market").unwrap_or(m))
        .find(|m| m["market_id"] == id)
        .unwrap_or_else(|| panic!("market {id} not listed: {list}"))
}

#[tokio::test]
async fn markets_exist_with_the_documented_ids_and_ticks() {
    let d = devnet();
    assert_eq!(
        (d.market_inj_usdt.as_str(), d.market_tia_usdt.as_str()),
        (INJ_USDT, TIA_USDT)
    );
    assert_eq!(d.market_inj_usdt_perp, INJ_USDT_PERP);

    let spot = get("/injective/exchange/v2/spot/markets").await;
    let inj = market(&spot, INJ_USDT);
    assert_eq!(inj["ticker"], "INJ/USDT");
    assert_eq!(inj["base_denom"], d.denom_inj.as_str());
    assert_eq!(inj["quote_denom"], d.denom_usdt.as_str());
    assert_eq!(inj["status"], "Active");
    let tia = market(&spot, TIA_USDT);
    assert_eq!(tia["ticker"], "TIA/USDT");
    assert_eq!(tia["base_denom"], d.denom_tia.as_str());
    // v2 answers in human units: ticks as chosen at launch.
    assert_eq!(dec(&tia["min_quantity_tick_size"]), 0.1);
    assert_eq!(dec(&inj["min_price_tick_size"]), 0.001);
    assert_eq!(dec(&inj["min_notional"]), 1.0);

    let perps = get("/injective/exchange/v2/derivative/markets").await;
    let perp = market(&perps, INJ_USDT_PERP);
    assert_eq!(perp["ticker"], "INJ/USDT PERP");
    assert_eq!(perp["oracle_type"], "PriceFeed");
    assert_eq!(perp["isPerpetual"], true);
    assert_eq!(perp["status"], "Active");
}

fn dec(v: &Value) -> f64 {
    v.as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn chain_id_and_blocks() {
    let d = devnet();
    let info = get("/cosmos/base/tendermint/v1beta1/node_info").await;
    assert_eq!(info["default_node_info"]["network"], d.chain_id.as_str());
    let h1 = height().await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert!(height().await > h1, "the chain makes blocks");
}

async fn height() -> u64 {
    let b = get("/cosmos/base/tendermint/v1beta1/blocks/latest").await;
    b["block"]["header"]["height"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn accounts_are_funded_and_match_their_key_files() {
    let d = devnet();
    let mut accounts: Vec<&Account> = vec![&d.validator, &d.trader, &d.taker];
    accounts.extend(&d.spares);
    for a in accounts {
        let mode = std::fs::metadata(&a.key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", a.key_file.display());
        let key = PrivateKey::from_hex(&a.key_hex()).unwrap();
        assert_eq!(key.address().to_bech32(), a.address);
        let bal = get(&format!("/cosmos/bank/v1beta1/balances/{}", a.address)).await;
        for denom in [&d.denom_inj, &d.denom_usdt, &d.denom_tia] {
            let amount: u128 = bal["balances"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["denom"] == denom.as_str())
                .map_or(0, |c| c["amount"].as_str().unwrap().parse().unwrap());
            assert!(amount > 0, "{} has no {denom}", a.address);
        }
    }
}

#[tokio::test]
async fn the_price_feed_oracle_has_a_price() {
    let states = get("/injective/oracle/v1beta1/pricefeed_price_states").await;
    let inj = states["price_states"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["base"] == "inj" && s["quote"] == "usdt")
        .expect("an inj/usdt price feed");
    assert!(dec(&inj["price_state"]["price"]) > 0.0);
    assert_eq!(inj["relayers"][0], devnet().validator.address.as_str());
}

#[tokio::test]
async fn fund_sends_to_a_fresh_address() {
    let d = devnet();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let seed = tradebot_injective::keys::keccak256(&nanos.to_be_bytes());
    let fresh = PrivateKey::from_bytes(&seed).unwrap().address().to_bech32();
    let amounts = format!("1234567{},7654321inj", d.denom_usdt);
    let to = fresh.clone();
    // `fund` waits for the block: keep it off the async worker.
    tokio::task::spawn_blocking(move || d.fund(&to, Some(&amounts)))
        .await
        .unwrap();
    let bal = get(&format!("/cosmos/bank/v1beta1/balances/{fresh}")).await;
    let mut got: Vec<(String, String)> = bal["balances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["denom"].as_str().unwrap().to_owned(),
                c["amount"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    got.sort();
    let mut want = vec![
        ("inj".to_owned(), "7654321".to_owned()),
        (d.denom_usdt.clone(), "1234567".to_owned()),
    ];
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn parse_refuses_incomplete_output() {
    let err = devnet::Devnet::parse("DEVNET_CHAIN_ID=x\n").unwrap_err();
    assert_eq!(err, "no DEVNET_LCD");
}
