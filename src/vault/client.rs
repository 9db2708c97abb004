//! The one connection to Vault: a vaultrs client for the calls vaultrs gets right (AppRole
//! login, KV v2, token lookup/revoke by accessor and renewal, bootstrap's policies, mounts and
//! AppRole role; see `wallets.rs`, `broker.rs`, `http.rs`, `admin.rs`) and plain
//! HTTPS over the same connection pool for the calls where vaultrs is wrong:
//!
//! - wrapped token-create: vaultrs' `api::wrap` hard-codes the wrap TTL ("10m") and returns no
//!   `wrapped_accessor`, which the dashboard needs to revoke the token later;
//! - unwrap: vaultrs' `sys::wrapping::unwrap` keeps only `data` and drops the `auth` block of a
//!   wrapped token-create answer (burning the wrapping token). `tests/policy_matrix.rs` shows both
//!   faults against a real OpenBao.
//! - the token role `bot`: vaultrs' `SetTokenRoleRequest` has no `allowed_policies_glob` (also
//!   shown in `tests/policy_matrix.rs`); the audit device: vaultrs 0.8 has no `sys/audit` API.
//!
//! vaultrs' client and settings print the token in `Debug`, and its errors can carry response
//! bodies: both stay inside this module's wrapper, whose `Debug` prints no secret, and every
//! vaultrs error becomes our [`VaultError`] (see [`from_vaultrs`]).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use super::VaultError;

/// An authenticated (or anonymous) Vault client.
#[derive(Clone)]
pub struct VaultClient {
    http: reqwest::Client,
    address: String,
    token: Option<SecretString>,
    /// The vaultrs client over the same `http` pool and token. Its `Debug` prints the token:
    /// it never leaves this type (ours prints `<redacted>`).
    api: Arc<vaultrs::client::VaultClient>,
}

