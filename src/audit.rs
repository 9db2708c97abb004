//! The audit log: who did what, to what, when, from where, and how it ended. Rows are only
//! ever inserted; SQLite triggers (migrations/20261125000002_accounts.sql) abort any UPDATE
//! or DELETE. Details are a JSON object of ids and names, never secrets.

use std::net::IpAddr;

use serde::Serialize;
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};

/// Action names recorded by the dashboard (others may add their own strings).
pub mod actions {
    pub const LOGIN: &str = "login";
    pub const LOGIN_FAILED: &str = "login_failed";
    /// Failures locked a user name from one address, or one address (details: until, level).
    pub const LOGIN_LOCKED: &str = "login_locked";
    /// One line per ended lock: how many attempts it refused (details: attempts).
    pub const LOGIN_LOCK_REFUSED: &str = "login_lock_refused";
    pub const LOGIN_UNLOCK: &str = "login_unlock";
    pub const LOGOUT: &str = "logout";
    pub const LOGOUT_ALL: &str = "logout_all";
    pub const USER_ADD: &str = "user_add";
    pub const USER_ROLE_CHANGE: &str = "user_role_change";
    pub const USER_DISABLE: &str = "user_disable";
    pub const USER_ENABLE: &str = "user_enable";
    pub const PASSWORD_CHANGE: &str = "password_change";
    pub const PASSWORD_RESET: &str = "password_reset";
    pub const API_TOKEN_CREATE: &str = "api_token_create";
    pub const API_TOKEN_REVOKE: &str = "api_token_revoke";
    /// A TOTP key was created in Vault; not active until a first code confirms it.
    pub const SECOND_FACTOR_ENROL: &str = "second_factor_enrol";
    /// The first code matched: TOTP is active, recovery codes issued.
    pub const SECOND_FACTOR_CONFIRM: &str = "second_factor_confirm";
    /// Sign-in completed with a recovery code (details: codes left).
    pub const RECOVERY_CODE_USED: &str = "recovery_code_used";
    /// An admin removed a user's second factor (Vault key, recovery codes).
    pub const SECOND_FACTOR_RESET: &str = "second_factor_reset";
    /// A passkey was registered (details: its row id; the public key stays in the database).
    pub const PASSKEY_ADD: &str = "passkey_add";
    /// A user removed one of their passkeys.
    pub const PASSKEY_REMOVE: &str = "passkey_remove";
    /// An admin added an alert webhook target (details: its id; never its URL).
    pub const ALERT_TARGET_ADD: &str = "alert_target_add";
    /// An admin removed an alert webhook target.
    pub const ALERT_TARGET_REMOVE: &str = "alert_target_remove";
    /// One alert delivery to one target, ok or error (`crate::alerts::deliver`).
    pub const ALERT_DELIVERY: &str = crate::alerts::deliver::AUDIT_DELIVERY;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// Refused by a rule (wrong password, role, lockout).
    Denied,
    /// Tried and failed.
    Error,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Denied => "denied",
            Outcome::Error => "error",
        }
    }
}

/// One event. `actor` is a user name (or "cli", "system"); `target` what it acted on.
#[derive(Debug)]
pub struct Entry<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub ip: Option<IpAddr>,
    pub details: serde_json::Value,
    pub result: Outcome,
}

/// Appends `entry`, stamped now. Returns its id.
pub async fn record(pool: &SqlitePool, entry: Entry<'_>) -> anyhow::Result<i64> {
    record_at(pool, entry, crate::clock::now_ms()).await
}

