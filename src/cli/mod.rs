//! Command-line interface: one binary for the dashboard (`serve`) and devops commands.

mod dev;
mod keys;
mod users;
mod users_2fa;
mod vault;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::config::Settings;

#[derive(Debug, Parser)]
#[command(name = "tradebot", version, about = "Control plane for trading bots")]
pub struct Cli {
    /// Configuration file (TOML). Environment variables `TRADEBOT_*` override it.
    #[arg(long, short, env = "TRADEBOT_CONFIG", global = true)]
    pub config: Option<std::path::PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTPS dashboard.
    Serve,
    /// Probe the local dashboard's /healthz (for container healthchecks; no shell in the image).
    Healthcheck {
        #[arg(long, default_value = "https://127.0.0.1:8443/healthz")]
        url: String,
    },
    /// Vault administration (bootstrap of mounts, policies, roles).
    #[command(subcommand)]
    Vault(vault::VaultCommand),
    /// Steps of the dev compose stack (dev only).
    #[command(subcommand)]
    Dev(dev::DevCommand),
    /// Wallet key lifecycle: generate, import, list, rotate, rollback, destroy-version.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Dashboard accounts: add (e.g. the first admin), list, set-role, disable, reset-password,
    /// unlock.
    #[command(subcommand)]
    Users(users::UsersCommand),
}

/// Runs one command to completion on a fresh runtime.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async move {
        match cli.command {
            Command::Healthcheck { url } => crate::web::healthcheck::probe(&url).await,
            Command::Dev(dev::DevCommand::Init {
                vault_tls,
                vault_ca,
                dev_ca,
                proxy_token,
            }) => {
                let dirs = crate::devstack::InitDirs {
                    vault_tls,
                    vault_ca,
                    dev_ca,
                };
                crate::devstack::init(&dirs, &proxy_token)
            }
            command => {
                let settings = Settings::load(cli.config.as_deref())?;
                crate::telemetry::init(&settings.log);
                match command {
                    Command::Serve => crate::web::serve(settings).await,
                    Command::Vault(cmd) => vault::run(cmd, &settings).await,
                    Command::Keys(cmd) => keys::run(cmd, &settings).await,
                    Command::Users(cmd) => users::run(cmd, &settings).await,
                    Command::Dev(cmd) => dev::run(cmd, &settings).await,
                    Command::Healthcheck { .. } => unreachable!("handled above"),
                }
            }
        }
    })
}
