//! Typed configuration, loaded once at start-up.
//!
//! Sources, later ones winning: built-in defaults, an optional TOML file, `TRADEBOT_*`
//! environment variables (`__` separates sections: `TRADEBOT_VAULT__ADDRESS`), and for every
//! secret key ([`SECRET_KEYS`]) `TRADEBOT_<KEY>_FILE` pointing at a file whose content becomes
//! the value (Docker secrets). A secret given both directly and through its file is refused.
//! Contradictory or insecure settings are refused here, before anything starts, unless a loud
//! `dangerous_*` flag allows them.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use figment::providers::{Format, Serialized, Toml};
use figment::Figment;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

const ENV_PREFIX: &str = "TRADEBOT_";

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Where the dashboard keeps its state (database, generated dev certificate).
    pub data_dir: PathBuf,
    pub http: HttpSettings,
    pub vault: VaultSettings,
    pub docker: DockerSettings,
    pub bots: BotSettings,
    pub log: LogSettings,
    /// Dashboard sessions and login throttling (src/auth).
    pub auth: AuthSettings,
    /// Named custom Injective networks (`[networks.devnet]`), next to the presets mainnet and
    /// testnet; see [`networks`].
    #[serde(default)]
    pub networks: networks::Networks,
    /// Alert webhooks (src/alerts).
    #[serde(default)]
    pub alerts: crate::alerts::AlertSettings,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSettings {
    /// HTTPS listen address. Plain HTTP on this port is answered with a refusal.
    pub bind: SocketAddr,
    /// PEM certificate chain and key. When both are absent, a dev CA and certificate are
    /// generated on first start under `<data_dir>/tls` and reused afterwards.
    pub cert_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
    /// Names the generated dev certificate is valid for.
    pub dev_cert_hostnames: Vec<String>,
    /// How often the certificate files are checked for a renewal (SIGHUP reloads at once).
    pub cert_reload_check_secs: u64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct VaultSettings {
    /// `https://...`; plain `http://` only with `dangerous_allow_plain_http`.
    pub address: String,
    /// CA that signed Vault's certificate (the dev CA in the dev stack).
    pub ca_cert_file: Option<PathBuf>,
    /// AppRole credentials of the dashboard, each read from its own file.
    pub approle_mount: String,
    pub role_id_file: Option<PathBuf>,
    pub secret_id_file: Option<PathBuf>,
    /// Token for CLI administration (`vault bootstrap`, `keys ...`); usually from
    /// `TRADEBOT_VAULT__TOKEN_FILE` or `VAULT_TOKEN`. Never used by `serve`.
    #[serde(skip_serializing)]
    pub token: Option<SecretString>,
    /// KV v2 mount holding wallet keys.
    pub kv_mount: String,
    /// The addresses bots get: the `bots` network's `ip_range`, which must exclude the network's
    /// gateway (host processes reach Vault from the gateway). Bot tokens are bound to it, and
    /// its size caps how many bots can run.
    pub bots_subnet: String,
    /// The dashboard's addresses (its network's subnet), comma-separated: the dashboard's
    /// AppRole secret ids log in, and its tokens work, only from there. Empty: not bound.
    pub dashboard_cidrs: String,
    pub dangerous_allow_plain_http: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DockerSettings {
    /// The socket proxy's address; the dashboard never talks to the Docker socket itself.
    pub proxy_url: String,
    /// Bearer token the proxy requires, read from this file.
    pub proxy_token_file: Option<PathBuf>,
    /// Docker network the bots join.
    pub bots_network: String,
}

/// How bots are launched and watched.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BotSettings {
    /// This stack's name, labelled on its bots (compose sets the project name): a dashboard
    /// adopts and stops only its own stack's bots when several stacks share an engine.
    pub stack: String,
    /// Image of bot containers (must be in the socket proxy's allow-list).
    pub image: String,
    /// Vault address as seen from the bots network (`vault.address` when empty).
    pub vault_address: String,
    /// Markets operators may choose; a wallet's metadata narrows this per wallet.
    pub markets: Vec<String>,
    /// How long a bot may take from container start to its `ready` event.
    pub ready_timeout_secs: u64,
    /// Seconds between a bot's status events.
    pub status_interval_secs: u64,
    /// SIGTERM grace period before the engine kills a stopping bot.
    pub stop_grace_secs: u64,
    /// Crash restarts before a bot is marked failed; delays double from `restart_base_ms`.
    pub restart_max: u32,
    pub restart_base_ms: u64,
    pub memory_bytes: i64,
    pub nano_cpus: i64,
    pub pids_limit: i64,
    /// Each bot's json-file log is rotated at this size (`10m`) ...
    #[serde(default = "default_log_max_size")]
    pub log_max_size: String,
    /// ... keeping at most this many files (the socket proxy refuses unbounded logs).
    #[serde(default = "default_log_max_file")]
    pub log_max_file: u32,
}

fn default_log_max_size() -> String {
    "10m".into()
}

fn default_log_max_file() -> u32 {
    3
}

/// Dashboard sessions and login throttling.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    /// A session unused for this long ends.
    pub session_idle_minutes: u64,
    /// A session ends this long after login, however busy.
    pub session_absolute_hours: u64,
    /// This many failed logins for one user name from one client address within
    /// `login_window_minutes` lock that name from that address for `login_lockout_minutes`.
    /// Each further failure soon after a lock ends doubles it, up to
    /// `login_lockout_max_minutes`. Other addresses are not affected.
    pub login_max_failures: u32,
    pub login_window_minutes: u64,
    pub login_lockout_minutes: u64,
    pub login_lockout_max_minutes: u64,
    /// This many failed logins from one address, whatever the names, lock that address in the
    /// same way (password spraying). 0 turns the per-address lock off.
    pub login_max_failures_per_address: u32,
    /// Reverse proxies whose `X-Forwarded-For` is believed (CIDRs, `/32` for one address).
    /// Only when the connection comes from one of these is the header read, and then its
    /// right-most address that is not itself a trusted proxy is the client. Empty: the
    /// header is ignored and the TCP peer is the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Roles that must have a second factor (TOTP): a signed-in user of such a role who has
    /// none is sent to /account to enrol before anything else is reachable, and their API
    /// tokens are refused until then. E.g. `["operator", "admin"]`.
    pub require_second_factor_for: Vec<crate::auth::Role>,
    /// The dashboard's https URL as browsers open it, for passkeys (WebAuthn): its host name
    /// is the relying party id a passkey is bound to, and a signature is accepted only from
    /// this origin. Without a port any port of that host is accepted. Default
    /// `https://localhost`.
    pub passkey_origin: String,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            session_idle_minutes: 30,
            session_absolute_hours: 12,
            login_max_failures: 5,
            login_window_minutes: 15,
            login_lockout_minutes: 15,
            login_lockout_max_minutes: 24 * 60,
            login_max_failures_per_address: 20,
            trusted_proxies: Vec::new(),
            require_second_factor_for: Vec::new(),
            passkey_origin: "https://localhost".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub format: LogFormat,
    /// `tracing_subscriber::EnvFilter` directives; `RUST_LOG` wins when set.
    pub filter: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One JSON object per line: for containers and log shippers.
    Json,
    /// Human-readable: for a terminal.
    Pretty,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("/data"),
            http: HttpSettings {
                bind: SocketAddr::from(([0, 0, 0, 0], 8443)),
                cert_file: None,
                key_file: None,
                cert_reload_check_secs: 30,
                dev_cert_hostnames: vec![
                    "localhost".into(),
                    "127.0.0.1".into(),
                    "dashboard".into(),
                ],
            },
            vault: VaultSettings {
                address: "https://vault:8200".into(),
                ca_cert_file: None,
                approle_mount: "approle".into(),
                role_id_file: None,
                secret_id_file: None,
                token: None,
                kv_mount: "wallets".into(),
                bots_subnet: "172.30.4.0/22".into(),
                dashboard_cidrs: String::new(),
                dangerous_allow_plain_http: false,
            },
            docker: DockerSettings {
                proxy_url: "http://socket-proxy:2375".into(),
                proxy_token_file: None,
                bots_network: "tradebot_bots".into(),
            },
            bots: BotSettings {
                stack: "tradebot".into(),
                image: "tradebot/bot:local".into(),
                vault_address: String::new(),
                markets: vec![
                    "INJ/USDT".into(),
                    "TIA/USDT".into(),
                    "INJ/USDT-PERP".into(),
                    "TIA/USDT-PERP".into(),
                ],
                ready_timeout_secs: 30,
                status_interval_secs: 2,
                stop_grace_secs: 10,
                restart_max: 5,
                restart_base_ms: 1000,
                memory_bytes: 64 * 1024 * 1024,
                nano_cpus: 500_000_000,
                pids_limit: 64,
                log_max_size: default_log_max_size(),
                log_max_file: default_log_max_file(),
            },
            log: LogSettings {
                format: LogFormat::Pretty,
                // vaultrs and its HTTP layer log every error answer (404s included) at ERROR,
                // with Vault's error strings; the boundary maps and logs them itself.
                filter: "info".into(),
            },
            auth: AuthSettings::default(),
            networks: networks::Networks::new(),
            alerts: crate::alerts::AlertSettings::default(),
        }
    }
}

