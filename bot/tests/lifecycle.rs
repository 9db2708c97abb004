//! The real binary, paper venue, no Vault: SIGTERM cancels every open order, reports a final
//! status and `stopped`, exits 0; bad parameters are refused before any order with one line.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness helpers live outside #[test] fns

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

fn spawn(spec: &Value) -> Child {
    Command::new(env!("CARGO_BIN_EXE_tradebot-bot"))
        .args(["run", "--dangerous-no-vault"])
        .env_clear()
        .env("TRADEBOT_BOT_SPEC", spec.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Every stdout line, parsed, as it arrives.
fn events(child: &mut Child) -> mpsc::Receiver<Value> {
    let (tx, rx) = mpsc::channel();
    let out = BufReader::new(child.stdout.take().unwrap());
    std::thread::spawn(move || {
        for line in out.lines().map_while(Result::ok) {
            let v: Value = serde_json::from_str(&line).expect("stdout carries only JSON events");
            assert_eq!(v["v"], 1);
            if tx.send(v).is_err() {
                return;
            }
        }
    });
    rx
}

fn wait_exit(child: &mut Child, within: Duration) -> i32 {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code().unwrap_or(-1);
        }
        assert!(Instant::now() < deadline, "the bot did not exit in time");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn sigterm_cancels_every_open_order_then_stops() {
    let spec = serde_json::json!({
        "bot_id": "it-1", "wallet_id": "w", "market": "INJ/USDT", "bot_type": "market_maker",
        "status_interval_secs": 1, "params": {"levels": 3}, "paper": {"tick_ms": 50},
    });
    let mut child = spawn(&spec);
    let rx = events(&mut child);
    let first = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(
        (first["event"].as_str(), first["reason"].as_str()),
        (Some("orders_cancelled"), Some("startup"))
    );
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(10)).unwrap()["event"],
        "ready"
    );
    // Wait until the bot is quoting.
    loop {
        let ev = rx.recv_timeout(Duration::from_secs(10)).unwrap();
        if ev["event"] == "status" && ev["open_orders"].as_u64().unwrap() > 0 {
            break;
        }
    }
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let code = wait_exit(&mut child, Duration::from_secs(5));
    let rest: Vec<Value> = rx.iter().collect();
    assert_eq!(code, 0);
    let tail: Vec<&str> = rest
        .iter()
        .rev()
        .take(3)
        .rev()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(tail, ["orders_cancelled", "status", "stopped"], "{rest:?}");
    let n = rest.len();
    let cancelled = &rest[n - 3];
    assert_eq!(cancelled["reason"], "shutdown");
    assert!(
        cancelled["count"].as_u64().unwrap() > 0,
        "it was quoting, so there was something to cancel"
    );
    assert_eq!(
        cancelled["count"].as_u64().unwrap() as usize,
        cancelled["order_ids"].as_array().unwrap().len()
    );
    assert_eq!(rest[n - 2]["open_orders"], 0);
    assert_eq!(rest[n - 1]["reason"], "sigterm");
}

#[test]
fn bad_parameters_are_refused_before_any_order() {
    for (bot_type, params, expect) in [
        (
            "market_maker",
            serde_json::json!({"spread_bps": -1}),
            "spread_bps must be",
        ),
        (
            "market_maker",
            serde_json::json!({"levels": 0}),
            "levels must be",
        ),
        (
            "grid",
            serde_json::json!({"lower_price": 25, "upper_price": 15}),
            "price range inverted",
        ),
        ("scalper", serde_json::json!({}), "unknown bot type"),
    ] {
        let spec = serde_json::json!({
            "bot_id": "it-2", "wallet_id": "w", "market": "INJ/USDT", "bot_type": bot_type, "params": params,
        });
        let out = spawn(&spec).wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(out.stdout.is_empty(), "no event, no order");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(expect), "{stderr}");
    }
}

#[test]
fn backtest_replays_a_trades_file_and_reports() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("trades.csv");
    let mut csv = String::from("ts_ms,price,quantity\n");
    for i in 0..2_000u64 {
        // A slow zigzag between 19.9 and 20.1, one trade a second.
        let px = 19_900 + (i % 200).min(200 - i % 200) * 2;
        csv.push_str(&format!(
            "{},{}.{:03},5\n",
            1_735_689_600_000 + i * 1000,
            px / 1000,
            px % 1000
        ));
    }
    std::fs::write(&file, csv).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tradebot-bot"))
        .args([
            "backtest",
            "--bot-type",
            "grid",
            "--params",
            r#"{"lower_price":19.9,"upper_price":20.1,"levels":5}"#,
        ])
        .arg("--trades")
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["book_updates"], 2_000);
    assert!(r["fills"].as_u64().unwrap() > 10, "{r}");
    for k in ["total_pnl", "fees", "max_drawdown"] {
        assert!(r[k].as_str().unwrap().parse::<f64>().is_ok(), "{k}: {r}");
    }
}

