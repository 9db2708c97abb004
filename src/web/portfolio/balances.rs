//! Paper balances (pure): the paper account each active bot reports in its current run's status
//! event (`balances`, docs/BOT_EVENTS.md), listed per wallet, bot and asset. Never summed: every
//! paper bot trades its own paper account from its own starting balances, so a sum over bots
//! would be a total of nothing real. Live bots report none (a chain's balances are its wallet's,
//! on the wallets page).

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;

use super::figures::current_status;
use crate::bots::BotView;

/// One asset of one bot's paper account: `total` and `available` (what a new order may still
/// use) in the asset's units, exact as the bot sent them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PaperBalance {
    pub bot_id: String,
    pub market: String,
    /// The token symbol (`INJ`, `USDT`).
    pub asset: String,
    pub total: Decimal,
    pub available: Decimal,
}

/// `{wallet: [line]}` over `bots`, in the bots' order then the status's order. A bot that is not
/// active, whose status is an earlier run's, or that reports no balances has no line; a line
/// whose decimals do not parse is left out (the bot's raw status stays on `/api/bots/<id>`).
pub fn paper_balances<'a>(
    bots: impl IntoIterator<Item = &'a BotView>,
) -> BTreeMap<String, Vec<PaperBalance>> {
    let mut out: BTreeMap<String, Vec<PaperBalance>> = BTreeMap::new();
    for b in bots {
        let Some(lines) = current_status(b)
            .and_then(|s| s.get("balances"))
            .and_then(serde_json::Value::as_array)
        else {
            continue;
        };
        let parsed: Vec<PaperBalance> = lines
            .iter()
            .filter_map(|l| {
                let d = |k: &str| l.get(k)?.as_str()?.parse::<Decimal>().ok();
                Some(PaperBalance {
                    bot_id: b.bot_id.clone(),
                    market: b.market.clone(),
                    asset: l.get("asset")?.as_str()?.to_owned(),
                    total: d("total")?.normalize(),
                    available: d("available")?.normalize(),
                })
            })
            .collect();
        if !parsed.is_empty() {
            out.entry(b.wallet.clone()).or_default().extend(parsed);
        }
    }
    out
}
