//! Where a bot trades beyond the paper exchange, and the checks a start on a chain runs before
//! anything is issued: the wallet's network resolves; the market is in the chain's catalogue
//! and active; for a live wallet a bot key of (wallet, market) exists and its trade grant is
//! valid on chain now; the strategy's order sizes are on the quantity tick and worth at least
//! the market's minimum notional at the current mid. Every refusal is a 4xx in words.

use rust_decimal::Decimal;
use tradebot_contract::spec::InjectiveSpec;

use super::error::vault_reason;
use super::manager::BotManager;
use super::LifecycleError;
use crate::config::networks::{self, NetworkRef};
use crate::domain::{MarketId, WalletId};
use crate::markets::{check, Market};
use crate::runtime::ContainerRuntime;
use crate::vault::wallets::{WalletInfo, WalletMode};
use crate::vault::SecretsBroker;

/// Book polls of a bot on a chain (the contract's default).
pub const POLL_MS: u64 = 1000;

/// A bot's chain: live (its bot key trades for the wallet through the grant) or paper on live
/// data (book and trades of the chain, fills simulated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Venue {
    pub live: bool,
    pub network: NetworkRef,
    /// The market's on-chain id, from the catalogue.
    pub market_id: String,
    /// Live only: the wallet's account the bot key trades for (the bot key's metadata).
    pub granter: Option<String>,
}

impl Venue {
    /// The spec's `injective` section, built from the contract's types.
    pub fn injective_spec(&self) -> InjectiveSpec {
        let (network, endpoints) = match &self.network {
            NetworkRef::Preset(name) => (name.clone(), None),
            NetworkRef::Custom { endpoints, .. } => ("custom".to_owned(), Some(endpoints.clone())),
        };
        InjectiveSpec {
            network,
            endpoints,
            market_id: self.market_id.clone(),
            granter: self.granter.clone(),
            subaccount_index: 0,
            poll_ms: POLL_MS,
            // The bot trades a perpetual at 1x unless a spec says otherwise.
            leverage: None,
        }
    }
}

/// The LCD the dashboard reads a network through.
pub fn lcd_of(network: &NetworkRef) -> String {
    match network {
        NetworkRef::Preset(name) => tradebot_injective::network::Network::named(name)
            .map(|n| n.lcd)
            .unwrap_or_default(),
        NetworkRef::Custom { endpoints, .. } => endpoints.lcd.trim_end_matches('/').to_owned(),
    }
}

impl<R: ContainerRuntime, B: SecretsBroker> BotManager<R, B> {
    /// The venue of a bot of `wallet` on `market` with `params`, every check passed; `None` for
    /// a paper wallet without a network (the paper exchange, nothing to check on a chain).
    pub async fn venue_for(
        &self,
        wallet: &WalletInfo,
        market: &MarketId,
        params: &serde_json::Value,
        bot_type: &str,
    ) -> Result<Option<Venue>, LifecycleError> {
        let live = wallet.mode == WalletMode::Live;
        let Some(name) = wallet.network.as_deref() else {
            if live {
                return Err(LifecycleError::Invalid(format!(
                    "live wallet {} names no network in its metadata",
                    wallet.id
                )));
            }
            return Ok(None);
        };
        let network = networks::resolve(&self.inner.cfg.networks, name)
            .map_err(|e| LifecycleError::Invalid(format!("wallet {}: {e}", wallet.id)))?;
        let lcd = lcd_of(&network);
        let m = self.catalogued(&lcd, network.name(), market).await?;
        let granter = if live {
            Some(self.granted(&wallet.id, &m, &lcd).await?)
        } else {
            None
        };
        let parsed = tradebot_contract::params::BotParams::parse(bot_type, market.as_str(), params)
            .map_err(LifecycleError::Invalid)?;
        if !check::order_sizes(&parsed).is_empty() {
            let mid = self.mid(&lcd, &m).await?;
            check::check_params(&m, &parsed, mid).map_err(LifecycleError::Invalid)?;
        }
        let venue = Venue {
            live,
            network,
            market_id: m.market_id,
            granter,
        };
        // The contract's own checks of the section (endpoint schemes, ids), as the bot runs them.
        venue
            .injective_spec()
            .validate()
            .map_err(|e| LifecycleError::Invalid(format!("wallet {}: {e}", wallet.id)))?;
        Ok(Some(venue))
    }

    /// The market as the chain lists it, refused unless listed and active.
    async fn catalogued(
        &self,
        lcd: &str,
        network: &str,
        market: &MarketId,
    ) -> Result<Market, LifecycleError> {
        let snap = self.inner.catalogue.markets(lcd).await.map_err(|e| {
            tracing::warn!(error = %e, "market catalogue unavailable");
            LifecycleError::Unavailable(format!(
                "the market catalogue of {network} cannot be read from the chain now"
            ))
        })?;
        let m = snap.find(market).ok_or_else(|| {
            let listed: Vec<&str> = snap.markets.iter().map(|m| m.market.as_str()).collect();
            LifecycleError::Invalid(format!(
                "{network} lists no market {} (listed: {})",
                market.as_str(),
                listed.join(", ")
            ))
        })?;
        if !m.active {
            return Err(LifecycleError::Invalid(format!(
                "market {} is not active on {network}",
                market.as_str()
            )));
        }
        Ok(m.clone())
    }

    /// The granter of the bot key of (`wallet`, market), once its grant is valid on chain now.
    async fn granted(
        &self,
        wallet: &WalletId,
        m: &Market,
        lcd: &str,
    ) -> Result<String, LifecycleError> {
        let key = self
            .inner
            .broker
            .bot_key(wallet, &m.market)
            .await
            .map_err(|e| LifecycleError::Vault(vault_reason(&e)))?
            .ok_or_else(|| {
                LifecycleError::Invalid(format!(
                    "wallet {wallet} has no bot key for {}: provision one with `tradebot keys grant --wallet {wallet} --market {}`",
                    m.market.as_str(),
                    m.market.as_str()
                ))
            })?;
        let grants = self
            .inner
            .catalogue
            .grants(lcd, &key.granter)
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "grant query failed");
                LifecycleError::Unavailable("the chain's grants cannot be read now".into())
            })?;
        check::check_grant(
            &grants,
            &key.address,
            &m.market_id,
            time::OffsetDateTime::now_utc(),
        )
        .map_err(LifecycleError::Invalid)?;
        Ok(key.granter)
    }

    async fn mid(&self, lcd: &str, m: &Market) -> Result<Option<Decimal>, LifecycleError> {
        self.inner.catalogue.mid(lcd, m).await.map_err(|e| {
            tracing::warn!(error = %e, "order book query failed");
            LifecycleError::Unavailable(format!(
                "the order book of {} cannot be read from the chain now",
                m.market.as_str()
            ))
        })
    }
}
