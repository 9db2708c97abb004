//! The spec's `injective` section (`tradebot_contract::spec::InjectiveSpec`, checked by the
//! contract) turned into the connector's types: the network to talk to and the granter.

use tradebot_contract::spec::InjectiveSpec;
use tradebot_injective::address::Address;
use tradebot_injective::network::Network;

/// The connector's view of a checked `injective` section. Errors are one line; after
/// `InjectiveSpec::validate` passed they do not happen, but stay checked.
pub trait InjectiveSpecExt {
    /// The preset network, or the custom node of `endpoints`.
    fn network(&self) -> Result<Network, String>;
    /// The account a trade-only key acts for (authz); `None`: the key trades its own funds.
    fn granter(&self) -> Result<Option<Address>, String>;
    /// The node's chain stream and CometBFT RPC URLs (our fills), when configured.
    fn chain_stream(&self) -> Option<ChainStreamUrls>;
    /// Whether an indexer is there to ask (presets always; a custom node only if configured).
    fn has_indexer(&self) -> bool;
}

/// Where our fills come from on a self-hosted node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainStreamUrls {
    /// Chain stream gRPC, e.g. `http://127.0.0.1:9999`.
    pub stream: String,
    /// CometBFT RPC, e.g. `http://127.0.0.1:26657` (backfill after a reconnect).
    pub rpc: String,
}

impl InjectiveSpecExt for InjectiveSpec {
    fn network(&self) -> Result<Network, String> {
        // A section without a granter may feed a paper bot (market data only).
        match self.granter {
            Some(_) => self.validate()?,
            None => self.validate_market_data()?,
        }
        match &self.endpoints {
            // No indexer: an empty URL, never asked (`has_indexer`).
            Some(e) => Ok(Network::custom(
                &e.chain_id,
                &e.lcd,
                e.indexer.as_deref().unwrap_or(""),
            )),
            None => Network::named(&self.network).ok_or_else(|| {
                format!(
                    "unknown injective.network {:?} (mainnet, testnet, custom)",
                    self.network
                )
            }),
        }
    }

    fn granter(&self) -> Result<Option<Address>, String> {
        self.granter
            .as_deref()
            .map(|g| {
                Address::from_bech32(g)
                    .map_err(|_| "injective.granter must be an inj1... bech32 address".to_owned())
            })
            .transpose()
    }

    fn chain_stream(&self) -> Option<ChainStreamUrls> {
        let e = self.endpoints.as_ref()?;
        Some(ChainStreamUrls {
            stream: e.stream.as_deref()?.trim_end_matches('/').to_owned(),
            rpc: e.rpc.as_deref()?.trim_end_matches('/').to_owned(),
        })
    }

    fn has_indexer(&self) -> bool {
        self.endpoints.as_ref().is_none_or(|e| e.indexer.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: &str) -> InjectiveSpec {
        let s: InjectiveSpec = serde_json::from_str(json).unwrap();
        s.validate().unwrap();
        s
    }

    const ID: &str = "0x0611780ba69656949525013d947713300f56c37b6175e02f26bffa495c3208fe";

    #[test]
    fn presets_and_custom_nodes_become_networks() {
        let ok = spec(&format!(r#"{{"network":"testnet","market_id":"{ID}"}}"#));
        assert_eq!(ok.network().unwrap().chain_id, "injective-888");
        assert_eq!(ok.network().unwrap().name, "testnet");
        assert!(ok.granter().unwrap().is_none());
        let custom = spec(&format!(
            r#"{{"network":"custom","market_id":"{ID}","endpoints":{{"chain_id":"c","lcd":"http://127.0.0.1:9/","indexer":"https://i"}}}}"#
        ));
        assert_eq!(custom.network().unwrap().lcd, "http://127.0.0.1:9");
        assert!(custom.has_indexer() && ok.has_indexer());
        assert_eq!((custom.chain_stream(), ok.chain_stream()), (None, None));
        let node = spec(&format!(
            r#"{{"network":"custom","market_id":"{ID}","endpoints":{{"chain_id":"c","lcd":"http://127.0.0.1:9","stream":"http://127.0.0.1:9999/","rpc":"http://127.0.0.1:26657"}}}}"#
        ));
        assert!(!node.has_indexer(), "a self-hosted node has no indexer");
        assert_eq!(node.network().unwrap().indexer, "");
        assert_eq!(
            node.chain_stream(),
            Some(ChainStreamUrls {
                stream: "http://127.0.0.1:9999".into(),
                rpc: "http://127.0.0.1:26657".into(),
            })
        );
    }

    #[test]
    fn the_contract_granter_check_agrees_with_the_connector() {
        for (granter, valid) in [
            ("inj1hkhdaj2a2clmq5jq6mspsggqs32vynpk228q3r", true),
            ("cosmos1hkhdaj2a2clmq5jq6mspsggqs32vynpk228q3r", false),
            ("inj1hkhdaj2a2clmq5jq6mspsggqs32vynpk228q3s", false),
            ("inj1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq", false),
        ] {
            let s: InjectiveSpec = serde_json::from_value(serde_json::json!({
                "network": "testnet", "market_id": ID, "granter": granter,
            }))
            .unwrap();
            assert_eq!(s.validate().is_ok(), valid, "{granter}");
            assert_eq!(s.granter().is_ok(), valid, "{granter}");
        }
    }
}
