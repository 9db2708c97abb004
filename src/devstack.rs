//! The dev stack's one-shot steps (dev only: production Vault is initialised and unsealed by
//! people, with its unseal material kept apart; see docs/DOCKER_ARCHITECTURE.md).
//!
//! `dev init`: create the Vault dev CA and server certificate, and the socket proxy's bearer
//! token, once. `dev vault-up`: initialise the dev OpenBao on first start (one unseal key share),
//! keep its unseal key and root token in the dev-only volume, unseal it on every start, then run
//! the idempotent `vault bootstrap`.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::config::Settings;
use crate::private_file::{write_line_with_mode, write_private_line, GROUP_READ};

/// Hostnames the dev Vault certificate is valid for.
const VAULT_HOSTNAMES: &[&str] = &["vault", "localhost", "127.0.0.1"];

/// Where `dev init` keeps the Vault dev PKI: each directory is a volume mounted only where it
/// is needed, so no container but this step sees the CA's key, and Vault's clients (the
/// dashboard) see the CA certificate and nothing else.
#[derive(Debug, Clone)]
pub struct InitDirs {
    /// `vault.pem` (leaf + CA), `vault.key` (group-readable: Vault runs in this step's group),
    /// `ca.pem`: Vault's volume.
    pub vault_tls: PathBuf,
    /// `ca.pem` only: the volume of Vault's clients.
    pub vault_ca: PathBuf,
    /// `ca.pem`, `ca.key`, and `vault.expires` (when Vault's certificate ends, Unix seconds).
    pub dev_ca: PathBuf,
}

/// Issues Vault's certificate when missing or within [`crate::tls::RENEW_BEFORE_DAYS`] of its
/// end, copies the CA certificate to Vault's clients, and creates the proxy token once.
pub fn init(dirs: &InitDirs, proxy_token_dir: &Path) -> anyhow::Result<()> {
    vault_pki(dirs)?;
    let token_file = proxy_token_dir.join("token");
    if token_file.is_file() {
        println!("socket proxy token: present, unchanged");
    } else {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        write_line_with_mode(&token_file, &hex::encode(bytes), GROUP_READ)?;
        println!("socket proxy token: created");
    }
    Ok(())
}

fn vault_pki(dirs: &InitDirs) -> anyhow::Result<()> {
    let (tls, ca) = (&dirs.vault_tls, &dirs.dev_ca);
    for dir in [tls, ca, &dirs.vault_ca] {
        fs::create_dir_all(dir)?;
    }
    // An older `dev init` kept the CA key next to Vault's: move it where only this step looks.
    if !ca.join("ca.key").is_file() && tls.join("ca.key").is_file() {
        for f in ["ca.key", "ca.pem"] {
            fs::copy(tls.join(f), ca.join(f))?;
        }
    }
    let expires = ca.join("vault.expires");
    let fresh = tls.join("vault.key").is_file()
        && tls.join("vault.pem").is_file()
        && fs::read_to_string(&expires)
            .ok()
            .and_then(|s| s.trim().parse::<i64>().ok())
            .is_some_and(|end| !crate::tls::due_for_renewal(end));
    if fresh {
        println!("vault dev certificate: present, unchanged");
    } else {
        let end = crate::tls::write_dev_pki(ca, "tradebot vault dev CA", "vault", VAULT_HOSTNAMES)
            .context("cannot create the Vault dev certificate")?;
        fs::copy(ca.join("vault.pem"), tls.join("vault.pem"))?;
        let key = fs::read_to_string(ca.join("vault.key"))?;
        write_line_with_mode(&tls.join("vault.key"), key.trim_end(), GROUP_READ)?;
        fs::set_permissions(tls.join("vault.key"), fs::Permissions::from_mode(0o640))?;
        fs::remove_file(ca.join("vault.key"))?;
        fs::write(&expires, format!("{end}\n"))?;
        println!("vault dev certificate: issued into {}", tls.display());
    }
    if tls.join("ca.key").exists() {
        fs::remove_file(tls.join("ca.key"))?;
    }
    for dir in [tls, &dirs.vault_ca] {
        fs::copy(ca.join("ca.pem"), dir.join("ca.pem"))?;
        fs::set_permissions(dir.join("ca.pem"), fs::Permissions::from_mode(0o644))?;
    }
    Ok(())
}

