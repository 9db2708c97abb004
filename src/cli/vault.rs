//! `tradebot vault ...`: Vault administration.

use std::path::PathBuf;

use clap::Subcommand;

use crate::config::Settings;
use crate::domain::WalletId;
use crate::vault::BootstrapOptions;

#[derive(Debug, Subcommand)]
pub enum VaultCommand {
    /// Idempotently configure Vault: audit device, KV mount with cas_required, reviewed
    /// policies, token role `bot`, the dashboard's AppRole. A second run reports no changes.
    Bootstrap {
        /// Write the dashboard's AppRole role_id and secret_id (0600) into this directory.
        #[arg(long)]
        approle_dir: Option<PathBuf>,
        /// Issue a new dashboard secret_id even if one is on disk.
        #[arg(long)]
        rotate_secret_id: bool,
        /// Path of the file audit device inside the Vault server.
        #[arg(long, default_value = "/openbao/logs/audit.log")]
        audit_file: String,
        /// Create this wallet with a generated key if it has none (first-run demo).
        #[arg(long)]
        demo_wallet: Option<WalletId>,
    },
}

pub async fn run(cmd: VaultCommand, settings: &Settings) -> anyhow::Result<()> {
    match cmd {
        VaultCommand::Bootstrap {
            approle_dir,
            rotate_secret_id,
            audit_file,
            demo_wallet,
        } => {
            let opts = BootstrapOptions {
                approle_dir,
                rotate_secret_id,
                audit_file_path: audit_file,
                demo_wallet,
                ..BootstrapOptions::default()
            };
            let report = crate::vault::bootstrap(settings, &opts).await?;
            print!("{report}");
            if report.changes.is_empty() {
                println!();
            }
            Ok(())
        }
    }
}
