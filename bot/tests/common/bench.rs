//! Figures of the live Injective adapter and bot on the devnet, printed, never asserted
//! (`ops/bench/injective-live`). Same set-up as the live test: fresh funded accounts, a book
//! of another account around a free price, the bot's key from OpenBao.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::time::{Duration, Instant};

use rust_decimal::Decimal;
use serde_json::Value;
use tradebot_bot::domain::Side as BotSide;
use tradebot_bot::exchange::injective::{InjectiveExchange, InjectiveSpec};
use tradebot_bot::exchange::{Exchange, Placed};
use tradebot_bot::markets::market;
use tradebot_injective::keys::PrivateKey;
use tradebot_injective::msgs::Side;

use super::devnet::devnet;
use super::live::{self, Bot, Vault};

/// p50 and p95 of `samples` (ms), by nearest rank.
pub fn percentiles(samples: &mut [u64]) -> (u64, u64) {
    samples.sort_unstable();
    let at = |q: f64| {
        let rank = ((q * samples.len() as f64).ceil() as usize).clamp(1, samples.len());
        samples[rank - 1]
    };
    (at(0.50), at(0.95))
}

/// Decision to order on book, through the adapter the bot uses (built from a spec, default
/// client settings): from the call to `place` to its return (the tx is in a block), and to the
/// first LCD read that shows the order. Bids far below the book: nothing crosses.
pub async fn placement(key: PrivateKey, n: usize) -> (Vec<u64>, Vec<u64>) {
    let dn = devnet();
    let sub = live::subaccount(&key);
    let spec: InjectiveSpec = serde_json::from_value(serde_json::json!({
        "network": "custom", "market_id": dn.market_inj_usdt, "poll_ms": 300,
        "endpoints": {"chain_id": dn.chain_id, "lcd": dn.lcd, "stream": dn.stream, "rpc": dn.rpc},
    }))
    .unwrap();
    let named = market("INJ/USDT").unwrap();
    let mut ex = InjectiveExchange::from_spec(&spec, &named, key)
        .await
        .unwrap();
    ex.cancel_all().await.unwrap();
    let (bids, _) = live::chain_book().await;
    let base = (bids.last().copied().unwrap_or(Decimal::TEN) / Decimal::TWO).round_dp(2);
    let (mut returned, mut on_book) = (Vec::new(), Vec::new());
    for i in 0..n {
        let price = base - Decimal::new(i as i64, 3);
        let qty = (Decimal::TWO / price).round_dp(3) + Decimal::ONE;
        let order = ex.market().order(BotSide::Buy, price, qty).unwrap();
        let t0 = Instant::now();
        let answer = ex.place(&[order]).await.unwrap();
        returned.push(t0.elapsed().as_millis() as u64);
        assert!(matches!(answer[0], Placed::Accepted(_)), "{answer:?}");
        live::wait_chain(&sub, Duration::from_secs(30), |o| o.len() == i + 1).await;
        on_book.push(t0.elapsed().as_millis() as u64);
    }
    ex.cancel_all().await.unwrap();
    (returned, on_book)
}

/// Unix milliseconds of a block, from CometBFT's header (`2026-11-29T23:55:01.123456789Z`).
pub async fn block_time_ms(height: u64) -> u64 {
    let url = format!("{}/block?height={height}", devnet().rpc);
    let v: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
    let t = v["result"]["block"]["header"]["time"].as_str().unwrap();
    let (date, rest) = t.split_once('T').unwrap();
    let d: Vec<i64> = date.split('-').map(|x| x.parse().unwrap()).collect();
    let (hms, frac) = rest
        .trim_end_matches('Z')
        .split_once('.')
        .unwrap_or((rest, "0"));
    let h: Vec<i64> = hms.split(':').map(|x| x.parse().unwrap()).collect();
    let ms: i64 = format!("{frac:0<3}")[..3].parse().unwrap();
    let days = days_from_civil(d[0], d[1], d[2]);
    let secs = days * 86_400 + h[0] * 3_600 + h[1] * 60 + h[2];
    u64::try_from(secs * 1_000 + ms).unwrap()
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Waits until the bot's open orders (with a bid among them) stayed the same for `quiet`.
async fn settled(sub: &str, quiet: Duration) -> Vec<(String, bool, Decimal, Decimal)> {
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut last = live::chain_orders(sub).await;
    let mut since = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = live::chain_orders(sub).await;
        if now != last {
            (last, since) = (now, Instant::now());
        } else if since.elapsed() >= quiet && last.iter().any(|o| o.1) {
            return last;
        }
        assert!(Instant::now() < deadline, "the bot never settled: {last:?}");
    }
}

/// (VmRSS, VmHWM) of a process, KiB.
pub fn memory_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib = |k: &str| -> u64 {
        status
            .lines()
            .find(|l| l.starts_with(k))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (kib("VmRSS:"), kib("VmHWM:"))
}

/// The bot binary quoting live: its memory after `watch` of quoting, and for `n` crossings
/// of its bid by a taker, fill (block time) to the bot's `fill` event line (its `ts_ms`).
pub async fn live_bot(
    (spec, vault, sub): (&str, &Vault, &str),
    taker_key: PrivateKey,
    n: usize,
    watch: Duration,
) -> ((u64, u64), Vec<u64>) {
    let taker = live::client(taker_key).await;
    let mut bot = Bot::start(spec, &vault.token().await);
    bot.wait_event("ready", Duration::from_secs(90));
    live::wait_chain(sub, Duration::from_secs(60), |o| o.len() == 2).await;
    tokio::time::sleep(watch).await;
    let memory = memory_kib(bot.pid());
    let mut latencies = Vec::new();
    for _ in 0..n {
        // Cross only a settled bot: a fill that lands while it requotes waits for that batch.
        let bids = settled(sub, Duration::from_secs(2)).await;
        let bid = bids.iter().find(|x| x.1).unwrap().clone();
        live::order(&taker, Side::Sell, bid.2, bid.3).await;
        let (fill, _) = bot.wait_event("fill", Duration::from_secs(30));
        let trade = fill["trade_id"].as_str().unwrap();
        let height: u64 = trade.split('_').next().unwrap().parse().unwrap();
        let block = block_time_ms(height).await;
        latencies.push(fill["ts_ms"].as_u64().unwrap().saturating_sub(block));
        // The bot requotes its bid after a fill: wait for the new one.
        live::wait_chain(sub, Duration::from_secs(60), |o| {
            o.iter().any(|x| x.1 && x.0 != bid.0)
        })
        .await;
    }
    let (status, _) = bot.term();
    assert!(status.success());
    (memory, latencies)
}
