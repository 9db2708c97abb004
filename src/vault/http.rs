//! The dashboard's session with Vault: AppRole login (role id and secret id from files).

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use super::client::{from_vaultrs, VaultClient};
use super::VaultError;
use crate::config::VaultSettings;

/// The dashboard's authenticated session with Vault. Clones share one token; `keep_alive`
/// renews it at half its lease and logs in again when renewal can no longer extend it (the
/// role's max TTL) or fails, so a dashboard that runs for weeks never holds an expired token.
#[derive(Debug, Clone)]
pub struct DashboardSession {
    current: Arc<RwLock<Current>>,
    login: Arc<Login>,
}

#[derive(Debug)]
struct Current {
    client: VaultClient,
    lease: Duration,
}

/// What a fresh login needs. Debug shows only the file paths.
#[derive(Debug)]
struct Login {
    anonymous: VaultClient,
    /// The AppRole mount (`approle`) and the login path under it, for errors.
    mount: String,
    path: String,
    role_id_file: PathBuf,
    secret_id_file: PathBuf,
}

impl DashboardSession {
    pub fn address(&self) -> String {
        self.snapshot().client.address().to_owned()
    }

    /// The lease of the current token.
    pub fn lease(&self) -> Duration {
        self.snapshot().lease
    }

    /// A client carrying the current token (cheap: the HTTP pool is shared).
    pub fn client(&self) -> VaultClient {
        self.snapshot().client
    }

    fn snapshot(&self) -> Current {
        let guard = self
            .current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Current {
            client: guard.client.clone(),
            lease: guard.lease,
        }
    }

    fn replace(&self, next: Current) {
        *self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = next;
    }

    /// One keep-alive step: renew the token; when Vault cannot extend it to at least half its
    /// nominal lease any more (max TTL near) or renewal fails, log in again. Returns the new lease.
    pub async fn refresh(&self) -> Result<Duration, VaultError> {
        let Current { client, lease } = self.snapshot();
        let increment = format!("{}s", lease.as_secs());
        let renewed = vaultrs::token::renew_self(client.api(), Some(&increment)).await;
        // vaultrs' AuthInfo carries the token: only the granted lease is kept from it.
        let granted = renewed
            .ok()
            .map(|auth| Duration::from_secs(auth.lease_duration));
        match granted {
            Some(new) if new >= lease / 2 && !new.is_zero() => {
                tracing::debug!(lease_s = new.as_secs(), "renewed the Vault session");
                Ok(new)
            }
            _ => {
                let next = self.login.login().await?;
                let lease = next.lease;
                self.replace(next);
                tracing::info!(lease_s = lease.as_secs(), "logged in to Vault again");
                Ok(lease)
            }
        }
    }

    /// Keeps the session alive in the background until the returned handle is aborted.
    pub fn keep_alive(&self) -> tokio::task::JoinHandle<()> {
        let session = self.clone();
        tokio::spawn(async move {
            let mut wait = session.lease() / 2;
            loop {
                tokio::time::sleep(wait.max(Duration::from_secs(1))).await;
                wait = match session.refresh().await {
                    Ok(lease) => lease / 2,
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot refresh the Vault session; retrying in 5 s");
                        Duration::from_secs(5)
                    }
                };
            }
        })
    }
}

impl Login {
    /// AppRole login. The credential files are read each time, so a rotated secret id
    /// (`vault bootstrap --rotate-secret-id`) is picked up without a restart.
    async fn login(&self) -> Result<Current, VaultError> {
        let role_id = read_secret_file(&self.role_id_file, "AppRole role id")?;
        let secret_id = read_secret_file(&self.secret_id_file, "AppRole secret id")?;
        let auth = vaultrs::auth::approle::login(
            self.anonymous.api(),
            &self.mount,
            role_id.expose_secret(),
            secret_id.expose_secret(),
        )
        .await
        .map_err(|e| from_vaultrs(self.anonymous.address(), &self.path, e))
        .map_err(|e| match e {
            VaultError::Rejected {
                status: 400 | 403, ..
            } => VaultError::Denied {
                status: 400,
                what: "AppRole login (check the role id and secret id)",
            },
            other => other,
        })?;
        // vaultrs' AuthInfo holds the token as a plain String that prints in Debug: it goes
        // straight into a SecretString, and AuthInfo is never logged.
        let token = SecretString::from(auth.client_token);
        Ok(Current {
            client: self.anonymous.with_token(token)?,
            lease: Duration::from_secs(auth.lease_duration),
        })
    }
}

/// Logs the dashboard in with AppRole (role id and secret id read from their files).
pub async fn connect_dashboard(settings: &VaultSettings) -> Result<DashboardSession, VaultError> {
    let (Some(role_id_file), Some(secret_id_file)) =
        (&settings.role_id_file, &settings.secret_id_file)
    else {
        return Err(VaultError::Config(
            "vault.role_id_file and vault.secret_id_file are required for the dashboard".into(),
        ));
    };
    let login = Login {
        anonymous: VaultClient::new(&settings.address, settings.ca_cert_file.as_deref(), None)?,
        mount: settings.approle_mount.clone(),
        path: format!("auth/{}/login", settings.approle_mount),
        role_id_file: role_id_file.clone(),
        secret_id_file: secret_id_file.clone(),
    };
    let current = login.login().await?;
    Ok(DashboardSession {
        current: Arc::new(RwLock::new(current)),
        login: Arc::new(login),
    })
}

fn read_secret_file(path: &Path, what: &str) -> Result<SecretString, VaultError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        VaultError::Config(format!(
            "cannot read the {what} file {}: {}",
            path.display(),
            e.kind()
        ))
    })?;
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(VaultError::Config(format!(
            "the {what} file {} is empty",
            path.display()
        )));
    }
    Ok(SecretString::from(trimmed.to_owned()))
}
