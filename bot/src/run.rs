//! A live run: start the engine (cancel every open order first), say `ready`, then trade until
//! SIGTERM/SIGINT, when it cancels everything, reports a final status and `stopped`.
//! Status events go out every `status_interval_secs`; the stale-data guard runs every second.
//! The run also ends by itself when a TWAP has finished its schedule (exit 0, `finished` then
//! `stopped reason=finished`) and when the bot is stuck: orders refused again and again for one
//! reason halt it (`risk_halt rule=repeated_rejections`), then it stops and exits [`EXIT_STUCK`].

use std::time::Duration;

use tokio::signal::unix::{signal, Signal, SignalKind};

use crate::clock::now_ms;
use crate::engine::{Engine, State};
use crate::events::{Event, Sink};
use crate::exchange::{Exchange, ExchangeError, MarketEvent};
use crate::risk::{Breach, REPEATED_REJECTIONS};
use crate::spec::BotSpec;

/// Exit code of a stuck bot: its orders were refused again and again for one reason (an order
/// size under the market's minimum, a missing balance), so it halted and ended the run. The
/// other codes: 0 stopped or finished, 1 venue failure, 2 bad spec (`main`), 21 permission
/// gone ([`EXIT_PERMISSION_GONE`]), 10-14 start-up
/// (`startup::StartupError::exit_code`); all in docs/BOT_EVENTS.md.
pub const EXIT_STUCK: u8 = 20;

/// Exit code of a bot whose permission to trade is gone: the venue refused its orders because
/// a delegated key's authz grant or fee allowance was revoked, expired or spent. Relaunching
/// cannot help until an operator renews the grant (`tradebot-injective grant`).
pub const EXIT_PERMISSION_GONE: u8 = 21;

/// How a run ended, for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Stopped by a signal, at the end of replayed data or at the end of a TWAP (exit 0).
    Stopped,
    /// The venue failed (exit 1 after cancelling what it could).
    VenueFailed,
    /// Halted on repeated rejections ([`EXIT_STUCK`]).
    Stuck,
    /// The permission to trade is gone ([`EXIT_PERMISSION_GONE`]).
    PermissionGone,
}

impl Outcome {
    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::Stopped => 0,
            Outcome::VenueFailed => 1,
            Outcome::Stuck => EXIT_STUCK,
            Outcome::PermissionGone => EXIT_PERMISSION_GONE,
        }
    }
}

