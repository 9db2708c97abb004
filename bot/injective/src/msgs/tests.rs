use std::str::FromStr;

use super::outcome::is_order_hash;
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
    // No slot and not listed as failed: the answer says nothing about it, and says so.
    assert_eq!(out.rejected[1].code, None);
    assert_eq!(out.rejected[1].reason, "no order hash in the response");
}

fn sender() -> Address {
    Address::from_bytes([1; 20])
}

fn build(batch: &Batch) -> Result<proto::MsgBatchUpdateOrders, OrderError> {
    batch_update(sender(), sender().subaccount(0), batch, &[spot(), perp()])
}

fn creates(orders: Vec<NewOrder>) -> Batch {
    Batch {
        creates: orders,
        ..Default::default()
    }
}

/// injective-core v2 `MsgBatchUpdateOrders.ValidateBasic`: the top-level subaccount id is the
/// cancel-all subaccount; set without a cancel-all market (or missing with one) it is code 58.
#[test]
fn top_level_subaccount_only_with_cancel_all() {
    let msg = build(&creates(vec![order(&spot(), "a", "25", "1")])).unwrap();
    assert_eq!(msg.sender, sender().to_bech32());
    assert_eq!(msg.subaccount_id, "");
    let cancel = Batch {
        cancels: vec![CancelOrder {
            market_id: spot().market_id,
            cid: "a".into(),
        }],
        ..Default::default()
    };
    assert_eq!(build(&cancel).unwrap().subaccount_id, "");
    let all = Batch {
        cancel_all: vec![spot().market_id],
        ..Default::default()
    };
    let msg = build(&all).unwrap();
    assert_eq!(msg.subaccount_id, sender().subaccount(0).to_hex());
    assert_eq!(msg.spot_market_ids_to_cancel_all, vec![spot().market_id]);
    assert!(msg.derivative_market_ids_to_cancel_all.is_empty());
}

#[test]
fn message_shape_rules_of_the_chain_are_refused_locally() {
    assert_eq!(build(&Batch::default()), Err(OrderError::EmptyBatch));
    let twice = Batch {
        cancel_all: vec![spot().market_id, spot().market_id.to_uppercase()],
        ..Default::default()
    };
    assert!(matches!(build(&twice), Err(OrderError::Duplicate(_))));
    let cancel = |market: &MarketMeta, cid: &str| CancelOrder {
        market_id: market.market_id.clone(),
        cid: cid.into(),
    };
    let overlap = Batch {
        cancels: vec![cancel(&spot(), "a")],
        cancel_all: vec![spot().market_id],
        ..Default::default()
    };
    assert!(matches!(
        build(&overlap),
        Err(OrderError::CancelInCancelAll(_))
    ));
    // A cancel in another market than the cancel-all one is fine.
    let other = Batch {
        cancels: vec![cancel(&spot(), "a")],
        cancel_all: vec![perp().market_id],
        ..Default::default()
    };
    assert!(build(&other).is_ok());
    let dup = Batch {
        cancels: vec![cancel(&spot(), "a"), cancel(&spot(), "a")],
        ..Default::default()
    };
    assert!(matches!(build(&dup), Err(OrderError::Duplicate(_))));
    let same_cid_two_markets = Batch {
        cancels: vec![cancel(&spot(), "a"), cancel(&perp(), "a")],
        ..Default::default()
    };
    assert!(build(&same_cid_two_markets).is_ok());
    let bad = Batch {
        cancels: vec![cancel(&spot(), "")],
        ..Default::default()
    };
    assert_eq!(build(&bad), Err(OrderError::BadCid));
}

#[test]
fn cancels_name_their_market_subaccount_and_cid() {
    let batch = Batch {
        cancels: vec![
            CancelOrder {
                market_id: spot().market_id,
                cid: "s1".into(),
            },
            CancelOrder {
                market_id: perp().market_id,
                cid: "d1".into(),
            },
        ],
        ..Default::default()
    };
    let msg = build(&batch).unwrap();
    let expect = |market: &MarketMeta, cid: &str| proto::OrderData {
        market_id: market.market_id.clone(),
        subaccount_id: sender().subaccount(0).to_hex(),
        order_hash: String::new(),
        order_mask: proto::ORDER_MASK_ANY,
        cid: cid.into(),
    };
    assert_eq!(msg.spot_orders_to_cancel, vec![expect(&spot(), "s1")]);
    assert_eq!(msg.derivative_orders_to_cancel, vec![expect(&perp(), "d1")]);
}

