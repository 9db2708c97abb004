//! Starts on a chain against a fake chain and the fake Vault: every refusal comes before any
//! token, and what a live (or paper-on-live) bot is told is the contract's spec.

use std::sync::Arc;

use async_trait::async_trait;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use tradebot_contract::spec::{BotSpec, Endpoints, ExchangeKind};

use super::*;
use crate::domain::MarketId;
use crate::markets::{
    Catalogue, ChainError, ChainReader, GrantOnChain, Kind, Market, WalletOnChain,
};
use crate::vault::bot_keys::BotKeyInfo;
use crate::vault::wallets::WalletMode;

fn account(byte: u8) -> String {
    tradebot_injective::address::Address::from_eth_hex(&format!("0x{}", hex::encode([byte; 20])))
        .unwrap()
        .to_bech32()
}

fn id_of(market: &str) -> String {
    format!(
        "0x{}",
        hex::encode(market.as_bytes())
            .chars()
            .cycle()
            .take(64)
            .collect::<String>()
    )
}

#[derive(Debug)]
struct FakeChain {
    mid: Option<Decimal>,
    grants: Vec<GrantOnChain>,
}

#[async_trait]
impl ChainReader for FakeChain {
    async fn markets(&self, _: &str) -> Result<Vec<Market>, ChainError> {
        let m = |name: &str, kind, active| Market {
            market: MarketId::parse(name).unwrap(),
            ticker: name.replace("-PERP", " PERP"),
            market_id: id_of(name),
            kind,
            base_denom: None,
            quote_denom: "usdt".into(),
            price_tick: dec!(0.001),
            quantity_tick: dec!(0.001),
            min_notional: dec!(1),
            base_decimals: Some(18),
            quote_decimals: 6,
            active,
        };
        Ok(vec![
            m("INJ/USDT", Kind::Spot, true),
            m("TIA/USDT", Kind::Spot, false),
            m("INJ/USDT-PERP", Kind::Perpetual, true),
        ])
    }
    async fn mid(&self, _: &str, _: &Market) -> Result<Option<Decimal>, ChainError> {
        Ok(self.mid)
    }
    async fn grants(&self, _: &str, _: &str) -> Result<Vec<GrantOnChain>, ChainError> {
        Ok(self.grants.clone())
    }
    async fn wallet(&self, _: &str, _: &str) -> Result<WalletOnChain, ChainError> {
        Ok(WalletOnChain::default())
    }
}

fn grant(market: &str) -> GrantOnChain {
    GrantOnChain {
        grantee: account(0xb0),
        type_url: crate::markets::lcd::BATCH_AUTHZ_TYPE.into(),
        markets: vec![id_of(market)],
        expiration: Some("2999-01-01T00:00:00Z".into()),
    }
}

fn wallet(name: &str, mode: WalletMode) -> WalletInfo {
    WalletInfo {
        id: WalletId::parse(name).unwrap(),
        mode,
        network: Some("devnet".into()),
        ..FakeBroker::all_wallets().remove(0)
    }
}

/// A live wallet `lw` and a paper wallet `pw`, both on the devnet; a bot key of `lw` on
/// INJ/USDT only.
async fn live_manager(chain: FakeChain) -> BotManager<FakeRuntime, FakeBroker> {
    let mut cfg = config();
    cfg.max_bots = 10;
    cfg.networks.insert(
        "devnet".into(),
        Endpoints {
            chain_id: "injective-777".into(),
            lcd: "http://127.0.0.1:10337".into(),
            indexer: None,
            stream: Some("http://127.0.0.1:9999".into()),
            rpc: Some("http://127.0.0.1:26657".into()),
        },
    );
    let broker = FakeBroker {
        wallets: vec![
            wallet("lw", WalletMode::Live),
            wallet("pw", WalletMode::Paper),
        ],
        keys: vec![BotKeyInfo {
            wallet: WalletId::parse("lw").unwrap(),
            market: MarketId::parse("INJ/USDT").unwrap(),
            address: account(0xb0),
            granter: account(0x77),
            market_id: id_of("INJ/USDT"),
            network: "devnet".into(),
            grant_expiry: "2999-01-01T00:00:00Z".into(),
            fee_spend_limit: "1inj".into(),
            current_version: 1,
        }],
        ..FakeBroker::default()
    };
    let store = Store::memory().await.unwrap();
    BotManager::new(FakeRuntime::new(&[READY]), broker, store, cfg)
        .with_catalogue(Arc::new(Catalogue::new(Arc::new(chain))))
}

fn start(wallet: &str, market: &str, params: serde_json::Value) -> StartRequest {
    let form = crate::bots::StartForm {
        wallet: wallet.into(),
        market: market.into(),
        bot_type: "market_maker".into(),
        params,
        preset: None,
    };
    StartRequest::parse(form, &MARKETS.map(str::to_owned)).unwrap()
}