/// Why the loop ended: the `stopped` reason, or the venue's error.
enum End {
    Reason(&'static str),
    VenueFailed(ExchangeError),
}

/// Installs the SIGTERM listener; do this before start-up so an early SIGTERM is not fatal.
pub fn sigterm() -> std::io::Result<Signal> {
    signal(SignalKind::terminate())
}

pub async fn run<E: Exchange, S: Sink>(
    engine: &mut Engine<E, S>,
    spec: &BotSpec,
    term: &mut Signal,
) -> Outcome {
    if let Err(e) = engine.start().await {
        return venue_failed(engine, spec, &e).await;
    }
    engine.sink.emit(&Event::Ready {
        bot_id: spec.bot_id.as_str(),
        wallet: spec.wallet_id.as_str(),
        market: spec.market.as_str(),
        bot_type: spec.bot_type.as_str(),
    });
    let mut status = tokio::time::interval(Duration::from_secs(spec.status_interval_secs));
    status.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut guard = tokio::time::interval(Duration::from_secs(1));
    guard.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let reason = loop {
        let end = tokio::select! {
            biased;
            _ = term.recv() => Some(End::Reason("sigterm")),
            _ = tokio::signal::ctrl_c() => Some(End::Reason("sigint")),
            ev = engine.ex.next_event() => on_event(engine, ev).await,
            _ = status.tick() => {
                engine.report_status();
                None
            }
            _ = guard.tick() => engine.check_stale(now_ms()).await.err().map(End::VenueFailed),
        };
        match end {
            None => {}
            Some(End::Reason(reason)) => break reason,
            Some(End::VenueFailed(e)) => return venue_failed(engine, spec, &e).await,
        }
    };
    if let Err(e) = engine.stop(reason).await {
        engine.sink.emit(&Event::Error {
            bot_id: spec.bot_id.as_str(),
            class: "exchange",
            message: &e.to_string(),
        });
        return Outcome::VenueFailed;
    }
    if reason == REPEATED_REJECTIONS {
        Outcome::Stuck
    } else {
        Outcome::Stopped
    }
}

/// One venue event handled; `Some` when the run ends with it: end of data, a finished
/// strategy, a stuck bot, or the venue failing.
async fn on_event<E: Exchange, S: Sink>(
    engine: &mut Engine<E, S>,
    ev: Result<MarketEvent, ExchangeError>,
) -> Option<End> {
    match ev.map(|ev| engine.handle(ev)) {
        Ok(handled) => match handled.await {
            Ok(true) => {}
            Ok(false) => return Some(End::Reason("end_of_data")),
            Err(e) => return Some(End::VenueFailed(e)),
        },
        Err(e) => return Some(End::VenueFailed(e)),
    }
    match engine.state() {
        State::Finished => Some(End::Reason("finished")),
        State::Halted if engine.halt_reason().is_some_and(Breach::stuck) => {
            Some(End::Reason(REPEATED_REJECTIONS))
        }
        _ => None,
    }
}

/// Ends the run on a venue error: an `error` event (class `exchange`, or `permission` when the
/// bot's grant is gone), a best-effort cancel-all and stop, and the outcome for the exit code.
async fn venue_failed<E: Exchange, S: Sink>(
    engine: &mut Engine<E, S>,
    spec: &BotSpec,
    error: &ExchangeError,
) -> Outcome {
    let (class, reason, outcome) = match error {
        ExchangeError::PermissionGone(_) => {
            ("permission", "permission_gone", Outcome::PermissionGone)
        }
        _ => ("exchange", "exchange_error", Outcome::VenueFailed),
    };
    tracing::error!(class, "venue failed");
    engine.sink.emit(&Event::Error {
        bot_id: spec.bot_id.as_str(),
        class,
        message: &error.to_string(),
    });
    // Best effort: a venue that just failed may still take a cancel.
    let _ = engine.stop(reason).await;
    outcome
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;
    use rust_decimal_macros::dec;
    use serde_json::{json, Value};

    use super::*;
    use crate::events::Collect;
    use crate::exchange::scripted::ScriptedExchange;
    use crate::exchange::BookTop;
    use crate::markets::market;
    use crate::startup::StartupError;

    /// Runs a bot on a scripted venue that refuses every order, over books at (ts, mid).
    async fn run_refused(
        bot_type: &str,
        params: Value,
        books: &[(u64, Decimal)],
    ) -> (Outcome, Collect) {
        let raw = json!({"bot_id": "run-1", "wallet_id": "w", "market": "INJ/USDT",
            "bot_type": bot_type, "params": params});
        let spec = BotSpec::parse(&raw.to_string()).unwrap();
        let mut ex = ScriptedExchange::new(market("INJ/USDT").unwrap());
        ex.reject_with = Some("insufficient quote balance".into());
        for &(ts_ms, mid) in books {
            let top = BookTop {
                bid: mid - dec!(0.001),
                ask: mid + dec!(0.001),
            };
            ex.push(MarketEvent::Book { ts_ms, top });
        }
        let mut engine = Engine::new(ex, Collect::default(), "run-1", &spec.bot_params().unwrap());
        let outcome = run(&mut engine, &spec, &mut sigterm().unwrap()).await;
        (outcome, engine.sink)
    }

    fn kinds(sink: &Collect) -> Vec<String> {
        sink.0
            .iter()
            .map(|e| e["event"].as_str().unwrap().to_owned())
            .collect()
    }

    #[tokio::test]
    async fn a_stuck_bot_halts_stops_and_exits_with_its_own_code() {
        let books: Vec<_> = (1..=10)
            .map(|i| (i, dec!(20) + Decimal::from(i % 2)))
            .collect();
        let params = json!({"levels": 1, "risk": {"max_repeated_rejections": 3}});
        let (outcome, sink) = run_refused("market_maker", params, &books).await;
        assert_eq!((outcome, outcome.exit_code()), (Outcome::Stuck, EXIT_STUCK));
        let k = kinds(&sink);
        assert_eq!(
            k[k.len() - 5..],
            [
                "orders_cancelled",
                "risk_halt",
                "orders_cancelled",
                "status",
                "stopped"
            ]
        );
        let halt = &sink.of("risk_halt")[0];
        assert_eq!(halt["rule"], "repeated_rejections");
        assert_eq!(
            halt["message"],
            "3 orders in a row refused: insufficient quote balance"
        );
        assert_eq!(sink.of("status").last().unwrap()["state"], "halted");
        assert_eq!(sink.of("stopped")[0]["reason"], "repeated_rejections");
        assert_eq!(
            sink.of("order_rejected").len(),
            4,
            "2 books, then it stopped"
        );
    }

    #[tokio::test]
    async fn a_twap_ends_with_its_schedule_and_says_what_it_executed() {
        let params = json!({"total_quantity": 1, "slices": 2, "duration_secs": 10});
        let books = [
            (1_000, dec!(20)),
            (6_000, dec!(20)),
            (11_000, dec!(20)),
            (12_000, dec!(20)),
        ];
        let (outcome, sink) = run_refused("twap", params, &books).await;
        assert_eq!((outcome, outcome.exit_code()), (Outcome::Stopped, 0));
        let k = kinds(&sink);
        assert_eq!(
            k[k.len() - 4..],
            ["finished", "orders_cancelled", "status", "stopped"]
        );
        let f = &sink.of("finished")[0];
        assert_eq!(
            (&f["reason"], &f["executed"], &f["target"]),
            (&json!("schedule_ended"), &json!("0"), &json!("1"))
        );
        assert_eq!(sink.of("status").last().unwrap()["state"], "finished");
        assert_eq!(sink.of("stopped")[0]["reason"], "finished");
    }

    /// A venue whose orders fail with `error` on the first place.
    async fn run_failing(error: ExchangeError) -> (Outcome, Collect) {
        let raw = json!({"bot_id": "run-1", "wallet_id": "w", "market": "INJ/USDT",
            "bot_type": "market_maker", "params": {"levels": 1}});
        let spec = BotSpec::parse(&raw.to_string()).unwrap();
        let mut ex = ScriptedExchange::new(market("INJ/USDT").unwrap());
        ex.fail_place = Some(error);
        let top = BookTop {
            bid: dec!(19.999),
            ask: dec!(20.001),
        };
        ex.push(MarketEvent::Book { ts_ms: 1, top });
        let mut engine = Engine::new(ex, Collect::default(), "run-1", &spec.bot_params().unwrap());
        let outcome = run(&mut engine, &spec, &mut sigterm().unwrap()).await;
        (outcome, engine.sink)
    }

    #[tokio::test]
    async fn a_gone_grant_ends_the_run_with_its_own_code_and_reason() {
        let reason = "the bot key's trading grant (authz) from the granter is missing, expired, revoked or spent (authz 2: authorization not found); renew it with `tradebot-injective grant`";
        let (outcome, sink) = run_failing(ExchangeError::PermissionGone(reason.into())).await;
        assert_eq!(
            (outcome, outcome.exit_code()),
            (Outcome::PermissionGone, EXIT_PERMISSION_GONE)
        );
        let error = &sink.of("error")[0];
        assert_eq!(
            (&error["class"], &error["message"]),
            (&json!("permission"), &json!(reason))
        );
        assert_eq!(sink.of("stopped")[0]["reason"], "permission_gone");
        // Any other refusal is still a venue failure (exit 1).
        let (outcome, sink) = run_failing(ExchangeError::Refused("out of gas".into())).await;
        assert_eq!((outcome, outcome.exit_code()), (Outcome::VenueFailed, 1));
        assert_eq!(sink.of("error")[0]["class"], "exchange");
        assert_eq!(sink.of("stopped")[0]["reason"], "exchange_error");
    }

    #[tokio::test]
    async fn the_end_of_replayed_data_is_a_plain_stop() {
        let (outcome, sink) = run_refused("grid", json!({}), &[]).await;
        assert_eq!((outcome, outcome.exit_code()), (Outcome::Stopped, 0));
        assert_eq!(sink.of("stopped")[0]["reason"], "end_of_data");
    }

    #[test]
    fn every_exit_code_is_distinct() {
        let mut codes = vec![0, 1, 2, EXIT_STUCK, EXIT_PERMISSION_GONE];
        for e in [
            StartupError::Tampering(String::new()),
            StartupError::VaultUnreachable(String::new()),
            StartupError::AccessDenied(String::new()),
            StartupError::MalformedKey,
            StartupError::Config(String::new()),
        ] {
            codes.push(e.exit_code());
        }
        assert_eq!(
            [Outcome::Stopped, Outcome::VenueFailed, Outcome::Stuck].map(Outcome::exit_code),
            [0, 1, EXIT_STUCK]
        );
        let n = codes.len();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), n, "{codes:?}");
    }
}