#[test]
fn every_create_carries_its_market_info_and_type() {
    let sell = |m: &MarketMeta, cid: &str, post_only: bool| NewOrder {
        side: Side::Sell,
        post_only,
        ..order(m, cid, "20", "3")
    };
    let batch = creates(vec![
        order(&spot(), "s-bpo", "25", "1"),
        sell(&spot(), "s-s", false),
        NewOrder {
            post_only: false,
            ..order(&perp(), "d-b", "20", "3")
        },
        sell(&perp(), "d-spo", true),
    ]);
    let msg = build(&batch).unwrap();
    let info = |cid: &str, price: &str, qty: &str| proto::OrderInfo {
        subaccount_id: sender().subaccount(0).to_hex(),
        fee_recipient: sender().to_bech32(),
        price: legacy_dec::to_wire(d(price)).unwrap(),
        quantity: legacy_dec::to_wire(d(qty)).unwrap(),
        cid: cid.into(),
    };
    let s = &msg.spot_orders_to_create;
    assert_eq!(s.len(), 2);
    assert!(s.iter().all(|o| o.market_id == spot().market_id));
    assert_eq!(s[0].order_info, Some(info("s-bpo", "25", "1")));
    assert_eq!(s[0].order_type, proto::OrderType::BuyPo as i32);
    assert_eq!(s[1].order_type, proto::OrderType::Sell as i32);
    let dv = &msg.derivative_orders_to_create;
    assert_eq!(dv.len(), 2);
    assert!(dv.iter().all(|o| o.market_id == perp().market_id));
    assert_eq!(dv[0].order_info, Some(info("d-b", "20", "3")));
    assert_eq!(dv[1].order_info, Some(info("d-spo", "20", "3")));
    assert_eq!(dv[0].order_type, proto::OrderType::Buy as i32);
    assert_eq!(dv[1].order_type, proto::OrderType::SellPo as i32);
    // 20 x 3 / leverage 2 = 30.
    assert_eq!(dv[0].margin, legacy_dec::to_wire(d("30")).unwrap());
    assert!(dv.iter().all(|o| o.trigger_price.is_empty()));
}

#[test]
fn derivative_orders_need_a_leverage() {
    let no_leverage = NewOrder {
        leverage: None,
        ..order(&perp(), "d", "20", "1")
    };
    assert_eq!(
        build(&creates(vec![no_leverage])),
        Err(OrderError::MissingLeverage)
    );
    // A spot order ignores the leverage it may carry.
    assert!(build(&creates(vec![order(&spot(), "s", "20", "1")])).is_ok());
}

#[test]
fn margin_scales_with_price_times_quantity() {
    let p = perp();
    assert_eq!(p.margin(d("20"), d("3"), d("2")).unwrap(), d("30"));
    assert_eq!(p.margin(d("20"), d("0.5"), d("4")).unwrap(), d("2.5"));
    // Leverage is capped at 1 / initial margin ratio, where both bounds meet: 60 x 0.1 = 6.
    let tight = MarketMeta {
        initial_margin_ratio: Some(d("0.1")),
        ..perp()
    };
    assert_eq!(tight.margin(d("20"), d("3"), d("10")).unwrap(), d("6"));
    assert!(tight.margin(d("20"), d("3"), d("10.5")).is_err());
    // Leverage exactly 1 and exactly the maximum are allowed.
    assert_eq!(p.margin(d("20"), d("3"), d("1")).unwrap(), d("60"));
    assert_eq!(p.margin(d("20"), d("3"), d("20")).unwrap(), d("3"));
    assert_eq!(
        spot().margin(d("1"), d("1"), d("1")),
        Err(OrderError::MissingLeverage)
    );
    let zero_imr = MarketMeta {
        initial_margin_ratio: Some(Decimal::ZERO),
        ..perp()
    };
    assert_eq!(
        zero_imr.margin(d("20"), d("3"), d("100")).unwrap(),
        d("0.6")
    );
}

