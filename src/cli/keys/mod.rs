//! `tradebot keys ...`: the key lifecycle, the devops interface. Wallet keys (`wallet.rs`):
//! generated in process or read from stdin as hex or a BIP-39 mnemonic (never argv, never
//! echoed); only addresses are printed. Trade-only bot keys of live wallets (`grant.rs`): one
//! per (wallet, market), generated into Vault, granted batch updates on that one market and a
//! fee allowance by the wallet in one transaction; `list.rs` shows both, grants read from the
//! chain. Bad input exits non-zero with one line and changes nothing.

mod chain;
mod grant;
mod list;
mod wallet;

use anyhow::Context;
use clap::Subcommand;

use crate::config::Settings;
use crate::domain::{MarketId, WalletId};
use crate::vault::{grant_bot_access, policy, BotAccess, VaultClient, VaultError};

pub use grant::GrantArgs;

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a wallet with a key generated here from OS randomness; prints its address.
    Generate {
        #[arg(long)]
        wallet: WalletId,
        #[arg(long, default_value = "")]
        label: String,
        /// Markets bots of this wallet may trade, comma-separated (e.g. INJ/USDT,TIA/USDT).
        #[arg(long, value_delimiter = ',', default_value = "INJ/USDT")]
        markets: Vec<String>,
        #[command(flatten)]
        mode: wallet::ModeArgs,
    },
    /// Import a key from stdin: hex, or with --mnemonic a BIP-39 mnemonic (English, no
    /// passphrase) derived at m/44'/60'/0'/0/0. Without --new the wallet must exist and the key
    /// becomes its next version.
    Import {
        #[arg(long)]
        wallet: WalletId,
        /// Create the wallet (refused if it exists).
        #[arg(long)]
        new: bool,
        /// Read a BIP-39 mnemonic instead of a hex key.
        #[arg(long)]
        mnemonic: bool,
        #[arg(long, default_value = "")]
        label: String,
        #[arg(long, value_delimiter = ',', default_value = "INJ/USDT")]
        markets: Vec<String>,
        #[command(flatten)]
        mode: wallet::ModeArgs,
    },
    /// Wallets (mode, network, address, key versions) and each live wallet's bot keys with
    /// their grant and expiry as the chain holds them (never key material).
    List,
    /// Write a newly generated key as the wallet's next version (check-and-set).
    Rotate {
        #[arg(long)]
        wallet: WalletId,
    },
    /// Make an earlier version current again (written as a new version, check-and-set).
    Rollback {
        #[arg(long)]
        wallet: WalletId,
        #[arg(long)]
        to_version: u64,
    },
    /// Permanently destroy one old version (never the current one).
    DestroyVersion {
        #[arg(long)]
        wallet: WalletId,
        #[arg(long)]
        version: u64,
    },
    /// Give a live wallet's bot on one market its own trade-only key: generate it into Vault,
    /// grant it batch updates on that market and a fee allowance (one tx signed by the wallet),
    /// wait for the block, record the grant in the key's metadata.
    Grant(GrantArgs),
    /// End the trade grant and fee allowance of the bot key of (wallet, market) on chain.
    RevokeGrant {
        #[arg(long)]
        wallet: WalletId,
        #[arg(long)]
        market: MarketId,
        /// An older bot key address of this (wallet, market) to revoke instead (after a
        /// `grant --rotate` and the bot's restart); the recorded grant is left as it is.
        #[arg(long)]
        grantee: Option<String>,
        #[command(flatten)]
        signer: grant::SignerArgs,
    },
}

/// What every subcommand works with.
pub(super) struct Ctx<'a> {
    pub vault: VaultClient,
    pub mount: &'a str,
    pub access: BotAccess,
    pub settings: &'a Settings,
}

pub async fn run(cmd: KeysCommand, settings: &Settings) -> anyhow::Result<()> {
    let token = settings
        .vault
        .token
        .clone()
        .context("a Vault token is required: set TRADEBOT_VAULT__TOKEN_FILE or VAULT_TOKEN")?;
    let vault = VaultClient::new(
        &settings.vault.address,
        settings.vault.ca_cert_file.as_deref(),
        Some(token),
    )?;
    let ctx = Ctx {
        vault,
        mount: settings.vault.kv_mount.as_str(),
        access: BotAccess::new(&settings.vault.bots_subnet),
        settings,
    };
    match cmd {
        KeysCommand::Generate {
            wallet,
            label,
            markets,
            mode,
        } => wallet::generate(&ctx, &wallet, label, markets, mode).await,
        KeysCommand::Import {
            wallet,
            new,
            mnemonic,
            label,
            markets,
            mode,
        } => {
            let what = wallet::ImportWhat {
                new,
                mnemonic,
                label,
                markets,
                mode,
            };
            wallet::import(&ctx, &wallet, what).await
        }
        KeysCommand::List => list::list(&ctx).await,
        KeysCommand::Rotate { wallet } => wallet::rotate(&ctx, &wallet).await,
        KeysCommand::Rollback { wallet, to_version } => {
            wallet::rollback(&ctx, &wallet, to_version).await
        }
        KeysCommand::DestroyVersion { wallet, version } => {
            wallet::destroy_version(&ctx, &wallet, version).await
        }
        KeysCommand::Grant(args) => grant::grant(&ctx, args).await,
        KeysCommand::RevokeGrant {
            wallet,
            market,
            grantee,
            signer,
        } => grant::revoke(&ctx, &wallet, &market, grantee.as_deref(), &signer).await,
    }
}

/// Writes the wallet's bot policies (`bot-<wallet>` for a paper wallet, `bot-<wallet>.<slug>`
/// per bot key of a live one) and token role when the caller may (a Vault admin). A key admin
/// may not, by design (policies/README.md): then say what is missing instead of failing after
/// the key was written.
pub(super) async fn ensure_bot_access(ctx: &Ctx<'_>, wallet: &WalletId) -> anyhow::Result<()> {
    match grant_bot_access(&ctx.vault, ctx.mount, wallet, &ctx.access).await {
        Ok(_) => Ok(()),
        Err(VaultError::Rejected { status: 403, .. }) => {
            eprintln!(
                "note: the bot policies of wallet {wallet} ({}...) and the token role were not \
                 written (this token may not write them); no bot can start on it until a Vault \
                 admin runs `tradebot vault bootstrap`",
                policy::bot_policy_name(wallet)
            );
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}
