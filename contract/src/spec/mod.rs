//! The bot spec: everything a bot is told at launch (env `TRADEBOT_BOT_SPEC`, JSON). The
//! dashboard builds it ([`BotSpec::new`] and the `with_*` setters), the bot parses it once
//! ([`BotSpec::parse`]) and refuses it with one clear line when wrong.

mod injective;
mod paper;
mod vault;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use injective::{Endpoints, InjectiveSpec, MIN_POLL_MS, NETWORKS};
pub use paper::PaperConfig;
pub use vault::{bot_key_path, VaultAccess};

use crate::ids::{BotId, MarketId, WalletId};
use crate::params::BotParams;
use crate::BotType;

/// The env variable that carries the spec into the bot's container.
pub const SPEC_ENV: &str = "TRADEBOT_BOT_SPEC";

/// Seconds between status events when the spec does not say.
pub const DEFAULT_STATUS_INTERVAL_SECS: u64 = 5;

/// Where a bot trades: the embedded simulated market, or the Injective chain (which needs the
/// spec's `injective` section and the wallet key from Vault).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExchangeKind {
    #[default]
    Paper,
    Injective,
}

impl ExchangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Paper => "paper",
            Self::Injective => "injective",
        }
    }
}

impl fmt::Display for ExchangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// By hand so an unknown exchange is refused in one line that lists the known ones.
impl<'de> Deserialize<'de> for ExchangeKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = std::borrow::Cow::<str>::deserialize(d)?;
        match raw.as_ref() {
            "paper" => Ok(Self::Paper),
            "injective" => Ok(Self::Injective),
            other => Err(serde::de::Error::custom(format!(
                "unknown exchange {:?} (paper, injective)",
                other.chars().take(40).collect::<String>()
            ))),
        }
    }
}

/// Everything a bot is told at launch. Ids, market and bot type are parsed by serde; the rest
/// is checked by [`BotSpec::validate`] (run by [`BotSpec::parse`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BotSpec {
    pub bot_id: BotId,
    pub wallet_id: WalletId,
    pub market: MarketId,
    pub bot_type: BotType,
    /// Strategy parameters of `bot_type` (an object; `{}` or absent: every default).
    #[serde(default)]
    pub params: serde_json::Value,
    #[serde(default)]
    pub exchange: ExchangeKind,
    /// Seconds between status events (at least 1).
    #[serde(default = "default_status_interval")]
    pub status_interval_secs: u64,
    /// Where to fetch the wallet key; absent only for a paper bot run without Vault.
    #[serde(default)]
    pub vault: Option<VaultAccess>,
    /// Settings of the simulated market (exchange "paper"); all optional.
    #[serde(default)]
    pub paper: PaperConfig,
    /// Chain, market id and granter (exchange "injective"; required there, refused elsewhere).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub injective: Option<InjectiveSpec>,
}

fn default_status_interval() -> u64 {
    DEFAULT_STATUS_INTERVAL_SECS
}

impl BotSpec {
    /// A paper bot with default settings and no Vault section: what the dashboard starts from.
    /// `params` is checked by [`BotSpec::validate`], not here.
    pub fn new(
        bot_id: BotId,
        wallet_id: WalletId,
        market: MarketId,
        bot_type: BotType,
        params: serde_json::Value,
    ) -> Self {
        Self {
            bot_id,
            wallet_id,
            market,
            bot_type,
            params,
            exchange: ExchangeKind::Paper,
            status_interval_secs: DEFAULT_STATUS_INTERVAL_SECS,
            vault: None,
            paper: PaperConfig::default(),
            injective: None,
        }
    }

    /// Sets where the bot fetches its wallet key.
    pub fn with_vault(mut self, vault: VaultAccess) -> Self {
        self.vault = Some(vault);
        self
    }

    /// Sets the seconds between status events.
    pub fn with_status_interval(mut self, secs: u64) -> Self {
        self.status_interval_secs = secs;
        self
    }

    /// Trades on Injective: sets the exchange and its section together, so they cannot disagree.
    pub fn with_injective(mut self, injective: InjectiveSpec) -> Self {
        self.exchange = ExchangeKind::Injective;
        self.injective = Some(injective);
        self
    }

    /// Reads and parses [`SPEC_ENV`].
    pub fn from_env() -> Result<Self, String> {
        let raw = std::env::var(SPEC_ENV).map_err(|_| format!("{SPEC_ENV} is not set"))?;
        Self::parse(&raw)
    }

