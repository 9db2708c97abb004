//! Every docs "Response Example" our models claim to understand parses, with units asserted:
//! chain v2 (LCD) values are human; indexer values are legacy chain format and get converted.
// Helpers outside #[test] fns are not covered by clippy.toml's allow-unwrap-in-tests.
#![allow(clippy::unwrap_used)]

use std::str::FromStr;

use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use tradebot_injective::legacy_dec::ChainFormat;
use tradebot_injective::models::*;
use tradebot_injective::msgs::{MarketKind, MarketMeta, Side};

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn load<T: DeserializeOwned>(name: &str) -> T {
    let path = format!(
        "{}/tests/fixtures/docs_examples/{name}.txt",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn chain_spot_markets_are_human() {
    let one: SpotMarketResponse = load("spot__SpotMarket__0_json");
    let many: SpotMarketsResponse = load("spot__SpotMarkets__0_json");
    for m in [one.market, many.markets[0].clone()] {
        let meta = MarketMeta::from(m);
        assert_eq!(meta.kind, MarketKind::Spot);
        assert_eq!(meta.ticker, "INJ/USDT");
        assert_eq!(meta.price_tick, d("0.001"));
        assert_eq!(meta.quantity_tick, d("0.001"));
        assert_eq!(meta.min_notional, d("0.000000000001"));
        assert_eq!(meta.maker_fee_rate, d("-0.0001"));
        assert_eq!((meta.base_decimals, meta.quote_decimals), (Some(18), 6));
        assert!(meta.active);
    }
}

#[test]
fn chain_derivative_markets_are_human() {
    let one: DerivativeMarketResponse = load("derivatives__DerivativeMarket__0_json");
    let many: DerivativeMarketsResponse = load("derivatives__DerivativeMarkets__0_json");
    assert_eq!(one.market.mark_price, Some(d("12.824150042260121341")));
    for m in [one.market.market, many.markets[0].market.clone()] {
        let meta = MarketMeta::from(m);
        assert_eq!(meta.kind, MarketKind::Derivative);
        assert_eq!(meta.ticker, "INJ/USDT PERP");
        assert_eq!(meta.price_tick, d("0.0001"));
        assert_eq!(meta.initial_margin_ratio, Some(d("0.083333")));
        assert_eq!(meta.quote_decimals, 6);
    }
}

#[test]
fn chain_orderbooks_are_human() {
    let spot: OrderBook = load::<OrderbookResponse>("spot__SpotOrderBook__0_json").into();
    assert_eq!(
        spot.bids[0],
        Level {
            price: d("29.414"),
            quantity: d("27.651")
        }
    );
    assert!(spot.asks.is_empty());
    let perp: OrderBook =
        load::<OrderbookResponse>("derivatives__DerivativeOrderbook__0_json").into();
    assert_eq!(
        perp.asks[1],
        Level {
            price: d("19.899"),
            quantity: d("0.0333")
        }
    );
    assert!(perp.bids[0].price < perp.asks[0].price);
}

#[test]
fn chain_orders_are_human() {
    for name in [
        "spot__TraderSpotOrders__0_json",
        "spot__AccountAddressSpotOrders__0_json",
    ] {
        let orders = load::<TraderOrdersResponse>(name).into_orders("m");
        assert_eq!(orders[0].price, d("21"));
        assert_eq!(orders[0].fillable, d("2"));
        assert_eq!(orders[0].side, Side::Buy);
    }
    assert!(
        load::<TraderOrdersResponse>("derivatives__TraderDerivativeOrders__0_json")
            .orders
            .is_empty()
    );
}

#[test]
fn chain_deposits_are_base_units() {
    // This example prints the raw x10^18 LegacyDec (no decimal point): 22.458 INJ in base units.
    let balances = load::<SubaccountDepositsResponse>("chainexchange__SubaccountDeposits__0_json")
        .into_balances();
    let inj = balances.iter().find(|b| b.denom == "inj").unwrap();
    assert_eq!(inj.total, d("22458000000000000000"));
    assert_eq!(inj.human(18).unwrap().1, d("22.458"));
    let usdt = balances
        .iter()
        .find(|b| b.denom.starts_with("peggy0x87aB"))
        .unwrap();
    assert_eq!(usdt.available, d("0.342932031115126491"));
    assert_eq!(usdt.total.trunc(), d("324904824830"));
}

#[test]
fn chain_positions_are_human() {
    let pos = load::<SubaccountPositionsResponse>("derivatives__SubaccountPositions__0_json")
        .into_positions();
    assert_eq!(pos.len(), 5);
    assert!(pos[0].is_long);
    assert_eq!(pos[0].quantity, d("258.75"));
    assert_eq!(pos[0].entry_price, d("24.100496718773416725"));
    assert!(!pos[1].is_long, "isLong omitted = short");
}

#[test]
fn eip_base_fee_is_wire_format() {
    let fee: EipBaseFeeResponse = load("txfees__GetEipBaseFee__0_json");
    assert_eq!(fee.base_fee.base_fee, d("160000000"));
}

#[test]
fn indexer_spot_markets_convert_from_chain_format() {
    let py: IndexerSpotMarketResponse = load("spotrpc__Market__0_python");
    let meta = py.market.to_meta().unwrap();
    assert_eq!(meta.price_tick, d("0.001"));
    assert_eq!(meta.quantity_tick, d("0.001"));
    assert_eq!(meta.min_notional, d("1"));
    let go: IndexerSpotMarketResponse = load("spotrpc__Market__1_go");
    // No quote token decimals in this example: conversion must refuse rather than guess.
    assert!(go.market.to_meta().is_err());
}

#[test]
fn indexer_derivative_markets_convert_from_chain_format() {
    let py: IndexerDerivativeMarketResponse = load("derivativesrpc__Market__0_python");
    let meta = py.market.to_meta().unwrap();
    assert_eq!(meta.price_tick, d("0.0001"));
    assert_eq!(meta.quantity_tick, d("0.0001"));
    assert_eq!(meta.min_notional, d("1"));
    assert_eq!(meta.initial_margin_ratio, Some(d("0.05")));
    let go: IndexerDerivativeMarketResponse = load("derivativesrpc__Market__1_go");
    assert_eq!(go.market.to_meta().unwrap().price_tick, d("0.1"));
}

#[test]
fn indexer_spot_trades_convert_from_chain_format() {
    let inj_usdt = ChainFormat::Spot {
        base_decimals: 18,
        quote_decimals: 6,
    };
    for name in ["spotrpc__TradesV2__0_python", "spotrpc__TradesV2__1_go"] {
        let r: IndexerTradesResponse<IndexerSpotTrade> = load(name);
        let t = r.trades[0].to_trade(inj_usdt).unwrap();
        // 0.00000000001 x 10^12 = 10 USDT per INJ; 10^18 base units = 1 INJ.
        assert_eq!(t.price, d("10"), "{name}");
        assert!(t.quantity == d("1") || t.quantity == d("2"), "{name}");
        assert_eq!(t.side, Side::Buy);
        assert!(t.maker);
        assert!(t.fee < Decimal::ZERO, "maker rebate");
        assert!(t.executed_at_ms > 1_700_000_000_000);
    }
}

#[test]
fn indexer_derivative_trades_convert_from_chain_format() {
    let f = ChainFormat::Derivative { quote_decimals: 6 };
    for name in [
        "derivativesrpc__TradesV2__0_python",
        "derivativesrpc__TradesV2__1_go",
    ] {
        let r: IndexerTradesResponse<IndexerDerivativeTrade> = load(name);
        let t = r.trades[0].to_trade(f).unwrap();
        assert_eq!(t.price, d("10"), "{name}");
        assert_eq!(t.quantity, d("1"), "{name}");
        assert!(t.cid.is_some());
    }
}
