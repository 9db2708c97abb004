use std::str::FromStr;

use super::*;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

pub(crate) fn spot() -> MarketMeta {
    MarketMeta {
        market_id: "0xa508cb32923323679f29a032c70342c147c17d0145625922b0ef22e955c844c0".into(),
        kind: MarketKind::Spot,
        ticker: "INJ/USDT".into(),
        base_denom: Some("inj".into()),
        quote_denom: "peggy0xdAC17F958D2ee523a2206206994597C13D831ec7".into(),
        base_decimals: Some(18),
        quote_decimals: 6,
        price_tick: d("0.001"),
        quantity_tick: d("0.001"),
        min_notional: d("1"),
        maker_fee_rate: d("-0.0001"),
        taker_fee_rate: d("0.0005"),
        initial_margin_ratio: None,
        active: true,
    }
}

fn perp() -> MarketMeta {
    MarketMeta {
        market_id: "0x9b9980167ecc3645ff1a5517886652d94a0825e54a77d2057cbbe3ebee015963".into(),
        kind: MarketKind::Derivative,
        ticker: "INJ/USDT PERP".into(),
        base_denom: None,
        base_decimals: None,
        initial_margin_ratio: Some(d("0.05")),
        ..spot()
    }
}

fn order(market: &MarketMeta, cid: &str, price: &str, qty: &str) -> NewOrder {
    NewOrder {
        market_id: market.market_id.clone(),
        side: Side::Buy,
        price: d(price),
        quantity: d(qty),
        post_only: true,
        cid: cid.into(),
        leverage: Some(d("2")),
    }
}

#[test]
fn tick_and_notional_checks() {
    let m = spot();
    assert!(m.check(d("25.001"), d("0.1")).is_ok());
    assert!(matches!(
        m.check(d("25.0005"), d("0.1")),
        Err(OrderError::PriceTick(..))
    ));
    assert!(matches!(
        m.check(d("25"), d("0.0001")),
        Err(OrderError::QuantityTick(..))
    ));
    assert!(matches!(
        m.check(d("0.5"), d("1")),
        Err(OrderError::MinNotional(..))
    ));
    assert!(m.check(d("-1"), d("1")).is_err());
    assert_eq!(m.round_price(d("25.0005"), Side::Buy), d("25"));
    assert_eq!(m.round_price(d("25.0005"), Side::Sell), d("25.001"));
    assert_eq!(m.round_quantity(d("1.23456")), d("1.234"));
}

#[test]
fn margin_from_leverage_never_below_initial_ratio() {
    let p = perp();
    assert_eq!(p.margin(d("20"), d("1"), d("2")).unwrap(), d("10"));
    assert_eq!(p.margin(d("20"), d("1"), d("20")).unwrap(), d("1"));
    assert!(p.margin(d("20"), d("1"), d("21")).is_err());
    assert!(p.margin(d("20"), d("1"), d("0.5")).is_err());
    // Rounded up to quote decimals.
    assert_eq!(p.margin(d("1"), d("1"), d("3")).unwrap(), d("0.333334"));
}

#[test]
fn batch_encodes_wire_values_and_kinds() {
    let (s, p) = (spot(), perp());
    let sender = Address::from_bytes([1; 20]);
    let batch = Batch {
        creates: vec![order(&s, "a1", "25.5", "0.1"), order(&p, "b1", "20", "1")],
        cancels: vec![CancelOrder {
            market_id: s.market_id.clone(),
            cid: "old".into(),
        }],
        cancel_all: vec![p.market_id.clone()],
    };
    let msg = batch_update(
        sender,
        sender.subaccount(0),
        &batch,
        &[s.clone(), p.clone()],
    )
    .unwrap();
    let so = &msg.spot_orders_to_create[0];
    assert_eq!(so.order_type, proto::OrderType::BuyPo as i32);
    let info = so.order_info.as_ref().unwrap();
    assert_eq!(info.price, "25500000000000000000");
    assert_eq!(info.quantity, "100000000000000000");
    assert_eq!(
        msg.derivative_orders_to_create[0].margin,
        "10000000000000000000"
    );
    assert_eq!(msg.spot_orders_to_cancel[0].cid, "old");
    assert_eq!(
        msg.derivative_market_ids_to_cancel_all,
        vec![p.market_id.clone()]
    );
    assert!(msg.spot_market_ids_to_cancel_all.is_empty());

    let dup = Batch {
        creates: vec![order(&s, "x", "25", "1"), order(&s, "x", "25", "1")],
        ..Default::default()
    };
    assert_eq!(
        batch_update(sender, sender.subaccount(0), &dup, std::slice::from_ref(&s)),
        Err(OrderError::BadCid)
    );
    let unknown = Batch {
        cancel_all: vec!["0xdead".into()],
        ..Default::default()
    };
    assert!(matches!(
        batch_update(sender, sender.subaccount(0), &unknown, &[s]),
        Err(OrderError::UnknownMarket(_))
    ));
}

#[test]
fn failed_cids_are_rejected_never_placed() {
    let s = spot();
    let sender = Address::from_bytes([1; 20]);
    let batch = Batch {
        creates: vec![
            order(&s, "ok", "25", "1"),
            order(&s, "bad", "25", "1"),
            order(&s, "gone", "25", "1"),
        ],
        ..Default::default()
    };
    let msg = batch_update(sender, sender.subaccount(0), &batch, &[s]).unwrap();
    let hash = format!("0x{}", "ab".repeat(32));
    let resp = proto::MsgBatchUpdateOrdersResponse {
        spot_order_hashes: vec![hash.clone(), "6".into()],
        created_spot_orders_cids: vec!["ok".into()],
        failed_spot_orders_cids: vec!["bad".into()],
        ..Default::default()
    };
    let out = read_outcome(&msg, &resp);
    assert_eq!(out.placed.len(), 1);
    assert_eq!(out.placed[0].order_hash, hash);
    assert_eq!(out.rejected.len(), 2);
    assert_eq!(out.rejected[0].cid, "bad");
    assert_eq!(out.rejected[0].code, Some(6));
    assert_eq!(
        out.rejected[0].reason,
        "subaccount has insufficient deposits"
    );
    assert_eq!(out.rejected[1].cid, "gone");
}
