//! `tradebot-bot run [--dangerous-no-vault]`: one bot per container.
//! `tradebot-bot backtest [--market M] [--bot-type T] [--params JSON] [--steps N] [--seed S]
//!  [--volatility-bps V] [--trades FILE]`: a strategy over the seeded simulation or recorded
//! trades, as fast as possible; prints a JSON report.
//!
//! Run: spec and parameters are checked first (one line, exit 2, before anything else), then
//! the secure start-up (the wallet key comes from Vault through the wrapping token), then the
//! engine: cancel all open orders, `ready`, trade; SIGTERM cancels all and exits 0.
//! Venue: `paper` (default, no key needed; with an `injective` section on that chain's live
//! book, fills simulated, no tx) or `injective` (the wallet key signs; never with
//! `--dangerous-no-vault`; a delegated key without its grant on chain exits 21 before trading). A venue that cannot be reached or whose market does not match the
//! spec at start-up exits 1 with an `error` event. A TWAP whose schedule is over exits 0; a bot
//! whose orders are refused again and again for one reason halts and exits 20
//! (`run::EXIT_STUCK`). Every exit code: docs/BOT_EVENTS.md.

use std::process::ExitCode;

use tradebot_bot::backtest::{backtest, BacktestConfig};
use tradebot_bot::engine::Engine;
use tradebot_bot::events::{emit, Event, Stdout};
use tradebot_bot::exchange::injective::InjectiveExchange;
use tradebot_bot::exchange::{Exchange, ExchangeError};
use tradebot_bot::markets::require_market;
use tradebot_bot::paper::{PaperConfig, PaperExchange};
use tradebot_bot::run::{run as run_engine, sigterm, EXIT_PERMISSION_GONE};
use tradebot_bot::spec::{BotSpec, ExchangeKind};
use tradebot_bot::startup::{secure_start, PrivateKey};

/// Exit code for a spec (or backtest arguments) that cannot be used.
const EXIT_BAD_SPEC: u8 = 2;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let no_vault = args.iter().any(|a| a == "--dangerous-no-vault");
    let runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    };
    match args.first().map(String::as_str) {
        None | Some("run") | Some("--dangerous-no-vault") => {}
        Some("backtest") => {
            let cfg = match backtest_args(&args[1..]) {
                Ok(c) => c,
                Err(e) => return bad_spec(&e),
            };
            let report = match runtime() {
                Ok(rt) => rt.block_on(backtest(cfg)),
                Err(e) => Err(format!("cannot start the runtime: {e}")),
            };
            return match report
                .and_then(|r| serde_json::to_string_pretty(&r).map_err(|e| e.to_string()))
            {
                Ok(json) => {
                    println!("{json}");
                    ExitCode::SUCCESS
                }
                Err(e) => bad_spec(&e),
            };
        }
        Some(other) => return bad_spec(&format!("unknown command {other:?} (run, backtest)")),
    }
    let spec = match BotSpec::from_env() {
        Ok(s) => s,
        Err(e) => return bad_spec(&e),
    };
    match runtime() {
        Ok(rt) => rt.block_on(run(spec, no_vault)),
        Err(e) => {
            eprintln!("tradebot-bot: cannot start the runtime: {e}");
            ExitCode::FAILURE
        }
    }
}

fn bad_spec(message: &str) -> ExitCode {
    eprintln!("tradebot-bot: {message}");
    ExitCode::from(EXIT_BAD_SPEC)
}

/// The `run` command: SIGTERM listener, wallet key, venue, then the engine until it stops.
async fn run(spec: BotSpec, no_vault: bool) -> ExitCode {
    // Listen before anything slow, so an early SIGTERM still gets an orderly stop.
    let mut term = match sigterm() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("tradebot-bot: cannot listen for SIGTERM: {e}");
            return ExitCode::FAILURE;
        }
    };
    let key = match wallet_key(&spec, no_vault).await {
        Ok(key) => key,
        Err(code) => return code,
    };
    // BotSpec::parse already validated both; these cannot fail here, but stay checked.
    let built = spec
        .bot_params()
        .and_then(|params| Ok((params, require_market(spec.market.as_str())?)));
    let (params, market) = match built {
        Ok(b) => b,
        Err(e) => return bad_spec(&e),
    };
    match (spec.exchange, &spec.injective, key) {
        (ExchangeKind::Injective, Some(inj), Some(key)) => {
            // The key moves into the client's signer: one copy, locked, wiped when the client goes.
            match InjectiveExchange::from_spec(inj, &market, key).await {
                Ok(ex) => {
                    drive(
                        Engine::new(ex, Stdout, spec.bot_id.as_str(), &params),
                        &spec,
                        &mut term,
                    )
                    .await
                }
                Err(e) => venue_unreachable(&spec, &e),
            }
        }
        (ExchangeKind::Injective, ..) => {
            bad_spec("exchange injective needs the wallet key from Vault and an injective section")
        }
        (ExchangeKind::Paper, live, key) => {
            // The paper venue needs no key; on live data it reads the chain and sends nothing.
            drop(key);
            let venue = match live {
                Some(inj) => PaperExchange::on_live_data(market, spec.paper.clone(), inj).await,
                None => {
                    PaperExchange::new(market, spec.paper.clone()).map_err(ExchangeError::Refused)
                }
            };
            match venue {
                Ok(ex) => {
                    drive(
                        Engine::new(ex, Stdout, spec.bot_id.as_str(), &params),
                        &spec,
                        &mut term,
                    )
                    .await
                }
                Err(e) if live.is_none() => bad_spec(&e.to_string()),
                Err(e) => venue_unreachable(&spec, &e),
            }
        }
    }
}