impl Settings {
    /// Loads defaults, then `file`, then the process environment; validates the result.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        Self::load_from(file, std::env::vars())
    }

    /// Like [`Settings::load`] with an explicit environment, so tests never touch the real one.
    pub fn load_from(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> anyhow::Result<Self> {
        let env: Vec<(String, String)> = env.into_iter().collect();
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(path) = file {
            if !path.is_file() {
                bail!("configuration file {} does not exist", path.display());
            }
            figment = figment.merge(Toml::file(path));
        }
        refuse_secret_set_twice(&env)?;
        let is_indirection = |k: &str| file_env_key(k).is_some_and(|path| is_secret_key(&path));
        let plain: Vec<(String, String)> = env
            .iter()
            .filter(|(k, _)| !is_indirection(k))
            .cloned()
            .collect();
        figment = figment.merge(env_provider(plain));
        if let Some((_, token)) = env.iter().find(|(k, _)| k == "VAULT_TOKEN") {
            figment = figment.merge(("vault.token", token.clone()));
        }
        for (key, path) in env.iter().filter(|(k, _)| is_indirection(k)) {
            let Some(key_path) = file_env_key(key) else {
                continue;
            };
            let value = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {key} ({path})"))?;
            figment = figment.merge((key_path, value.trim_end_matches(['\r', '\n']).to_owned()));
        }
        let settings: Settings = figment
            .extract()
            .map_err(|e| anyhow::anyhow!("invalid configuration: {}", one_line(&e)))?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> anyhow::Result<()> {
        let vault = &self.vault;
        let scheme = vault.address.split_once("://").map(|(s, _)| s);
        match scheme {
            Some("https") => {}
            Some("http") if vault.dangerous_allow_plain_http => {
                tracing::warn!("DANGEROUS: Vault is reached over plain HTTP; tokens cross the network in clear");
            }
            Some("http") => bail!(
                "vault.address is plain http ({}); use https, or set vault.dangerous_allow_plain_http for a throwaway dev server",
                vault.address
            ),
            _ => bail!("vault.address must start with https:// (got {:?})", vault.address),
        }
        if self.http.cert_file.is_some() != self.http.key_file.is_some() {
            bail!("http.cert_file and http.key_file must be set together (or neither, for a generated dev certificate)");
        }
        if self.vault.role_id_file.is_some() != self.vault.secret_id_file.is_some() {
            bail!("vault.role_id_file and vault.secret_id_file must be set together");
        }
        parse_cidr(&self.vault.bots_subnet).with_context(|| {
            format!(
                "vault.bots_subnet {:?} is not an IPv4 CIDR",
                self.vault.bots_subnet
            )
        })?;
        for cidr in self.vault.dashboard_cidr_list() {
            parse_cidr(&cidr)
                .with_context(|| format!("vault.dashboard_cidrs: {cidr:?} is not an IPv4 CIDR"))?;
        }
        networks::check(&self.networks).map_err(anyhow::Error::msg)?;
        Ok(())
    }
}

impl VaultSettings {
    /// How many bots can run at once: the addresses of `bots_subnet` less the network and
    /// broadcast addresses, Vault's own and one spare (the devnet's). A start beyond it is
    /// refused before a token is issued (Docker would refuse the container anyway).
    pub fn bots_capacity(&self) -> usize {
        let prefix = parse_cidr(&self.bots_subnet).map_or(32, |n| n.prefix_len());
        let size = 1u64 << (32 - u32::from(prefix));
        usize::try_from(size.saturating_sub(4)).unwrap_or(usize::MAX)
    }

    /// `dashboard_cidrs` as a list (empty when unset).
    pub fn dashboard_cidr_list(&self) -> Vec<String> {
        self.dashboard_cidrs
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

/// Every secret setting (a `SecretString` field), by key path. Each may be given directly
/// (`TRADEBOT_VAULT__TOKEN`) or through a file (`TRADEBOT_VAULT__TOKEN_FILE`, Docker secrets),
/// never both. A secret field added to [`Settings`] must be listed here.
pub const SECRET_KEYS: &[&str] = &["vault.token"];

/// Parses an IPv4 CIDR `a.b.c.d/n` (n at most 32) with `ipnet`. Errors: no `/n`, a bad
/// address or prefix length.
pub fn parse_cidr(s: &str) -> anyhow::Result<ipnet::Ipv4Net> {
    s.parse::<ipnet::Ipv4Net>()
        .map_err(|e| anyhow::anyhow!("{e}: expected a.b.c.d/n"))
}

mod env;
pub mod networks;
use env::{env_provider, file_env_key, is_secret_key, one_line, refuse_secret_set_twice};

#[cfg(test)]
mod tests;
