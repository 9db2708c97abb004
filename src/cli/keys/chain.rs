//! The chain side of bot keys: a live wallet's network as the connector's [`Network`], an LCD
//! client (signing with the wallet's key or read-only), a market's on-chain id by ticker, and
//! the trade grant a bot key holds as the chain has it.

use anyhow::{bail, Context};
use tradebot_injective::address::Address;
use tradebot_injective::client::{ChainGrant, ClientConfig, InjectiveClient, Signer};
use tradebot_injective::msgs::MarketKind;
use tradebot_injective::network::Network;

use crate::config::networks::{self, NetworkRef};
use crate::config::Settings;
use crate::domain::MarketId;
use crate::vault::wallets::{WalletInfo, WalletMode};

/// The network of a live wallet. Errors (one line): a paper wallet, a wallet without a network,
/// a network the settings do not know.
pub fn live_network(settings: &Settings, wallet: &WalletInfo) -> anyhow::Result<Network> {
    if wallet.mode != WalletMode::Live {
        bail!(
            "wallet {} is a paper wallet: bot keys and grants are for live wallets",
            wallet.id
        );
    }
    let name = wallet
        .network
        .as_deref()
        .with_context(|| format!("live wallet {} names no network", wallet.id))?;
    network(settings, name)
}

/// A network by the name a wallet gives it (a preset or `[networks.<name>]`).
pub fn network(settings: &Settings, name: &str) -> anyhow::Result<Network> {
    Ok(
        match networks::resolve(&settings.networks, name).map_err(anyhow::Error::msg)? {
            NetworkRef::Preset(p) => Network::named(&p)
                .with_context(|| format!("network {p:?} has no built-in endpoints"))?,
            NetworkRef::Custom { name, endpoints } => {
                let indexer = endpoints.indexer.as_deref().unwrap_or(&endpoints.lcd);
                Network {
                    name,
                    ..Network::custom(&endpoints.chain_id, &endpoints.lcd, indexer)
                }
            }
        },
    )
}

/// An LCD client of `net`, signing with `signer` when given. Confirmation waits up to ~30 s.
pub fn client(net: Network, signer: Option<Signer>) -> anyhow::Result<InjectiveClient> {
    InjectiveClient::new(net, ClientConfig::default(), signer)
        .map_err(|e| anyhow::anyhow!("cannot build the chain client: {e}"))
}

/// Spot for `BASE/QUOTE`, derivative for `BASE/QUOTE-PERP`.
pub fn kind(market: &MarketId) -> MarketKind {
    if market.as_str().ends_with("-PERP") {
        MarketKind::Derivative
    } else {
        MarketKind::Spot
    }
}

/// The on-chain id of `market` on the client's network. Errors (one line): not listed there,
/// or the LCD failed.
pub async fn market_id(client: &InjectiveClient, market: &MarketId) -> anyhow::Result<String> {
    client
        .market_id_by_ticker(market.as_str(), kind(market))
        .await
        .map_err(|e| anyhow::anyhow!("cannot list the markets of {}: {e}", client.network().name))?
        .with_context(|| {
            format!(
                "market {market} is not listed on network {}",
                client.network().name
            )
        })
}

/// The trade grant (`BatchUpdateOrdersAuthz`) from `granter` to `grantee` naming `market_id`,
/// as the chain holds it, or None.
pub async fn trade_grant(
    client: &InjectiveClient,
    granter: Address,
    grantee: Address,
    market_id: &str,
) -> anyhow::Result<Option<ChainGrant>> {
    let grants = client
        .authz_grants(granter, grantee)
        .await
        .map_err(|e| anyhow::anyhow!("cannot read the grants on {}: {e}", client.network().name))?;
    Ok(grants.into_iter().find(|g| {
        g.authorization.ends_with(".BatchUpdateOrdersAuthz")
            && (g.spot_markets.iter().chain(&g.derivative_markets)).any(|m| m == market_id)
    }))
}

/// An `inj1...` or `0x...` address as the connector's type.
pub fn address(text: &str) -> anyhow::Result<Address> {
    Address::from_bech32(text)
        .or_else(|_| Address::from_eth_hex(text))
        .map_err(|_| anyhow::anyhow!("{text:?} is not an Injective address"))
}
