//! Trade-only bot keys: one per (wallet, market) of a live wallet, at
//! `<mount>/data/<wallet>/bots/<market slug>` (the contract's `bot_key_path`), so two bots of
//! one wallet never share a signer (and its account sequence). The key is the grantee of the
//! wallet's authz grant (batch updates on that market only) and fee allowance; what the chain
//! granted is recorded in the entry's KV *custom metadata*, which the dashboard may read (it
//! never reads the key). This module reads that metadata; writing keys and grants is the keys
//! CLI's (`tradebot keys grant`).

use vaultrs::api::kv2::responses::ReadSecretMetadataResponse;

use super::client::{found, VaultClient};
use super::VaultError;
use crate::domain::{MarketId, WalletId};
use tradebot_contract::spec::bot_key_path;

/// What anyone may know about a bot key. Never key material.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BotKeyInfo {
    pub wallet: WalletId,
    pub market: MarketId,
    /// The bot key's Injective account (`inj1...`): the grantee.
    pub address: String,
    /// The wallet's Injective account (`inj1...`): the granter whose funds the bot trades.
    pub granter: String,
    /// The market's on-chain id (`0x` + 64 hex) the grant is limited to.
    pub market_id: String,
    /// The network the grant was broadcast to (the wallet's).
    pub network: String,
    /// When the trade grant and fee allowance end, RFC 3339 UTC, as recorded at grant time
    /// (the chain is the truth: a revoked grant is gone before this).
    pub grant_expiry: String,
    /// The fee allowance's spend limit as granted (coins, e.g. `1000000000000000000inj`).
    pub fee_spend_limit: String,
    pub current_version: u64,
}

/// One bot key's metadata, or None if (wallet, market) has no bot key.
pub async fn info(
    vault: &VaultClient,
    mount: &str,
    wallet: &WalletId,
    market: &MarketId,
) -> Result<Option<BotKeyInfo>, VaultError> {
    let path = bot_key_path(wallet, market);
    let r = vaultrs::kv2::read_metadata(vault.api(), mount, &path).await;
    let meta = found(vault.address(), &format!("{mount}/metadata"), r)?;
    Ok(meta
        .filter(|m| m.current_version > 0)
        .map(|m| from_metadata(wallet, market, m)))
}

/// Every bot key of `wallet`, in market order (entries whose name is no market slug are
/// skipped).
pub async fn list(
    vault: &VaultClient,
    mount: &str,
    wallet: &WalletId,
) -> Result<Vec<BotKeyInfo>, VaultError> {
    let dir = format!("{wallet}/bots");
    let names = found(
        vault.address(),
        &format!("{mount}/metadata"),
        vaultrs::kv2::list(vault.api(), mount, &dir).await,
    )?
    .unwrap_or_default();
    let mut out = Vec::new();
    for name in names {
        let Some(market) = market_of_slug(&name) else {
            continue;
        };
        if let Some(key) = info(vault, mount, wallet, &market).await? {
            out.push(key);
        }
    }
    out.sort_by(|a, b| a.market.cmp(&b.market));
    Ok(out)
}

/// The market a slug names (`inj-usdt-perp` -> `INJ/USDT-PERP`), if it is one.
pub fn market_of_slug(slug: &str) -> Option<MarketId> {
    let upper = slug.to_ascii_uppercase();
    let (base, rest) = upper.split_once('-')?;
    let market = MarketId::parse(&format!("{base}/{rest}")).ok()?;
    (market.slug() == slug).then_some(market)
}

fn from_metadata(
    wallet: &WalletId,
    market: &MarketId,
    m: ReadSecretMetadataResponse,
) -> BotKeyInfo {
    let custom = m.custom_metadata.unwrap_or_default();
    let text = |k: &str| custom.get(k).cloned().unwrap_or_default();
    BotKeyInfo {
        wallet: wallet.clone(),
        market: market.clone(),
        address: text("address"),
        granter: text("granter"),
        market_id: text("market_id"),
        network: text("network"),
        grant_expiry: text("grant_expiry"),
        fee_spend_limit: text("fee_spend_limit"),
        current_version: m.current_version,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_name_their_market_back() {
        for m in ["INJ/USDT", "TIA/USDT", "INJ/USDT-PERP", "B2/Q9"] {
            let market = MarketId::parse(m).unwrap();
            assert_eq!(market_of_slug(&market.slug()), Some(market));
        }
        for junk in [
            "",
            "inj",
            "inj-",
            "-usdt",
            "INJ-USDT",
            "inj_usdt",
            "inj-usdt-perp-x",
        ] {
            assert_eq!(market_of_slug(junk), None, "{junk}");
        }
    }
}
