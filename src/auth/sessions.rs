//! Browser sessions: a random 32-byte token in a `__Host-` cookie; the database keeps its
//! SHA-256, the user, a per-session CSRF token and the idle/absolute timestamps.

use axum::http::{header, HeaderMap, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use sqlx::{Row, SqlitePool};

use super::secret::{log_id, random_hex, sha256_hex};
use super::Role;
use crate::config::AuthSettings;

pub const COOKIE_NAME: &str = "__Host-tradebot_session";

/// How often `last_seen` is written: idle expiry is this coarse, and busy pages do not turn
/// every request into a database write.
const TOUCH_EVERY_MS: i64 = 15_000;

/// A session as just created: the token goes into the cookie, once. `Debug` shows the stored
/// digest's first digits, never the token or the CSRF value.
pub struct NewSession {
    pub id: String,
    pub token: SecretString,
    pub csrf: String,
}

/// The user behind a live session. `Debug` leaves out the CSRF value.
#[derive(Clone)]
pub struct SessionUser {
    pub session_id: String,
    pub user_id: i64,
    pub name: String,
    pub role: Role,
    pub must_change_password: bool,
    /// TOTP is active for this user, or they have a passkey (`auth.require_second_factor_for`).
    pub second_factor_active: bool,
    pub csrf: String,
}

impl std::fmt::Debug for NewSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSession")
            .field("id", &format_args!("{}..", log_id(&self.id)))
            .field("token", &"<redacted>")
            .field("csrf", &"<redacted>")
            .finish()
    }
}

impl std::fmt::Debug for SessionUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionUser")
            .field(
                "session_id",
                &format_args!("{}..", log_id(&self.session_id)),
            )
            .field("user_id", &self.user_id)
            .field("name", &self.name)
            .field("role", &self.role)
            .field("must_change_password", &self.must_change_password)
            .field("csrf", &"<redacted>")
            .finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Liveness {
    Live,
    /// Unused for longer than the idle timeout.
    Idle,
    /// Older than the absolute timeout.
    TooOld,
}

/// Timeouts in milliseconds, from settings.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub idle_ms: i64,
    pub absolute_ms: i64,
}

impl From<&AuthSettings> for Timeouts {
    fn from(s: &AuthSettings) -> Self {
        let ms = |secs: u64| i64::try_from(secs.saturating_mul(1000)).unwrap_or(i64::MAX);
        Self {
            idle_ms: ms(s.session_idle_minutes.saturating_mul(60)),
            absolute_ms: ms(s.session_absolute_hours.saturating_mul(3600)),
        }
    }
}

pub fn liveness(t: Timeouts, created_ms: i64, last_seen_ms: i64, now_ms: i64) -> Liveness {
    if now_ms.saturating_sub(created_ms) > t.absolute_ms {
        Liveness::TooOld
    } else if now_ms.saturating_sub(last_seen_ms) > t.idle_ms {
        Liveness::Idle
    } else {
        Liveness::Live
    }
}