#[test]
fn min_notional_is_inclusive_and_uses_price_times_quantity() {
    let m = spot();
    // 0.5 x 2 = 1: exactly the minimum is allowed.
    assert!(m.check(d("0.5"), d("2")).is_ok());
    assert_eq!(
        m.check(d("0.999"), d("1")),
        Err(OrderError::MinNotional(d("0.999"), d("1")))
    );
    assert_eq!(
        build(&creates(vec![order(&m, "x", "0.999", "1")])),
        Err(OrderError::MinNotional(d("0.999"), d("1")))
    );
    assert_eq!(
        m.check(d("0"), d("1")),
        Err(OrderError::PriceTick(d("0"), d("0.001")))
    );
    let zero_tick = MarketMeta {
        price_tick: Decimal::ZERO,
        ..spot()
    };
    assert!(zero_tick.check(d("1"), d("1")).is_err());
    assert_eq!(zero_tick.round_price(d("1.2345"), Side::Buy), d("1.2345"));
}

#[test]
fn cid_rules() {
    assert!(valid_cid("a"));
    assert!(valid_cid(&"x".repeat(36)));
    assert!(!valid_cid(&"x".repeat(37)));
    assert!(!valid_cid(""));
    assert!(!valid_cid("has space"));
    assert!(!valid_cid("tab\t"));
    assert!(!valid_cid("é"));
    let long = order(&spot(), &"x".repeat(37), "25", "1");
    assert_eq!(build(&creates(vec![long])), Err(OrderError::BadCid));
}

#[test]
fn order_hash_shape() {
    let h = format!("0x{}", "aB".repeat(32));
    assert!(is_order_hash(&h));
    assert!(!is_order_hash(&"ab".repeat(33)));
    assert!(!is_order_hash(&format!("0x{}", "ab".repeat(31))));
    assert!(!is_order_hash(&format!("0x{}a", "ab".repeat(32))));
    assert!(!is_order_hash(&format!("0x{}zz", "ab".repeat(31))));
    assert!(!is_order_hash(&format!("1x{}", "ab".repeat(32))));
}

#[test]
fn derivative_outcome_and_cancel_results_are_read() {
    let batch = Batch {
        creates: vec![
            order(&perp(), "ok", "20", "1"),
            order(&perp(), "po", "20", "1"),
        ],
        cancels: vec![
            CancelOrder {
                market_id: spot().market_id,
                cid: "c1".into(),
            },
            CancelOrder {
                market_id: perp().market_id,
                cid: "c2".into(),
            },
            CancelOrder {
                market_id: perp().market_id,
                cid: "c3".into(),
            },
        ],
        ..Default::default()
    };
    let msg = build(&batch).unwrap();
    let hash = format!("0x{}", "cd".repeat(32));
    let resp = proto::MsgBatchUpdateOrdersResponse {
        spot_cancel_success: vec![true],
        derivative_cancel_success: vec![false],
        derivative_order_hashes: vec![hash.clone(), "59".into()],
        created_derivative_orders_cids: vec!["ok".into()],
        failed_derivative_orders_cids: vec!["po".into()],
        ..Default::default()
    };
    let out = read_outcome(&msg, &resp);
    assert_eq!(
        out.placed,
        vec![PlacedOrder {
            cid: "ok".into(),
            market_id: perp().market_id,
            order_hash: hash.clone(),
        }]
    );
    assert_eq!(
        out.rejected,
        vec![RejectedOrder {
            cid: "po".into(),
            market_id: perp().market_id,
            code: Some(59),
            reason: "post-only order exceeds top of book price".into(),
        }]
    );
    // A missing success flag counts as not cancelled.
    assert_eq!(
        out.cancels,
        vec![
            ("c1".into(), true),
            ("c2".into(), false),
            ("c3".into(), false)
        ]
    );
    // A real hash whose cid is listed as failed is not trusted as placed.
    let both = proto::MsgBatchUpdateOrdersResponse {
        derivative_order_hashes: vec![hash.clone(), hash],
        failed_derivative_orders_cids: vec!["po".into()],
        ..Default::default()
    };
    let out = read_outcome(&msg, &both);
    assert_eq!(out.placed.len(), 1);
    assert_eq!(out.rejected[0].cid, "po");
    assert_eq!(out.rejected[0].reason, "rejected by the exchange");
}
