//! The spec's `injective` section: which chain, which market, whose funds. Plain data and the
//! checks that need no network; the bot turns a checked section into connector types.

use serde::{Deserialize, Serialize};

/// Shortest book poll: public nodes rate-limit (5 req/s by default) and each cycle costs a book
/// and a trades request.
pub const MIN_POLL_MS: u64 = 200;

/// The preset networks; `custom` (with [`Endpoints`]) names any other node.
pub const NETWORKS: [&str; 2] = ["mainnet", "testnet"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InjectiveSpec {
    /// "mainnet", "testnet" or "custom" (then `endpoints` is required).
    pub network: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoints: Option<Endpoints>,
    /// The market's on-chain id: `0x` + 64 hex digits.
    pub market_id: String,
    /// The funded account a trade-only bot key acts for (authz); absent: the key trades its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub granter: Option<String>,
    #[serde(default)]
    pub subaccount_index: u32,
    /// Milliseconds between order book (and trade history) polls.
    #[serde(default = "default_poll_ms")]
    pub poll_ms: u64,
    /// Leverage of the bot's perpetual orders: each order's margin is price x quantity /
    /// leverage (a decimal string, e.g. `"2"`). Absent: 1, fully margined. From 1 to
    /// [`MAX_LEVERAGE`] here; at start-up the bot also refuses more than the market's
    /// 1 / initial margin ratio on chain. Perpetual markets only (`BotSpec::validate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leverage: Option<rust_decimal::Decimal>,
}

/// Highest `injective.leverage` a spec may ask for (the chain's own cap is checked at start-up).
pub const MAX_LEVERAGE: u32 = 100;

/// A self-hosted node (or a test's fake chain).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Endpoints {
    pub chain_id: String,
    pub lcd: String,
    /// Indexer HTTP: public trade prints (and our fills when there is no chain stream).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub indexer: Option<String>,
    /// Chain stream gRPC (`[chainstream] server` of the node): our fills and order updates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
    /// CometBFT RPC: the backfill of fills missed while the stream was down.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rpc: Option<String>,
}

fn default_poll_ms() -> u64 {
    1000
}

impl InjectiveSpec {
    /// Every check that needs no network; one line per refusal.
    pub fn validate(&self) -> Result<(), String> {
        self.check_network(true)?;
        self.check_granter()?;
        self.check_market_and_poll()
    }

    /// The checks of a section that only feeds market data to a paper bot (exchange "paper"):
    /// network, endpoints, market id and poll as [`InjectiveSpec::validate`], but no `granter`
    /// (nothing is traded on chain) and no source of own fills needed (the LCD alone will do:
    /// the book comes from it; an indexer adds trade prints).
    pub fn validate_market_data(&self) -> Result<(), String> {
        self.check_network(false)?;
        if self.granter.is_some() {
            return Err("injective.granter is for live trading; a paper bot on live data sends no transaction".into());
        }
        self.check_market_and_poll()
    }

    fn check_market_and_poll(&self) -> Result<(), String> {
        let hex = self.market_id.strip_prefix("0x").unwrap_or("");
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err("injective.market_id must be 0x followed by 64 hex digits".into());
        }
        if self.poll_ms < MIN_POLL_MS {
            return Err(format!("injective.poll_ms must be at least {MIN_POLL_MS}"));
        }
        if let Some(l) = self.leverage {
            if l < rust_decimal::Decimal::ONE || l > rust_decimal::Decimal::from(MAX_LEVERAGE) {
                return Err(format!(
                    "injective.leverage must be between 1 and {MAX_LEVERAGE}"
                ));
            }
        }
        Ok(())
    }

    /// `own_fills`: the bot trades on chain and must learn its fills (stream + RPC, or indexer).
    fn check_network(&self, own_fills: bool) -> Result<(), String> {
        match (self.network.as_str(), &self.endpoints) {
            ("custom", Some(e)) => {
                let optional = [&e.indexer, &e.stream, &e.rpc];
                for url in std::iter::once(&e.lcd).chain(optional.into_iter().flatten()) {
                    check_endpoint(url)?;
                }
                if e.stream.is_some() != e.rpc.is_some() {
                    return Err("injective.endpoints.stream and .rpc go together (the stream's backfill reads the RPC)".into());
                }
                if own_fills && e.stream.is_none() && e.indexer.is_none() {
                    return Err("injective.endpoints needs stream and rpc, or indexer: the bot must learn its fills".into());
                }
                if e.chain_id.trim().is_empty() {
                    return Err("injective.endpoints.chain_id is empty".into());
                }
                Ok(())
            }
            ("custom", None) => {
                Err("injective.network \"custom\" needs injective.endpoints".into())
            }
            (name, None) if NETWORKS.contains(&name) => Ok(()),
            (name, None) => Err(format!(
                "unknown injective.network {name:?} (mainnet, testnet, custom)"
            )),
            (_, Some(_)) => {
                Err("injective.endpoints is only allowed with network \"custom\"".into())
            }
        }
    }

    /// The granter is an Injective account: bech32 with prefix `inj` over 20 bytes.
    fn check_granter(&self) -> Result<(), String> {
        let Some(g) = self.granter.as_deref() else {
            return Ok(());
        };
        match bech32::decode(g.trim()) {
            Ok((hrp, data)) if hrp.as_str() == "inj" && data.len() == 20 => Ok(()),
            _ => Err("injective.granter must be an inj1... bech32 address".to_owned()),
        }
    }
}

