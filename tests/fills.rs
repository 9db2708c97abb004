//! Issue 16, fills and portfolio, black-box over HTTPS (real OpenBao, socket proxy, Docker and
//! a paper bot of this build): the fills of a running paper bot are recorded once each, listed
//! by `/api/fills` and the `/fills` page, exported as CSV, and the CSV's rows sum to the
//! portfolio's volume and fees exactly. Bad filters are refused with a sentence. The bot's paper
//! balances in `/api/portfolio` are its starting balances moved by its recorded fills, exactly.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness

#[path = "common/app.rs"]
mod app;
mod common;
#[path = "common/docker.rs"]
mod docker_harness;

use std::time::{Duration, Instant};

use app::spawn_app;
use reqwest::{Method, StatusCode};
use rust_decimal::Decimal;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paper_bots_fills_are_listed_exported_and_sum_to_the_portfolios_volume() {
    let app = spawn_app("fil", &[]).await;
    let (o, v) = (app.operator.clone(), app.viewer.clone());
    let wallet = app.demo_wallet("fil");
    let body = json!({"wallet": wallet, "market": "INJ/USDT", "bot_type": "market_maker",
        "params": {"spread_bps": "10"}});
    let (s, bot) = app.start(&o, &body).await;
    assert_eq!(s, StatusCode::CREATED, "{bot}");
    let id = bot["bot_id"].as_str().unwrap().to_owned();

    // The paper walk prints trades around the mid: the bot's quotes fill within a minute.
    let by_bot = format!("/api/fills?bot={id}&limit=1000");
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let (s, page) = app.call(app.request(Method::GET, &by_bot, Some(&v))).await;
        assert_eq!(s, StatusCode::OK, "{page}");
        if page["fills"].as_array().unwrap().len() >= 2 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no fills from the paper bot: {page}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // While it runs, the page lists them (for a viewer), not to be cached.
    let res = app
        .request(Method::GET, &format!("/fills?bot={id}"), Some(&v))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let html = res.text().await.unwrap();
    assert!(
        html.matches(&format!("data-bot=\"{id}\"")).count() >= 2,
        "{html}"
    );
    bad_filters_are_refused_in_words(&app, &v).await;
    paper_balances_are_the_start_moved_by_the_fills(&app, &id, &wallet).await;

    // Stopped, its fills are final: the list, the CSV and the portfolio agree.
    let (s, stopped) = app
        .call(app.request(Method::POST, &format!("/api/bots/{id}/stop"), Some(&o)))
        .await;
    assert_eq!(s, StatusCode::OK, "{stopped}");
    let (_, page) = app.call(app.request(Method::GET, &by_bot, Some(&v))).await;
    let fills = page["fills"].as_array().unwrap().clone();
    assert_eq!(page["next_page"], Value::Null, "{page}");
    let keys: std::collections::HashSet<String> = fills
        .iter()
        .map(|f| {
            format!(
                "{}/{}/{}/{}/{}",
                f["ts_ms"], f["order_id"], f["quantity"], f["price"], f["trade_id"]
            )
        })
        .collect();
    assert_eq!(keys.len(), fills.len(), "fills stored twice: {fills:?}");
    let ts: Vec<i64> = fills.iter().map(|f| f["ts_ms"].as_i64().unwrap()).collect();
    assert!(ts.windows(2).all(|w| w[0] >= w[1]), "newest first: {ts:?}");
    assert!(fills.iter().all(|f| f["wallet"] == wallet.as_str()));

    let res = app
        .request(Method::GET, "/api/fills.csv", Some(&v))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let text = res.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (price, qty, notional, fee) = (col("price"), col("quantity"), col("notional"), col("fee"));
    let dec = |s: &str| s.parse::<Decimal>().unwrap();
    let (mut volume, mut fees, mut rows) = (Decimal::ZERO, Decimal::ZERO, 0);
    for r in reader.records() {
        let r = r.unwrap();
        assert_eq!(dec(&r[price]) * dec(&r[qty]), dec(&r[notional]), "{r:?}");
        volume += dec(&r[notional]);
        fees += dec(&r[fee]);
        rows += 1;
    }
    assert_eq!(rows, fills.len(), "{text}");
    let (s, p) = app
        .call(app.request(Method::GET, "/api/portfolio", Some(&v)))
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    let num = |x: &Value| dec(x.as_str().unwrap());
    for figures in [&p["team"], &p["wallets"][&wallet], &p["bots"][&id]] {
        let w = &figures["windows"];
        assert_eq!(num(&w["since_start"]["volume"]), volume, "{p}");
        assert_eq!(num(&w["days_7"]["volume"]), volume, "{p}");
        assert_eq!(num(&w["since_start"]["fees"]), fees, "{p}");
    }
    assert!(volume > Decimal::ZERO);
    // The stopped bot's run is archived: since start equals its total, and nothing is open.
    assert_eq!(
        num(&p["team"]["windows"]["since_start"]["pnl"]),
        num(&p["team"]["total"]),
        "{p}"
    );
    assert_eq!(p["team"]["markets"], json!({}), "{p}");
    let portfolio = app.get_text("/portfolio", Some(&v)).await;
    assert!(
        portfolio.contains(&format!("data-field=\"volume\">{}<", volume.normalize())),
        "{portfolio}"
    );
}

