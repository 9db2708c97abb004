//! The first admin: on a first start (no users at all) `serve` creates `admin` with a
//! one-time password, logs it once and leaves it in `<data_dir>/initial-admin-password`
//! (0600). The account must choose a new password at its first login.

use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};

use super::{password, secret, users};
use crate::audit::{self, Entry, Outcome};
use crate::private_file::write_private_line;
use crate::store::Store;

pub const INITIAL_PASSWORD_FILE: &str = "initial-admin-password";
pub const FIRST_ADMIN: &str = "admin";

/// The admin created at first start (the password is in `password_file`, not here).
#[derive(Debug, Clone)]
pub struct FirstAdmin {
    pub name: String,
    pub password_file: PathBuf,
}

/// Creates the first admin if there is no user; `None` when users exist.
pub async fn ensure_first_admin(
    store: &Store,
    data_dir: &Path,
) -> anyhow::Result<Option<FirstAdmin>> {
    let pool = store.pool();
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(pool)
        .await?;
    if count > 0 {
        return Ok(None);
    }
    let one_time = SecretString::from(secret::one_time_password());
    let phc = password::hash(one_time.clone()).await?;
    let name: users::UserName = FIRST_ADMIN.parse().map_err(anyhow::Error::msg)?;
    if !users::create_first(pool, &name, &phc, crate::clock::now_ms()).await? {
        return Ok(None); // another process was first
    }
    let password_file = data_dir.join(INITIAL_PASSWORD_FILE);
    write_private_line(&password_file, one_time.expose_secret())?;
    // The password goes to the file only, never to the log: container logs are kept and
    // shipped. `ops/up` copies the file out of the volume and prints it for the newcomer.
    tracing::warn!(
        "==== FIRST START: created user '{FIRST_ADMIN}' with a one-time password in {}; sign in and choose a new password ====",
        password_file.display()
    );
    let entry = Entry {
        actor: "system",
        action: audit::actions::USER_ADD,
        target: FIRST_ADMIN,
        ip: None,
        details: serde_json::json!({"role": "admin", "first_start": true}),
        result: Outcome::Ok,
    };
    audit::record(pool, entry).await?;
    Ok(Some(FirstAdmin {
        name: FIRST_ADMIN.into(),
        password_file,
    }))
}

/// Removes the one-time password file once the first admin has chosen a password.
pub fn forget_initial_password(data_dir: &Path) {
    let path = data_dir.join(INITIAL_PASSWORD_FILE);
    match std::fs::remove_file(&path) {
        Ok(()) => tracing::info!("removed {} after the first password change", path.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => tracing::warn!(error = %e, "cannot remove {}", path.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[tokio::test]
    async fn first_admin_once_with_private_file() {
        let store = Store::memory().await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let first = ensure_first_admin(&store, dir.path())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(first.name, "admin");
        let meta = std::fs::metadata(&first.password_file).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        let pw = std::fs::read_to_string(&first.password_file).unwrap();
        let pw = pw.trim();
        assert!(pw.len() >= 20);
        let (user, phc) = users::by_name(store.pool(), "admin")
            .await
            .unwrap()
            .unwrap();
        assert!(user.must_change_password && user.role == super::super::Role::Admin);
        assert!(password::verify_blocking(
            &SecretString::from(pw.to_owned()),
            &phc
        ));
        assert!(ensure_first_admin(&store, dir.path())
            .await
            .unwrap()
            .is_none());
        forget_initial_password(dir.path());
        assert!(!first.password_file.exists());
    }
}
