//! The dashboard's session with Vault: AppRole login (role id and secret id from files).

use std::path::Path;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::client::VaultClient;
use super::VaultError;
use crate::config::VaultSettings;

/// The dashboard's authenticated session with Vault.
#[derive(Debug, Clone)]
pub struct DashboardSession {
    client: VaultClient,
    lease: Duration,
}

impl DashboardSession {
    pub fn address(&self) -> &str {
        self.client.address()
    }
    pub fn lease(&self) -> Duration {
        self.lease
    }
    pub fn client(&self) -> &VaultClient {
        &self.client
    }
}

#[derive(Deserialize)]
struct LoginResponse {
    auth: LoginAuth,
}
#[derive(Deserialize)]
struct LoginAuth {
    client_token: SecretString,
    lease_duration: u64,
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
    let role_id = read_secret_file(role_id_file, "AppRole role id")?;
    let secret_id = read_secret_file(secret_id_file, "AppRole secret id")?;
    let anonymous = VaultClient::new(&settings.address, settings.ca_cert_file.as_deref(), None)?;
    let body = serde_json::json!({
        "role_id": role_id.expose_secret(),
        "secret_id": secret_id.expose_secret(),
    });
    let path = format!("auth/{}/login", settings.approle_mount);
    let response = anonymous.write(&path, &body).await.map_err(|e| match e {
        VaultError::Rejected {
            status: 400 | 403, ..
        } => VaultError::Denied {
            status: 400,
            what: "AppRole login (check the role id and secret id)",
        },
        other => other,
    })?;
    let login: LoginResponse = response
        .and_then(|v| serde_json::from_value(v).ok())
        .ok_or(VaultError::Unexpected {
            status: 200,
            what: "AppRole login without an auth block",
        })?;
    Ok(DashboardSession {
        client: anonymous.with_token(login.auth.client_token),
        lease: Duration::from_secs(login.auth.lease_duration),
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
