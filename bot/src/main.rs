//! `tradebot-bot run [--dangerous-no-vault]`: one bot per container.
//!
//! Secure start-up first (the wallet key comes from Vault through the wrapping token), then
//! `ready`, then status events until SIGTERM, then `stopped` and exit 0. Start-up failures
//! emit an `error` event and exit with the class's code (docs/SECRETS.md).
//! The trading engine (strategies, risk, paper exchange) plugs in where the status loop is.

use std::process::ExitCode;
use std::time::Duration;

use tradebot_bot::events::{emit, Event};
use tradebot_bot::spec::BotSpec;
use tradebot_bot::startup::{secure_start, WalletKey};

/// Exit code for a spec that cannot be used.
const EXIT_BAD_SPEC: u8 = 2;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let no_vault = args.iter().any(|a| a == "--dangerous-no-vault");
    match args.first().map(String::as_str) {
        None | Some("run") | Some("--dangerous-no-vault") => {}
        Some(other) => {
            eprintln!("tradebot-bot: unknown command {other:?} (run)");
            return ExitCode::from(EXIT_BAD_SPEC);
        }
    }
    let spec = match BotSpec::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("tradebot-bot: {e}");
            return ExitCode::from(EXIT_BAD_SPEC);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("tradebot-bot: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(spec, no_vault))
}

async fn run(spec: BotSpec, no_vault: bool) -> ExitCode {
    let key: Option<WalletKey> = match (&spec.vault, no_vault) {
        (_, true) if spec.exchange == "paper" => {
            eprintln!("tradebot-bot: DANGEROUS: --dangerous-no-vault: running without a wallet key (paper only)");
            None
        }
        (Some(access), false) => match secure_start(access).await {
            Ok(key) => Some(key),
            Err(e) => {
                let message = e.to_string();
                emit(&Event::Error {
                    bot_id: &spec.bot_id,
                    class: e.class(),
                    message: &message,
                });
                eprintln!("tradebot-bot: {message}");
                return ExitCode::from(e.exit_code());
            }
        },
        _ => {
            eprintln!("tradebot-bot: the spec has no vault section (or --dangerous-no-vault with a real exchange)");
            return ExitCode::from(EXIT_BAD_SPEC);
        }
    };
    emit(&Event::Ready {
        bot_id: &spec.bot_id,
        wallet: &spec.wallet_id,
        market: &spec.market,
        bot_type: &spec.bot_type,
    });
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("tradebot-bot: cannot listen for SIGTERM: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut ticker = tokio::time::interval(Duration::from_secs(spec.status_interval_secs));
    let reason = loop {
        tokio::select! {
            _ = ticker.tick() => emit(&Event::Status {
                bot_id: &spec.bot_id, state: "running", open_orders: 0, position: "0", realized_pnl: "0", unrealized_pnl: "0",
            }),
            _ = term.recv() => break "sigterm",
            _ = tokio::signal::ctrl_c() => break "sigint",
        }
    };
    drop(key);
    emit(&Event::Stopped {
        bot_id: &spec.bot_id,
        reason,
    });
    ExitCode::SUCCESS
}
