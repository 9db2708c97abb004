//! Passkeys (WebAuthn, W3C Web Authentication Level 3) as a second factor next to TOTP, verified
//! with `webauthn-rs`. The database keeps public keys only (`passkeys`: webauthn-rs' `Passkey`
//! as JSON) and the ceremony in flight (`passkey_ceremonies`: the challenge, server-side, one
//! use). The relying party id is the host name of `auth.passkey_origin`; a signature from any
//! other origin is refused by the library.

use serde::de::DeserializeOwned;
use serde::Serialize;
use sqlx::{Row, SqlitePool};
use url::Url;
use webauthn_rs::prelude::{
    CreationChallengeResponse, Passkey, PasskeyAuthentication, PasskeyRegistration,
    PublicKeyCredential, RegisterPublicKeyCredential, RequestChallengeResponse, Uuid,
};
use webauthn_rs::{Webauthn, WebauthnBuilder};

use super::pending;
use crate::config::AuthSettings;

/// Longest passkey label kept (characters); longer labels are cut.
pub const NAME_MAX: usize = 60;
/// Most passkeys one user may register.
pub const MAX_PER_USER: i64 = 10;

/// The relying party of `settings.passkey_origin`: rp id = its host name, signatures accepted
/// from that origin only (any port when the URL names none).
///
/// Errors: the origin is not an `https://` URL with a domain name.
pub fn relying_party(settings: &AuthSettings) -> anyhow::Result<Webauthn> {
    let origin = Url::parse(&settings.passkey_origin)
        .map_err(|e| anyhow::anyhow!("auth.passkey_origin is not a URL: {e}"))?;
    anyhow::ensure!(
        origin.scheme() == "https",
        "auth.passkey_origin must be an https:// URL"
    );
    let Some(rp_id) = origin.domain() else {
        anyhow::bail!(
            "auth.passkey_origin needs a host name (WebAuthn does not take IP addresses)"
        );
    };
    let any_port = origin.port().is_none();
    WebauthnBuilder::new(rp_id, &origin)
        .and_then(|b| b.rp_name("tradebot").allow_any_port(any_port).build())
        .map_err(|e| anyhow::anyhow!("auth.passkey_origin: {e}"))
}

/// One registered passkey, as the Account page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyInfo {
    pub id: i64,
    pub name: String,
    pub created_ms: i64,
    pub last_used_ms: Option<i64>,
}

pub async fn list(pool: &SqlitePool, user_id: i64) -> anyhow::Result<Vec<PasskeyInfo>> {
    let rows = sqlx::query(
        "SELECT id, name, created_ms, last_used_ms FROM passkeys WHERE user_id = ? ORDER BY id",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(PasskeyInfo {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                created_ms: r.try_get("created_ms")?,
                last_used_ms: r.try_get("last_used_ms")?,
            })
        })
        .collect()
}

pub async fn count(pool: &SqlitePool, user_id: i64) -> anyhow::Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM passkeys WHERE user_id = ?")
        .bind(user_id)
        .fetch_one(pool)
        .await?;
    Ok(row.try_get("n")?)
}

async fn stored(pool: &SqlitePool, user_id: i64) -> anyhow::Result<Vec<(i64, Passkey)>> {
    let rows = sqlx::query("SELECT id, passkey FROM passkeys WHERE user_id = ? ORDER BY id")
        .bind(user_id)
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| {
            let json: String = r.try_get("passkey")?;
            Ok((r.try_get("id")?, serde_json::from_str(&json)?))
        })
        .collect()
}

/// The user's WebAuthn user handle, made (a random UUID) on first use.
async fn user_handle(pool: &SqlitePool, user_id: i64) -> anyhow::Result<Uuid> {
    let row = sqlx::query("SELECT passkey_handle FROM users WHERE id = ?")
        .bind(user_id)
        .fetch_one(pool)
        .await?;
    if let Some(h) = row.try_get::<Option<String>, _>("passkey_handle")? {
        return Ok(Uuid::parse_str(&h)?);
    }
    let handle = Uuid::new_v4();
    sqlx::query("UPDATE users SET passkey_handle = ? WHERE id = ?")
        .bind(handle.to_string())
        .bind(user_id)
        .execute(pool)
        .await?;
    Ok(handle)
}