/// A fresh session (never a reused id) for a user who just proved who they are.
pub async fn create(
    pool: &SqlitePool,
    user_id: i64,
    ip: &str,
    now_ms: i64,
) -> anyhow::Result<NewSession> {
    let token = random_hex(32);
    let id = sha256_hex(&token);
    let csrf = random_hex(32);
    sqlx::query(
        "INSERT INTO sessions (id, user_id, csrf, created_ms, last_seen_ms, ip) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(user_id)
    .bind(&csrf)
    .bind(now_ms)
    .bind(now_ms)
    .bind(ip)
    .execute(pool)
    .await?;
    Ok(NewSession {
        id,
        token: SecretString::from(token),
        csrf,
    })
}

/// The user of a live session for this cookie token; an expired session is deleted.
pub async fn lookup(
    pool: &SqlitePool,
    token: &str,
    timeouts: Timeouts,
    now_ms: i64,
) -> anyhow::Result<Option<SessionUser>> {
    let id = sha256_hex(token);
    let row = sqlx::query(
        "SELECT s.user_id, s.csrf, s.created_ms, s.last_seen_ms, u.name, u.role, u.must_change_password,
                (u.totp_state = 'active'
                 OR EXISTS (SELECT 1 FROM passkeys k WHERE k.user_id = u.id)) AS second_factor_active
           FROM sessions s JOIN users u ON u.id = s.user_id
          WHERE s.id = ? AND u.disabled = 0",
    )
    .bind(&id)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let created: i64 = row.try_get("created_ms")?;
    let last_seen: i64 = row.try_get("last_seen_ms")?;
    if liveness(timeouts, created, last_seen, now_ms) != Liveness::Live {
        delete(pool, &id).await?;
        return Ok(None);
    }
    if now_ms - last_seen >= TOUCH_EVERY_MS {
        sqlx::query("UPDATE sessions SET last_seen_ms = ? WHERE id = ?")
            .bind(now_ms)
            .bind(&id)
            .execute(pool)
            .await?;
    }
    let role: String = row.try_get("role")?;
    Ok(Some(SessionUser {
        session_id: id,
        user_id: row.try_get("user_id")?,
        name: row.try_get("name")?,
        role: role.parse().map_err(anyhow::Error::msg)?,
        must_change_password: row.try_get("must_change_password")?,
        second_factor_active: row.try_get("second_factor_active")?,
        csrf: row.try_get("csrf")?,
    }))
}

pub async fn delete(pool: &SqlitePool, session_id: &str) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM sessions WHERE id = ?")
        .bind(session_id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Ends every session of a user ("log out everywhere", password change, disable).
pub async fn delete_all_for_user(pool: &SqlitePool, user_id: i64) -> anyhow::Result<u64> {
    let r = sqlx::query("DELETE FROM sessions WHERE user_id = ?")
        .bind(user_id)
        .execute(pool)
        .await?;
    Ok(r.rows_affected())
}

/// `Set-Cookie` for a new session. `__Host-` makes browsers insist on Secure, Path=/ and no
/// Domain; no Max-Age, so it also ends with the browser (the server enforces the timeouts).
pub fn set_cookie(token: &SecretString) -> HeaderValue {
    let value = format!(
        "{COOKIE_NAME}={}; Secure; HttpOnly; SameSite=Strict; Path=/",
        token.expose_secret()
    );
    HeaderValue::from_str(&value).unwrap_or_else(|_| clear_cookie())
}

pub fn clear_cookie() -> HeaderValue {
    HeaderValue::from_static(
        "__Host-tradebot_session=; Secure; HttpOnly; SameSite=Strict; Path=/; Max-Age=0",
    )
}

/// The session token from the request's cookies, if any.
pub fn token_from(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Timeouts = Timeouts {
        idle_ms: 30 * 60_000,
        absolute_ms: 12 * 3_600_000,
    };

    #[test]
    fn idle_and_absolute_expiry() {
        assert_eq!(liveness(T, 0, 0, 30 * 60_000), Liveness::Live);
        assert_eq!(liveness(T, 0, 0, 30 * 60_000 + 1), Liveness::Idle);
        let busy = 12 * 3_600_000;
        assert_eq!(liveness(T, 0, busy, busy), Liveness::Live);
        assert_eq!(liveness(T, 0, busy, busy + 1), Liveness::TooOld);
    }

    #[test]
    fn cookie_attributes_and_parsing() {
        let c = set_cookie(&SecretString::from("abc"));
        let c = c.to_str().unwrap();
        for attr in [
            "__Host-tradebot_session=abc",
            "Secure",
            "HttpOnly",
            "SameSite=Strict",
            "Path=/",
        ] {
            assert!(c.contains(attr), "{c}");
        }
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; __Host-tradebot_session=tok; b=2"),
        );
        assert_eq!(token_from(&h).as_deref(), Some("tok"));
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("tradebot_session=tok"),
        );
        assert_eq!(token_from(&h), None);
    }

    #[tokio::test]
    async fn sessions_print_no_token_and_no_csrf() {
        let store = crate::store::Store::memory().await.unwrap();
        let pool = store.pool();
        let uid =
            crate::auth::users::create(pool, &"dan".parse().unwrap(), Role::Viewer, "h", false, 0)
                .await
                .unwrap();
        let s = create(pool, uid, "", 0).await.unwrap();
        let (token, csrf) = (s.token.expose_secret().to_owned(), s.csrf.clone());
        let printed = format!("{s:?}");
        for secret in [&token, &csrf, &s.id] {
            assert!(!printed.contains(secret.as_str()), "{printed}");
        }
        assert!(printed.contains("<redacted>"), "{printed}");
        let u = lookup(pool, &token, T, 1).await.unwrap().unwrap();
        assert_eq!(u.csrf, csrf);
        let printed = format!("{u:?}");
        assert!(
            !printed.contains(csrf.as_str()) && printed.contains("dan"),
            "{printed}"
        );
    }

    #[tokio::test]
    async fn sessions_expire_when_idle_and_are_deleted() {
        let store = crate::store::Store::memory().await.unwrap();
        let pool = store.pool();
        let name = "eve".parse().unwrap();
        let uid = crate::auth::users::create(pool, &name, Role::Viewer, "h", false, 0)
            .await
            .unwrap();
        let s = create(pool, uid, "", 0).await.unwrap();
        let token = s.token.expose_secret().to_owned();
        assert_ne!(s.id, token, "only the digest is stored");
        let u = lookup(pool, &token, T, 20 * 60_000).await.unwrap().unwrap();
        assert_eq!((u.name.as_str(), u.role), ("eve", Role::Viewer));
        // Touched at 20 min, so still live at 45 min; idle after 50 min + 1 ms.
        assert!(lookup(pool, &token, T, 45 * 60_000)
            .await
            .unwrap()
            .is_some());
        assert!(lookup(pool, &token, T, 75 * 60_000 + 1)
            .await
            .unwrap()
            .is_none());
        assert!(
            lookup(pool, &token, T, 45 * 60_000)
                .await
                .unwrap()
                .is_none(),
            "deleted"
        );
    }
}
