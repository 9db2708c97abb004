//! TOTP keys in Vault's `totp/` secrets engine, one per dashboard user
//! (`totp/keys/tradebot-user-<name>`). The engine generates the seed and hands it out once, as
//! the `otpauth://` URL of the create answer; afterwards nothing can read it back (a GET of the
//! key returns its parameters only), and codes are checked by Vault (`totp/code/<key>`), which
//! also refuses a code used twice in its period. The dashboard never stores the seed.
//!
//! Plain typed HTTP through [`VaultClient`]: vaultrs 0.8 has no TOTP API at all.

use secrecy::SecretString;
use serde::Deserialize;
use serde_json::json;

use super::{DashboardSession, VaultError};
use crate::auth::second_factor::TotpVault;

/// The mount bootstrap enables (`vault bootstrap`).
pub const MOUNT: &str = "totp";
/// What issuer authenticator apps show.
pub const ISSUER: &str = "tradebot";

/// The key of a dashboard user (names are checked by `UserName`: letters, digits, `._-`).
pub fn key_name(user: &str) -> String {
    format!("tradebot-user-{user}")
}

/// The dashboard's TOTP boundary: its own AppRole session, policy-limited to create,
/// validate and delete `tradebot-user-*` keys.
#[derive(Debug, Clone)]
pub struct VaultTotp {
    session: DashboardSession,
}

impl VaultTotp {
    pub fn new(session: DashboardSession) -> Self {
        Self { session }
    }
}

#[derive(Deserialize)]
struct Created {
    data: CreatedData,
}

/// The create answer. `barcode` (a PNG of the same URL) is ignored: the page shows the URL
/// and a QR code would need `img-src data:` in the CSP.
#[derive(Deserialize)]
struct CreatedData {
    url: String,
}

#[derive(Deserialize)]
struct Checked {
    data: CheckedData,
}

#[derive(Deserialize)]
struct CheckedData {
    valid: bool,
}

fn shape(what: &'static str) -> VaultError {
    VaultError::Unexpected { status: 200, what }
}

#[async_trait::async_trait]
impl TotpVault for VaultTotp {
    async fn create(&self, user: &str) -> anyhow::Result<SecretString> {
        // A new enrolment replaces any earlier key (the engine overwrites on POST).
        let path = format!("{MOUNT}/keys/{}", key_name(user));
        let body = json!({
            "generate": true, "exported": true, "issuer": ISSUER, "account_name": user,
            "algorithm": "SHA1", "digits": 6, "period": 30,
        });
        let answer = self
            .session
            .client()
            .write(&path, &body)
            .await?
            .ok_or_else(|| shape("the TOTP key create returned no URL"))?;
        let created: Created = serde_json::from_value(answer)
            .map_err(|_| shape("the TOTP key create answer has no URL"))?;
        Ok(SecretString::from(created.data.url))
    }

    async fn validate(&self, user: &str, code: &str) -> anyhow::Result<bool> {
        let path = format!("{MOUNT}/code/{}", key_name(user));
        match self
            .session
            .client()
            .write(&path, &json!({ "code": code }))
            .await
        {
            Ok(Some(answer)) => {
                let checked: Checked = serde_json::from_value(answer)
                    .map_err(|_| shape("the TOTP check answer has no verdict"))?;
                Ok(checked.data.valid)
            }
            Ok(None) => Err(shape("the TOTP check returned no body").into()),
            // 400: a code already used in its period, or no key for this user. Either way
            // the code does not sign anyone in; Vault's words go to the log only.
            Err(VaultError::Rejected {
                status: 400,
                detail,
                ..
            }) => {
                tracing::info!(user, reason = %detail, "Vault refused a TOTP code");
                Ok(false)
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn delete(&self, user: &str) -> anyhow::Result<()> {
        let path = format!("{MOUNT}/keys/{}", key_name(user));
        Ok(self.session.client().delete(&path).await?)
    }
}