fn register_id(user_id: i64) -> String {
    format!("register:{user_id}")
}

async fn put_ceremony<T: Serialize>(
    pool: &SqlitePool,
    id: &str,
    user_id: i64,
    state: &T,
    now_ms: i64,
) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM passkey_ceremonies WHERE created_ms < ?")
        .bind(now_ms - pending::TTL_MS)
        .execute(pool)
        .await?;
    sqlx::query(
        "INSERT OR REPLACE INTO passkey_ceremonies (id, user_id, state, created_ms)
         VALUES (?, ?, ?, ?)",
    )
    .bind(id)
    .bind(user_id)
    .bind(serde_json::to_string(state)?)
    .bind(now_ms)
    .execute(pool)
    .await?;
    Ok(())
}

/// Takes (and removes: one use) the live ceremony `id` of `user_id`.
async fn take_ceremony<T: DeserializeOwned>(
    pool: &SqlitePool,
    id: &str,
    user_id: i64,
    now_ms: i64,
) -> anyhow::Result<Option<T>> {
    let row = sqlx::query(
        "DELETE FROM passkey_ceremonies WHERE id = ? AND user_id = ? AND created_ms >= ?
         RETURNING state",
    )
    .bind(id)
    .bind(user_id)
    .bind(now_ms - pending::TTL_MS)
    .fetch_optional(pool)
    .await?;
    row.map(|r| Ok(serde_json::from_str(&r.try_get::<String, _>("state")?)?))
        .transpose()
}

/// Starts an enrolment: the options for `navigator.credentials.create` (the user's passkeys
/// excluded, so one authenticator is not registered twice).
///
/// Errors: [`MAX_PER_USER`] passkeys already registered (`Ok(None)`), database errors.
pub async fn start_registration(
    pool: &SqlitePool,
    rp: &Webauthn,
    user_id: i64,
    user_name: &str,
    now_ms: i64,
) -> anyhow::Result<Option<CreationChallengeResponse>> {
    let existing = stored(pool, user_id).await?;
    if existing.len() as i64 >= MAX_PER_USER {
        return Ok(None);
    }
    let exclude = existing.iter().map(|(_, p)| p.cred_id().clone()).collect();
    let handle = user_handle(pool, user_id).await?;
    let (options, state) = rp
        .start_passkey_registration(handle, user_name, user_name, Some(exclude))
        .map_err(|e| anyhow::anyhow!("WebAuthn registration options: {e}"))?;
    put_ceremony(pool, &register_id(user_id), user_id, &state, now_ms).await?;
    Ok(Some(options))
}

/// Why a passkey was not accepted (a sentence for the user; never key material).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Refused {
    #[error("the passkey set-up took too long or was not started here; start it again")]
    NoCeremony,
    #[error("the browser's answer did not verify ({0}); nothing was registered")]
    Invalid(String),
    #[error("that passkey is already registered")]
    Duplicate,
}

/// Finishes an enrolment: verifies the attestation against the stored challenge, this
/// origin and rp id, and keeps the public key under `name`. Returns the new row id.
pub async fn finish_registration(
    pool: &SqlitePool,
    rp: &Webauthn,
    user_id: i64,
    name: &str,
    credential: &RegisterPublicKeyCredential,
    now_ms: i64,
) -> anyhow::Result<Result<i64, Refused>> {
    let Some(state) =
        take_ceremony::<PasskeyRegistration>(pool, &register_id(user_id), user_id, now_ms).await?
    else {
        return Ok(Err(Refused::NoCeremony));
    };
    let passkey = match rp.finish_passkey_registration(credential, &state) {
        Ok(p) => p,
        Err(e) => return Ok(Err(Refused::Invalid(e.to_string()))),
    };
    let name: String = name.trim().chars().take(NAME_MAX).collect();
    let name = if name.is_empty() {
        "passkey".into()
    } else {
        name
    };
    let inserted = sqlx::query(
        "INSERT INTO passkeys (user_id, credential_id, name, passkey, created_ms)
         VALUES (?, ?, ?, ?, ?) ON CONFLICT (credential_id) DO NOTHING RETURNING id",
    )
    .bind(user_id)
    .bind(hex::encode(passkey.cred_id()))
    .bind(name)
    .bind(serde_json::to_string(&passkey)?)
    .bind(now_ms)
    .fetch_optional(pool)
    .await?;
    Ok(match inserted {
        Some(row) => Ok(row.try_get("id")?),
        None => Err(Refused::Duplicate),
    })
}

