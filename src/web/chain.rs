//! What the pages show of a wallet's chain: the markets it may trade on its network with their
//! live mid and rules (`GET /api/wallets/{id}/markets`, read by the start form's script), and
//! for a live wallet its balances, positions and bot keys with their grants as the chain holds
//! them now (the wallets page). Read-only; chain failures become a line on the page or a 503
//! with our sentence, never the node's text.

use std::sync::Arc;

use rust_decimal::Decimal;
use serde_json::{json, Value};
use tradebot_injective::address::Address;

use super::error::WebError;
use super::AppState;
use crate::bots::lcd_of;
use crate::config::networks;
use crate::domain::WalletId;
use crate::markets::{check, lcd::BATCH_AUTHZ_TYPE, GrantOnChain, Market, Snapshot, WalletOnChain};
use crate::vault::bot_keys::BotKeyInfo;
use crate::vault::wallets::{WalletInfo, WalletMode};

/// The network's LCD of a wallet, or None for a wallet on no network.
fn lcd_for(app: &AppState, w: &WalletInfo) -> Result<Option<String>, WebError> {
    let Some(name) = w.network.as_deref() else {
        return Ok(None);
    };
    let net = networks::resolve(&app.bots.config().networks, name)
        .map_err(|e| WebError::unprocessable(format!("wallet {}: {e}", w.id)))?;
    Ok(Some(lcd_of(&net)))
}

async fn catalogue(app: &AppState, lcd: &str, network: &str) -> Result<Snapshot, WebError> {
    app.bots.catalogue().markets(lcd).await.map_err(|e| {
        tracing::warn!(error = %e, "market catalogue unavailable");
        WebError::unavailable(format!(
            "the market catalogue of {network} cannot be read from the chain now"
        ))
    })
}

fn market_json(m: &Market, mid: Option<Decimal>) -> Value {
    json!({
        "market": m.market.as_str(), "market_id": m.market_id, "kind": m.kind,
        "active": m.active, "price_tick": m.price_tick.normalize().to_string(),
        "quantity_tick": m.quantity_tick.normalize().to_string(),
        "min_notional": m.min_notional.normalize().to_string(), "quote": m.quote(),
        "mid": mid.map(|d| d.normalize().to_string()),
    })
}

/// The markets `wallet` may trade on its network, from the chain's catalogue, with mids. A
/// wallet on no network gets its allowed markets of the paper exchange (no chain data).
pub async fn wallet_markets(app: &Arc<AppState>, raw: &str) -> Result<Value, WebError> {
    let id = WalletId::parse(raw).map_err(|e| WebError::bad_request(e.to_string()))?;
    let w = app
        .bots
        .wallet(&id)
        .await?
        .ok_or_else(|| WebError::not_found(format!("no wallet {id}")))?;
    let head = json!({"wallet": w.id, "mode": w.mode, "network": w.network,
                      "busy": app.bots.busy_markets(id.as_str())});
    let Some(lcd) = lcd_for(app, &w)? else {
        let markets: Vec<Value> = w
            .allowed_markets
            .iter()
            .map(|m| json!({"market": m}))
            .collect();
        return Ok(json!({"head": head, "markets": markets}));
    };
    let network = w.network.clone().unwrap_or_default();
    let snap = catalogue(app, &lcd, &network).await?;
    let mut markets = Vec::new();
    for m in snap
        .markets
        .iter()
        .filter(|m| w.allowed_markets.iter().any(|a| a == m.market.as_str()))
    {
        let mid = app.bots.catalogue().mid(&lcd, m).await.ok().flatten();
        markets.push(market_json(m, mid));
    }
    Ok(
        json!({"head": head, "freshness": snap.freshness(), "stale": snap.stale.is_some(),
              "markets": markets}),
    )
}

/// One balance line of a live wallet: symbol, bank and subaccount amounts (human units).
#[derive(Debug)]
pub struct BalanceRow {
    pub symbol: String,
    pub bank: String,
    pub subaccount: String,
}

/// One bot key of a live wallet and its grant on chain.
#[derive(Debug)]
pub struct KeyRow {
    pub market: String,
    pub address: String,
    /// "valid until ...", "no grant on chain", "expired ...".
    pub grant: String,
}

/// A live wallet as its chain shows it now.
#[derive(Debug, Default)]
pub struct LiveView {
    pub address: String,
    pub balances: Vec<BalanceRow>,
    pub positions: Vec<String>,
    pub keys: Vec<KeyRow>,
    pub problems: Vec<String>,
}

/// The symbol and decimals of a denom, as the catalogue's spot markets name it.
fn symbol_of(snap: &Snapshot, denom: &str) -> Option<(String, u32)> {
    snap.markets.iter().find_map(|m| {
        let name = m.market.as_str();
        let (base, quote) = name.split_once('/')?;
        let quote = quote.trim_end_matches("-PERP");
        if m.base_denom.as_deref() == Some(denom) {
            return Some((base.to_owned(), m.base_decimals?));
        }
        (m.quote_denom == denom).then(|| (quote.to_owned(), m.quote_decimals))
    })
}

