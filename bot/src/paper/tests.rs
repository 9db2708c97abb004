//! Matching, fees, balances and margin of the paper venue, on scripted price paths.

use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::*;
use crate::markets::market;

fn venue(market_name: &str, path: &str) -> PaperExchange {
    let m = market(market_name).unwrap();
    let cfg = PaperConfig {
        realtime: false,
        ..PaperConfig::default()
    };
    let feed = Feed::replay_text(path, m.price_tick, m.qty_tick).unwrap();
    PaperExchange::with_feed(m, cfg, feed)
}

async fn fills_until_end(ex: &mut PaperExchange) -> Vec<Fill> {
    let mut out = Vec::new();
    loop {
        match ex.next_event().await.unwrap() {
            MarketEvent::Fill { fill, .. } => out.push(fill),
            MarketEvent::End => return out,
            _ => {}
        }
    }
}

fn order(ex: &PaperExchange, side: Side, price: Decimal, qty: Decimal) -> OrderRequest {
    ex.market().order(side, price, qty).unwrap()
}

#[tokio::test]
async fn resting_order_fills_as_maker_when_the_book_moves_through_it() {
    let mut ex = venue("INJ/USDT", "1,20.000,0.1\n2,19.900,0.1\n");
    let o = order(&ex, Side::Buy, dec!(19.95), dec!(1));
    assert!(matches!(
        ex.place(&[o]).await.unwrap()[0],
        Placed::Accepted(_)
    ));
    let fills = fills_until_end(&mut ex).await;
    assert_eq!(fills.len(), 1);
    let f = fills[0];
    assert_eq!(
        (f.price, f.qty, f.liquidity, f.done),
        (dec!(19.95), dec!(1), Liquidity::Maker, true)
    );
    assert_eq!(f.fee, dec!(19.95) * dec!(0.0005));
    assert_eq!(ex.account().base, dec!(251));
    assert_eq!(ex.account().quote, dec!(10000) - dec!(19.95) - f.fee);
    assert!(ex.open_orders().await.unwrap().is_empty());
}

#[tokio::test]
async fn crossing_order_fills_at_the_touch_as_taker() {
    let mut ex = venue("INJ/USDT", "1,20.000,0.1\n");
    ex.next_event().await.unwrap(); // book 19.998 / 20.002
    let o = order(&ex, Side::Buy, dec!(20.5), dec!(2));
    ex.place(&[o]).await.unwrap();
    let fills = fills_until_end(&mut ex).await;
    assert_eq!(fills.len(), 1);
    assert_eq!(
        (fills[0].price, fills[0].liquidity),
        (dec!(20.002), Liquidity::Taker)
    );
    assert_eq!(fills[0].fee, dec!(20.002) * dec!(2) * dec!(0.001));
}

#[tokio::test]
async fn trade_prints_fill_partially_up_to_their_size() {
    // Book stays at 20 ± 0.002; prints at 20.05 of 0.3 then 0.5 reach an ask at 20.05.
    let mut ex = venue("INJ/USDT", "1,20.000,1\n2,20.050,0.3\n3,20.050,0.5\n");
    ex.next_event().await.unwrap();
    let o = order(&ex, Side::Sell, dec!(20.06), dec!(1));
    ex.place(&[o]).await.unwrap();
    // Mid at 20.05 puts the bid at 20.048 (not through 20.06), the print at 20.05 does not reach it.
    assert!(fills_until_end(&mut ex).await.is_empty());
    let mut ex = venue("INJ/USDT", "1,20.000,1\n2,20.030,0.3\n3,20.030,0.5\n");
    ex.next_event().await.unwrap();
    let o = order(&ex, Side::Sell, dec!(20.03), dec!(1));
    ex.place(&[o]).await.unwrap();
    let fills = fills_until_end(&mut ex).await;
    assert_eq!(
        fills.iter().map(|f| f.qty).collect::<Vec<_>>(),
        vec![dec!(0.3), dec!(0.5)]
    );
    assert!(!fills[1].done);
    assert_eq!(ex.open_orders().await.unwrap()[0].remaining, dec!(0.2));
}

#[tokio::test]
async fn orders_beyond_the_balance_are_rejected() {
    let mut ex = venue("INJ/USDT", "1,20.000,1\n");
    let big = order(&ex, Side::Buy, dec!(19), dec!(600)); // 11,400 USDT > 10,000
    let Placed::Rejected(reason) = &ex.place(&[big]).await.unwrap()[0] else {
        panic!("accepted")
    };
    assert!(reason.contains("insufficient quote"), "{reason}");
    let too_much_base = order(&ex, Side::Sell, dec!(21), dec!(251));
    assert!(matches!(
        ex.place(&[too_much_base]).await.unwrap()[0],
        Placed::Rejected(_)
    ));
}