/// Paths of the dev-only unseal material.
#[derive(Debug, Clone)]
pub struct UnsealDir(pub PathBuf);

impl UnsealDir {
    fn unseal_key(&self) -> PathBuf {
        self.0.join("unseal-key")
    }
    pub fn root_token(&self) -> PathBuf {
        self.0.join("root-token")
    }
}

/// The dev root token kept by `vault_up` (dev only).
pub fn read_root_token(unseal: &UnsealDir) -> anyhow::Result<SecretString> {
    let text = fs::read_to_string(unseal.root_token())
        .with_context(|| format!("cannot read {}", unseal.root_token().display()))?;
    Ok(SecretString::from(text.trim().to_owned()))
}

#[derive(Deserialize)]
struct SealStatus {
    initialized: bool,
    sealed: bool,
}

#[derive(Deserialize)]
struct InitResponse {
    keys_base64: Vec<SecretString>,
    root_token: SecretString,
}

/// Initialises (first start only) and unseals the dev Vault. Returns when Vault is unsealed.
pub async fn vault_up(settings: &Settings, unseal: &UnsealDir) -> anyhow::Result<()> {
    let client = https_client(settings.vault.ca_cert_file.as_deref())?;
    let address = settings.vault.address.trim_end_matches('/');
    let status = wait_for_vault(&client, address).await?;
    if !status.initialized {
        vault_init(&client, address, unseal).await?;
    }
    let status = seal_status(&client, address).await?;
    if status.sealed {
        vault_unseal(&client, address, unseal).await?;
        println!("vault: unsealed");
    } else {
        println!("vault: already unsealed");
    }
    Ok(())
}

/// `sys/init` with one key share; the unseal key and root token go to `unseal` (mode 0600).
/// Errors: unseal material already there (never overwritten), Vault refused or answered badly.
async fn vault_init(
    client: &reqwest::Client,
    address: &str,
    unseal: &UnsealDir,
) -> anyhow::Result<()> {
    if unseal.unseal_key().exists() {
        bail!(
            "Vault is not initialised but {} exists: refusing to overwrite dev unseal material",
            unseal.0.display()
        );
    }
    let response = client
        .put(format!("{address}/v1/sys/init"))
        .json(&serde_json::json!({ "secret_shares": 1, "secret_threshold": 1 }))
        .send()
        .await
        .context("Vault init request failed")?;
    if !response.status().is_success() {
        bail!("Vault refused init ({})", response.status());
    }
    let init: InitResponse = response
        .json()
        .await
        .context("unreadable Vault init response")?;
    let key = init
        .keys_base64
        .first()
        .context("Vault init returned no unseal key")?;
    write_private_line(&unseal.unseal_key(), key.expose_secret())?;
    write_private_line(&unseal.root_token(), init.root_token.expose_secret())?;
    println!(
        "vault: initialised (dev: one unseal key share, kept in {})",
        unseal.0.display()
    );
    Ok(())
}

/// `sys/unseal` with the key kept in `unseal`. Errors: the key file is unreadable, Vault
/// refused the key or is still sealed after it.
async fn vault_unseal(
    client: &reqwest::Client,
    address: &str,
    unseal: &UnsealDir,
) -> anyhow::Result<()> {
    let key = fs::read_to_string(unseal.unseal_key()).with_context(|| {
        format!(
            "Vault is sealed and {} is unreadable",
            unseal.unseal_key().display()
        )
    })?;
    let key = SecretString::from(key.trim().to_owned());
    let response = client
        .put(format!("{address}/v1/sys/unseal"))
        .json(&serde_json::json!({ "key": key.expose_secret() }))
        .send()
        .await
        .context("Vault unseal request failed")?;
    if !response.status().is_success() {
        bail!("Vault refused the unseal key ({})", response.status());
    }
    let after: SealStatus = response
        .json()
        .await
        .context("unreadable Vault unseal response")?;
    if after.sealed {
        bail!("Vault is still sealed after unseal");
    }
    Ok(())
}

