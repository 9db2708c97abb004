//! `tradebot keys ...`: the wallet key lifecycle, the devops interface. Keys are generated in
//! process or read from stdin as hex or a BIP-39 mnemonic (never argv, never echoed); only
//! addresses are printed.

use std::io::{IsTerminal, Read};

use anyhow::{bail, Context};
use clap::Subcommand;

use crate::config::Settings;
use crate::domain::WalletId;
use crate::vault::wallets::{self, WalletMeta};
use crate::vault::{grant_bot_access, policy, versions, BotAccess, VaultClient, VaultError};
use tradebot_contract::key::PrivateKey;

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
    },
    /// Wallets, addresses, key versions and dates (never key material).
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
    let mount = settings.vault.kv_mount.as_str();
    let access = BotAccess::new(&settings.vault.bots_subnet);
    match cmd {
        KeysCommand::Generate {
            wallet,
            label,
            markets,
        } => generate(&vault, mount, &access, &wallet, label, markets).await,
        KeysCommand::Import {
            wallet,
            new,
            mnemonic,
            label,
            markets,
        } => {
            let what = ImportWhat {
                new,
                mnemonic,
                label,
                markets,
            };
            import(&vault, mount, &access, &wallet, what).await
        }
        KeysCommand::List => list(&vault, mount).await,
        KeysCommand::Rotate { wallet } => rotate(&vault, mount, &wallet).await,
        KeysCommand::Rollback { wallet, to_version } => {
            rollback(&vault, mount, &wallet, to_version).await
        }
        KeysCommand::DestroyVersion { wallet, version } => {
            destroy_version(&vault, mount, &wallet, version).await
        }
    }
}

async fn generate(
    vault: &VaultClient,
    mount: &str,
    access: &BotAccess,
    wallet: &WalletId,
    label: String,
    markets: Vec<String>,
) -> anyhow::Result<()> {
    refuse_existing(vault, mount, wallet).await?;
    let meta = WalletMeta {
        label,
        allowed_markets: check_markets(markets)?,
        ..WalletMeta::default()
    };
    let address = wallets::generate(vault, mount, wallet, &meta).await?;
    ensure_bot_access(vault, access, wallet).await?;
    println!("wallet {wallet}: key generated, version 1, address {address}");
    Ok(())
}

/// What `keys import` was asked to do, besides the wallet.
struct ImportWhat {
    new: bool,
    mnemonic: bool,
    label: String,
    markets: Vec<String>,
}

async fn import(
    vault: &VaultClient,
    mount: &str,
    access: &BotAccess,
    wallet: &WalletId,
    what: ImportWhat,
) -> anyhow::Result<()> {
    let ImportWhat {
        new,
        mnemonic,
        label,
        markets,
    } = what;
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
                ..WalletMeta::default()
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
    ensure_bot_access(vault, access, wallet).await?;
    println!(
        "wallet {wallet}: key imported as version {version}, address {}",
        key.eth_address()
    );
    Ok(())
}

async fn list(vault: &VaultClient, mount: &str) -> anyhow::Result<()> {
    let all = wallets::list(vault, mount).await?;
    if all.is_empty() {
        println!("no wallets");
    }
    println!(
        "{:<16} {:<44} {:>7} {:<22} {:<30} label",
        "wallet", "address", "version", "updated", "markets"
    );
    for w in all {
        println!(
            "{:<16} {:<44} {:>7} {:<22} {:<30} {}",
            w.id,
            w.address,
            w.current_version,
            w.updated_time.get(..19).unwrap_or(&w.updated_time),
            w.allowed_markets.join(","),
            w.label
        );
    }
    Ok(())
}

async fn rotate(vault: &VaultClient, mount: &str, wallet: &WalletId) -> anyhow::Result<()> {
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

async fn rollback(
    vault: &VaultClient,
    mount: &str,
    wallet: &WalletId,
    to_version: u64,
) -> anyhow::Result<()> {
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

async fn destroy_version(
    vault: &VaultClient,
    mount: &str,
    wallet: &WalletId,
    version: u64,
) -> anyhow::Result<()> {
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

/// Writes the wallet's bot policy and token role when the caller may (a Vault admin). A key
/// admin may not, by design (policies/README.md): then say what is missing instead of failing
/// after the key was written.
async fn ensure_bot_access(
    vault: &VaultClient,
    access: &BotAccess,
    wallet: &WalletId,
) -> anyhow::Result<()> {
    match grant_bot_access(vault, wallet, access).await {
        Ok(_) => Ok(()),
        Err(VaultError::Rejected { status: 403, .. }) => {
            eprintln!(
                "note: policy and token role {} not written (this token may not write them); \
                 no bot can start on wallet {wallet} until a Vault admin runs `tradebot vault bootstrap`",
                policy::bot_policy_name(wallet)
            );
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
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
fn read_key_from_stdin(mnemonic: bool) -> anyhow::Result<PrivateKey> {
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