fn human(amount: Decimal, decimals: u32) -> String {
    let mut d = amount;
    d.set_scale(d.scale() + decimals)
        .map_or_else(|_| amount.to_string(), |()| d.normalize().to_string())
}

/// One row per denom of the bank or the default subaccount, in human units when the
/// catalogue names the denom (`inj` -> INJ, 18 decimals), else raw.
fn balance_rows(snap: Option<&Snapshot>, chain: &WalletOnChain) -> Vec<BalanceRow> {
    let mut denoms: Vec<&String> = chain
        .bank
        .iter()
        .chain(chain.deposits.iter())
        .map(|(d, _)| d)
        .collect();
    denoms.sort();
    denoms.dedup();
    let find = |list: &[(String, Decimal)], denom: &str| {
        list.iter()
            .find(|x| x.0 == denom)
            .map_or(Decimal::ZERO, |x| x.1)
    };
    denoms
        .into_iter()
        .map(|denom| {
            let named = snap.and_then(|s| symbol_of(s, denom));
            let (symbol, dec) = named.unwrap_or_else(|| (denom.clone(), 0));
            BalanceRow {
                symbol,
                bank: human(find(&chain.bank, denom), dec),
                subaccount: human(find(&chain.deposits, denom), dec),
            }
        })
        .collect()
}

/// "INJ/USDT-PERP: long 2 at 20.5" per open position.
fn position_lines(snap: Option<&Snapshot>, chain: &WalletOnChain) -> Vec<String> {
    chain
        .positions
        .iter()
        .map(|(id, long, qty, entry)| {
            let named = snap.and_then(|s| s.markets.iter().find(|m| &m.market_id == id));
            let name = named.map_or(id.as_str(), |m| m.market.as_str());
            let side = if *long { "long" } else { "short" };
            format!(
                "{name}: {side} {} at {}",
                qty.normalize(),
                entry.normalize()
            )
        })
        .collect()
}

/// The chain view of a live wallet (None for a paper wallet).
pub async fn live_view(app: &AppState, w: &WalletInfo) -> Option<LiveView> {
    if w.mode != WalletMode::Live {
        return None;
    }
    let mut v = LiveView::default();
    let network = w.network.clone().unwrap_or_default();
    let lcd = match lcd_for(app, w) {
        Ok(Some(lcd)) => lcd,
        Ok(None) => {
            v.problems.push("this live wallet names no network".into());
            return Some(v);
        }
        Err(_) => {
            v.problems
                .push(format!("network {network:?} is not configured"));
            return Some(v);
        }
    };
    v.address = inj_address(&w.address);
    let snap = catalogue(app, &lcd, &network).await.ok();
    match app.bots.catalogue().wallet(&lcd, &v.address).await {
        Ok(chain) => {
            v.balances = balance_rows(snap.as_ref(), &chain);
            v.positions = position_lines(snap.as_ref(), &chain);
        }
        Err(e) => {
            tracing::warn!(error = %e, "wallet balances unavailable");
            v.problems.push(format!(
                "the balances of {} cannot be read from {network} now",
                w.id
            ));
        }
    }
    v.keys = key_rows(app, w, &lcd, &v.address, &mut v.problems).await;
    Some(v)
}

/// The bot keys of `w` with their grants as the chain holds them now.
async fn key_rows(
    app: &AppState,
    w: &WalletInfo,
    lcd: &str,
    granter: &str,
    problems: &mut Vec<String>,
) -> Vec<KeyRow> {
    let keys = match app.bots.bot_keys(&w.id).await {
        Ok(k) => k,
        Err(e) => {
            problems.push(super::error::problem(e));
            return Vec::new();
        }
    };
    let grants = match app.bots.catalogue().grants(lcd, granter).await {
        Ok(g) => Some(g),
        Err(e) => {
            tracing::warn!(error = %e, "grants unavailable");
            problems.push("the grants cannot be read from the chain now".into());
            None
        }
    };
    keys.into_iter()
        .map(|k| KeyRow {
            grant: grants
                .as_deref()
                .map_or_else(|| "unknown".to_owned(), |g| grant_text(g, &k)),
            market: k.market.as_str().to_owned(),
            address: k.address,
        })
        .collect()
}

/// What the chain says of a bot key's trade grant now, in words.
fn grant_text(grants: &[GrantOnChain], k: &BotKeyInfo) -> String {
    let on = grants.iter().find(|g| {
        g.grantee == k.address && g.type_url == BATCH_AUTHZ_TYPE && g.markets.contains(&k.market_id)
    });
    let Some(g) = on else {
        return "no grant on chain".to_owned();
    };
    let now = time::OffsetDateTime::now_utc();
    match check::check_grant(std::slice::from_ref(g), &k.address, &k.market_id, now) {
        Ok(Some(exp)) => format!("valid until {exp}"),
        Ok(None) => "valid, no expiry".to_owned(),
        Err(e) => e,
    }
}

/// `inj1...` of a wallet address in its metadata (`0x` hex or already bech32).
fn inj_address(raw: &str) -> String {
    if raw.starts_with("0x") {
        if let Ok(a) = Address::from_eth_hex(raw) {
            return a.to_bech32();
        }
    }
    raw.to_owned()
}

#[cfg(test)]
mod tests;