#[tokio::test]
async fn perpetual_positions_realize_pnl_into_collateral_and_need_margin() {
    let mut ex = venue("INJ/USDT-PERP", "1,20.000,1\n2,21.000,1\n");
    ex.next_event().await.unwrap();
    let long = order(&ex, Side::Buy, dec!(20.5), dec!(10)); // taker at 20.002
    ex.place(&[long]).await.unwrap();
    let pos = ex.position().await.unwrap().unwrap();
    assert_eq!((pos.qty, pos.entry_price), (dec!(10), dec!(20.002)));
    assert_eq!(pos.margin, dec!(20.002)); // 200.02 notional at 10x
    assert_eq!(ex.account().base, Decimal::ZERO, "perps hold no base");
    let close = order(&ex, Side::Sell, dec!(20.9), dec!(10));
    ex.place(&[close]).await.unwrap(); // rests above the 20.002 bid
    let fills = fills_until_end(&mut ex).await;
    assert_eq!(fills.len(), 2);
    assert!(ex.position().await.unwrap().is_none());
    let fees = fills.iter().map(|f| f.fee).sum::<Decimal>();
    assert_eq!(
        ex.account().quote,
        dec!(10000) + (dec!(20.9) - dec!(20.002)) * dec!(10) - fees
    );
    // 10,000 collateral at 10x: 600 * 20 = 12,000 notional needs 1,200 margin: fine; 6,000 INJ is not.
    let huge = order(&ex, Side::Buy, dec!(20), dec!(6000));
    assert!(
        matches!(&ex.place(&[huge]).await.unwrap()[0], Placed::Rejected(r) if r.contains("margin"))
    );
}

#[tokio::test]
async fn cancel_and_cancel_all_remove_orders() {
    let mut ex = venue("TIA/USDT", "1,5.000,1\n");
    let a = order(&ex, Side::Buy, dec!(4.9), dec!(1));
    let b = order(&ex, Side::Sell, dec!(5.1), dec!(1));
    let ids: Vec<OrderId> = ex
        .place(&[a, b, a])
        .await
        .unwrap()
        .into_iter()
        .map(|p| match p {
            Placed::Accepted(id) => id,
            Placed::Rejected(r) => panic!("{r}"),
        })
        .collect();
    assert_eq!(ex.cancel(&ids[..1]).await.unwrap(), vec![ids[0]]);
    assert_eq!(ex.cancel_all().await.unwrap().len(), 2);
    assert!(ex.open_orders().await.unwrap().is_empty());
}

#[tokio::test]
async fn the_seeded_walk_is_deterministic() {
    let run = || async {
        let m = market("INJ/USDT").unwrap();
        let cfg = PaperConfig {
            realtime: false,
            max_steps: Some(200),
            ..PaperConfig::default()
        };
        let mut ex = PaperExchange::new(m, cfg).unwrap();
        let mut evs = Vec::new();
        loop {
            let ev = ex.next_event().await.unwrap();
            if ev == MarketEvent::End {
                return evs;
            }
            evs.push(ev);
        }
    };
    let (a, b) = (run().await, run().await);
    assert_eq!(a, b);
    assert!(a.len() > 200);
}

/// What status events call available is what the funds check allows: a buy that needs exactly
/// the available quote rests, one quantity tick more does not; the same for sells and base.
#[tokio::test]
async fn available_is_the_funds_checks_limit() {
    let mut ex = venue("INJ/USDT", "1,20.000,1\n");
    ex.next_event().await.unwrap(); // 19.998 / 20.002: buys at 10 and sells at 30 rest
    let first = order(&ex, Side::Buy, dec!(10), dec!(499));
    assert!(matches!(
        ex.place(&[first]).await.unwrap()[0],
        Placed::Accepted(_)
    ));
    let open = ex.open_orders().await.unwrap();
    let (base, quote) = ex.account().available(&open, dec!(0.001), ex.top().mid());
    assert_eq!(quote, dec!(10000) - dec!(4990) * dec!(1.001)); // 5005.01
    assert_eq!(base, dec!(250));
    // 10 × 500 × 1.001 = 5005 <= 5005.01 < 10 × 500.001 × 1.001 = 5005.01001.
    let over = order(&ex, Side::Buy, dec!(10), dec!(500.001));
    assert!(matches!(
        ex.place(&[over]).await.unwrap()[0],
        Placed::Rejected(_)
    ));
    let inside = order(&ex, Side::Buy, dec!(10), dec!(500));
    assert!(matches!(
        ex.place(&[inside]).await.unwrap()[0],
        Placed::Accepted(_)
    ));
    let over = order(&ex, Side::Sell, dec!(30), dec!(250.001));
    assert!(matches!(
        ex.place(&[over]).await.unwrap()[0],
        Placed::Rejected(_)
    ));
    let inside = order(&ex, Side::Sell, dec!(30), dec!(250));
    assert!(matches!(
        ex.place(&[inside]).await.unwrap()[0],
        Placed::Accepted(_)
    ));
    let open = ex.open_orders().await.unwrap();
    let (base, quote) = ex.account().available(&open, dec!(0.001), ex.top().mid());
    assert_eq!((base, quote), (dec!(0), dec!(0.01)));
}
