use std::sync::Arc;
use std::time::Duration;

use rust_decimal_macros::dec;

use super::*;
use crate::domain::MarketId;
use crate::markets::Kind;

fn snapshot() -> Snapshot {
    let spot = |name: &str, base: &str, dec: u32| Market {
        market: MarketId::parse(name).unwrap(),
        ticker: name.into(),
        market_id: format!("0x{}", name.len()),
        kind: Kind::Spot,
        base_denom: Some(base.into()),
        quote_denom: "peggy0xusdt".into(),
        price_tick: dec!(0.001),
        quantity_tick: dec!(0.001),
        min_notional: dec!(1),
        base_decimals: Some(dec),
        quote_decimals: 6,
        active: true,
    };
    let mut perp = spot("INJ/USDT-PERP", "", 0);
    perp.kind = Kind::Perpetual;
    perp.base_denom = None;
    perp.market_id = "0xperp".into();
    Snapshot {
        markets: Arc::new(vec![
            spot("INJ/USDT", "inj", 18),
            spot("TIA/USDT", "ibc/tia", 6),
            perp,
        ]),
        age: Duration::ZERO,
        stale: None,
    }
}

#[test]
fn balances_are_named_and_scaled_by_the_catalogue() {
    let chain = WalletOnChain {
        bank: vec![
            ("inj".into(), dec!(1500000000000000000)),
            ("peggy0xusdt".into(), dec!(2500000)),
            ("factory/x".into(), dec!(7)),
        ],
        deposits: vec![("ibc/tia".into(), dec!(300000))],
        positions: vec![("0xperp".into(), true, dec!(2), dec!(20.5))],
    };
    let snap = snapshot();
    let rows = balance_rows(Some(&snap), &chain);
    let row = |sym: &str| rows.iter().find(|r| r.symbol == sym).unwrap();
    assert_eq!(
        (row("INJ").bank.as_str(), row("INJ").subaccount.as_str()),
        ("1.5", "0")
    );
    assert_eq!(row("USDT").bank, "2.5");
    assert_eq!(
        (row("TIA").bank.as_str(), row("TIA").subaccount.as_str()),
        ("0", "0.3")
    );
    // A denom the catalogue does not name stays raw.
    assert_eq!(row("factory/x").bank, "7");
    assert_eq!(
        position_lines(Some(&snap), &chain),
        ["INJ/USDT-PERP: long 2 at 20.5"]
    );
    assert_eq!(position_lines(None, &chain), ["0xperp: long 2 at 20.5"]);
}

#[test]
fn grants_read_in_words() {
    let key = BotKeyInfo {
        wallet: WalletId::parse("w").unwrap(),
        market: MarketId::parse("INJ/USDT").unwrap(),
        address: "inj1bot".into(),
        granter: "inj1w".into(),
        market_id: "0x05".into(),
        network: "devnet".into(),
        grant_expiry: String::new(),
        fee_spend_limit: String::new(),
        current_version: 1,
    };
    let g = |exp: &str| GrantOnChain {
        grantee: "inj1bot".into(),
        type_url: BATCH_AUTHZ_TYPE.into(),
        markets: vec!["0x05".into()],
        expiration: Some(exp.into()),
    };
    assert_eq!(grant_text(&[], &key), "no grant on chain");
    assert_eq!(
        grant_text(&[g("2999-01-01T00:00:00Z")], &key),
        "valid until 2999-01-01T00:00:00Z"
    );
    assert!(grant_text(&[g("2001-01-01T00:00:00Z")], &key).contains("expired at"));
    assert_eq!(
        inj_address("0x0000000000000000000000000000000000000000").len(),
        42
    );
    assert_eq!(inj_address("inj1abc"), "inj1abc");
}