/// The wallet key through the secure start-up, or none for paper with `--dangerous-no-vault`.
/// Errors: the exit code to leave with (the start-up's own code, after an `error` event; or
/// `EXIT_BAD_SPEC` when the spec has no vault section or asks for a real venue without Vault).
async fn wallet_key(spec: &BotSpec, no_vault: bool) -> Result<Option<PrivateKey>, ExitCode> {
    match (&spec.vault, no_vault) {
        (_, true) if spec.exchange == ExchangeKind::Paper => {
            eprintln!("tradebot-bot: DANGEROUS: --dangerous-no-vault: running without a wallet key (paper only)");
            Ok(None)
        }
        (Some(access), false) => match secure_start(access).await {
            Ok(key) => Ok(Some(key)),
            Err(e) => {
                let message = e.to_string();
                emit(&Event::Error {
                    bot_id: spec.bot_id.as_str(),
                    class: e.class(),
                    message: &message,
                });
                eprintln!("tradebot-bot: {message}");
                Err(ExitCode::from(e.exit_code()))
            }
        },
        _ => {
            eprintln!("tradebot-bot: the spec has no vault section (or --dangerous-no-vault with a real exchange)");
            Err(ExitCode::from(EXIT_BAD_SPEC))
        }
    }
}

/// A venue that could not be used at start-up: an `error` event and an exit code. A delegated
/// key without its grant or fee allowance on chain: class `permission`, exit 21
/// (`run::EXIT_PERMISSION_GONE`), before any order; anything else: class `exchange`, exit 1.
fn venue_unreachable(spec: &BotSpec, error: &ExchangeError) -> ExitCode {
    let (class, code) = match error {
        ExchangeError::PermissionGone(_) => ("permission", ExitCode::from(EXIT_PERMISSION_GONE)),
        _ => ("exchange", ExitCode::FAILURE),
    };
    let message = error.to_string();
    emit(&Event::Error {
        bot_id: spec.bot_id.as_str(),
        class,
        message: &message,
    });
    eprintln!("tradebot-bot: {message}");
    code
}

async fn drive<E: Exchange>(
    mut engine: Engine<E, Stdout>,
    spec: &BotSpec,
    term: &mut tokio::signal::unix::Signal,
) -> ExitCode {
    ExitCode::from(run_engine(&mut engine, spec, term).await.exit_code())
}

fn backtest_args(args: &[String]) -> Result<BacktestConfig, String> {
    let mut cfg = BacktestConfig {
        market: "INJ/USDT".into(),
        bot_type: "market_maker".into(),
        params: serde_json::json!({}),
        paper: PaperConfig::default(),
        steps: 1_000_000,
        trades_file: None,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        let num = |v: String| {
            v.parse::<u64>()
                .map_err(|_| format!("{flag}: not a whole number: {v}"))
        };
        match flag.as_str() {
            "--market" => cfg.market = value()?,
            "--bot-type" => cfg.bot_type = value()?,
            "--params" => {
                cfg.params =
                    serde_json::from_str(&value()?).map_err(|e| format!("--params: {e}"))?;
            }
            "--steps" => cfg.steps = num(value()?)?,
            "--seed" => cfg.paper.seed = num(value()?)?,
            "--volatility-bps" => {
                cfg.paper.volatility_bps = value()?
                    .parse()
                    .map_err(|_| "--volatility-bps: not a number".to_owned())?;
            }
            "--trades" => cfg.trades_file = Some(value()?.into()),
            other => return Err(format!("unknown backtest option {other:?}")),
        }
    }
    Ok(cfg)
}
