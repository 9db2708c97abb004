//! Wallet keys: generate, import (hex or mnemonic from stdin), rotate, roll back, destroy a
//! version. A wallet is paper or live (`--mode`), and names its network (`--network`, checked
//! against the settings' networks); a live wallet must name one.

use std::io::{IsTerminal, Read};

use anyhow::{bail, Context};

use super::{ensure_bot_access, Ctx};
use crate::config::networks;
use crate::domain::WalletId;
use crate::vault::wallets::{self, WalletMeta, WalletMode};
use crate::vault::{versions, VaultClient};
use tradebot_contract::key::PrivateKey;

/// `--mode` and `--network` of a new wallet.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ModeArgs {
    /// paper (simulated fills) or live (real orders on --network). Default: paper.
    #[arg(long)]
    mode: Option<String>,
    /// mainnet, testnet or a network of the settings' [networks] (e.g. devnet); required for
    /// a live wallet.
    #[arg(long)]
    network: Option<String>,
}

impl ModeArgs {
    /// The checked mode and network. Errors (one line): an unknown mode or network, a live
    /// wallet without a network.
    fn check(&self, ctx: &Ctx<'_>) -> anyhow::Result<(WalletMode, Option<String>)> {
        let mode = match &self.mode {
            Some(m) => WalletMode::parse(m).map_err(anyhow::Error::msg)?,
            None => WalletMode::Paper,
        };
        if let Some(name) = &self.network {
            networks::resolve(&ctx.settings.networks, name).map_err(anyhow::Error::msg)?;
        }
        if mode == WalletMode::Live && self.network.is_none() {
            bail!("a live wallet needs --network (mainnet, testnet or a configured network)");
        }
        Ok((mode, self.network.clone()))
    }

    fn given(&self) -> bool {
        self.mode.is_some() || self.network.is_some()
    }
}

pub(super) async fn generate(
    ctx: &Ctx<'_>,
    wallet: &WalletId,
    label: String,
    markets: Vec<String>,
    mode: ModeArgs,
) -> anyhow::Result<()> {
    let (vault, mount) = (&ctx.vault, ctx.mount);
    let (mode, network) = mode.check(ctx)?;
    let allowed_markets = check_markets(markets)?;
    refuse_existing(vault, mount, wallet).await?;
    let meta = WalletMeta {
        label,
        allowed_markets,
        mode,
        network,
    };
    let address = wallets::generate(vault, mount, wallet, &meta).await?;
    ensure_bot_access(ctx, wallet).await?;
    println!("wallet {wallet}: key generated, version 1, address {address}");
    Ok(())
}

/// What `keys import` was asked to do, besides the wallet.
pub(super) struct ImportWhat {
    pub new: bool,
    pub mnemonic: bool,
    pub label: String,
    pub markets: Vec<String>,
    pub mode: ModeArgs,
}

pub(super) async fn import(
    ctx: &Ctx<'_>,
    wallet: &WalletId,
    what: ImportWhat,
) -> anyhow::Result<()> {
    let (vault, mount) = (&ctx.vault, ctx.mount);
    let ImportWhat {
        new,
        mnemonic,
        label,
        markets,
        mode,
    } = what;
    if !new && mode.given() {
        bail!("--mode and --network are set when a wallet is created (with --new)");
    }
    let (mode, network) = mode.check(ctx)?;
    let current = wallets::current_version(vault, mount, wallet).await?;
    match (new, current) {
        (true, Some(_)) => {
            bail!("wallet {wallet} already exists: import without --new to add a version")
        }
        (false, None) => bail!("wallet {wallet} does not exist: add --new to create it"),
        _ => {}
    }
    let key = read_key_from_stdin(mnemonic)?;
    let meta = new
        .then(|| {
            check_markets(markets).map(|allowed_markets| WalletMeta {
                label,
                allowed_markets,
                mode,
                network,
            })
        })
        .transpose()?;
    let version = write_version(
        vault,
        mount,
        wallet,
        &key,
        current.unwrap_or(0),
        meta.as_ref(),
    )
    .await?;
    ensure_bot_access(ctx, wallet).await?;
    println!(
        "wallet {wallet}: key imported as version {version}, address {}",
        key.eth_address()
    );
    Ok(())
}

pub(super) async fn rotate(ctx: &Ctx<'_>, wallet: &WalletId) -> anyhow::Result<()> {
    let (vault, mount) = (&ctx.vault, ctx.mount);
    let current = existing_version(vault, mount, wallet).await?;
    let key = PrivateKey::generate();
    let version = write_version(vault, mount, wallet, &key, current, None).await?;
    println!(
        "wallet {wallet}: rotated to version {version}, address {}",
        key.eth_address()
    );
    println!("next: fund the new address, restart the wallet's bots, then `tradebot keys destroy-version --wallet {wallet} --version {current}`");
    Ok(())
}