pub async fn record_at(pool: &SqlitePool, entry: Entry<'_>, ts_ms: i64) -> anyhow::Result<i64> {
    let details = match entry.details {
        serde_json::Value::Null => String::from("{}"),
        other => other.to_string(),
    };
    let r = sqlx::query(
        "INSERT INTO audit (ts_ms, actor, action, target, ip, details, result) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(ts_ms)
    .bind(entry.actor)
    .bind(entry.action)
    .bind(entry.target)
    .bind(entry.ip.map(|ip| ip.to_string()).unwrap_or_default())
    .bind(details)
    .bind(entry.result.as_str())
    .execute(pool)
    .await?;
    Ok(r.last_insert_rowid())
}

/// Which rows to show; every field narrows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub since_ms: Option<i64>,
    /// Exclusive.
    pub until_ms: Option<i64>,
    /// Case-insensitive substring of actor, action, target, ip or details.
    pub text: Option<String>,
    /// Newest rows first, at most this many (default 500, at most 10 000).
    pub limit: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Record {
    pub id: i64,
    pub ts_ms: i64,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub ip: String,
    pub details: String,
    pub result: String,
}

pub async fn query(pool: &SqlitePool, f: &Filter) -> anyhow::Result<Vec<Record>> {
    let mut q: QueryBuilder<Sqlite> = QueryBuilder::new("SELECT * FROM audit WHERE 1 = 1");
    if let Some(actor) = f.actor.as_deref().filter(|s| !s.is_empty()) {
        q.push(" AND actor = ").push_bind(actor.to_owned());
    }
    if let Some(action) = f.action.as_deref().filter(|s| !s.is_empty()) {
        q.push(" AND action = ").push_bind(action.to_owned());
    }
    if let Some(since) = f.since_ms {
        q.push(" AND ts_ms >= ").push_bind(since);
    }
    if let Some(until) = f.until_ms {
        q.push(" AND ts_ms < ").push_bind(until);
    }
    if let Some(text) = f.text.as_deref().filter(|s| !s.is_empty()) {
        // instr, not LIKE: no wildcard characters to escape in what people type.
        q.push(" AND instr(lower(actor || ' ' || action || ' ' || target || ' ' || ip || ' ' || details), lower(")
            .push_bind(text.to_owned())
            .push(")) > 0");
    }
    let limit = f.limit.unwrap_or(500).clamp(1, 10_000);
    q.push(" ORDER BY id DESC LIMIT ").push_bind(limit);
    let rows = q.build().fetch_all(pool).await?;
    rows.iter()
        .map(|r| {
            Ok(Record {
                id: r.try_get("id")?,
                ts_ms: r.try_get("ts_ms")?,
                actor: r.try_get("actor")?,
                action: r.try_get("action")?,
                target: r.try_get("target")?,
                ip: r.try_get("ip")?,
                details: r.try_get("details")?,
                result: r.try_get("result")?,
            })
        })
        .collect()
}

/// The rows as CSV with a header line and UTC timestamps.
pub fn to_csv(rows: &[Record]) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "id", "time_utc", "ts_ms", "actor", "action", "target", "ip", "result", "details",
    ])?;
    for r in rows {
        w.write_record([
            r.id.to_string(),
            crate::clock::format_ms(r.ts_ms, true),
            r.ts_ms.to_string(),
            cell(&r.actor),
            cell(&r.action),
            cell(&r.target),
            cell(&r.ip),
            cell(&r.result),
            cell(&r.details),
        ])?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("csv: {e}"))
}

/// Spreadsheets run cells starting with these as formulas; a quote makes them text.
fn cell(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    }
}

/// What the audit log keeps of a refusal's sentence: quoted input replaced, as a refused
/// field's error may echo whatever was pasted into it (a mnemonic in a parameter field).
/// `invalid value: string "abc"` becomes `invalid value: string "…"`, and
/// ``unknown variant `abc` `` becomes ``unknown variant `…` ``.
pub fn redact_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut inside: Option<char> = None;
    for c in text.chars() {
        match inside {
            None if c == '"' || c == '`' => {
                out.push(c);
                out.push('…');
                inside = Some(c);
            }
            None => out.push(c),
            Some(q) if q == c => {
                out.push(c);
                inside = None;
            }
            Some(_) => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn entry<'a>(actor: &'a str, action: &'a str, target: &'a str) -> Entry<'a> {
        Entry {
            actor,
            action,
            target,
            ip: Some([10, 0, 0, 7].into()),
            details: serde_json::json!({"k": "v"}),
            result: Outcome::Ok,
        }
    }

    #[tokio::test]
    async fn triggers_refuse_update_and_delete() {
        let store = Store::memory().await.unwrap();
        let pool = store.pool();
        let id = record(pool, entry("alice", "login", "")).await.unwrap();
        let update = sqlx::query("UPDATE audit SET actor = 'mallory' WHERE id = ?")
            .bind(id)
            .execute(pool)
            .await
            .unwrap_err();
        assert!(update.to_string().contains("append-only"), "{update}");
        let delete = sqlx::query("DELETE FROM audit")
            .execute(pool)
            .await
            .unwrap_err();
        assert!(delete.to_string().contains("append-only"), "{delete}");
        assert_eq!(
            query(pool, &Filter::default()).await.unwrap()[0].actor,
            "alice"
        );
    }

    #[tokio::test]
    async fn filters_narrow_and_csv_escapes() {
        let store = Store::memory().await.unwrap();
        let pool = store.pool();
        record_at(pool, entry("alice", "login", ""), 1_000)
            .await
            .unwrap();
        record_at(pool, entry("bob", "bot_start", "grid-1"), 2_000)
            .await
            .unwrap();
        record_at(pool, entry("alice", "api_token_create", "=cmd()"), 3_000)
            .await
            .unwrap();
        let by = |f: Filter| async move {
            query(pool, &f)
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.ts_ms)
                .collect::<Vec<_>>()
        };
        let alice = Filter {
            actor: Some("alice".into()),
            ..Filter::default()
        };
        assert_eq!(by(alice).await, vec![3_000, 1_000]);
        let window = Filter {
            since_ms: Some(1_500),
            until_ms: Some(3_000),
            ..Filter::default()
        };
        assert_eq!(by(window).await, vec![2_000]);
        let text = Filter {
            text: Some("GRID".into()),
            ..Filter::default()
        };
        assert_eq!(by(text).await, vec![2_000]);
        let rows = query(pool, &Filter::default()).await.unwrap();
        let csv = String::from_utf8(to_csv(&rows).unwrap()).unwrap();
        assert!(csv.starts_with("id,time_utc,"), "{csv}");
        assert!(csv.contains("'=cmd()"), "formula neutralised: {csv}");
        assert_eq!(csv.lines().count(), 4);
    }
}
