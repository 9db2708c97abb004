//! Accounts: names, roles, password hashes, the disabled flag.

use std::fmt;
use std::str::FromStr;

use sqlx::{Row, SqlitePool};

use super::Role;

/// A user name: 1 to 32 of `a-z 0-9 . _ -`, starting with a letter or digit. Upper case is
/// folded, so `Alice` and `alice` are one account.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UserName(String);

impl UserName {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for UserName {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let name = s.trim().to_ascii_lowercase();
        let ok_chars = name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        let ok_start = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric());
        if name.len() > 32 || !ok_chars || !ok_start {
            return Err(
                "a user name has 1 to 32 letters, digits, dots, dashes or underscores".into(),
            );
        }
        Ok(Self(name))
    }
}

impl fmt::Display for UserName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub must_change_password: bool,
    pub disabled: bool,
    pub created_ms: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("there is no user {0}")]
    NotFound(String),
    #[error("a user named {0} already exists")]
    Exists(String),
    #[error("this would leave no active admin; make someone else admin first")]
    LastAdmin,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for UserError {
    fn from(e: sqlx::Error) -> Self {
        UserError::Internal(e.into())
    }
}

fn user_from_row(r: &sqlx::sqlite::SqliteRow) -> anyhow::Result<User> {
    let role: String = r.try_get("role")?;
    Ok(User {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        role: role.parse().map_err(anyhow::Error::msg)?,
        must_change_password: r.try_get("must_change_password")?,
        disabled: r.try_get("disabled")?,
        created_ms: r.try_get("created_ms")?,
    })
}

pub async fn create(
    pool: &SqlitePool,
    name: &UserName,
    role: Role,
    password_hash: &str,
    must_change_password: bool,
    now_ms: i64,
) -> Result<i64, UserError> {
    let result = sqlx::query(
        "INSERT INTO users (name, role, password_hash, must_change_password, created_ms) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(name.as_str())
    .bind(role.as_str())
    .bind(password_hash)
    .bind(must_change_password)
    .bind(now_ms)
    .execute(pool)
    .await;
    match result {
        Ok(r) => Ok(r.last_insert_rowid()),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            Err(UserError::Exists(name.to_string()))
        }
        Err(e) => Err(e.into()),
    }
}