pub(super) async fn rollback(
    ctx: &Ctx<'_>,
    wallet: &WalletId,
    to_version: u64,
) -> anyhow::Result<()> {
    let (vault, mount) = (&ctx.vault, ctx.mount);
    let current = existing_version(vault, mount, wallet).await?;
    if to_version == current {
        bail!("version {to_version} is already current");
    }
    let key = wallets::read_key(vault, mount, wallet, Some(to_version))
        .await?
        .with_context(|| {
            format!("version {to_version} of wallet {wallet} does not exist or was destroyed")
        })?;
    let version = write_version(vault, mount, wallet, &key, current, None).await?;
    println!(
        "wallet {wallet}: version {to_version} is current again as version {version}, address {}",
        key.eth_address()
    );
    Ok(())
}

pub(super) async fn destroy_version(
    ctx: &Ctx<'_>,
    wallet: &WalletId,
    version: u64,
) -> anyhow::Result<()> {
    let (vault, mount) = (&ctx.vault, ctx.mount);
    let current = existing_version(vault, mount, wallet).await?;
    if version == current {
        bail!("version {version} is the current key of wallet {wallet}: rotate or roll back first");
    }
    if version == 0 || version > current {
        bail!("wallet {wallet} has no version {version}");
    }
    vault
        .write(
            &format!("{mount}/destroy/{wallet}"),
            &serde_json::json!({ "versions": [version] }),
        )
        .await?;
    println!("wallet {wallet}: version {version} destroyed");
    Ok(())
}

async fn refuse_existing(
    vault: &VaultClient,
    mount: &str,
    wallet: &WalletId,
) -> anyhow::Result<()> {
    if wallets::current_version(vault, mount, wallet)
        .await?
        .is_some()
    {
        bail!("wallet {wallet} already exists: use `keys rotate` for a new key");
    }
    Ok(())
}

async fn existing_version(
    vault: &VaultClient,
    mount: &str,
    wallet: &WalletId,
) -> anyhow::Result<u64> {
    wallets::current_version(vault, mount, wallet)
        .await?
        .with_context(|| format!("wallet {wallet} does not exist"))
}

/// Writes `key` as the wallet's next version, unless that would purge a version nobody
/// destroyed (`versions::purge_risk`): then nothing is written and the reason is the error.
async fn write_version(
    vault: &VaultClient,
    mount: &str,
    wallet: &WalletId,
    key: &PrivateKey,
    current: u64,
    meta: Option<&WalletMeta>,
) -> anyhow::Result<u64> {
    if current > 0 {
        if let Some(reason) = versions::purge_risk(vault, mount, wallet).await? {
            bail!("{reason}");
        }
    }
    Ok(wallets::write_key(vault, mount, wallet, key, current, meta).await?)
}

/// Market ids are `BASE/QUOTE` or `BASE/QUOTE-PERP`, upper-case letters and digits.
fn check_markets(markets: Vec<String>) -> anyhow::Result<Vec<String>> {
    for m in &markets {
        let body = m.strip_suffix("-PERP").unwrap_or(m);
        let ok = body.split_once('/').is_some_and(|(b, q)| {
            [b, q].iter().all(|s| {
                !s.is_empty()
                    && s.len() <= 12
                    && s.bytes()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            })
        });
        if !ok {
            bail!("invalid market {m:?}: use BASE/QUOTE or BASE/QUOTE-PERP, e.g. INJ/USDT");
        }
    }
    Ok(markets)
}

/// The most read from stdin for a key (a 24-word mnemonic is under 250 bytes).
const STDIN_LIMIT: u64 = 4096;

/// Reads a key from stdin, hex or (with `mnemonic`) a BIP-39 phrase; on a terminal without
/// echo. The text stays in a zeroizing buffer; errors never echo it.
pub(super) fn read_key_from_stdin(mnemonic: bool) -> anyhow::Result<PrivateKey> {
    let what = if mnemonic { "mnemonic" } else { "key" };
    let text = if std::io::stdin().is_terminal() {
        let prompt = if mnemonic {
            "mnemonic (words separated by spaces, not echoed): "
        } else {
            "private key (hex, not echoed): "
        };
        zeroize::Zeroizing::new(
            rpassword::prompt_password(prompt)
                .with_context(|| format!("cannot read the {what}"))?,
        )
    } else {
        // Room for the whole read up front: a growing String would leave unwiped copies.
        let mut buf = zeroize::Zeroizing::new(String::with_capacity(STDIN_LIMIT as usize));
        std::io::stdin()
            .take(STDIN_LIMIT)
            .read_to_string(&mut buf)
            .with_context(|| format!("cannot read the {what} from stdin"))?;
        buf
    };
    Ok(if mnemonic {
        PrivateKey::from_mnemonic(&text)?
    } else {
        PrivateKey::from_hex(&text)?
    })
}
