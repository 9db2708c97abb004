//! The bot spec: everything a bot is told at launch (env `TRADEBOT_BOT_SPEC`, JSON). The
//! dashboard builds it ([`BotSpec::new`] and the `with_*` setters), the bot parses it once
//! ([`BotSpec::parse`]) and refuses it with one clear line when wrong.

mod injective;
mod paper;
mod vault;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use injective::{Endpoints, InjectiveSpec, MAX_LEVERAGE, MIN_POLL_MS, NETWORKS};
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
///
/// `paper` with an `injective` section is paper trading on live market data: the book (and,
/// where an indexer is configured, the trade prints) are read from that chain with the live
/// adapter's market-data code, fills are simulated locally by the paper engine, and no
/// transaction is ever sent (the section then has no `granter`; the Vault key is still the
/// paper wallet's).
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
    /// Chain, market id and granter (exchange "injective": required). With exchange "paper":
    /// optional, the chain whose market data the paper engine trades on (no granter).
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

    /// Paper trading on the live market data of `injective`'s chain and market: the exchange
    /// stays "paper" (fills simulated, no transaction); `injective.granter` must be `None`.
    pub fn with_live_data(mut self, injective: InjectiveSpec) -> Self {
        self.exchange = ExchangeKind::Paper;
        self.injective = Some(injective);
        self
    }

    /// Whether this is a paper bot on a chain's live market data ([`BotSpec::with_live_data`]).
    pub fn paper_on_live_data(&self) -> bool {
        self.exchange == ExchangeKind::Paper && self.injective.is_some()
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

    /// The checks serde cannot make: exchange and `injective` section agree (paper with a
    /// section: market data only, [`InjectiveSpec::validate_market_data`]), a status interval
    /// of at least 1 s, the parameters for the bot type and market, sane paper settings.
    pub fn validate(&self) -> Result<(), String> {
        match (self.exchange, &self.injective) {
            (ExchangeKind::Paper, None) => {}
            (ExchangeKind::Injective, Some(inj)) => inj.validate()?,
            (ExchangeKind::Injective, None) => {
                return Err("exchange \"injective\" needs an injective section".into())
            }
            (ExchangeKind::Paper, Some(inj)) => inj.validate_market_data()?,
        }
        let perpetual =
            crate::markets::market(self.market.as_str()).is_some_and(|m| m.is_perpetual());
        if self
            .injective
            .as_ref()
            .is_some_and(|i| i.leverage.is_some())
            && !perpetual
        {
            return Err("injective.leverage is for perpetual markets only".into());
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
                r#"{"bot_id":"b","wallet_id":"w","market":"INJ/USDT","bot_type":"grid","injective":{"network":"testnet","market_id":"0x0611780ba69656949525013d947713300f56c37b6175e02f26bffa495c3208fe","granter":"inj1hkhdaj2a2clmq5jq6mspsggqs32vynpk228q3r"}}"#,
                "sends no transaction",
            ),
            (
                r#"{"bot_id":"b","wallet_id":"w","market":"INJ/USDT","bot_type":"grid","injective":{"network":"testnet","market_id":"0x01"}}"#,
                "64 hex",
            ),
            (
                r#"{"bot_id":"b","wallet_id":"w","market":"INJ/USDT","bot_type":"grid","injective":{"network":"custom","market_id":"0x0611780ba69656949525013d947713300f56c37b6175e02f26bffa495c3208fe","endpoints":{"chain_id":"c","lcd":"http://lcd.example.com"}}}"#,
                "must be https",
            ),
            (
                r#"{"bot_id":"b","wallet_id":"w","market":"INJ/USDT","bot_type":"grid","exchange":"injective","injective":{"network":"moon","market_id":"0x01"}}"#,
                "unknown injective.network",
            ),
            (
                r#"{"bot_id":"b","wallet_id":"w","market":"INJ/USDT","bot_type":"grid","exchange":"injective","injective":{"network":"testnet","market_id":"0x0611780ba69656949525013d947713300f56c37b6175e02f26bffa495c3208fe","leverage":"2"}}"#,
                "perpetual markets only",
            ),
        ] {
            let err = BotSpec::parse(raw).unwrap_err();
            assert!(err.contains(expect), "{raw}: {err}");
            assert!(!err.contains('\n'));
        }
    }

    /// Paper trading on live data: exchange "paper" with an `injective` section (the shape the
    /// dashboard builds for a paper wallet tied to a network).
    #[test]
    fn paper_on_live_data_parses() {
        let raw = r#"{"bot_id":"b","wallet_id":"paper-1","market":"INJ/USDT","bot_type":"market_maker",
            "exchange":"paper","vault":{"address":"https://vault:8200","wallet_id":"paper-1"},
            "injective":{"network":"custom",
            "market_id":"0x050373f2e80e3ff8bf7ed08e60cb2ae0bebc8d2dd341a3c7a19389a797c41bd9",
            "endpoints":{"chain_id":"injective-777","lcd":"http://devnet:10337",
                "stream":"http://devnet:9999","rpc":"http://devnet:26657"}}}"#;
        let spec = BotSpec::parse(raw).unwrap();
        assert!(spec.paper_on_live_data());
        assert_eq!(spec.exchange, ExchangeKind::Paper);
        // The LCD alone will do: a paper bot learns no fills from the chain.
        let lcd_only = raw.replace(
            r#","stream":"http://devnet:9999","rpc":"http://devnet:26657""#,
            "",
        );
        assert!(BotSpec::parse(&lcd_only).unwrap().paper_on_live_data());
        // Built from types: the same JSON shape round-trips.
        let inj = spec.injective.clone().unwrap();
        let built = BotSpec::new(
            spec.bot_id.clone(),
            spec.wallet_id.clone(),
            spec.market.clone(),
            spec.bot_type,
            serde_json::json!({}),
        )
        .with_live_data(inj);
        let again = BotSpec::parse(&serde_json::to_string(&built).unwrap()).unwrap();
        assert!(again.paper_on_live_data() && again.exchange == ExchangeKind::Paper);
        assert!(!BotSpec::parse(
            r#"{"bot_id":"b","wallet_id":"w","market":"INJ/USDT","bot_type":"grid"}"#
        )
        .unwrap()
        .paper_on_live_data());
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
