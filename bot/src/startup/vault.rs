//! The Vault calls of secure introduction, plain HTTPS requests on one client that trusts
//! exactly the configured CA and keeps no idle connection: lookup, unwrap (vaultrs'
//! `sys::wrapping::unwrap` keeps only `data` and drops the `auth` block that holds the bot
//! token, shown against OpenBao in the dashboard's tests/policy_matrix.rs), the key read (KV v2,
//! into a wiped buffer, parsed in place: vaultrs' buffers and JSON values were never wiped) and
//! revoke-self.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use zeroize::{Zeroize, Zeroizing};

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
    // 3. Read the key (KV v2) into a wiped buffer, then into the locked, zeroizing key.
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

/// Largest key answer read (bytes): a KV v2 answer holding one hex key is under 2 KiB.
const MAX_KEY_ANSWER: usize = 16 * 1024;

/// Reads the key at `access.key_path()` (the wallet's, or for a live bot the trade-only key of
/// its wallet and market) with the bot token: a plain KV v2 GET whose body is streamed into
/// one pre-sized [`Zeroizing`] buffer (never reallocated, so never copied), parsed in place
/// (the hex is borrowed, not copied into a `String`) and wiped when this returns. The
/// transport's chunks are wiped too when they are ours alone, and the connection is not kept
/// for reuse. (vaultrs read the answer into its own buffers and JSON values, which nothing
/// wiped: issue 15, item 8.)
async fn read_key(
    access: &VaultAccess,
    http: &reqwest::Client,
    bot_token: &SecretString,
) -> Result<PrivateKey, StartupError> {
    let url = kv2_url(&access.address, &access.kv_mount, &access.key_path())?;
    let response = http
        .get(url)
        .header("X-Vault-Token", bot_token.expose_secret())
        .header(reqwest::header::CONNECTION, "close")
        .send()
        .await
        .map_err(|e| unreachable(&e))?;
    let status = response.status().as_u16();
    let body = read_wiped(response).await?;
    match status {
        200 => key_from_answer(&body),
        403 => Err(StartupError::AccessDenied(format!(
            "reading key {} was refused",
            access.key_path()
        ))),
        404 => Err(StartupError::AccessDenied(format!(
            "no key at {}",
            access.key_path()
        ))),
        other => Err(StartupError::VaultUnreachable(format!(
            "key read failed: Vault answered {other}"
        ))),
    }
}

/// `<address>/v1/<mount>/data/<path>`, each segment percent-encoded.
fn kv2_url(address: &str, mount: &str, path: &str) -> Result<reqwest::Url, StartupError> {
    let bad = || StartupError::Config("vault.address is not a valid URL".into());
    let mut url = reqwest::Url::parse(address.trim_end_matches('/')).map_err(|_| bad())?;
    url.path_segments_mut()
        .map_err(|()| bad())?
        .pop_if_empty()
        .extend(["v1", mount, "data"])
        .extend(path.split('/'));
    Ok(url)
}

/// The body, in a buffer sized once and wiped on drop. The transport's chunks are slices of
/// hyper's read buffer: once the connection is gone (`Connection: close`, no pool) they are
/// ours alone and are wiped in place too, which clears the answer from that buffer. Larger
/// than [`MAX_KEY_ANSWER`]: refused.
async fn read_wiped(mut response: reqwest::Response) -> Result<Zeroizing<Vec<u8>>, StartupError> {
    let mut body = Zeroizing::new(Vec::with_capacity(MAX_KEY_ANSWER));
    let mut chunks = Vec::new();
    let mut too_large = false;
    while let Some(chunk) = response.chunk().await.map_err(|e| unreachable(&e))? {
        if body.len() + chunk.len() > MAX_KEY_ANSWER {
            too_large = true;
            chunks.push(chunk);
            break;
        }
        body.extend_from_slice(&chunk);
        chunks.push(chunk);
    }
    drop(response);
    wipe_chunks(chunks).await;
    if too_large {
        return Err(StartupError::MalformedKey);
    }
    Ok(body)
}

/// Wipes each chunk in place as soon as no one else holds its buffer (the connection task
/// lets go of it shortly after the body ends); gives up after about a second.
async fn wipe_chunks(mut chunks: Vec<bytes::Bytes>) {
    for _ in 0..100 {
        let mut left = Vec::new();
        for chunk in chunks {
            match chunk.try_into_mut() {
                Ok(mut own) => {
                    let bytes: &mut [u8] = &mut own;
                    bytes.zeroize();
                }
                Err(shared) => left.push(shared),
            }
        }
        if left.is_empty() {
            return;
        }
        chunks = left;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tracing::debug!(
        chunks = chunks.len(),
        "transport buffers still shared; not wiped"
    );
}

/// KV v2's answer, borrowed from the buffer: `{"data": {"data": {"private_key": "<hex>"}}}`.
#[derive(serde::Deserialize)]
struct KvAnswer<'a> {
    #[serde(borrow)]
    data: KvData<'a>,
}

#[derive(serde::Deserialize)]
struct KvData<'a> {
    #[serde(borrow)]
    data: KeyData<'a>,
}

#[derive(serde::Deserialize)]
struct KeyData<'a> {
    /// Hex has no JSON escapes, so this borrows; an escaped value fails (malformed).
    private_key: &'a str,
}

/// The key of a KV v2 answer, straight from the answer's bytes into the locked buffer.
fn key_from_answer(body: &[u8]) -> Result<PrivateKey, StartupError> {
    let answer: KvAnswer<'_> =
        serde_json::from_slice(body).map_err(|_| StartupError::MalformedKey)?;
    wallet_key(answer.data.data.private_key)
}

/// The key of a wallet entry (hex) in its locked buffer; any fault is [`StartupError::MalformedKey`]
/// (the reason is not kept: it would say nothing the operator can act on without the key).
pub(super) fn wallet_key(hex_text: &str) -> Result<PrivateKey, StartupError> {
    PrivateKey::from_hex(hex_text).map_err(|_| StartupError::MalformedKey)
}

fn client(ca_pem: Option<&str>) -> Result<reqwest::Client, StartupError> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    // No idle connection is kept: its buffers, which held the key answer, go with it.
    let mut builder = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
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

    #[test]
    fn the_key_is_read_from_the_answer_in_place() {
        let hex = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
        let answer = format!(
            r#"{{"data":{{"data":{{"private_key":"{hex}"}},"metadata":{{"version":1}}}}}}"#
        );
        let key = key_from_answer(answer.as_bytes()).unwrap();
        drop(key);
        for bad in [
            r#"{"data":{"data":{"private_key":"zz"}}}"#.to_owned(),
            r#"{"data":{"data":{}}}"#.to_owned(),
            // An escaped value cannot be borrowed: refused rather than copied.
            format!(
                r#"{{"data":{{"data":{{"private_key":"\u0034{}"}}}}}}"#,
                &hex[1..]
            ),
            "not json".to_owned(),
        ] {
            assert!(
                matches!(
                    key_from_answer(bad.as_bytes()),
                    Err(StartupError::MalformedKey)
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_key_url_encodes_each_segment() {
        let url = kv2_url("https://vault:8200/", "wallets", "desk-1/bots/inj-usdt").unwrap();
        assert_eq!(
            url.as_str(),
            "https://vault:8200/v1/wallets/data/desk-1/bots/inj-usdt"
        );
        let url = kv2_url("https://vault:8200", "wallets", "a b").unwrap();
        assert_eq!(url.as_str(), "https://vault:8200/v1/wallets/data/a%20b");
        assert!(kv2_url("not a url", "wallets", "x").is_err());
    }
}
