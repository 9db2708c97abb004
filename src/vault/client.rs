//! A thin HTTPS client for Vault's HTTP API.
//!
//! Plain HTTP calls rather than vaultrs for the admin and broker paths: we need response
//! wrapping with our own TTL and `wrapped_accessor` (vaultrs' helper hard-codes the TTL and drops
//! it), the `auth` block of unwrapped token-create responses (vaultrs drops it), and errors that
//! never carry a token or a response body into `Debug` output (vaultrs' do).

use std::path::Path;
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
}

impl std::fmt::Debug for VaultClient {
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
        Ok(Self {
            http: https_client(ca_file)?,
            address: address.trim_end_matches('/').to_owned(),
            token,
        })
    }

    pub fn address(&self) -> &str {
        &self.address
    }

    /// The same connection settings with another token.
    pub fn with_token(&self, token: SecretString) -> Self {
        Self {
            http: self.http.clone(),
            address: self.address.clone(),
            token: Some(token),
        }
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
        let status = response.status().as_u16();
        match status {
            204 => Ok(None),
            404 => {
                // 404 with errors is "not found" for reads; a body without errors is data.
                Ok(None)
            }
            200..=299 => {
                response
                    .json::<Value>()
                    .await
                    .map(Some)
                    .map_err(|_| VaultError::Unexpected {
                        status,
                        what: "unreadable response body",
                    })
            }
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
