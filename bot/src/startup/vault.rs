//! The Vault calls of secure introduction, as plain HTTPS requests (small client, and the
//! `auth` block of the unwrap answer is kept, which vaultrs drops).

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};

use super::{StartupError, VaultAccess, WalletKey, EXPECTED_CREATION_PATH};

pub(super) async fn introduce(
    access: &VaultAccess,
    wrapping: SecretString,
) -> Result<WalletKey, StartupError> {
    let client = client(access.ca_cert_pem.as_deref())?;
    let base = access.address.trim_end_matches('/');

    // 1. Lookup: who created this wrapping token? Fails if it was already unwrapped.
    let lookup = post(
        &client,
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

    // 2. Unwrap, once. A failure here is never retried.
    let (status, unwrapped) = post(
        &client,
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
    let bot_token = unwrapped["auth"]["client_token"]
        .as_str()
        .map(|t| SecretString::from(t.to_owned()))
        .ok_or_else(|| StartupError::Tampering("the unwrapped answer holds no token".into()))?;
    drop(unwrapped);

    // 3. Read the key straight into the locked, zeroizing buffer.
    let url = format!("{base}/v1/{}/data/{}", access.kv_mount, access.wallet_id);
    let response = client
        .get(&url)
        .header("X-Vault-Token", bot_token.expose_secret())
        .send()
        .await
        .map_err(|e| unreachable(&e))?;
    let status = response.status().as_u16();
    let key = match status {
        200 => {
            let mut body: Value = response
                .json()
                .await
                .map_err(|_| StartupError::MalformedKey)?;
            let key = body["data"]["data"]["private_key"]
                .as_str()
                .ok_or(StartupError::MalformedKey)
                .and_then(WalletKey::from_hex);
            wipe(&mut body);
            key
        }
        403 => Err(StartupError::AccessDenied(format!(
            "reading wallet {} was refused",
            access.wallet_id
        ))),
        404 => Err(StartupError::AccessDenied(format!(
            "wallet {} has no key",
            access.wallet_id
        ))),
        other => Err(StartupError::VaultUnreachable(format!(
            "key read answered {other}"
        ))),
    };

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