/// Orders and balances travel over these URLs: TLS, except to this machine (tests, a local node)
/// or to a one-label host name with a port, which only a container network resolves (the
/// stack's `devnet` service: `http://devnet:10337`); any dotted name or address must be https.
fn check_endpoint(url: &str) -> Result<(), String> {
    let loopback = ["http://127.0.0.1:", "http://localhost:", "http://[::1]:"];
    let container = url.strip_prefix("http://").and_then(|rest| {
        let (host, port) = rest.split('/').next()?.split_once(':')?;
        let label = !host.is_empty()
            && host.as_bytes()[0].is_ascii_lowercase()
            && host
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        (label && !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit())).then_some(())
    });
    if url.starts_with("https://")
        || loopback.iter().any(|p| url.starts_with(p))
        || container.is_some()
    {
        Ok(())
    } else {
        Err(format!(
            "injective endpoint {url:?} must be https:// (plain http only to 127.0.0.1 or a container name on the stack's network)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: &str) -> Result<InjectiveSpec, String> {
        let s: InjectiveSpec = serde_json::from_str(json).map_err(|e| e.to_string())?;
        s.validate().map(|()| s)
    }

    const ID: &str = "0x0611780ba69656949525013d947713300f56c37b6175e02f26bffa495c3208fe";

    #[test]
    fn presets_custom_and_refusals() {
        let ok = spec(&format!(r#"{{"network":"testnet","market_id":"{ID}"}}"#)).unwrap();
        assert_eq!(ok.network, "testnet");
        assert_eq!((ok.poll_ms, ok.leverage), (1000, None));
        let levered = spec(&format!(
            r#"{{"network":"testnet","market_id":"{ID}","leverage":"2.5"}}"#
        ))
        .unwrap();
        assert_eq!(levered.leverage, Some(rust_decimal_macros::dec!(2.5)));
        let custom = spec(&format!(
            r#"{{"network":"custom","market_id":"{ID}","endpoints":{{"chain_id":"c","lcd":"http://127.0.0.1:9/","indexer":"https://i"}}}}"#
        ))
        .unwrap();
        assert_eq!(custom.endpoints.unwrap().lcd, "http://127.0.0.1:9/");
        let node = spec(&format!(
            r#"{{"network":"custom","market_id":"{ID}","endpoints":{{"chain_id":"c","lcd":"http://127.0.0.1:10337","stream":"http://127.0.0.1:9999","rpc":"http://127.0.0.1:26657"}}}}"#
        ))
        .unwrap()
        .endpoints
        .unwrap();
        assert_eq!(
            node.indexer, None,
            "the indexer is optional with a chain stream"
        );
        assert_eq!(node.stream.as_deref(), Some("http://127.0.0.1:9999"));
        for (json, expect) in [
            (
                format!(r#"{{"network":"devnet","market_id":"{ID}"}}"#),
                "unknown injective.network",
            ),
            (
                format!(r#"{{"network":"custom","market_id":"{ID}"}}"#),
                "needs injective.endpoints",
            ),
            (
                r#"{"network":"testnet","market_id":"0x12"}"#.to_owned(),
                "64 hex",
            ),
            (
                format!(r#"{{"network":"testnet","market_id":"{ID}","granter":"cosmos1x"}}"#),
                "granter",
            ),
            (
                format!(r#"{{"network":"testnet","market_id":"{ID}","poll_ms":5}}"#),
                "poll_ms",
            ),
            (
                format!(r#"{{"network":"testnet","market_id":"{ID}","leverage":"0.5"}}"#),
                "leverage must be between 1 and 100",
            ),
            (
                format!(r#"{{"network":"testnet","market_id":"{ID}","leverage":"101"}}"#),
                "leverage must be between 1 and 100",
            ),
            (
                format!(
                    r#"{{"network":"custom","market_id":"{ID}","endpoints":{{"chain_id":"c","lcd":"http://node.example.com:1317","indexer":"https://i"}}}}"#
                ),
                "must be https",
            ),
            (
                format!(
                    r#"{{"network":"custom","market_id":"{ID}","endpoints":{{"chain_id":"c","lcd":"http://127.0.0.1:9"}}}}"#
                ),
                "must learn its fills",
            ),
            (
                format!(
                    r#"{{"network":"custom","market_id":"{ID}","endpoints":{{"chain_id":"c","lcd":"http://127.0.0.1:9","stream":"http://127.0.0.1:9999"}}}}"#
                ),
                "go together",
            ),
            (
                format!(
                    r#"{{"network":"custom","market_id":"{ID}","endpoints":{{"chain_id":"c","lcd":"http://127.0.0.1:9","stream":"http://10.0.0.5:9999","rpc":"http://127.0.0.1:26657"}}}}"#
                ),
                "must be https",
            ),
        ] {
            let err = spec(&json).unwrap_err();
            assert!(err.contains(expect), "{json}: {err}");
        }
    }

    #[test]
    fn plain_http_only_to_loopback_or_a_container_name_with_a_port() {
        for ok in [
            "https://lcd.example.com",
            "http://127.0.0.1:10337",
            "http://localhost:1",
            "http://[::1]:9",
            "http://devnet:10337",
            "http://devnet:10337/",
            "http://inj-node-2:1317",
        ] {
            assert_eq!(check_endpoint(ok), Ok(()), "{ok}");
        }
        for bad in [
            "http://devnet",
            "http://devnet:",
            "http://devnet:10x",
            "http://Devnet:1",
            "http://2devnet:1",
            "http://:1",
            "http://node.example.com:1317",
            "http://10.0.0.5:9999",
            "http://evil.com:80@devnet:1",
            "ftp://devnet:1",
            "devnet:1",
        ] {
            let err = check_endpoint(bad).unwrap_err();
            assert!(err.contains("must be https"), "{bad}: {err}");
        }
    }
}