impl std::fmt::Debug for VaultClient {
    /// Address only, and whether a token is held: never the token, never vaultrs' `Debug`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VaultClient")
            .field("address", &self.address)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl VaultClient {
    /// `address` like `https://vault:8200`; `ca_file` is the CA to trust (system roots if None).
    pub fn new(
        address: &str,
        ca_file: Option<&Path>,
        token: Option<SecretString>,
    ) -> Result<Self, VaultError> {
        let http = https_client(ca_file)?;
        let address = address.trim_end_matches('/').to_owned();
        let api = Arc::new(vaultrs_client(&address, &http, token.as_ref())?);
        Ok(Self {
            http,
            address,
            token,
            api,
        })
    }

    /// The vaultrs client (same pool, same token), for the boundary's vaultrs calls.
    pub(super) fn api(&self) -> &vaultrs::client::VaultClient {
        &self.api
    }

    pub fn address(&self) -> &str {
        &self.address
    }

    /// The same connection settings with another token.
    pub fn with_token(&self, token: SecretString) -> Result<Self, VaultError> {
        let api = Arc::new(vaultrs_client(&self.address, &self.http, Some(&token))?);
        Ok(Self {
            http: self.http.clone(),
            address: self.address.clone(),
            token: Some(token),
            api,
        })
    }

    /// GET; `Ok(None)` on 404.
    pub async fn read(&self, path: &str) -> Result<Option<Value>, VaultError> {
        self.call(Method::GET, path, None, None).await
    }

    /// POST a JSON body; `Ok(None)` when Vault answers 204.
    pub async fn write(&self, path: &str, body: &Value) -> Result<Option<Value>, VaultError> {
        self.call(Method::POST, path, Some(body), None).await
    }

    /// POST with `X-Vault-Wrap-TTL`: Vault answers with a wrap_info block instead of the data.
    pub async fn write_wrapped(
        &self,
        path: &str,
        body: &Value,
        wrap_ttl: Duration,
    ) -> Result<Value, VaultError> {
        self.call(Method::POST, path, Some(body), Some(wrap_ttl))
            .await?
            .ok_or(VaultError::Unexpected {
                status: 204,
                what: "wrapped write returned no body",
            })
    }

    /// LIST; an empty list on 404 (Vault's answer for "nothing there").
    pub async fn list(&self, path: &str) -> Result<Vec<String>, VaultError> {
        let Some(value) = self
            .call(
                Method::from_bytes(b"LIST").expect("valid method"),
                path,
                None,
                None,
            )
            .await?
        else {
            return Ok(Vec::new());
        };
        Ok(value["data"]["keys"]
            .as_array()
            .map(|keys| {
                keys.iter()
                    .filter_map(|k| k.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default())
    }

    pub async fn delete(&self, path: &str) -> Result<(), VaultError> {
        self.call(Method::DELETE, path, None, None)
            .await
            .map(|_| ())
    }

    /// One Vault HTTP call (`/v1/<path>`, the token and wrap-TTL headers, a JSON body), its
    /// answer read by [`answer`]. Errors: Vault unreachable, or as [`answer`].
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        wrap_ttl: Option<Duration>,
    ) -> Result<Option<Value>, VaultError> {
        let url = format!("{}/v1/{}", self.address, path.trim_start_matches('/'));
        let mut request = self.http.request(method, &url);
        if let Some(token) = &self.token {
            request = request.header("X-Vault-Token", token.expose_secret());
        }
        if let Some(ttl) = wrap_ttl {
            request = request.header("X-Vault-Wrap-TTL", format!("{}s", ttl.as_secs()));
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .map_err(|e| unreachable(&self.address, &e))?;
        answer(response, path).await
    }
}

/// A Vault answer as JSON: `None` for 204 and 404 (nothing there), the body for other 2xx.
/// Errors: `Unexpected` for an unreadable 2xx body; `Rejected` with the status, the path
/// (redacted) and Vault's `errors` list joined by `; ` for any other status.
async fn answer(response: reqwest::Response, path: &str) -> Result<Option<Value>, VaultError> {
    let status = response.status().as_u16();
    match status {
        204 => Ok(None),
        404 => {
            // 404 with errors is "not found" for reads; a body without errors is data.
            Ok(None)
        }
        200..=299 => response
            .json::<Value>()
            .await
            .map(Some)
            .map_err(|_| VaultError::Unexpected {
                status,
                what: "unreadable response body",
            }),
        _ => {
            let detail = response
                .json::<Value>()
                .await
                .ok()
                .and_then(|v| v["errors"].as_array().cloned())
                .map(|errs| {
                    errs.iter()
                        .filter_map(|e| e.as_str())
                        .collect::<Vec<_>>()
                        .join("; ")
                })
                .unwrap_or_default();
            Err(VaultError::Rejected {
                status,
                path: redact_path(path),
                detail,
            })
        }
    }
}

/// A vaultrs client that uses our HTTPS client (which trusts exactly the configured CA, where
/// vaultrs' own would add it to the system roots) and takes nothing from the environment: every
/// setting vaultrs would default from `VAULT_*` variables is given here.
fn vaultrs_client(
    address: &str,
    http: &reqwest::Client,
    token: Option<&SecretString>,
) -> Result<vaultrs::client::VaultClient, VaultError> {
    let bad_address = || VaultError::Config(format!("{address:?} is not a valid Vault address"));
    // vaultrs' address setter panics on a bad URL: check it first.
    reqwest::Url::parse(address).map_err(|_| bad_address())?;
    let settings = vaultrs::client::VaultClientSettingsBuilder::default()
        .address(address)
        .token(
            token
                .map(|t| t.expose_secret().to_owned())
                .unwrap_or_default(),
        )
        .ca_certs(Vec::new())
        .identity(None)
        .verify(true)
        .timeout(Some(Duration::from_secs(10)))
        .build()
        .map_err(|_| bad_address())?;
    let mut client = vaultrs::client::VaultClient::new(settings)
        .map_err(|_| VaultError::Config("cannot build the Vault client".into()))?;
    client.http.http = http.clone();
    Ok(client)
}

/// Maps a vaultrs error into ours for `path`: API errors keep Vault's own error strings (as
/// [`VaultError::Rejected`]), transport errors their root cause; nothing else of vaultrs'
/// error (request or response bodies) is kept.
pub(super) fn from_vaultrs(
    address: &str,
    path: &str,
    e: vaultrs::error::ClientError,
) -> VaultError {
    use vaultrs::error::ClientError as E;
    match e {
        E::APIError { code, errors } => VaultError::Rejected {
            status: code,
            path: redact_path(path),
            detail: errors.join("; "),
        },
        // An error answer whose body has no `errors` list (e.g. the 404 of a destroyed KV
        // version) is not turned into `APIError` by vaultrs.
        E::RestClientError {
            source: rustify::errors::ClientError::ServerResponseError { code, .. },
        } => VaultError::Rejected {
            status: code,
            path: redact_path(path),
            detail: String::new(),
        },
        E::RestClientError { source } => {
            let mut cause: &dyn std::error::Error = &source;
            while let Some(next) = cause.source() {
                cause = next;
            }
            VaultError::Unreachable {
                address: address.to_owned(),
                reason: cause.to_string(),
            }
        }
        _ => VaultError::Unexpected {
            status: 200,
            what: "Vault's answer did not have the expected shape",
        },
    }
}

/// `Ok(None)` for a 404 (Vault's "nothing there"), the value otherwise.
pub(super) fn found<T>(
    address: &str,
    path: &str,
    r: Result<T, vaultrs::error::ClientError>,
) -> Result<Option<T>, VaultError> {
    match r.map_err(|e| from_vaultrs(address, path, e)) {
        Ok(v) => Ok(Some(v)),
        Err(VaultError::Rejected { status: 404, .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Paths never hold tokens in our calls, but keep only the first segments to be safe in logs.
fn redact_path(path: &str) -> String {
    path.split('/').take(4).collect::<Vec<_>>().join("/")
}

/// Builds an HTTPS client that trusts exactly `ca_file` (or the system roots when `None`).
pub fn https_client(ca_file: Option<&Path>) -> Result<reqwest::Client, VaultError> {
    crate::tls::install_crypto_provider();
    let mut builder = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(5));
    if let Some(ca) = ca_file {
        let pem = std::fs::read(ca).map_err(|e| {
            VaultError::Config(format!(
                "cannot read Vault CA {}: {}",
                ca.display(),
                e.kind()
            ))
        })?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|_| VaultError::Config(format!("{} is not a PEM CA bundle", ca.display())))?;
        builder = builder.tls_certs_only(certs);
    }
    builder
        .build()
        .map_err(|e| VaultError::Config(format!("cannot build the HTTPS client: {e}")))
}

/// Describes a transport failure by its root cause, without echoing anything from the request.
pub(crate) fn unreachable(address: &str, e: &reqwest::Error) -> VaultError {
    let reason = if e.is_timeout() {
        "timed out".to_owned()
    } else {
        let mut cause: &dyn std::error::Error = e;
        while let Some(next) = cause.source() {
            cause = next;
        }
        cause.to_string()
    };
    VaultError::Unreachable {
        address: address.to_owned(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_prints_no_token_although_vaultrs_would() {
        let token = SecretString::from("s.do-not-print-me".to_owned());
        let client = VaultClient::new("https://vault:8200", None, Some(token)).unwrap();
        // The fault we wrap: vaultrs' own client prints the token.
        assert!(format!("{:?}", client.api().settings).contains("do-not-print-me"));
        let ours = format!("{client:?}");
        assert!(!ours.contains("do-not-print-me"), "{ours}");
        assert!(ours.contains("<redacted>") && ours.contains("https://vault:8200"));
    }

    #[test]
    fn a_bad_address_is_an_error_not_a_panic() {
        let err = VaultClient::new("not a url", None, None).unwrap_err();
        assert!(
            err.to_string().contains("not a valid Vault address"),
            "{err}"
        );
    }
}
