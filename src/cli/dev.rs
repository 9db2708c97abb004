//! `tradebot dev ...`: the dev compose stack's one-shot steps (see `crate::devstack`).

use std::path::PathBuf;

use clap::Subcommand;

use crate::config::Settings;

#[derive(Debug, Subcommand)]
pub enum DevCommand {
    /// Create the Vault dev CA + certificate (renewed when near expiry) and the socket proxy
    /// token (once).
    Init {
        /// Vault's certificate and key (mounted by Vault only).
        #[arg(long, default_value = "/vault-tls")]
        vault_tls: PathBuf,
        /// The dev CA's certificate alone (mounted by Vault's clients).
        #[arg(long, default_value = "/vault-ca")]
        vault_ca: PathBuf,
        /// The dev CA's key (mounted by this step only).
        #[arg(long, default_value = "/dev-ca")]
        dev_ca: PathBuf,
        #[arg(long, default_value = "/proxy-token")]
        proxy_token: PathBuf,
    },
    /// Initialise (first start) and unseal the dev Vault, then run `vault bootstrap`.
    VaultUp {
        /// Dev-only volume for the unseal key and root token.
        #[arg(long, default_value = "/unseal")]
        unseal_dir: PathBuf,
        /// Where the dashboard's AppRole role_id and secret_id are written.
        #[arg(long, default_value = "/approle")]
        approle_dir: PathBuf,
    },
}

pub async fn run(cmd: DevCommand, settings: &Settings) -> anyhow::Result<()> {
    match cmd {
        DevCommand::Init {
            vault_tls,
            vault_ca,
            dev_ca,
            proxy_token,
        } => crate::devstack::init(
            &crate::devstack::InitDirs {
                vault_tls,
                vault_ca,
                dev_ca,
            },
            &proxy_token,
        ),
        DevCommand::VaultUp {
            unseal_dir,
            approle_dir,
        } => {
            let unseal = crate::devstack::UnsealDir(unseal_dir);
            crate::devstack::vault_up(settings, &unseal).await?;
            let mut admin = settings.clone();
            admin.vault.token = Some(crate::devstack::read_root_token(&unseal)?);
            let opts = crate::vault::BootstrapOptions {
                approle_dir: Some(approle_dir),
                demo_wallet: Some(crate::domain::WalletId::parse("demo")?),
                ..crate::vault::BootstrapOptions::default()
            };
            // Bootstrap is idempotent, so a transient failure right after a first unseal (Vault
            // still settling) is retried rather than failing the whole stack.
            let mut attempt = 1;
            loop {
                match crate::vault::bootstrap(&admin, &opts).await {
                    Ok(report) => {
                        println!("{report}");
                        return Ok(());
                    }
                    Err(e) if attempt < 5 => {
                        eprintln!("vault bootstrap attempt {attempt} failed: {e:#}; retrying");
                        attempt += 1;
                        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                    }
                    Err(e) => return Err(e),
                }
            }
        }
    }
}
