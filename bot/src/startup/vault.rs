//! The Vault calls of secure introduction. The key read goes through vaultrs (KV v2) straight
//! into a secret type; lookup, unwrap and revoke-self are plain HTTPS requests on the same
//! client: vaultrs' `sys::wrapping::unwrap` keeps only `data` and drops the `auth` block that
//! holds the bot token (shown against OpenBao in the dashboard's tests/policy_matrix.rs).

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};

use super::{PrivateKey, StartupError, VaultAccess, EXPECTED_CREATION_PATH};

pub(super) async fn introduce(
    access: &VaultAccess,
    wrapping: SecretString,
) -> Result<PrivateKey, StartupError> {
    let client = client(access.ca_cert_pem.as_deref())?;
    let base = access.address.trim_end_matches('/');

    // 1. Lookup: who created this wrapping token? Fails if it was already unwrapped.
    check_creation_path(&client, base, &wrapping).await?;
    // 2. Unwrap, once. A failure here is never retried.
    let bot_token = unwrap_once(&client, base, wrapping).await?;
    // 3. Read the key (vaultrs, KV v2) into a secret, then into the locked, zeroizing buffer.
    let key = read_key(access, &client, &bot_token).await;

    // 4. Revoke the bot token whatever happened: it has done its one job.
    let revoked = post(
        &client,
        &format!("{base}/v1/auth/token/revoke-self"),
        Some(&bot_token),
        &json!({}),
    )
    .await;
    if !matches!(revoked, Ok((204 | 200, _))) {
        tracing::warn!("revoke-self failed; the token's TTL and use limit still bound it");
    }
    key
}

/// Looks the wrapping token up (without using it) and refuses it unless the dashboard's
/// token role created it: a token that is unknown, already used or minted elsewhere is
/// tampering (exit code 10).
async fn check_creation_path(
    client: &reqwest::Client,
    base: &str,
    wrapping: &SecretString,
) -> Result<(), StartupError> {
    let lookup = post(
        client,
        &format!("{base}/v1/sys/wrapping/lookup"),
        None,
        &json!({ "token": wrapping.expose_secret() }),
    )
    .await?;
    let lookup = match lookup {
        (200, body) => body,
        (status, _) => {
            return Err(StartupError::Tampering(format!(
                "the wrapping token is unknown or already used (lookup answered {status})"
            )))
        }
    };
    let creation_path = lookup["data"]["creation_path"].as_str().unwrap_or_default();
    if creation_path != EXPECTED_CREATION_PATH {
        return Err(StartupError::Tampering(format!(
            "the wrapping token was created by {creation_path:?}, not {EXPECTED_CREATION_PATH}"
        )));
    }
    Ok(())
}

/// Unwraps the token (consuming it) and returns the bot token from the answer's `auth` block.
async fn unwrap_once(
    client: &reqwest::Client,
    base: &str,
    wrapping: SecretString,
) -> Result<SecretString, StartupError> {
    let (status, mut unwrapped) = post(
        client,
        &format!("{base}/v1/sys/wrapping/unwrap"),
        Some(&wrapping),
        &json!({}),
    )
    .await?;
    drop(wrapping);
    if status != 200 {
        return Err(StartupError::Tampering(format!(
            "unwrap answered {status} (someone may have unwrapped it first)"
        )));
    }
    take_token(&mut unwrapped)
        .ok_or_else(|| StartupError::Tampering("the unwrapped answer holds no token".into()))
}

/// Takes the bot token out of an unwrap answer and wipes every string of the answer in place,
/// so no copy of the token outlives this call but the returned secret.
fn take_token(unwrapped: &mut Value) -> Option<SecretString> {
    let token = unwrapped["auth"]["client_token"]
        .as_str()
        .map(|t| SecretString::from(t.to_owned()));
    wipe(unwrapped);
    token
}

/// The KV v2 data of a wallet: only the key, hex, as a secret.
#[derive(serde::Deserialize)]
struct KeyData {
    private_key: SecretString,
}