fn good_chain() -> FakeChain {
    FakeChain {
        mid: Some(dec!(20)),
        grants: vec![grant("INJ/USDT")],
    }
}

#[tokio::test]
async fn a_live_start_builds_the_contracts_spec_and_a_token_for_the_markets_key() {
    let m = live_manager(good_chain()).await;
    // 0.05 x 20 = 1 USDT: exactly the minimum notional.
    let size = serde_json::json!({"order_size": 0.05});
    m.start(start("lw", "INJ/USDT", size), "alice")
        .await
        .unwrap();
    let spec = BotSpec::parse(&m.inner.runtime.specs.lock().unwrap()[0]).unwrap();
    assert_eq!(spec.exchange, ExchangeKind::Injective);
    let inj = spec.injective.unwrap();
    assert_eq!(inj.network, "custom");
    assert_eq!(inj.endpoints.unwrap().chain_id, "injective-777");
    assert_eq!(inj.market_id, id_of("INJ/USDT"));
    assert_eq!(inj.granter, Some(account(0x77)));
    let vault = spec.vault.unwrap();
    assert_eq!(vault.market_key.unwrap().as_str(), "INJ/USDT");
    assert_eq!(
        *m.inner.broker.market_keys.lock().unwrap(),
        vec![Some("INJ/USDT".to_owned())]
    );
}

#[tokio::test]
async fn live_refusals_come_before_any_token() {
    let cases = [
        // 0.05 x 19.99 = 0.9995: just under (the contract's static check at its reference
        // price 20 passes; the chain's mid decides).
        (FakeChain { mid: Some(dec!(19.99)), grants: vec![grant("INJ/USDT")] }, "INJ/USDT", dec!(0.05), "worth 0.9995 USDT at the mid price 19.99 of INJ/USDT, under the market's minimum notional of 1 USDT"),
        (good_chain(), "INJ/USDT", dec!(0.0505), "off the quantity tick 0.001"),
        (good_chain(), "TIA/USDT", dec!(1), "not active"),
        (good_chain(), "INJ/USDT-PERP", dec!(1), "no bot key for INJ/USDT-PERP"),
        (FakeChain { mid: Some(dec!(20)), grants: vec![] }, "INJ/USDT", dec!(1), "no trade grant"),
        (FakeChain { mid: None, grants: vec![grant("INJ/USDT")] }, "INJ/USDT", dec!(1), "no mid price"),
    ];
    for (chain, market, size, expect) in cases {
        let m = live_manager(chain).await;
        let req = start("lw", market, serde_json::json!({"order_size": size}));
        let err = m.start(req, "alice").await.unwrap_err();
        assert!(matches!(err, LifecycleError::Invalid(_)), "{err}");
        assert!(
            err.to_string().contains(expect),
            "{err} should say {expect}"
        );
        assert_eq!(m.inner.broker.issued.load(Ordering::SeqCst), 0, "{expect}");
        assert!(m.list().is_empty(), "a refused start leaves no bot");
    }
}

#[tokio::test]
async fn one_bot_per_wallet_and_market_two_markets_side_by_side() {
    let m = live_manager(good_chain()).await;
    m.start(start("pw", "INJ/USDT", serde_json::json!({})), "alice")
        .await
        .unwrap();
    let err = m
        .start(start("pw", "INJ/USDT", serde_json::json!({})), "bob")
        .await
        .unwrap_err();
    assert!(matches!(err, LifecycleError::Conflict(_)), "{err}");
    assert_eq!(m.inner.broker.issued.load(Ordering::SeqCst), 1);
    m.start(start("pw", "INJ/USDT-PERP", serde_json::json!({})), "alice")
        .await
        .unwrap();
    // The live wallet's INJ/USDT is its own (wallet, market): it runs too.
    m.start(start("lw", "INJ/USDT", serde_json::json!({})), "alice")
        .await
        .unwrap();
    assert_eq!(m.inner.broker.issued.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_paper_wallet_on_a_network_gets_the_injective_section_under_exchange_paper() {
    let m = live_manager(good_chain()).await;
    m.start(start("pw", "INJ/USDT", serde_json::json!({})), "alice")
        .await
        .unwrap();
    let raw = m.inner.runtime.specs.lock().unwrap()[0].clone();
    let spec: serde_json::Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(spec["exchange"], "paper");
    assert_eq!(spec["injective"]["market_id"], id_of("INJ/USDT"));
    assert!(spec["injective"].get("granter").is_none());
    assert!(spec["vault"]
        .get("market_key")
        .is_none_or(serde_json::Value::is_null));
    assert_eq!(*m.inner.broker.market_keys.lock().unwrap(), vec![None]);
    // A paper wallet without a network is unchanged: no injective section.
    let plain = manager(&[READY]).await;
    plain.start(request(), "alice").await.unwrap();
    let raw = plain.inner.runtime.specs.lock().unwrap()[0].clone();
    assert!(BotSpec::parse(&raw).unwrap().injective.is_none());
}
