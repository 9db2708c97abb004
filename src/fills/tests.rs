use rust_decimal_macros::dec;
use serde_json::json;

use super::csv::{cell, to_csv};
use super::*;
use crate::store::Store;

fn origin(bot: &str, launch: &str, wallet: &str) -> Origin {
    Origin {
        bot_id: bot.into(),
        launch_id: launch.into(),
        wallet: wallet.into(),
        market: "INJ/USDT".into(),
        bot_type: "market_maker".into(),
    }
}

fn line(ts: i64, order: u64, qty: &str, position: &str, trade: Option<&str>) -> Value {
    let mut v = json!({"v": 1, "ts_ms": ts, "event": "fill", "bot_id": "b1", "order_id": order,
        "side": "buy", "price": "25.5", "quantity": qty, "fee": "-0.001", "liquidity": "maker",
        "position": position, "realized_pnl": "0"});
    if let Some(t) = trade {
        v["trade_id"] = json!(t);
    }
    v
}

#[test]
fn a_fill_event_parses_and_a_malformed_one_is_refused_in_words() {
    let f = Fill::from_event(&line(7, 3, "0.1", "0.1", None), &origin("b1", "l1", "w1")).unwrap();
    assert_eq!(
        (f.ts_ms, f.side.as_str(), f.price.as_str(), f.fee.as_str()),
        (7, "buy", "25.5", "-0.001")
    );
    assert_eq!((f.order_id.as_str(), f.wallet.as_str()), ("3", "w1"));
    assert_eq!(f.notional(), Some(dec!(2.55)));
    let o = origin("b1", "l1", "w1");
    let bad = |patch: Value| {
        let mut v = line(7, 3, "0.1", "0.1", None);
        for (k, x) in patch.as_object().unwrap() {
            v[k] = x.clone();
        }
        Fill::from_event(&v, &o).unwrap_err()
    };
    assert!(bad(json!({"price": "1,5"})).contains("price is not a decimal"));
    assert!(bad(json!({"fee": ""})).contains("fee is not a decimal"));
    assert!(bad(json!({"side": "long"})).contains("side"));
    assert!(bad(json!({"quantity": "0"})).contains("not positive"));
    assert!(bad(json!({"ts_ms": null})).contains("ts_ms"));
}

#[tokio::test]
async fn a_fill_read_twice_is_stored_once_and_filters_select() {
    let store = Store::memory().await.unwrap();
    let pool = store.pool();
    let o1 = origin("b1", "l1", "w1");
    let lines = [
        line(1_000, 1, "0.1", "0.1", None),
        // Same order, same millisecond and quantity: a second partial fill (position moved).
        line(1_000, 1, "0.1", "0.2", None),
        line(2_000, 2, "0.3", "0.5", Some("77_1")),
    ];
    for pass in 0..2 {
        for l in &lines {
            let added = record(pool, &Fill::from_event(l, &o1).unwrap())
                .await
                .unwrap();
            assert_eq!(added, pass == 0, "pass {pass}");
        }
    }
    // The same trade id in another launch is another fill.
    let o2 = origin("b2", "l2", "w2");
    assert!(record(pool, &Fill::from_event(&lines[2], &o2).unwrap())
        .await
        .unwrap());
    let all = Filter {
        limit: 100,
        ..Filter::default()
    };
    let rows = query(pool, &all).await.unwrap();
    assert_eq!(rows.len(), 4);
    assert!(rows[0].ts_ms >= rows[3].ts_ms, "newest first");
    let w1 = Filter {
        wallet: Some("w1".into()),
        from_ms: Some(1_000),
        to_ms: Some(2_000),
        ..all.clone()
    };
    assert_eq!(query(pool, &w1).await.unwrap().len(), 2, "to is exclusive");
    let paged = Filter {
        limit: 1,
        offset: 3,
        ..all.clone()
    };
    assert_eq!(query(pool, &paged).await.unwrap().len(), 1);
    let flows = flows(pool, 2_000).await.unwrap();
    assert_eq!(flows.len(), 2);
    assert_eq!(
        flows.iter().map(|f| f.notional).sum::<Decimal>(),
        dec!(15.3)
    );
}

#[test]
fn csv_cells_never_become_formulas_but_numbers_stay_numbers() {
    for risky in ["=1+1", "+1", "-1+2", "@SUM(A1)", "-", "-1e3", "\t=1", "-.5"] {
        assert_eq!(cell(risky), format!("'{risky}"), "{risky:?}");
    }
    for plain in ["-0.001", "-12", "25.5", "w1", "INJ/USDT", ""] {
        assert_eq!(cell(plain), plain, "{plain:?}");
    }
    let mut f =
        Fill::from_event(&line(1_000, 1, "2", "2", None), &origin("b1", "l1", "w1")).unwrap();
    f.wallet = "=HYPERLINK(\"x\")".into();
    let text = String::from_utf8(to_csv(&[f]).unwrap()).unwrap();
    let mut r = ::csv::Reader::from_reader(text.as_bytes());
    let row = r.records().next().unwrap().unwrap();
    assert_eq!(&row[2], "'=HYPERLINK(\"x\")");
    assert_eq!((&row[9], &row[10]), ("51", "-0.001"));
}
