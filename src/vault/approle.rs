//! The dashboard's AppRole: the role (its token policy, lifetimes and the address range its
//! secret ids and tokens are bound to) and its credential files. A secret id lives
//! [`SECRET_ID_TTL_SECS`]; bootstrap issues a new one when asked (`--rotate-secret-id`), when
//! the one on disk is unknown to Vault, or when less than half its life is left, and then
//! destroys every other secret id of the role, so an old or leaked one logs in no more.

use std::path::Path;

use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};

use super::bootstrap::{BootstrapOptions, BootstrapReport, DASHBOARD_ROLE};
use super::client::VaultClient;
use super::roles::role_matches;
use super::{admin, VaultError};
use crate::private_file::write_private_line;

/// Life of a dashboard secret id: 30 days. Bootstrap (`ops/up`) renews it past half of that.
pub const SECRET_ID_TTL_SECS: u64 = 30 * 24 * 3600;

/// The approle auth method at `mount` and the dashboard's role, created or corrected, then the
/// role's credential files when `opts.approle_dir` is set. `cidrs`: the dashboard's addresses
/// (empty: not bound).
pub async fn dashboard_approle(
    vault: &VaultClient,
    mount: &str,
    cidrs: &[String],
    opts: &BootstrapOptions,
    report: &mut BootstrapReport,
) -> anyhow::Result<()> {
    if !admin::auth_methods(vault).await?.iter().any(|m| m == mount) {
        admin::enable_auth(vault, mount, "approle").await?;
        report
            .changes
            .push(format!("auth method approle at {mount}/"));
    }
    let wanted = admin::AppRoleSpec {
        token_policies: vec!["tradebot-dashboard".into()],
        token_no_default_policy: true,
        token_ttl: 3600,
        token_max_ttl: 86400,
        token_type: "service".into(),
        secret_id_num_uses: 0,
        secret_id_ttl: SECRET_ID_TTL_SECS,
        secret_id_bound_cidrs: cidrs.to_vec(),
        token_bound_cidrs: cidrs.to_vec(),
    };
    let current = admin::approle_role(vault, mount, DASHBOARD_ROLE)
        .await?
        .unwrap_or(Value::Null);
    if !role_matches(&current, &json!(wanted)) {
        admin::set_approle_role(vault, mount, DASHBOARD_ROLE, &wanted).await?;
        let bound = if cidrs.is_empty() {
            "not bound to an address range".to_owned()
        } else {
            format!("bound to {}", cidrs.join(","))
        };
        report
            .changes
            .push(format!("AppRole role {DASHBOARD_ROLE} ({bound})"));
    }
    match &opts.approle_dir {
        Some(dir) => credentials(vault, mount, dir, opts.rotate_secret_id, report).await,
        None => Ok(()),
    }
}

/// The dashboard's AppRole credentials as files in `dir` (mode 0600): `role_id` rewritten when
/// it differs from Vault's, `secret_id` issued when missing, unknown to Vault, past half its
/// life, or when `rotate` is set; every other secret id of the role is then destroyed.
async fn credentials(
    vault: &VaultClient,
    mount: &str,
    dir: &Path,
    rotate: bool,
    report: &mut BootstrapReport,
) -> anyhow::Result<()> {
    let role_id = admin::role_id(vault, mount, DASHBOARD_ROLE)
        .await?
        .ok_or_else(|| anyhow::anyhow!("Vault returned no role id for {DASHBOARD_ROLE}"))?;
    let role_id_file = dir.join("role_id");
    if std::fs::read_to_string(&role_id_file).map_or(true, |s| s.trim() != role_id) {
        write_private_line(&role_id_file, &role_id)?;
        report
            .changes
            .push(format!("wrote {}", role_id_file.display()));
    }
    let secret_id_file = dir.join("secret_id");
    let on_disk = if rotate {
        OnDisk::Replace("rotation asked")
    } else {
        on_disk(vault, mount, &secret_id_file).await?
    };
    let (keep, issued) = match on_disk {
        OnDisk::Keep { accessor } => (accessor, None),
        OnDisk::Replace(why) => {
            let issued = admin::new_secret_id(vault, mount, DASHBOARD_ROLE).await?;
            write_private_line(&secret_id_file, issued.secret_id.expose_secret())?;
            (issued.accessor, Some(why))
        }
    };
    let mut destroyed = 0;
    for accessor in admin::secret_id_accessors(vault, mount, DASHBOARD_ROLE).await? {
        if accessor != keep {
            admin::destroy_secret_id(vault, mount, DASHBOARD_ROLE, &accessor).await?;
            destroyed += 1;
        }
    }
    if let Some(why) = issued {
        report.changes.push(format!(
            "issued a secret id into {} ({why})",
            secret_id_file.display()
        ));
    }
    if destroyed > 0 {
        report.changes.push(format!(
            "destroyed {destroyed} other secret id(s) of AppRole role {DASHBOARD_ROLE}"
        ));
    }
    Ok(())
}

/// What to do with the secret id on disk.
enum OnDisk {
    /// Good for more than half its life; its accessor.
    Keep { accessor: String },
    /// Replace it, for this reason.
    Replace(&'static str),
}

async fn on_disk(vault: &VaultClient, mount: &str, file: &Path) -> anyhow::Result<OnDisk> {
    let Ok(text) = std::fs::read_to_string(file) else {
        return Ok(OnDisk::Replace("none on disk"));
    };
    let secret_id = SecretString::from(text.trim().to_owned());
    let looked = admin::secret_id_lookup(vault, mount, DASHBOARD_ROLE, &secret_id).await;
    match looked {
        Ok(None) | Err(VaultError::Rejected { .. }) => {
            Ok(OnDisk::Replace("the one on disk is unknown to Vault"))
        }
        Ok(Some(found)) if past_half_life(&found.expiry, time::OffsetDateTime::now_utc()) => {
            Ok(OnDisk::Replace("the one on disk is past half its life"))
        }
        Ok(Some(found)) => Ok(OnDisk::Keep {
            accessor: found.accessor,
        }),
        Err(e) => Err(e.into()),
    }
}

/// Whether a secret id expiring at `expiry` (RFC 3339) has less than half of
/// [`SECRET_ID_TTL_SECS`] left at `now`. One that never expires (Vault says
/// `0001-01-01T00:00:00Z`, or nothing) or an unreadable date counts as past: it is replaced by
/// one with a finite life.
fn past_half_life(expiry: &str, now: time::OffsetDateTime) -> bool {
    let format = time::format_description::well_known::Rfc3339;
    let Ok(at) = time::OffsetDateTime::parse(expiry, &format) else {
        return true;
    };
    let half = time::Duration::seconds(i64::try_from(SECRET_ID_TTL_SECS / 2).unwrap_or(i64::MAX));
    at - now < half
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_id_is_renewed_past_half_its_life() {
        let now = time::macros::datetime!(2026-01-01 00:00 UTC);
        assert!(!past_half_life("2026-01-30T00:00:00Z", now));
        assert!(past_half_life("2026-01-10T00:00:00Z", now));
        assert!(past_half_life("2025-12-31T00:00:00.123456789+01:00", now));
        // No expiry at all (an old secret id issued with ttl 0): renewed into a finite one.
        assert!(past_half_life("", now));
        assert!(past_half_life("0001-01-01T00:00:00Z", now));
    }
}
