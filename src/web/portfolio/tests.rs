use rust_decimal_macros::dec;
use serde_json::json;

use super::windows::DAY_MS;
use super::*;
use crate::bots::BotState;
use crate::fills::Flow;

fn view(id: &str, wallet: &str, state: BotState, status: serde_json::Value) -> BotView {
    let shown_state = crate::bots::shown_state(state, Some(&status));
    BotView {
        bot_id: id.into(),
        wallet: wallet.into(),
        market: "INJ/USDT".into(),
        bot_type: "grid".into(),
        operator: "otto".into(),
        launch_id: "l".into(),
        state,
        reason: None,
        started_ms: 0,
        ready_ms: None,
        restarts: 0,
        last_status: Some(status),
        pnl: None,
        container_id: None,
        ended: None,
        shown_state,
    }
}

fn flow(bot: &str, wallet: &str, ts_ms: i64, notional: Decimal, fee: Decimal) -> Flow {
    Flow {
        bot_id: bot.into(),
        wallet: wallet.into(),
        ts_ms,
        notional,
        fee,
    }
}

#[test]
fn sums_are_exact_over_runs_restarts_and_wallets() {
    let d = |s: &str| s.parse::<Decimal>().unwrap();
    let a = view(
        "a",
        "w1",
        BotState::Running,
        json!({"realized_pnl": "0.1", "unrealized_pnl": "0.2", "fees": "0.00000001"}),
    );
    // Restarted twice: the earlier runs' final PnL adds to the current run's.
    let fa = bot_figures(&a, &[Some("1.05".into()), Some("-0.35".into()), None]);
    assert_eq!(fa.total, d("1.0"));
    assert_eq!(fa.earlier_runs, d("0.7"));
    let b = view(
        "b",
        "w1",
        BotState::Failed,
        json!({"realized_pnl": "5", "unrealized_pnl": "5", "fees": "1"}),
    );
    // A failed bot's last status is not a live figure; its runs are archived.
    let fb = bot_figures(&b, &[Some("-0.30000000000000000001".into())]);
    assert_eq!((fb.realized, fb.fees), (Decimal::ZERO, Decimal::ZERO));
    let c = view(
        "c",
        "w2",
        BotState::Running,
        json!({"realized_pnl": 2, "unrealized_pnl": "-0.5", "fees": "-0.01"}),
    );
    let fc = bot_figures(&c, &[]);
    let p = aggregate(&[(a, fa), (b, fb), (c, fc)], &[], (0, 0));
    assert_eq!(p.wallets["w1"].total, d("0.69999999999999999999"));
    assert_eq!(p.wallets["w1"].fees, d("0.00000001"));
    assert_eq!(
        (p.wallets["w1"].bots_running, p.wallets["w1"].bots_failed),
        (1, 1)
    );
    assert_eq!(p.wallets["w2"].total, d("1.5"));
    assert_eq!(p.team.total, d("2.19999999999999999999"));
    assert_eq!(p.team.windows.since_start.pnl, p.team.total);
    assert_eq!(p.team.realized, d("2.1"));
    assert_eq!(p.team.unrealized, d("-0.3"));
    assert_eq!(p.team.fees, d("-0.00999999"));
    assert_eq!(p.team.bots_running, 2);
    let json = serde_json::to_value(&p).unwrap();
    assert_eq!(json["team"]["total"], "2.19999999999999999999");
}

#[test]
fn a_status_older_than_the_current_run_is_not_counted_twice() {
    // Restarting: the new run (from 1000) has not reported; the old run's last status (999)
    // is archived as that run's final PnL.
    let mut b = view(
        "a",
        "w1",
        BotState::Starting,
        json!({"ts_ms": 999, "realized_pnl": "4", "unrealized_pnl": "1", "position": "2"}),
    );
    b.started_ms = 1000;
    let f = bot_figures(&b, &[Some("5".into())]);
    assert_eq!((f.realized, f.total), (Decimal::ZERO, dec!(5)));
    assert!(f.markets.is_empty());
    // Its first status at exactly the run's start counts.
    b.last_status = Some(json!({"ts_ms": 1000, "realized_pnl": "0.5", "unrealized_pnl": "0"}));
    assert_eq!(bot_figures(&b, &[Some("5".into())]).total, dec!(5.5));
}

#[test]
fn positions_and_exposure_are_signed_and_summed_per_market() {
    let s = |pos: &str, mid: Option<&str>| {
        let mut v = json!({"realized_pnl": "0", "unrealized_pnl": "0", "position": pos});
        if let Some(m) = mid {
            v["mid"] = json!(m);
        }
        v
    };
    let long = view("a", "w1", BotState::Running, s("1.5", Some("20.1")));
    let mut short = view("b", "w2", BotState::Running, s("-0.25", Some("20.2")));
    let mut eth = view("c", "w2", BotState::Running, s("0.1", None));
    eth.market = "ETH/USDT".into();
    let stopped = view("d", "w2", BotState::Stopped, s("9", Some("1")));
    let rows: Vec<_> = [long, short.clone(), eth, stopped]
        .into_iter()
        .map(|b| {
            let f = bot_figures(&b, &[]);
            (b, f)
        })
        .collect();
    let p = aggregate(&rows, &[], (0, 0));
    let team = &p.team.markets;
    assert_eq!(team["INJ/USDT"].position, dec!(1.25));
    assert_eq!(team["INJ/USDT"].exposure, Some(dec!(25.1)));
    assert_eq!(
        p.wallets["w2"].markets["INJ/USDT"].exposure,
        Some(dec!(-5.05))
    );
    // No mid yet: the position shows, its exposure is unknown (not 0).
    assert_eq!(team["ETH/USDT"].position, dec!(0.1));
    assert_eq!(team["ETH/USDT"].exposure, None);
    // A flat bot without a mid has an exposure of 0.
    short.last_status = Some(s("0", None));
    assert_eq!(
        bot_figures(&short, &[]).markets["INJ/USDT"].exposure,
        Some(Decimal::ZERO)
    );
}

