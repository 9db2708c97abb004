//! Fills are recorded once, however often a bot's output is read: the watcher follows the fake
//! runtime's stdout again after each end of stream (it starts over), and a dashboard restart
//! re-attaches and re-reads both the stream and the output's tail.

use super::*;
use crate::fills::{self, Filter};

fn fill(ts: i64, order: u64, qty: &str, position: &str) -> String {
    format!(
        r#"{{"v":1,"ts_ms":{ts},"event":"fill","bot_id":"x","order_id":{order},"side":"buy","price":"25.1","quantity":"{qty}","fee":"0.01","liquidity":"maker","position":"{position}","realized_pnl":"0"}}"#
    )
}

async fn stored(store: &Store) -> Vec<fills::Fill> {
    let all = Filter {
        limit: 100,
        ..Filter::default()
    };
    fills::query(store.pool(), &all).await.unwrap()
}

#[tokio::test]
async fn fills_read_again_after_a_dashboard_restart_are_stored_once() {
    // Two partial fills of one order in one millisecond (the position tells them apart), and
    // a malformed one (its price is no decimal): skipped, never stored.
    let (f1, f2) = (fill(1_000, 1, "0.5", "0.5"), fill(1_000, 1, "0.5", "1"));
    let bad = r#"{"v":1,"ts_ms":1001,"event":"fill","order_id":2,"side":"buy","price":"x","quantity":"1","fee":"0","liquidity":"maker","position":"1","realized_pnl":"0"}"#;
    let lines = [READY, f1.as_str(), f2.as_str(), bad];
    let m = manager(&lines).await;
    let bot = m.start(request(), "alice").await.unwrap();
    for _ in 0..100 {
        if stored(m.store()).await.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The stream ends and is followed again (from the start, in this fake): still two.
    tokio::time::sleep(Duration::from_millis(1_300)).await;
    let first = stored(m.store()).await;
    assert_eq!(first.len(), 2, "{first:?}");
    assert!(first
        .iter()
        .all(|f| f.launch_id == bot.launch_id && f.wallet == "w1" && f.bot_id == bot.bot_id));

    // A dashboard restart: a new manager on the same database adopts the running container
    // and reads its output again (the stream and the tail).
    let id = BotId::parse(&bot.bot_id).unwrap();
    let who = m.registry().read(&id, |b| b.who.clone()).unwrap();
    let launch = LaunchId::parse(&bot.launch_id).unwrap();
    let m2 = BotManager::new(
        FakeRuntime::new(&lines),
        FakeBroker::default(),
        m.store().clone(),
        config(),
    );
    *m2.inner.runtime.tail.lock().unwrap() = Some(lines.iter().map(|l| (*l).to_owned()).collect());
    *m2.inner.runtime.listed.lock().unwrap() = vec![ContainerInfo {
        id: bot.container_id.clone().unwrap(),
        name: "c".into(),
        labels: super::super::plan::Labels::of(&who, &launch, "t"),
        state: "running".into(),
        exit_code: None,
        oom_killed: false,
    }];
    assert_eq!(m2.recover().await.unwrap(), 1);
    // The new watcher has read the fills (it keeps every fill line in memory, the bad one too).
    for _ in 0..100 {
        if m2.fills(&bot.bot_id).len() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(m2.fills(&bot.bot_id).len() >= 3);
    assert_eq!(stored(m2.store()).await, first);
}