    /// Parses and validates a spec. `Err` is one human line.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let spec: Self =
            serde_json::from_str(raw).map_err(|e| format!("invalid {SPEC_ENV}: {e}"))?;
        spec.validate()?;
        Ok(spec)
    }

    /// The checks serde cannot make: exchange and `injective` section agree, a status interval
    /// of at least 1 s, the parameters for the bot type and market, sane paper settings.
    pub fn validate(&self) -> Result<(), String> {
        match (self.exchange, &self.injective) {
            (ExchangeKind::Paper, None) => {}
            (ExchangeKind::Injective, Some(inj)) => inj.validate()?,
            (ExchangeKind::Injective, None) => {
                return Err("exchange \"injective\" needs an injective section".into())
            }
            (ExchangeKind::Paper, Some(_)) => {
                return Err("the injective section needs exchange \"injective\"".into())
            }
        }
        if self.status_interval_secs == 0 {
            return Err("status_interval_secs must be at least 1".into());
        }
        self.bot_params()?;
        self.paper.validate()
    }

    /// The validated strategy parameters (one human line when they are wrong).
    pub fn bot_params(&self) -> Result<BotParams, String> {
        BotParams::parse(self.bot_type.as_str(), self.market.as_str(), &self.params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_specs_are_refused_with_one_line() {
        for (raw, expect) in [
            ("{", "invalid"),
            (
                r#"{"bot_id":"b","wallet_id":"w","market":"INJ/USDT","bot_type":"moon"}"#,
                "unknown bot type",
            ),
            (
                r#"{"bot_id":"b","wallet_id":"w","market":"INJ/USDT","bot_type":"grid","exchange":"x"}"#,
                "unknown exchange",
            ),
            (
                r#"{"bot_id":"b","wallet_id":"w","market":"INJ/USDT","bot_type":"grid","extra":1}"#,
                "unknown field",
            ),
            (
                r#"{"bot_id":"b","wallet_id":"w","market":"INJ/USDT","bot_type":"market_maker","params":{"spread_bps":-1}}"#,
                "spread_bps must be",
            ),
            (
                r#"{"bot_id":"b","wallet_id":"w","market":"INJ/USDT","bot_type":"grid","params":{"lower_price":3,"upper_price":2}}"#,
                "price range inverted",
            ),
            (
                r#"{"bot_id":"b","wallet_id":"w","market":"DOGE/USDT","bot_type":"grid"}"#,
                "unknown market",
            ),
            (
                r#"{"bot_id":"b","wallet_id":"w","market":"INJ/USDT","bot_type":"grid","paper":{"tick_ms":1}}"#,
                "paper.tick_ms",
            ),
            (
                r#"{"bot_id":"b","wallet_id":"w","market":"INJ/USDT","bot_type":"grid","exchange":"injective"}"#,
                "needs an injective section",
            ),
            (
                r#"{"bot_id":"b","wallet_id":"w","market":"INJ/USDT","bot_type":"grid","injective":{"network":"testnet","market_id":"0x0611780ba69656949525013d947713300f56c37b6175e02f26bffa495c3208fe"}}"#,
                "needs exchange",
            ),
            (
                r#"{"bot_id":"b","wallet_id":"w","market":"INJ/USDT","bot_type":"grid","exchange":"injective","injective":{"network":"moon","market_id":"0x01"}}"#,
                "unknown injective.network",
            ),
        ] {
            let err = BotSpec::parse(raw).unwrap_err();
            assert!(err.contains(expect), "{raw}: {err}");
            assert!(!err.contains('\n'));
        }
    }

    #[test]
    fn injective_spec_parses() {
        let raw = r#"{"bot_id":"b","wallet_id":"w","market":"INJ/USDT","bot_type":"market_maker",
            "exchange":"injective","injective":{"network":"testnet",
            "market_id":"0x0611780ba69656949525013d947713300f56c37b6175e02f26bffa495c3208fe",
            "granter":"inj1hkhdaj2a2clmq5jq6mspsggqs32vynpk228q3r"}}"#;
        let spec = BotSpec::parse(raw).unwrap();
        assert_eq!(spec.exchange, ExchangeKind::Injective);
        let inj = spec.injective.unwrap();
        assert!(inj.granter.is_some());
        assert_eq!(inj.network, "testnet");
        assert_eq!(
            BotSpec::parse(
                r#"{"bot_id":"b","wallet_id":"w","market":"INJ/USDT","bot_type":"grid"}"#
            )
            .unwrap()
            .exchange,
            ExchangeKind::Paper
        );
    }
}