#[test]
fn volume_and_fees_come_from_the_fills_per_bot_wallet_and_team() {
    let now = 30 * DAY_MS + 5;
    let starts = (windows::day_start(now), windows::week_start(now));
    let a = view("a", "w1", BotState::Running, json!({}));
    let fa = bot_figures(&a, &[]);
    let flows = [
        flow("a", "w1", starts.0, dec!(10.5), dec!(0.01)),
        flow("a", "w1", starts.0 - 1, dec!(1), dec!(-0.001)),
        // A bot no longer listed still counts for its wallet and the team.
        flow("gone", "w3", starts.1 - 1, dec!(100), dec!(0.1)),
    ];
    let p = aggregate(&[(a, fa)], &flows, starts);
    let bot = &p.bots["a"].windows;
    assert_eq!((bot.today.volume, bot.today.fees), (dec!(10.5), dec!(0.01)));
    assert_eq!(
        (bot.days_7.volume, bot.days_7.fees),
        (dec!(11.5), dec!(0.009))
    );
    assert_eq!(p.wallets["w1"].windows, *bot);
    assert_eq!(p.wallets["w3"].windows.since_start.volume, dec!(100));
    assert_eq!(p.wallets["w3"].windows.days_7.volume, Decimal::ZERO);
    assert_eq!(p.team.windows.since_start.volume, dec!(111.5));
    assert_eq!(p.team.windows.since_start.fees, dec!(0.109));
    assert_eq!(p.day_start_ms, 30 * DAY_MS);
}

#[test]
fn paper_balances_are_listed_per_bot_exactly_and_never_summed() {
    let line = |asset: &str, total: &str, available: &str| json!({"asset": asset, "total": total, "available": available});
    let status = |lines: serde_json::Value| json!({"realized_pnl": "0", "balances": lines});
    let a = view(
        "a",
        "w1",
        BotState::Running,
        status(json!([
            line("INJ", "251", "250.5"),
            line("USDT", "9980.040025", "9970.00000000000000000001")
        ])),
    );
    let mut b = view(
        "b",
        "w1",
        BotState::Running,
        status(json!([
            line("USDT", "10000.0", "10000"),
            line("TIA", "x", "1")
        ])),
    );
    b.market = "TIA/USDT-PERP".into();
    // A live bot (no balances), a stopped bot's last status and an earlier run's status: none.
    let live = view("c", "w2", BotState::Running, json!({"realized_pnl": "0"}));
    let stopped = view(
        "d",
        "w2",
        BotState::Stopped,
        status(json!([line("INJ", "1", "1")])),
    );
    let mut restarting = view(
        "e",
        "w3",
        BotState::Running,
        status(json!([line("INJ", "1", "1")])),
    );
    restarting.started_ms = 10;
    restarting.last_status.as_mut().unwrap()["ts_ms"] = json!(9);
    let bots = [a, b, live, stopped, restarting];
    let p = paper_balances(&bots);
    assert_eq!(p.keys().collect::<Vec<_>>(), ["w1"], "{p:?}");
    let w1 = &p["w1"];
    // Two bots' USDT stay two lines (two paper accounts); the unparseable line is left out.
    let rows: Vec<_> = w1
        .iter()
        .map(|l| {
            (
                l.bot_id.as_str(),
                l.market.as_str(),
                l.asset.as_str(),
                l.total,
                l.available,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("a", "INJ/USDT", "INJ", dec!(251), dec!(250.5)),
            (
                "a",
                "INJ/USDT",
                "USDT",
                dec!(9980.040025),
                dec!(9970.00000000000000000001)
            ),
            ("b", "TIA/USDT-PERP", "USDT", dec!(10000), dec!(10000)),
        ]
    );
    // The JSON: exact decimal strings, added next to the existing fields.
    let mut portfolio = aggregate(&[], &[], (0, 0));
    portfolio.paper_balances = p;
    let json = serde_json::to_value(&portfolio).unwrap();
    let usdt = &json["paper_balances"]["w1"][1];
    assert_eq!(usdt["total"], "9980.040025");
    assert_eq!(usdt["available"], "9970.00000000000000000001");
    assert_eq!(json["paper_balances"]["w1"][2]["total"], "10000");
    assert!(json["team"]["total"].is_string() && json["wallets"].is_object());

    // The page: one row per bot and asset, the pointer to the live wallets' balances.
    let page = |p: Portfolio| {
        let chrome = crate::web::view::Chrome {
            user: None,
            active: "portfolio",
        };
        askama::Template::render(&Page {
            chrome,
            p,
            day: String::new(),
        })
        .unwrap()
    };
    let html = page(portfolio);
    assert!(
        html.contains(r#"data-bot="a" data-asset="USDT"><td>w1</td>"#),
        "{html}"
    );
    assert!(
        html.contains(r#"data-field="total">9980.040025<"#),
        "{html}"
    );
    assert!(html.contains(r#"data-field="available">250.5<"#), "{html}");
    assert_eq!(html.matches("data-asset=\"USDT\"").count(), 2, "{html}");
    assert!(html.contains(r#"<a href="/wallets">Wallets</a>"#), "{html}");
    assert!(!html.contains("No running paper bot"), "{html}");
    let empty = page(aggregate(&[], &[], (0, 0)));
    assert!(empty.contains("No running paper bot has reported its balances yet."));
}