/// Runs a paper bot to its own end (no signal): its exit code and every event.
fn run_to_end(spec: &Value, within: Duration) -> (i32, Vec<Value>) {
    let mut child = spawn(spec);
    let rx = events(&mut child);
    let code = wait_exit(&mut child, within);
    let stderr = std::io::read_to_string(child.stderr.take().unwrap()).unwrap();
    let events: Vec<Value> = rx.iter().collect();
    assert!(!events.is_empty(), "{stderr}");
    (code, events)
}

fn of<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["event"] == kind).collect()
}

#[test]
fn orders_under_the_minimum_notional_again_and_again_halt_the_bot_with_the_reason() {
    // The order size passes the start check at the reference price 20 (0.05 x 20 = 1 USDT), but
    // the replayed market trades near 10: every order is worth 0.5, under the 1 USDT minimum.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("trades.csv");
    let csv: String = (0..400u64)
        .map(|i| {
            format!(
                "{},{},1\n",
                1_000 + i,
                if i % 2 == 0 { "10" } else { "10.1" }
            )
        })
        .collect();
    std::fs::write(&file, csv).unwrap();
    let spec = serde_json::json!({
        "bot_id": "it-3", "wallet_id": "w", "market": "INJ/USDT", "bot_type": "market_maker",
        "params": {"order_size": 0.05}, "paper": {"tick_ms": 20, "replay": file},
    });
    let (code, events) = run_to_end(&spec, Duration::from_secs(10));
    assert_eq!(code, 20, "the stuck bot's exit code: {events:?}");
    let rejected = of(&events, "order_rejected");
    assert_eq!(rejected.len(), 20, "halted at the 20th refusal in a row");
    assert!(rejected.iter().all(|r| r["reason"]
        .as_str()
        .unwrap()
        .ends_with("is below the market minimum 1")));
    let halt = of(&events, "risk_halt");
    assert_eq!(halt.len(), 1);
    assert_eq!(halt[0]["rule"], "repeated_rejections");
    let message = halt[0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("20 orders in a row refused: notional 0.")
            && message.ends_with(" is below the market minimum 1")
            && !message.contains('\n'),
        "{message}"
    );
    let last = events.last().unwrap();
    assert_eq!(
        (&last["event"], &last["reason"]),
        (
            &serde_json::json!("stopped"),
            &serde_json::json!("repeated_rejections")
        )
    );
    assert_eq!(of(&events, "status").last().unwrap()["state"], "halted");
}

#[test]
fn a_twap_whose_slices_are_all_refused_ends_with_its_schedule_and_says_so() {
    // 0.5 USDT of collateral: every buy slice (0.1 INJ, about 2 USDT) is refused by the venue.
    let spec = serde_json::json!({
        "bot_id": "it-4", "wallet_id": "w", "market": "INJ/USDT", "bot_type": "twap",
        "params": {"total_quantity": 0.2, "slices": 2, "duration_secs": 1},
        "paper": {"tick_ms": 20, "initial_quote": 0.5},
    });
    let started = Instant::now();
    let (code, events) = run_to_end(&spec, Duration::from_secs(10));
    assert_eq!(code, 0, "{events:?}");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "not before its schedule ends"
    );
    assert_eq!(of(&events, "order_rejected").len(), 2, "{events:?}");
    let f = of(&events, "finished");
    assert_eq!(f.len(), 1, "{events:?}");
    assert_eq!(
        (&f[0]["reason"], &f[0]["executed"], &f[0]["target"]),
        (
            &serde_json::json!("schedule_ended"),
            &serde_json::json!("0"),
            &serde_json::json!("0.2")
        )
    );
    let tail: Vec<&str> = events[events.len() - 4..]
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(tail, ["finished", "orders_cancelled", "status", "stopped"]);
    assert_eq!(events[events.len() - 2]["state"], "finished");
    assert_eq!(events[events.len() - 1]["reason"], "finished");
}

#[test]
fn a_twap_that_executes_its_target_ends_at_once() {
    // Slices cross the spread: each fills at the touch as soon as it is sent. Each is worth about
    // 2 USDT, so the random walk cannot take it under the 1 USDT minimum within a second.
    let spec = serde_json::json!({
        "bot_id": "it-5", "wallet_id": "w", "market": "INJ/USDT", "bot_type": "twap",
        "params": {"total_quantity": 0.2, "slices": 2, "duration_secs": 1},
        "paper": {"tick_ms": 20},
    });
    let (code, events) = run_to_end(&spec, Duration::from_secs(10));
    assert_eq!(code, 0, "{events:?}");
    assert_eq!(of(&events, "fill").len(), 2, "{events:?}");
    let f = of(&events, "finished");
    assert_eq!(
        (&f[0]["reason"], &f[0]["executed"], &f[0]["target"]),
        (
            &serde_json::json!("completed"),
            &serde_json::json!("0.2"),
            &serde_json::json!("0.2")
        )
    );
    assert_eq!(events.last().unwrap()["reason"], "finished");
}