/// The running bot's paper balances in `/api/portfolio` (and on `/portfolio`) against its
/// recorded fills: INJ = start + bought − sold, USDT = start − bought notional + sold notional −
/// fees (price × quantity × the paper venue's maker or taker rate), to the last digit. Read when
/// the bot's status held still around the portfolio read and every fill it counts is recorded.
async fn paper_balances_are_the_start_moved_by_the_fills(
    app: &app::TestApp,
    id: &str,
    wallet: &str,
) {
    use tradebot_contract::spec::PaperConfig;
    let cfg = PaperConfig::default(); // the dashboard starts paper bots with the defaults
    let reference = tradebot_contract::markets::market("INJ/USDT")
        .unwrap()
        .reference_price;
    let (base0, quote0) = (
        (cfg.initial_quote / Decimal::TWO / reference).floor(),
        cfg.initial_quote,
    );
    let dec = |x: &Value| x.as_str().unwrap().parse::<Decimal>().unwrap();
    let v = &app.viewer;
    let status = || async {
        let r = app.request(Method::GET, &format!("/api/bots/{id}"), Some(v));
        app.call(r).await.1["bot"]["last_status"].clone()
    };
    for _ in 0..200 {
        let before = status().await;
        let (s, p) = app
            .call(app.request(Method::GET, "/api/portfolio", Some(v)))
            .await;
        assert_eq!(s, StatusCode::OK, "{p}");
        let after = status().await;
        let by_bot = format!("/api/fills?bot={id}&limit=1000");
        let (_, page) = app.call(app.request(Method::GET, &by_bot, Some(v))).await;
        let fills = page["fills"].as_array().unwrap().clone();
        let counted = after["fills"].as_u64().unwrap_or(u64::MAX);
        if before["ts_ms"] != after["ts_ms"] || fills.len() as u64 != counted {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        }
        let (mut base, mut quote) = (base0, quote0);
        for f in &fills {
            let (price, qty) = (dec(&f["price"]), dec(&f["quantity"]));
            let rate = match f["liquidity"].as_str().unwrap() {
                "maker" => cfg.maker_fee,
                "taker" => cfg.taker_fee,
                other => panic!("liquidity {other}"),
            };
            let fee = price * qty * rate;
            // The fill line rounds its fee to 8 places; the balances are exact.
            assert_eq!(dec(&f["fee"]), fee.round_dp(8), "{f}");
            match f["side"].as_str().unwrap() {
                "buy" => (base, quote) = (base + qty, quote - price * qty - fee),
                "sell" => (base, quote) = (base - qty, quote + price * qty - fee),
                other => panic!("side {other}"),
            }
        }
        let lines = p["paper_balances"][wallet].as_array().unwrap();
        let of = |asset: &str| {
            lines
                .iter()
                .find(|l| l["bot_id"] == id && l["asset"] == asset)
                .unwrap_or_else(|| panic!("no {asset} line: {p}"))
        };
        let (inj, usdt) = (of("INJ"), of("USDT"));
        assert_eq!(lines.len(), 2, "{p}");
        assert_eq!(dec(&inj["total"]), base, "{p} {fills:?}");
        assert_eq!(dec(&usdt["total"]), quote, "{p} {fills:?}");
        assert_ne!((base, quote), (base0, quote0), "the fills moved nothing");
        for l in [inj, usdt] {
            assert!(dec(&l["available"]) <= dec(&l["total"]), "{p}");
            assert_eq!(l["market"], "INJ/USDT", "{p}");
        }
        // The bot's status holds the same lines as the portfolio.
        assert_eq!(after["balances"][1]["total"], usdt["total"], "{after}");
        let html = app.get_text("/portfolio", Some(v)).await;
        assert!(
            html.contains(&format!("data-bot=\"{id}\" data-asset=\"USDT\"")),
            "{html}"
        );
        return;
    }
    panic!("the bot's status and fills never held still around a portfolio read");
}

/// 422 and a sentence for each bad value, on the JSON, the CSV and the page.
async fn bad_filters_are_refused_in_words(app: &app::TestApp, viewer: &str) {
    for (path, says) in [
        ("/api/fills?from=yesterday", "is not a UTC time"),
        ("/api/fills?from=2026-11-30&to=2026-11-28", "is after to"),
        (
            "/api/fills?limit=0",
            "limit must be a whole number from 1 to 1000",
        ),
        (
            "/api/fills?limit=1001",
            "limit must be a whole number from 1 to 1000",
        ),
        ("/api/fills.csv?limit=10001", "from 1 to 10000"),
        ("/api/fills.csv?to=30/11/2026", "is not a UTC time"),
    ] {
        let (s, e) = app.call(app.request(Method::GET, path, Some(viewer))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {e}");
        assert!(e["error"].as_str().unwrap().contains(says), "{path}: {e}");
    }
    let (s, _) = app
        .call(app.request(Method::GET, "/api/fills?limit=1000", Some(viewer)))
        .await;
    assert_eq!(s, StatusCode::OK, "the largest limit is allowed");
    let res = app
        .request(Method::GET, "/fills?from=2026-02-30", Some(viewer))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("is not a UTC time"));
    let (s, _) = app.call(app.request(Method::GET, "/api/fills", None)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}