/// Starts a passkey sign-in for the half-signed-in `user_id` (second-step cookie `token`):
/// the options for `navigator.credentials.get`, or `None` when the user has no passkey.
pub async fn start_authentication(
    pool: &SqlitePool,
    rp: &Webauthn,
    token: &str,
    user_id: i64,
    now_ms: i64,
) -> anyhow::Result<Option<RequestChallengeResponse>> {
    let keys: Vec<Passkey> = stored(pool, user_id)
        .await?
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    if keys.is_empty() {
        return Ok(None);
    }
    let (options, state) = rp
        .start_passkey_authentication(&keys)
        .map_err(|e| anyhow::anyhow!("WebAuthn sign-in options: {e}"))?;
    let id = crate::auth::secret::sha256_hex(token);
    put_ceremony(pool, &id, user_id, &state, now_ms).await?;
    Ok(Some(options))
}

/// Verifies a passkey sign-in against the challenge of this second step (used once), this
/// origin, and one of the user's public keys; a signature counter that went backwards is
/// refused by the library (a cloned authenticator). On success the stored counter and the
/// last-used time are updated. `Ok(false)`: not a valid assertion.
pub async fn finish_authentication(
    pool: &SqlitePool,
    rp: &Webauthn,
    token: &str,
    user_id: i64,
    credential: &PublicKeyCredential,
    now_ms: i64,
) -> anyhow::Result<bool> {
    let id = crate::auth::secret::sha256_hex(token);
    let Some(state) = take_ceremony::<PasskeyAuthentication>(pool, &id, user_id, now_ms).await?
    else {
        return Ok(false);
    };
    let Ok(result) = rp.finish_passkey_authentication(credential, &state) else {
        return Ok(false);
    };
    for (row, mut passkey) in stored(pool, user_id).await? {
        if passkey.update_credential(&result).is_some() {
            sqlx::query("UPDATE passkeys SET passkey = ?, last_used_ms = ? WHERE id = ?")
                .bind(serde_json::to_string(&passkey)?)
                .bind(now_ms)
                .bind(row)
                .execute(pool)
                .await?;
            return Ok(true);
        }
    }
    Ok(false)
}

/// Removes one of the user's passkeys; `false` when it is not theirs.
pub async fn remove(pool: &SqlitePool, user_id: i64, id: i64) -> anyhow::Result<bool> {
    let done = sqlx::query("DELETE FROM passkeys WHERE id = ? AND user_id = ?")
        .bind(id)
        .bind(user_id)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(origin: &str) -> AuthSettings {
        AuthSettings {
            passkey_origin: origin.into(),
            ..AuthSettings::default()
        }
    }

    #[test]
    fn the_relying_party_comes_from_an_https_origin_with_a_host_name() {
        assert!(relying_party(&settings("https://localhost")).is_ok());
        assert!(relying_party(&settings("https://dash.example.com:8443")).is_ok());
        for bad in ["http://localhost", "https://127.0.0.1", "not a url", ""] {
            assert!(relying_party(&settings(bad)).is_err(), "{bad:?}");
        }
    }

    #[tokio::test]
    async fn a_registration_without_a_started_ceremony_is_refused() {
        let store = crate::store::Store::memory().await.unwrap();
        let pool = store.pool();
        let uid = crate::auth::users::create(
            pool,
            &"pia".parse().unwrap(),
            crate::auth::Role::Viewer,
            "h",
            false,
            0,
        )
        .await
        .unwrap();
        let rp = relying_party(&settings("https://localhost")).unwrap();
        let options = start_registration(pool, &rp, uid, "pia", 0).await.unwrap();
        assert!(options.is_some());
        // The ceremony expires with the second step's lifetime.
        let state: Option<PasskeyRegistration> =
            take_ceremony(pool, &register_id(uid), uid, pending::TTL_MS + 1)
                .await
                .unwrap();
        assert!(state.is_none(), "expired");
        assert_eq!(count(pool, uid).await.unwrap(), 0);
    }
}
