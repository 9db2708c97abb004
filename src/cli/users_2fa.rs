//! `tradebot users reset-2fa --name NAME`: an admin's reset of a user's second factor from
//! the command line (the same as the Users page's button): the TOTP key is deleted in Vault
//! through the dashboard's own AppRole, then the database forgets the enrolment, the
//! passkeys, the recovery codes and any half-finished sign-in. Audited as actor `cli`.

use anyhow::{bail, Context};

use crate::audit::{self, actions, Entry, Outcome};
use crate::auth::second_factor::{self, TotpVault};
use crate::auth::users::{self, UserName};
use crate::config::Settings;
use crate::store::Store;
use crate::vault::{connect_dashboard, VaultTotp};

pub async fn reset(store: &Store, settings: &Settings, name: &UserName) -> anyhow::Result<()> {
    let pool = store.pool();
    let Some((user, _)) = users::by_name(pool, name.as_str()).await? else {
        bail!("there is no user {name}");
    };
    let session = connect_dashboard(&settings.vault)
        .await
        .context("cannot reach Vault to delete the TOTP key (nothing was changed)")?;
    VaultTotp::new(session)
        .delete(name.as_str())
        .await
        .context("Vault did not delete the TOTP key (nothing was changed)")?;
    second_factor::reset(pool, user.id).await?;
    let entry = Entry {
        actor: "cli",
        action: actions::SECOND_FACTOR_RESET,
        target: name.as_str(),
        ip: None,
        details: serde_json::json!({}),
        result: Outcome::Ok,
    };
    audit::record(pool, entry).await?;
    println!("{name}: second factor removed; they will set one up again if their role requires it");
    Ok(())
}
