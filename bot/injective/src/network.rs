//! Which chain to talk to: endpoints, chain id, fee denom and gas price, chosen by configuration.

use rust_decimal::Decimal;
use serde::Deserialize;

/// A chain and the public endpoints that serve it. Public nodes rate-limit: `requests_per_second`
/// feeds the client's token bucket.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Network {
    pub name: String,
    pub chain_id: String,
    /// Cosmos LCD REST (chain queries, simulate, broadcast).
    pub lcd: String,
    /// Indexer HTTP (trades history); only used for data the LCD does not serve.
    pub indexer: String,
    pub fee_denom: String,
    /// Fallback gas price in fee-denom base units per gas; the chain's current base fee wins
    /// when it can be read.
    pub gas_price: Decimal,
    #[serde(default = "default_rps")]
    pub requests_per_second: u32,
}

fn default_rps() -> u32 {
    5
}

/// 160000000 inj base units per gas: the chain's minimum gas price at the time of writing.
const DEFAULT_GAS_PRICE: i64 = 160_000_000;

impl Network {
    pub fn mainnet() -> Self {
        Self {
            name: "mainnet".into(),
            chain_id: "injective-1".into(),
            lcd: "https://sentry.lcd.injective.network:443".into(),
            indexer: "https://sentry.exchange.grpc-web.injective.network".into(),
            fee_denom: "inj".into(),
            gas_price: Decimal::from(DEFAULT_GAS_PRICE),
            requests_per_second: default_rps(),
        }
    }

    pub fn testnet() -> Self {
        Self {
            name: "testnet".into(),
            chain_id: "injective-888".into(),
            lcd: "https://testnet.sentry.lcd.injective.network:443".into(),
            indexer: "https://testnet.sentry.exchange.grpc-web.injective.network".into(),
            ..Self::mainnet()
        }
    }

    /// A local or private node (tests, a self-hosted sentry).
    pub fn custom(chain_id: &str, lcd: &str, indexer: &str) -> Self {
        Self {
            name: "custom".into(),
            chain_id: chain_id.into(),
            lcd: lcd.trim_end_matches('/').into(),
            indexer: indexer.trim_end_matches('/').into(),
            ..Self::mainnet()
        }
    }

    /// `mainnet` / `testnet` by name.
    pub fn named(name: &str) -> Option<Self> {
        match name {
            "mainnet" => Some(Self::mainnet()),
            "testnet" => Some(Self::testnet()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_and_custom() {
        assert_eq!(Network::named("testnet").unwrap().chain_id, "injective-888");
        assert_eq!(Network::mainnet().chain_id, "injective-1");
        assert!(Network::named("devnet").is_none());
        let c = Network::custom(
            "injective-777",
            "http://127.0.0.1:1317/",
            "http://127.0.0.1:4444",
        );
        assert_eq!(c.lcd, "http://127.0.0.1:1317");
        let parsed: Network = serde_json::from_str(
            r#"{"name":"x","chain_id":"c","lcd":"http://l","indexer":"http://i","fee_denom":"inj","gas_price":"160000000"}"#,
        )
        .unwrap();
        assert_eq!(parsed.requests_per_second, 5);
    }
}
