//! Alerts to webhooks (docs/DASHBOARD.md, "Alerts"): what happened ([`Alert`], one of the
//! [`Rule`]s), where it goes ([`Target`], stored in the dashboard's database by admins, its
//! URL in Vault: [`urls`]) and how it is delivered ([`deliver`]: the target's format, bounded
//! retries, one audit row per delivery). A message carries bot ids, wallet and market names,
//! states and reasons: never a token, a key or a webhook URL.

pub mod deliver;
pub mod legacy;
pub mod manage;
pub mod targets;
pub mod urls;

use serde::{Deserialize, Serialize};

pub use deliver::{deliver, Delivery, Sender};
pub use targets::{NewTarget, Target};
pub use urls::{UrlBook, UrlRef, WebhookVault};

/// Settings `[alerts]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertSettings {
    /// Accept `http://` webhook URLs (a local receiver in tests). Messages then cross the
    /// network in clear text: never for a real deployment.
    pub dangerous_allow_plain_http_webhooks: bool,
    /// [`Rule::GrantExpiring`] fires when a bot key's grant (or the key itself) expires within
    /// this many days. Default 7.
    pub expiry_warning_days: u32,
    /// [`Rule::DailyLoss`] fires when a wallet's PnL since 00:00 UTC (realized + unrealized,
    /// quote units) falls below minus this amount. `None` (the default): the rule never fires.
    pub daily_loss_limit: Option<rust_decimal::Decimal>,
}

impl Default for AlertSettings {
    fn default() -> Self {
        Self {
            dangerous_allow_plain_http_webhooks: false,
            expiry_warning_days: 7,
            daily_loss_limit: None,
        }
    }
}

/// What an alert is about. Names are the API's and the database's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// A run ended by itself (crash, signal, OOM, venue failure); it is relaunched with backoff.
    BotCrashed,
    /// A bot is `failed`: out of restarts, or an ending relaunching cannot help.
    BotFailed,
    /// The bot halted itself: stuck on refusals (exit 20), permission gone (exit 21), or a
    /// risk limit.
    BotHalted,
    /// An admin used the kill switch.
    KillSwitch,
    /// Vault does not answer the dashboard (sealed, down or refusing it).
    VaultDown,
    /// The Docker socket proxy does not answer.
    ProxyDown,
    /// A bot key's fee grant or authz grant expires within `expiry_warning_days`.
    GrantExpiring,
    /// A wallet lost more than `daily_loss_limit` since 00:00 UTC.
    DailyLoss,
    /// Only ever sent by the "send test" button.
    Test,
}

impl Rule {
    /// The rules a target may subscribe to (not `test`, which every target takes).
    pub const SUBSCRIBABLE: [Self; 8] = [
        Self::BotCrashed,
        Self::BotFailed,
        Self::BotHalted,
        Self::KillSwitch,
        Self::VaultDown,
        Self::ProxyDown,
        Self::GrantExpiring,
        Self::DailyLoss,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::BotCrashed => "bot_crashed",
            Self::BotFailed => "bot_failed",
            Self::BotHalted => "bot_halted",
            Self::KillSwitch => "kill_switch",
            Self::VaultDown => "vault_down",
            Self::ProxyDown => "proxy_down",
            Self::GrantExpiring => "grant_expiring",
            Self::DailyLoss => "daily_loss",
            Self::Test => "test",
        }
    }

    /// A subscribable rule by name; `None` for anything else (including `test`).
    pub fn parse(name: &str) -> Option<Self> {
        Self::SUBSCRIBABLE.into_iter().find(|r| r.as_str() == name)
    }
}

/// How a target wants its body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// `{"rule", "title", "text", "subject", "ts_ms", "details"}`.
    Json,
    /// Slack incoming webhook: `{"text"}`.
    Slack,
    /// Discord webhook: `{"content"}` (at most 2000 characters).
    Discord,
    /// Telegram Bot API `sendMessage`: `{"chat_id", "text"}`.
    Telegram,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Slack => "slack",
            Self::Discord => "discord",
            Self::Telegram => "telegram",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        [Self::Json, Self::Slack, Self::Discord, Self::Telegram]
            .into_iter()
            .find(|f| f.as_str() == name)
    }
}

/// One alert: built by the watcher from the audit log, the bots' states and the health
/// probe. Every field is safe to send (ids, names, reasons in words).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    pub rule: Rule,
    /// What it is about: a bot id, `vault`, `proxy`, `*` for the kill switch.
    pub subject: String,
    /// One line for humans.
    pub text: String,
    pub ts_ms: i64,
    /// Ids and names (wallet, market, exit code, ending kind), never secrets.
    pub details: serde_json::Value,
}

impl Alert {
    /// The title line: `[tradebot] bot crashed: mm-1`.
    pub fn title(&self) -> String {
        format!(
            "[tradebot] {}: {}",
            self.rule.as_str().replace('_', " "),
            self.subject
        )
    }
}