/// Reads the key at `access.key_path()` (the wallet's, or for a live bot the trade-only key of
/// its wallet and market) with the bot token (vaultrs, over our HTTPS client).
async fn read_key(
    access: &VaultAccess,
    http: &reqwest::Client,
    bot_token: &SecretString,
) -> Result<PrivateKey, StartupError> {
    let vault = vaultrs_client(&access.address, http, bot_token)?;
    let read = vaultrs::kv2::read::<KeyData>(&vault, &access.kv_mount, &access.key_path()).await;
    // vaultrs' client prints its token in Debug: it is dropped here, never logged.
    drop(vault);
    match read {
        Ok(data) => wallet_key(data.private_key.expose_secret()),
        Err(vaultrs::error::ClientError::APIError { code: 403, .. }) => Err(
            StartupError::AccessDenied(format!("reading key {} was refused", access.key_path())),
        ),
        Err(vaultrs::error::ClientError::APIError { code: 404, .. }) => Err(
            StartupError::AccessDenied(format!("no key at {}", access.key_path())),
        ),
        Err(vaultrs::error::ClientError::JsonParseError { .. }) => Err(StartupError::MalformedKey),
        // Display only: vaultrs' Debug may hold response bodies.
        Err(e) => Err(StartupError::VaultUnreachable(format!(
            "key read failed: {e}"
        ))),
    }
}

/// The key of a wallet entry (hex) in its locked buffer; any fault is [`StartupError::MalformedKey`]
/// (the reason is not kept: it would say nothing the operator can act on without the key).
pub(super) fn wallet_key(hex_text: &str) -> Result<PrivateKey, StartupError> {
    PrivateKey::from_hex(hex_text).map_err(|_| StartupError::MalformedKey)
}

/// A vaultrs client over `http` (which trusts exactly the configured CA) with `token`; every
/// setting vaultrs would take from `VAULT_*` variables is given here.
fn vaultrs_client(
    address: &str,
    http: &reqwest::Client,
    token: &SecretString,
) -> Result<vaultrs::client::VaultClient, StartupError> {
    let bad = || StartupError::Config("vault.address is not a valid URL".into());
    // vaultrs' address setter panics on a bad URL: check it first.
    reqwest::Url::parse(address).map_err(|_| bad())?;
    let settings = vaultrs::client::VaultClientSettingsBuilder::default()
        .address(address)
        .token(token.expose_secret())
        .ca_certs(Vec::new())
        .identity(None)
        .verify(true)
        .build()
        .map_err(|_| bad())?;
    let mut client = vaultrs::client::VaultClient::new(settings)
        .map_err(|_| StartupError::Config("cannot build the Vault client".into()))?;
    client.http.http = http.clone();
    Ok(client)
}

fn client(ca_pem: Option<&str>) -> Result<reqwest::Client, StartupError> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(5));
    if let Some(pem) = ca_pem {
        let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
            .map_err(|_| StartupError::Config("vault.ca_cert_pem is not PEM".into()))?;
        builder = builder.tls_certs_only(certs);
    }
    builder
        .build()
        .map_err(|e| StartupError::Config(format!("HTTPS client: {e}")))
}

async fn post(
    client: &reqwest::Client,
    url: &str,
    token: Option<&SecretString>,
    body: &Value,
) -> Result<(u16, Value), StartupError> {
    let mut request = client.post(url).json(body);
    if let Some(t) = token {
        request = request.header("X-Vault-Token", t.expose_secret());
    }
    let response = request.send().await.map_err(|e| unreachable(&e))?;
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    Ok((status, body))
}

fn unreachable(e: &reqwest::Error) -> StartupError {
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    StartupError::VaultUnreachable(cause.to_string())
}

fn wipe(v: &mut Value) {
    use zeroize::Zeroize;
    match v {
        Value::String(s) => s.zeroize(),
        Value::Array(a) => a.iter_mut().for_each(wipe),
        Value::Object(o) => o.values_mut().for_each(wipe),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unwrap_answer_is_wiped_once_the_token_is_taken() {
        let mut answer = json!({
            "auth": { "client_token": "s.bot-token-1234", "accessor": "acc-5678" },
            "data": null,
        });
        let token = take_token(&mut answer).unwrap();
        assert_eq!(token.expose_secret(), "s.bot-token-1234");
        let left = answer.to_string();
        assert!(
            !left.contains("bot-token") && !left.contains("acc-5678"),
            "{left}"
        );
    }

    #[test]
    fn an_answer_without_a_token_gives_none_and_is_wiped_too() {
        let mut answer = json!({ "data": { "note": "no auth here" } });
        assert!(take_token(&mut answer).is_none());
        assert!(!answer.to_string().contains("no auth here"));
    }
}
