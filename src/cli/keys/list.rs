//! `keys list`: wallets (mode, network, address, key versions), and under each live wallet its
//! bot keys with the grant as the CHAIN holds it (authz grants of granter -> bot key naming the
//! market): its expiry, or `missing` when the chain has none (revoked, expired, never landed).

use tradebot_injective::client::InjectiveClient;

use super::{chain, Ctx};
use crate::domain::MarketId;
use crate::vault::bot_keys::{self, market_of_slug};
use crate::vault::wallets::{self, WalletInfo, WalletMode};

pub(super) async fn list(ctx: &Ctx<'_>) -> anyhow::Result<()> {
    let all = wallets::list(&ctx.vault, ctx.mount).await?;
    if all.is_empty() {
        println!("no wallets");
    }
    println!(
        "{:<16} {:<5} {:<10} {:<44} {:>7} {:<22} {:<30} label",
        "wallet", "mode", "network", "address", "version", "updated", "markets"
    );
    for w in all {
        println!(
            "{:<16} {:<5} {:<10} {:<44} {:>7} {:<22} {:<30} {}",
            w.id.as_str(),
            w.mode.as_str(),
            w.network.as_deref().unwrap_or("-"),
            w.address,
            w.current_version,
            w.updated_time.get(..19).unwrap_or(&w.updated_time),
            w.allowed_markets.join(","),
            w.label
        );
        if w.mode == WalletMode::Live {
            bot_key_lines(ctx, &w).await?;
        }
    }
    Ok(())
}

/// One line per bot key of a live wallet: market, version, bot key address, on-chain grant.
async fn bot_key_lines(ctx: &Ctx<'_>, w: &WalletInfo) -> anyhow::Result<()> {
    let client = match chain::live_network(ctx.settings, w).and_then(|n| chain::client(n, None)) {
        Ok(c) => Some(c),
        Err(e) => {
            println!("  (grants not read: {e})");
            None
        }
    };
    for market in markets_with_keys(ctx, w).await? {
        let Some(state) = bot_keys::state(&ctx.vault, ctx.mount, &w.id, &market).await? else {
            continue;
        };
        let Some(rec) = state.recorded else {
            println!(
                "  bot {:<14} v{:<3} pending (no grant recorded: run `keys grant`)",
                market.as_str(),
                state.current_version
            );
            continue;
        };
        let on_chain = match &client {
            Some(c) => chain_grant(c, &rec.granter, &rec.address, &rec.market_id).await,
            None => "not read".to_owned(),
        };
        println!(
            "  bot {:<14} v{:<3} {:<44} grant {}",
            market.as_str(),
            state.current_version,
            rec.address,
            on_chain
        );
    }
    Ok(())
}

/// `until <expiry>` as the chain holds the grant, `missing`, or why it could not be read.
async fn chain_grant(
    client: &InjectiveClient,
    granter: &str,
    grantee: &str,
    market_id: &str,
) -> String {
    let (Ok(granter), Ok(grantee)) = (chain::address(granter), chain::address(grantee)) else {
        return "unreadable addresses".to_owned();
    };
    match chain::trade_grant(client, granter, grantee, market_id).await {
        // The market id is not printed: 64 hex digits read like a key to a log scanner.
        Ok(Some(g)) => format!("until {}", g.expiration.as_deref().unwrap_or("no expiry")),
        Ok(None) => "missing".to_owned(),
        Err(e) => format!("not read ({e})"),
    }
}

/// The markets under `<wallet>/bots/` in Vault.
async fn markets_with_keys(ctx: &Ctx<'_>, w: &WalletInfo) -> anyhow::Result<Vec<MarketId>> {
    let names = ctx
        .vault
        .list(&format!("{}/metadata/{}/bots", ctx.mount, w.id))
        .await?;
    let mut markets: Vec<MarketId> = names.iter().filter_map(|n| market_of_slug(n)).collect();
    markets.sort();
    Ok(markets)
}
