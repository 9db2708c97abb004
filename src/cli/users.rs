//! `tradebot users ...`: dashboard accounts from the command line, for the first admin and
//! for recovery. Passwords come from the terminal without echo (twice), or as one line of
//! stdin when it is not a terminal; never from argv.

use std::io::{BufRead, IsTerminal};

use anyhow::{bail, Context};
use clap::Subcommand;
use secrecy::{ExposeSecret, SecretString};

use crate::audit::{self, actions, Entry, Outcome};
use crate::auth::users::{self, UserError, UserName};
use crate::auth::{password, ratelimit, sessions, Role};
use crate::clock::{format_ms, now_ms};
use crate::config::Settings;
use crate::store::Store;

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Add a user; the password is read from stdin.
    Add {
        #[arg(long)]
        name: UserName,
        #[arg(long, default_value = "viewer")]
        role: Role,
    },
    /// Users, roles and states.
    List,
    /// Change a user's role.
    SetRole {
        #[arg(long)]
        name: UserName,
        #[arg(long)]
        role: Role,
    },
    /// Disable a user and end their sessions.
    Disable {
        #[arg(long)]
        name: UserName,
    },
    /// Set a temporary password (from stdin) that the user must change at next login.
    ResetPassword {
        #[arg(long)]
        name: UserName,
    },
    /// Lift login locks: of a user name from every address, or of one client address.
    Unlock {
        #[arg(long, required_unless_present = "address", conflicts_with = "address")]
        name: Option<UserName>,
        #[arg(long)]
        address: Option<std::net::IpAddr>,
    },
    /// Remove a user's second factor (their TOTP key in Vault and recovery codes), e.g. after
    /// a lost phone. Uses the dashboard's Vault AppRole (vault.role_id_file/secret_id_file).
    #[command(name = "reset-2fa")]
    Reset2fa {
        #[arg(long)]
        name: UserName,
    },
}

pub async fn run(cmd: UsersCommand, settings: &Settings) -> anyhow::Result<()> {
    let store = Store::open(&settings.data_dir).await.with_context(|| {
        format!(
            "cannot open the database in {}",
            settings.data_dir.display()
        )
    })?;
    match cmd {
        UsersCommand::Add { name, role } => add(&store, &name, role).await,
        UsersCommand::List => list(&store).await,
        UsersCommand::SetRole { name, role } => set_role(&store, &name, role).await,
        UsersCommand::Disable { name } => disable(&store, &name).await,
        UsersCommand::ResetPassword { name } => reset_password(&store, &name).await,
        UsersCommand::Unlock { name, address } => unlock(&store, name, address).await,
        UsersCommand::Reset2fa { name } => super::users_2fa::reset(&store, settings, &name).await,
    }
}

/// `users add`: a new account with a password read from the terminal or stdin.
async fn add(store: &Store, name: &UserName, role: Role) -> anyhow::Result<()> {
    let pw = read_new_password(&format!("Password for {name}: "))?;
    let phc = password::hash(pw).await?;
    users::create(store.pool(), name, role, &phc, false, now_ms())
        .await
        .map_err(human)?;
    record(
        store,
        actions::USER_ADD,
        name,
        serde_json::json!({ "role": role }),
    )
    .await?;
    println!("added {name} ({role})");
    Ok(())
}

/// `users list`: one line per account (name, role, state, creation time).
async fn list(store: &Store) -> anyhow::Result<()> {
    println!("{:<32} {:<9} {:<8} created", "name", "role", "state");
    for u in users::list(store.pool()).await? {
        let state = if u.disabled { "disabled" } else { "active" };
        let note = if u.must_change_password {
            "  (must change password)"
        } else {
            ""
        };
        println!(
            "{:<32} {:<9} {:<8} {}{note}",
            u.name,
            u.role,
            state,
            format_ms(u.created_ms, false)
        );
    }
    Ok(())
}