/// Creates the user only when there is no user at all (the first-start admin); false if
/// someone was first.
pub async fn create_first(
    pool: &SqlitePool,
    name: &UserName,
    password_hash: &str,
    now_ms: i64,
) -> anyhow::Result<bool> {
    let r = sqlx::query(
        "INSERT INTO users (name, role, password_hash, must_change_password, created_ms)
         SELECT ?, 'admin', ?, 1, ? WHERE NOT EXISTS (SELECT 1 FROM users)",
    )
    .bind(name.as_str())
    .bind(password_hash)
    .bind(now_ms)
    .execute(pool)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// The user and their password hash.
pub async fn by_name(pool: &SqlitePool, name: &str) -> anyhow::Result<Option<(User, String)>> {
    let row = sqlx::query("SELECT * FROM users WHERE name = ?")
        .bind(name)
        .fetch_optional(pool)
        .await?;
    row.map(|r| Ok((user_from_row(&r)?, r.try_get("password_hash")?)))
        .transpose()
}

pub async fn list(pool: &SqlitePool) -> anyhow::Result<Vec<User>> {
    let rows = sqlx::query("SELECT * FROM users ORDER BY name")
        .fetch_all(pool)
        .await?;
    rows.iter().map(user_from_row).collect()
}

/// Changes a role; refuses to demote the last active admin. Returns the previous role.
pub async fn set_role(pool: &SqlitePool, name: &str, role: Role) -> Result<Role, UserError> {
    let (user, _) = by_name(pool, name)
        .await?
        .ok_or_else(|| UserError::NotFound(name.into()))?;
    // One statement, so two admins demoting each other at once cannot both succeed.
    let r = sqlx::query(
        "UPDATE users SET role = ? WHERE id = ?
           AND (? = 'admin' OR role != 'admin' OR disabled = 1
                OR (SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0 AND id != ?) > 0)",
    )
    .bind(role.as_str())
    .bind(user.id)
    .bind(role.as_str())
    .bind(user.id)
    .execute(pool)
    .await?;
    if r.rows_affected() == 0 {
        return Err(UserError::LastAdmin);
    }
    Ok(user.role)
}

/// Disables (ending every session) or re-enables an account; never the last active admin.
pub async fn set_disabled(pool: &SqlitePool, name: &str, disabled: bool) -> Result<(), UserError> {
    let (user, _) = by_name(pool, name)
        .await?
        .ok_or_else(|| UserError::NotFound(name.into()))?;
    let r = sqlx::query(
        "UPDATE users SET disabled = ? WHERE id = ?
           AND (? = 0 OR role != 'admin'
                OR (SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0 AND id != ?) > 0)",
    )
    .bind(disabled)
    .bind(user.id)
    .bind(disabled)
    .bind(user.id)
    .execute(pool)
    .await?;
    if r.rows_affected() == 0 {
        return Err(UserError::LastAdmin);
    }
    if disabled {
        super::sessions::delete_all_for_user(pool, user.id).await?;
    }
    Ok(())
}

pub async fn set_password(
    pool: &SqlitePool,
    user_id: i64,
    password_hash: &str,
    must_change_password: bool,
) -> anyhow::Result<()> {
    sqlx::query("UPDATE users SET password_hash = ?, must_change_password = ? WHERE id = ?")
        .bind(password_hash)
        .bind(must_change_password)
        .bind(user_id)
        .execute(pool)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn user_names_parse() {
        assert_eq!("Alice".parse::<UserName>().unwrap().as_str(), "alice");
        assert!("ops-1.x_y".parse::<UserName>().is_ok());
        for bad in ["", "-x", "a b", "a/b", &"x".repeat(33), "é"] {
            assert!(bad.parse::<UserName>().is_err(), "{bad:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn parsed_names_are_canonical(s in "[a-zA-Z0-9._ -]{0,40}|\\PC{0,8}") {
            if let Ok(name) = s.parse::<UserName>() {
                let n = name.as_str();
                proptest::prop_assert!((1..=32).contains(&n.len()));
                proptest::prop_assert!(!n.chars().any(|c| c.is_ascii_uppercase() || c.is_whitespace()));
                proptest::prop_assert_eq!(n.parse::<UserName>().unwrap(), name.clone());
            }
        }
    }

    #[tokio::test]
    async fn last_admin_cannot_be_demoted_or_disabled() {
        let store = Store::memory().await.unwrap();
        let pool = store.pool();
        let root: UserName = "root".parse().unwrap();
        create(pool, &root, Role::Admin, "h", false, 1)
            .await
            .unwrap();
        assert!(matches!(
            create(pool, &root, Role::Viewer, "h", false, 1).await,
            Err(UserError::Exists(_))
        ));
        assert!(matches!(
            set_role(pool, "root", Role::Viewer).await,
            Err(UserError::LastAdmin)
        ));
        assert!(matches!(
            set_disabled(pool, "root", true).await,
            Err(UserError::LastAdmin)
        ));
        let bob: UserName = "bob".parse().unwrap();
        create(pool, &bob, Role::Viewer, "h", false, 1)
            .await
            .unwrap();
        assert_eq!(
            set_role(pool, "bob", Role::Admin).await.unwrap(),
            Role::Viewer
        );
        set_role(pool, "root", Role::Operator).await.unwrap();
        assert!(matches!(
            set_role(pool, "nobody", Role::Admin).await,
            Err(UserError::NotFound(_))
        ));
        assert!(!create_first(pool, &root, "h", 1).await.unwrap());
    }
}