async fn wait_for_vault(client: &reqwest::Client, address: &str) -> anyhow::Result<SealStatus> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    loop {
        match seal_status(client, address).await {
            Ok(status) => return Ok(status),
            Err(e) if tokio::time::Instant::now() < deadline => {
                tracing::debug!(error = %e, "waiting for Vault");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(e) => {
                return Err(e.context(format!("Vault at {address} did not answer within 90 s")))
            }
        }
    }
}

async fn seal_status(client: &reqwest::Client, address: &str) -> anyhow::Result<SealStatus> {
    let response = client
        .get(format!("{address}/v1/sys/seal-status"))
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("Vault is unreachable at {address}: {}", root_cause(&e)))?;
    if !response.status().is_success() {
        bail!("Vault seal-status answered {}", response.status());
    }
    response
        .json()
        .await
        .context("unreadable Vault seal-status")
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

fn https_client(ca_file: Option<&Path>) -> anyhow::Result<reqwest::Client> {
    crate::tls::install_crypto_provider();
    let mut builder = reqwest::Client::builder().timeout(Duration::from_secs(10));
    if let Some(ca) = ca_file {
        let pem = fs::read(ca).with_context(|| format!("cannot read Vault CA {}", ca.display()))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .with_context(|| format!("{} is not a PEM CA bundle", ca.display()))?;
        builder = builder.tls_certs_only(certs);
    }
    builder.build().context("cannot build the HTTPS client")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dirs(root: &Path) -> InitDirs {
        let d = InitDirs {
            vault_tls: root.join("tls"),
            vault_ca: root.join("ca-public"),
            dev_ca: root.join("ca"),
        };
        for p in [&d.vault_tls, &d.vault_ca, &d.dev_ca] {
            fs::create_dir_all(p).unwrap();
        }
        d
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn init_is_idempotent_and_keeps_material() {
        let root = tempfile::tempdir().unwrap();
        let d = dirs(root.path());
        let tok = tempfile::tempdir().unwrap();
        init(&d, tok.path()).unwrap();
        let token = fs::read(tok.path().join("token")).unwrap();
        let cert = fs::read(d.vault_tls.join("vault.pem")).unwrap();
        init(&d, tok.path()).unwrap();
        assert_eq!(fs::read(tok.path().join("token")).unwrap(), token);
        assert_eq!(fs::read(d.vault_tls.join("vault.pem")).unwrap(), cert);
        assert_eq!(token.len(), 65, "32 random bytes as hex plus newline");
        let mode = fs::metadata(d.vault_tls.join("vault.key"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o640);
        // Issue 15: Vault's clients get the CA certificate alone; the CA key is in no volume
        // but the one only `dev init` mounts.
        assert_eq!(names(&d.vault_ca), ["ca.pem"]);
        assert_eq!(names(&d.vault_tls), ["ca.pem", "vault.key", "vault.pem"]);
        assert_eq!(
            names(&d.dev_ca),
            ["ca.key", "ca.pem", "vault.expires", "vault.pem"]
        );
    }

    #[test]
    fn a_certificate_near_its_end_is_renewed_and_an_old_layout_is_moved() {
        let root = tempfile::tempdir().unwrap();
        let d = dirs(root.path());
        let tok = tempfile::tempdir().unwrap();
        // The old layout: everything, the CA key included, in Vault's volume.
        crate::tls::write_dev_pki(&d.vault_tls, "old CA", "vault", VAULT_HOSTNAMES).unwrap();
        let old_ca = fs::read(d.vault_tls.join("ca.pem")).unwrap();
        init(&d, tok.path()).unwrap();
        assert!(!d.vault_tls.join("ca.key").exists());
        assert_eq!(
            fs::read(d.vault_ca.join("ca.pem")).unwrap(),
            old_ca,
            "same CA kept"
        );
        let cert = fs::read(d.vault_tls.join("vault.pem")).unwrap();
        // Due: expiring within the renewal window.
        let soon = time::OffsetDateTime::now_utc().unix_timestamp() + 86400;
        fs::write(d.dev_ca.join("vault.expires"), format!("{soon}\n")).unwrap();
        init(&d, tok.path()).unwrap();
        assert_ne!(fs::read(d.vault_tls.join("vault.pem")).unwrap(), cert);
        assert_eq!(fs::read(d.vault_ca.join("ca.pem")).unwrap(), old_ca);
    }
}