/// `users set-role`: the new role, audited with the old one.
async fn set_role(store: &Store, name: &UserName, role: Role) -> anyhow::Result<()> {
    let from = users::set_role(store.pool(), name.as_str(), role)
        .await
        .map_err(human)?;
    let details = serde_json::json!({ "from": from, "to": role });
    record(store, actions::USER_ROLE_CHANGE, name, details).await?;
    println!("{name}: {from} -> {role}");
    Ok(())
}

/// `users disable`: the account is disabled and its sessions end.
async fn disable(store: &Store, name: &UserName) -> anyhow::Result<()> {
    users::set_disabled(store.pool(), name.as_str(), true)
        .await
        .map_err(human)?;
    record(store, actions::USER_DISABLE, name, serde_json::Value::Null).await?;
    println!("{name} is disabled and signed out");
    Ok(())
}

/// `users reset-password`: a temporary password the user must change; their sessions end.
async fn reset_password(store: &Store, name: &UserName) -> anyhow::Result<()> {
    let pool = store.pool();
    let (user, _) = users::by_name(pool, name.as_str())
        .await?
        .ok_or_else(|| human(UserError::NotFound(name.to_string())))?;
    let pw = read_new_password(&format!("Temporary password for {name}: "))?;
    let phc = password::hash(pw).await?;
    users::set_password(pool, user.id, &phc, true).await?;
    sessions::delete_all_for_user(pool, user.id).await?;
    record(
        store,
        actions::PASSWORD_RESET,
        name,
        serde_json::Value::Null,
    )
    .await?;
    println!("{name} must choose a new password at next login");
    Ok(())
}

/// `users unlock`: the name's (or address's) failures and locks are forgotten, audited with
/// how many locks ended and how many attempts they had refused.
async fn unlock(
    store: &Store,
    name: Option<UserName>,
    address: Option<std::net::IpAddr>,
) -> anyhow::Result<()> {
    let pool = store.pool();
    let (target, done) = match (name, address) {
        (Some(name), _) => (
            name.to_string(),
            ratelimit::unlock_name(pool, name.as_str()).await?,
        ),
        (None, Some(ip)) => (ip.to_string(), ratelimit::unlock_address(pool, ip).await?),
        (None, None) => bail!("give --name or --address"),
    };
    let details = serde_json::json!({ "locks": done.keys, "refused_attempts": done.refused });
    let entry = Entry {
        actor: "cli",
        action: actions::LOGIN_UNLOCK,
        target: &target,
        ip: None,
        details,
        result: Outcome::Ok,
    };
    audit::record(pool, entry).await?;
    println!("{target}: {} lock(s) lifted", done.keys);
    Ok(())
}

/// Refusals are one sentence; internal errors keep their chain.
fn human(e: UserError) -> anyhow::Error {
    match e {
        UserError::Internal(e) => e,
        other => anyhow::anyhow!("{other}"),
    }
}

async fn record(
    store: &Store,
    action: &str,
    target: &UserName,
    details: serde_json::Value,
) -> anyhow::Result<()> {
    let entry = Entry {
        actor: "cli",
        action,
        target: target.as_str(),
        ip: None,
        details,
        result: Outcome::Ok,
    };
    audit::record(store.pool(), entry).await?;
    Ok(())
}

/// From the terminal: prompted twice, without echo. Otherwise: the first line of stdin.
fn read_new_password(prompt: &str) -> anyhow::Result<SecretString> {
    let pw = if std::io::stdin().is_terminal() {
        let first = SecretString::from(rpassword::prompt_password(prompt)?);
        let again = SecretString::from(rpassword::prompt_password("Again: ")?);
        if first.expose_secret() != again.expose_secret() {
            bail!("the two passwords differ");
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        SecretString::from(line.trim_end_matches(['\r', '\n']).to_owned())
    };
    password::check_new(&pw).map_err(anyhow::Error::msg)?;
    Ok(pw)
}
