//! A live run: start the engine (cancel every open order first), say `ready`, then trade until
//! SIGTERM/SIGINT, when it cancels everything, reports a final status and `stopped`.
//! Status events go out every `status_interval_secs`; the stale-data guard runs every second.

use std::time::Duration;

use tokio::signal::unix::{signal, Signal, SignalKind};

use crate::clock::now_ms;
use crate::engine::Engine;
use crate::events::{Event, Sink};
use crate::exchange::Exchange;
use crate::spec::BotSpec;

/// How a run ended, for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Stopped by a signal or at the end of replayed data (exit 0).
    Stopped,
    /// The venue failed (exit 1 after cancelling what it could).
    VenueFailed,
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
        return venue_failed(engine, spec, &e.to_string()).await;
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
        tokio::select! {
            biased;
            _ = term.recv() => break "sigterm",
            _ = tokio::signal::ctrl_c() => break "sigint",
            ev = engine.ex.next_event() => {
                let handled = match ev {
                    Ok(ev) => engine.handle(ev).await,
                    Err(e) => Err(e),
                };
                match handled {
                    Ok(true) => {}
                    Ok(false) => break "end_of_data",
                    Err(e) => return venue_failed(engine, spec, &e.to_string()).await,
                }
            }
            _ = status.tick() => engine.report_status(),
            _ = guard.tick() => {
                if let Err(e) = engine.check_stale(now_ms()).await {
                    return venue_failed(engine, spec, &e.to_string()).await;
                }
            }
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
    Outcome::Stopped
}

async fn venue_failed<E: Exchange, S: Sink>(
    engine: &mut Engine<E, S>,
    spec: &BotSpec,
    message: &str,
) -> Outcome {
    tracing::error!("venue failed");
    engine.sink.emit(&Event::Error {
        bot_id: spec.bot_id.as_str(),
        class: "exchange",
        message,
    });
    // Best effort: a venue that just failed may still take a cancel.
    let _ = engine.stop("exchange_error").await;
    Outcome::VenueFailed
}
