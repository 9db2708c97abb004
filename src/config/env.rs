//! Settings from the environment: `TRADEBOT_<SECTION>__<KEY>` variables, secrets through
//! `*_FILE` variables (Docker secrets), and the refusal of a secret given both ways.

use anyhow::bail;
use figment::Figment;

use super::{ENV_PREFIX, SECRET_KEYS};

/// `TRADEBOT_VAULT__ADDRESS` -> `vault.address`.
pub(super) fn env_provider(vars: Vec<(String, String)>) -> Figment {
    let mut figment = Figment::new();
    for (key, value) in vars {
        if let Some(rest) = key.strip_prefix(ENV_PREFIX) {
            if rest == "CONFIG" {
                continue;
            }
            let path = rest.to_ascii_lowercase().replace("__", ".");
            let value: figment::value::Value =
                value.parse().unwrap_or_else(|_| value.clone().into());
            figment = figment.merge((path, value));
        }
    }
    figment
}

/// `TRADEBOT_VAULT__TOKEN_FILE` -> `vault.token`.
pub(super) fn file_env_key(key: &str) -> Option<String> {
    let rest = key.strip_prefix(ENV_PREFIX)?.strip_suffix("_FILE")?;
    Some(rest.to_ascii_lowercase().replace("__", "."))
}

/// Other names a secret is also read from (the Vault CLI's own variable).
pub(super) fn aliases(key_path: &str) -> &'static [&'static str] {
    match key_path {
        "vault.token" => &["VAULT_TOKEN"],
        _ => &[],
    }
}

/// Only secrets may come through `*_FILE`; path settings such as `vault.role_id_file` are
/// themselves file names and must not be confused with it.
pub(super) fn is_secret_key(key_path: &str) -> bool {
    SECRET_KEYS.contains(&key_path)
}

/// `vault.token` -> `TRADEBOT_VAULT__TOKEN`.
pub(super) fn env_key(key_path: &str) -> String {
    format!(
        "{ENV_PREFIX}{}",
        key_path.to_ascii_uppercase().replace('.', "__")
    )
}

/// Refuses, in one line, a secret given both directly and through its `_FILE` variable: which
/// one should win is a guess we do not make (the rule vaultwarden follows).
pub(super) fn refuse_secret_set_twice(env: &[(String, String)]) -> anyhow::Result<()> {
    let is_set = |name: &str| env.iter().any(|(k, _)| k == name);
    for key in SECRET_KEYS {
        let file_var = format!("{}_FILE", env_key(key));
        if !is_set(&file_var) {
            continue;
        }
        let direct =
            std::iter::once(env_key(key)).chain(aliases(key).iter().map(|a| (*a).to_owned()));
        if let Some(both) = direct.into_iter().find(|d| is_set(d)) {
            bail!("{key} is set twice, by {both} and by {file_var}; set only one");
        }
    }
    Ok(())
}

pub(super) fn one_line(e: &figment::Error) -> String {
    e.to_string().replace('\n', "; ")
}
