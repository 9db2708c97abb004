//! The Injective networks a wallet may name (its metadata field `network`): the presets
//! `mainnet` and `testnet`, and named custom networks from the settings' `[networks.<name>]`
//! tables (a self-hosted node, the local devnet), e.g.
//!
//! ```toml
//! [networks.devnet]
//! chain_id = "injective-777"
//! lcd = "http://devnet:10337"
//! stream = "http://devnet:9999"
//! rpc = "http://devnet:26657"
//! ```
//!
//! or `TRADEBOT_NETWORKS__DEVNET__LCD=...` in the environment. The endpoint rules (TLS except
//! to loopback or a name on the stack's own networks, stream and rpc together) are the
//! contract's, checked when a bot's spec is built.

use std::collections::BTreeMap;

pub use tradebot_contract::spec::Endpoints;
use tradebot_contract::spec::NETWORKS;

/// Named custom networks (`[networks.<name>]`).
pub type Networks = BTreeMap<String, Endpoints>;

/// How a bot's spec names a wallet's network: a preset by name, or `custom` with endpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetworkRef {
    /// `mainnet` or `testnet`: the connector's built-in public endpoints.
    Preset(String),
    /// A network of the settings, by its name there.
    Custom { name: String, endpoints: Endpoints },
}

impl NetworkRef {
    /// The network's name as wallets and the dashboard show it.
    pub fn name(&self) -> &str {
        match self {
            NetworkRef::Preset(name) | NetworkRef::Custom { name, .. } => name,
        }
    }
}

/// Resolves a wallet's `network` name: a configured custom network wins over nothing, a preset
/// name cannot be redefined (`[networks.mainnet]` is refused at load by [`check`]).
pub fn resolve(networks: &Networks, name: &str) -> Result<NetworkRef, String> {
    if NETWORKS.contains(&name) {
        return Ok(NetworkRef::Preset(name.to_owned()));
    }
    networks
        .get(name)
        .map(|endpoints| NetworkRef::Custom {
            name: name.to_owned(),
            endpoints: endpoints.clone(),
        })
        .ok_or_else(|| {
            let mut known: Vec<&str> = NETWORKS.to_vec();
            known.extend(networks.keys().map(String::as_str));
            format!(
                "network {name:?} is not configured (known: {})",
                known.join(", ")
            )
        })
}

/// Load-time checks: no custom network shadows a preset, and every name is a plain slug.
pub fn check(networks: &Networks) -> Result<(), String> {
    for (name, e) in networks {
        if NETWORKS.contains(&name.as_str()) || name == "custom" {
            return Err(format!(
                "networks.{name}: {name} is a preset name; give the network another name"
            ));
        }
        let slug = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !slug {
            return Err(format!(
                "networks.{name}: a network name is lower-case letters, digits and '-'"
            ));
        }
        if e.chain_id.trim().is_empty() || e.lcd.trim().is_empty() {
            return Err(format!("networks.{name}: chain_id and lcd are required"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn devnet() -> Networks {
        Networks::from([(
            "devnet".to_owned(),
            Endpoints {
                chain_id: "injective-777".into(),
                lcd: "http://devnet:10337".into(),
                indexer: None,
                stream: Some("http://devnet:9999".into()),
                rpc: Some("http://devnet:26657".into()),
            },
        )])
    }

    #[test]
    fn presets_and_named_networks_resolve() {
        let n = devnet();
        assert_eq!(
            resolve(&n, "testnet").unwrap(),
            NetworkRef::Preset("testnet".into())
        );
        let NetworkRef::Custom { name, endpoints } = resolve(&n, "devnet").unwrap() else {
            panic!("devnet is custom")
        };
        assert_eq!(
            (name.as_str(), endpoints.chain_id.as_str()),
            ("devnet", "injective-777")
        );
        let err = resolve(&n, "localnet").unwrap_err();
        assert!(err.contains("mainnet, testnet, devnet"), "{err}");
    }

    #[test]
    fn load_checks_refuse_shadowing_and_junk() {
        assert_eq!(check(&devnet()), Ok(()));
        let e = devnet()["devnet"].clone();
        for (name, expect) in [
            ("mainnet", "preset"),
            ("custom", "preset"),
            ("Dev Net", "lower-case"),
            ("", "lower-case"),
        ] {
            let n = Networks::from([(name.to_owned(), e.clone())]);
            assert!(check(&n).unwrap_err().contains(expect), "{name}");
        }
        let mut bad = e;
        bad.lcd = " ".into();
        let n = Networks::from([("x".to_owned(), bad)]);
        assert!(check(&n).unwrap_err().contains("required"));
    }
}
