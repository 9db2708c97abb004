use rust_decimal_macros::dec;

use super::*;

/// Shapes as the devnet's v1.20.1 LCD serves them (abridged from a live answer).
const SPOT: &str = r#"{"markets":[
 {"ticker":"INJ/USDT","base_denom":"inj","quote_denom":"peggy0xdAC17F958D2ee523a2206206994597C13D831ec7","maker_fee_rate":"-0.000100000000000000","taker_fee_rate":"0.001000000000000000","relayer_fee_share_rate":"0.400000000000000000","market_id":"0x050373f2e80e3ff8bf7ed08e60cb2ae0bebc8d2dd341a3c7a19389a797c41bd9","status":"Active","min_price_tick_size":"0.001000000000000000","min_quantity_tick_size":"0.001000000000000000","min_notional":"1.000000000000000000","admin":"","admin_permissions":0,"base_decimals":18,"quote_decimals":6},
 {"ticker":"TIA/USDT","base_denom":"ibc/F51BB221BAA275F2EBF654F70B005627D7E713AFFD6D86AFD1E43CAA886149F4","quote_denom":"peggy0xdAC17F958D2ee523a2206206994597C13D831ec7","maker_fee_rate":"-0.0001","taker_fee_rate":"0.001","market_id":"0xc94dd77968699e24a9af5f09e1cb1bba4b436fcfb91e2215c1c68e6036588121","status":"Paused","min_price_tick_size":"0.001","min_quantity_tick_size":"0.1","min_notional":"1","base_decimals":6,"quote_decimals":6},
 {"ticker":"WEIRD","base_denom":"a","quote_denom":"b","maker_fee_rate":"0","taker_fee_rate":"0","market_id":"0x00","status":"Active","min_price_tick_size":"0.001","min_quantity_tick_size":"0.1","min_notional":"1","base_decimals":6,"quote_decimals":6}]}"#;

const PERP: &str = r#"{"markets":[{"market":{"ticker":"INJ/USDT PERP","oracle_base":"inj","oracle_quote":"usdt","oracle_type":"PriceFeed","oracle_scale_factor":0,"quote_denom":"peggy0xdAC17F958D2ee523a2206206994597C13D831ec7","market_id":"0x7817c4a4aed4fd830d573369aa63f0e9977d986bd11bc65d94a9fe104cf55e44","initial_margin_ratio":"0.050000000000000000","maintenance_margin_ratio":"0.020000000000000000","maker_fee_rate":"-0.000100000000000000","taker_fee_rate":"0.001000000000000000","relayer_fee_share_rate":"0.4","isPerpetual":true,"status":"Active","min_price_tick_size":"0.001000000000000000","min_quantity_tick_size":"0.001000000000000000","min_notional":"1.000000000000000000","quote_decimals":6},"mark_price":"20.000000000000000000"}]}"#;

#[test]
fn listings_parse_into_our_markets() {
    let spot: SpotMarketsResponse = serde_json::from_str(SPOT).unwrap();
    let perp: DerivativeMarketsResponse = serde_json::from_str(PERP).unwrap();
    let all = markets_of(spot, perp);
    let names: Vec<&str> = all.iter().map(|m| m.market.as_str()).collect();
    assert_eq!(names, ["INJ/USDT", "INJ/USDT-PERP", "TIA/USDT"]);
    let inj = &all[0];
    assert_eq!(
        (inj.price_tick, inj.quantity_tick, inj.min_notional),
        (dec!(0.001), dec!(0.001), dec!(1))
    );
    assert_eq!((inj.base_decimals, inj.quote_decimals), (Some(18), 6));
    assert!(inj.active);
    let perp = &all[1];
    assert_eq!(perp.kind, Kind::Perpetual);
    assert_eq!(perp.ticker, "INJ/USDT PERP");
    assert!(perp.market_id.starts_with("0x7817c4a4"));
    let tia = &all[2];
    assert_eq!(tia.quantity_tick, dec!(0.1));
    assert!(!tia.active, "a paused market is listed but not active");
}

#[test]
fn mid_of_the_best_levels() {
    let book = |json: &str| -> OrderbookResponse { serde_json::from_str(json).unwrap() };
    let both = book(
        r#"{"buys_price_level":[{"p":"19.9","q":"1"}],"sells_price_level":[{"p":"20.1","q":"2"}]}"#,
    );
    assert_eq!(mid_of(&both), Some(dec!(20)));
    let bids = book(r#"{"buys_price_level":[{"p":"19.9","q":"1"}],"sells_price_level":[]}"#);
    assert_eq!(mid_of(&bids), Some(dec!(19.9)));
    assert_eq!(mid_of(&book("{}")), None);
}

#[test]
fn grants_parse_with_their_markets_and_expiry() {
    let r: GrantsResponse = serde_json::from_str(
        r#"{"grants":[{"granter":"inj1w","grantee":"inj1bot","authorization":{"@type":"/injective.exchange.v2.BatchUpdateOrdersAuthz","subaccount_id":"0xab","spot_markets":["0x05"],"derivative_markets":["0x78"]},"expiration":"2027-01-01T00:00:00Z"},
        {"granter":"inj1w","grantee":"inj1x","authorization":{"@type":"/cosmos.authz.v1beta1.GenericAuthorization","msg":"/cosmos.bank.v1beta1.MsgSend"},"expiration":null}],"pagination":{"next_key":null,"total":"0"}}"#,
    )
    .unwrap();
    let g: Vec<GrantOnChain> = r.grants.into_iter().map(grant_of).collect();
    assert_eq!(g[0].type_url, BATCH_AUTHZ_TYPE);
    assert_eq!(g[0].markets, ["0x05", "0x78"]);
    assert_eq!(g[0].expiration.as_deref(), Some("2027-01-01T00:00:00Z"));
    assert!(g[1].markets.is_empty() && g[1].expiration.is_none());
}
