//! Alert webhook URLs in Vault: KV v2 mount `alerts/` (created by `vault bootstrap`), one entry
//! per target at `alerts/data/webhooks/<ref>` with one field `url`. A Slack, Discord or
//! Telegram webhook URL is a credential (its path, or the bot token in it), so the dashboard's
//! database keeps only the target's `<ref>` and the URL's host. Policy `tradebot-dashboard`
//! grants read/create/update/delete on `alerts/data/webhooks/*` and delete on
//! `alerts/metadata/webhooks/*` (to destroy every version when a target is removed); no other
//! identity may touch the mount (policies/matrix.toml).

use secrecy::{ExposeSecret, SecretString};

use super::client::{found, from_vaultrs};
use super::{DashboardSession, VaultError};
use crate::alerts::urls::WebhookVault;

/// The KV v2 mount bootstrap enables for alert webhooks.
pub const MOUNT: &str = "alerts";
/// The folder of the webhook entries inside [`MOUNT`].
pub const FOLDER: &str = "webhooks";

/// The KV path (inside [`MOUNT`]) of the URL of the target with reference `url_ref`
/// (lowercase hex or `legacy-<id>`: never a path separator, checked by the caller's type).
pub fn path(url_ref: &str) -> String {
    format!("{FOLDER}/{url_ref}")
}

/// The dashboard's webhook boundary, over its AppRole session.
#[derive(Debug, Clone)]
pub struct VaultWebhooks {
    session: DashboardSession,
}

impl VaultWebhooks {
    pub fn new(session: DashboardSession) -> Self {
        Self { session }
    }
}

/// The KV v2 data of one webhook.
#[derive(serde::Serialize, serde::Deserialize)]
struct UrlData {
    #[serde(serialize_with = "expose")]
    url: SecretString,
}

fn expose<S: serde::Serializer>(s: &SecretString, ser: S) -> Result<S::Ok, S::Error> {
    ser.serialize_str(s.expose_secret())
}

#[async_trait::async_trait]
impl WebhookVault for VaultWebhooks {
    async fn put(&self, url_ref: &str, url: &SecretString) -> Result<(), VaultError> {
        let vault = self.session.client();
        let data = UrlData { url: url.clone() };
        vaultrs::kv2::set(vault.api(), MOUNT, &path(url_ref), &data)
            .await
            .map(|_| ())
            .map_err(|e| from_vaultrs(vault.address(), &format!("{MOUNT}/data"), e))
    }

    async fn get(&self, url_ref: &str) -> Result<Option<SecretString>, VaultError> {
        let vault = self.session.client();
        let r = vaultrs::kv2::read::<UrlData>(vault.api(), MOUNT, &path(url_ref)).await;
        Ok(found(vault.address(), &format!("{MOUNT}/data"), r)?.map(|d| d.url))
    }

    /// Destroys every version and the metadata (a soft delete would leave the URL
    /// recoverable); a missing entry is not an error.
    async fn remove(&self, url_ref: &str) -> Result<(), VaultError> {
        let vault = self.session.client();
        let r = vaultrs::kv2::delete_metadata(vault.api(), MOUNT, &path(url_ref)).await;
        found(vault.address(), &format!("{MOUNT}/metadata"), r).map(|_| ())
    }
}
