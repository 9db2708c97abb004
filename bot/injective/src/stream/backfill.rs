//! Backfill from CometBFT: the chain stream is live only, so after a (re)connect the fills of
//! the blocks we missed are read from `block_search` (which heights executed trades on our
//! market) and `block_results` (the exchange's `EventBatch*Execution` events of that height).
//!
//! Trade ids are rebuilt as the stream server numbers them (injective-core
//! `stream/server/handlers.go`: `"{height}_{n}"`, n counting from 0 over every v2 spot and
//! derivative execution trade of the block, in event order, all markets and subaccounts), so a
//! backfilled fill and the same fill seen live share their key.

use base64::Engine;
use rust_decimal::Decimal;
use serde_json::{json, Value};

use super::fill::{cid, side, Fill};
use super::StreamError;
use crate::legacy_dec::from_human;
use crate::msgs::MarketKind;

const SPOT_EXECUTION: &str = "injective.exchange.v2.EventBatchSpotExecution";
const DERIVATIVE_EXECUTION: &str = "injective.exchange.v2.EventBatchDerivativeExecution";
/// CometBFT's largest page.
const PER_PAGE: u64 = 100;

/// Whose fills to keep: ids are `0x` + lowercase hex.
#[derive(Debug, Clone)]
pub struct Target {
    pub market_id: String,
    pub kind: MarketKind,
    pub subaccount_id: String,
}

/// Our fills in heights `from..=to`, oldest first. `rpc` is the CometBFT RPC base URL.
pub async fn fills_between(
    http: &reqwest::Client,
    rpc: &str,
    target: &Target,
    from: u64,
    to: u64,
) -> Result<Vec<Fill>, StreamError> {
    let mut out = Vec::new();
    if from > to {
        return Ok(out);
    }
    for height in heights_with_executions(http, rpc, target, from, to).await? {
        let results = call(
            http,
            rpc,
            "block_results",
            json!({"height": height.to_string()}),
        )
        .await?;
        out.extend(fills_in_block(&results, height, target)?);
    }
    Ok(out)
}

/// Heights in `from..=to` whose events executed trades on the target market, ascending.
async fn heights_with_executions(
    http: &reqwest::Client,
    rpc: &str,
    target: &Target,
    from: u64,
    to: u64,
) -> Result<Vec<u64>, StreamError> {
    let event = match target.kind {
        MarketKind::Spot => SPOT_EXECUTION,
        MarketKind::Derivative => DERIVATIVE_EXECUTION,
    };
    // The indexed value is the JSON encoding of the id: its quotes are part of it.
    let query = format!(
        "{event}.market_id='\"{}\"' AND block.height>={from} AND block.height<={to}",
        target.market_id
    );
    let mut heights = Vec::new();
    for page in 1u64.. {
        let params = json!({"query": query, "page": page.to_string(),
            "per_page": PER_PAGE.to_string(), "order_by": "asc"});
        let result = call(http, rpc, "block_search", params).await?;
        let blocks = result["blocks"].as_array().cloned().unwrap_or_default();
        for b in &blocks {
            heights.push(number(&b["block"]["header"]["height"], "block height")?);
        }
        let total = number(&result["total_count"], "total_count")?;
        if blocks.is_empty() || page * PER_PAGE >= total {
            break;
        }
    }
    heights.sort_unstable();
    heights.dedup();
    Ok(heights)
}

/// One JSON-RPC call; the `result` member or the node's error message.
async fn call(
    http: &reqwest::Client,
    rpc: &str,
    method: &str,
    params: Value,
) -> Result<Value, StreamError> {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let resp = http
        .post(rpc)
        .json(&body)
        .send()
        .await
        .map_err(|e| StreamError::Rpc(format!("{method}: {e}")))?;
    let answer: Value = resp
        .json()
        .await
        .map_err(|e| StreamError::Rpc(format!("{method}: unreadable answer: {e}")))?;
    if let Some(err) = answer.get("error") {
        return Err(StreamError::Rpc(format!("{method}: {err}")));
    }
    Ok(answer["result"].clone())
}

fn number(v: &Value, what: &str) -> Result<u64, StreamError> {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .or_else(|| v.as_u64())
        .ok_or_else(|| StreamError::Rpc(format!("{what} is not a number: {v}")))
}

/// The target's fills in one `block_results` answer (its `result` member). Events of the
/// block's transactions come before the block's own (end-block) events, as they ran.
pub fn fills_in_block(
    results: &Value,
    height: u64,
    target: &Target,
) -> Result<Vec<Fill>, StreamError> {
    let tx_events = results["txs_results"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|tx| tx["events"].as_array().cloned().unwrap_or_default());
    let block_events = results["finalize_block_events"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut n = 0u64;
    let mut out = Vec::new();
    for event in tx_events.chain(block_events) {
        let Some(batch) = Execution::parse(&event)? else {
            continue;
        };
        for trade in &batch.trades {
            let trade_id = format!("{height}_{n}");
            n += 1;
            let subaccount_id = hex_of(&trade["subaccount_id"], "subaccount_id")?;
            if batch.kind == target.kind
                && batch.market_id == target.market_id
                && subaccount_id == target.subaccount_id
            {
                out.push(batch.fill(trade, height, trade_id, subaccount_id)?);
            }
        }
    }
    Ok(out)
}

/// One `EventBatch{Spot,Derivative}Execution`: attribute values are JSON texts.
struct Execution {
    kind: MarketKind,
    market_id: String,
    is_buy: bool,
    execution_type: String,
    trades: Vec<Value>,
}

impl Execution {
    /// `None` for any other event.
    fn parse(event: &Value) -> Result<Option<Self>, StreamError> {
        let kind = match event["type"].as_str() {
            Some(SPOT_EXECUTION) => MarketKind::Spot,
            Some(DERIVATIVE_EXECUTION) => MarketKind::Derivative,
            _ => return Ok(None),
        };
        let attr = |key: &str| -> Result<Value, StreamError> {
            let raw = event["attributes"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|a| a["key"] == key)
                .and_then(|a| a["value"].as_str())
                .ok_or_else(|| StreamError::Decode(format!("execution event without {key}")))?;
            serde_json::from_str(raw).map_err(|e| StreamError::Decode(format!("{key}: {e}")))
        };
        let text = |v: Value| v.as_str().unwrap_or_default().to_owned();
        Ok(Some(Self {
            kind,
            market_id: text(attr("market_id")?).to_lowercase(),
            is_buy: attr("is_buy")?.as_bool().unwrap_or(false),
            execution_type: text(attr("executionType")?),
            trades: attr("trades")?.as_array().cloned().unwrap_or_default(),
        }))
    }

    /// A `TradeLog` / `DerivativeTradeLog` of this batch as a fill.
    fn fill(
        &self,
        trade: &Value,
        height: u64,
        trade_id: String,
        subaccount_id: String,
    ) -> Result<Fill, StreamError> {
        let (price, quantity) = match self.kind {
            MarketKind::Spot => (
                human(&trade["price"], "price")?,
                human(&trade["quantity"], "quantity")?,
            ),
            MarketKind::Derivative => {
                let delta = &trade["position_delta"];
                (
                    human(&delta["execution_price"], "execution_price")?,
                    human(&delta["execution_quantity"], "execution_quantity")?,
                )
            }
        };
        Ok(Fill {
            height,
            trade_id,
            market_id: self.market_id.clone(),
            side: side(self.is_buy),
            execution_type: self.execution_type.clone(),
            price,
            quantity,
            fee: human(&trade["fee"], "fee")?,
            subaccount_id,
            order_hash: hex_of(&trade["order_hash"], "order_hash")?,
            cid: cid(trade["cid"].as_str().unwrap_or_default()),
        })
    }
}

/// Event JSON carries LegacyDec in human form (`"30.000000000000000000"`); absent = zero.
fn human(v: &Value, what: &str) -> Result<Decimal, StreamError> {
    match v.as_str() {
        None | Some("") => Ok(Decimal::ZERO),
        Some(s) => from_human(s).map_err(|e| StreamError::Decode(format!("{what}: {e}"))),
    }
}

/// Event JSON carries bytes as base64; we compare and report `0x` + lowercase hex.
fn hex_of(v: &Value, what: &str) -> Result<String, StreamError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(v.as_str().unwrap_or_default())
        .map_err(|e| StreamError::Decode(format!("{what}: {e}")))?;
    Ok(format!("0x{}", hex::encode(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    /// Recorded from the devnet (`/block_results?height=109`, execution events kept): a resting
    /// sell of 1 INJ at 30 USDT crossed by a new buy.
    const BLOCK: &str = include_str!("../../tests/fixtures/block_results_spot_fills.json");
    const INJ_USDT: &str = "0x050373f2e80e3ff8bf7ed08e60cb2ae0bebc8d2dd341a3c7a19389a797c41bd9";
    const MAKER: &str = "0x8737eeaf2f8830d74c068c18aa77ac46710efdcf000000000000000000000000";
    const TAKER: &str = "0x8b1e98922ecdc8a784c1b8d1ffa6f2a4a774ca9a000000000000000000000000";

    fn target(subaccount: &str, kind: MarketKind) -> Target {
        Target {
            market_id: INJ_USDT.into(),
            kind,
            subaccount_id: subaccount.into(),
        }
    }

    fn results() -> Value {
        serde_json::from_str::<Value>(BLOCK).unwrap()["result"].clone()
    }

    #[test]
    fn maker_and_taker_fills_are_numbered_across_the_block() {
        let maker = fills_in_block(&results(), 109, &target(MAKER, MarketKind::Spot)).unwrap();
        let taker = fills_in_block(&results(), 109, &target(TAKER, MarketKind::Spot)).unwrap();
        assert_eq!((maker.len(), taker.len()), (1, 1));
        let (m, t) = (&maker[0], &taker[0]);
        assert_eq!(
            (m.trade_id.as_str(), t.trade_id.as_str()),
            ("109_0", "109_1")
        );
        assert_eq!(m.price, Decimal::from(30));
        assert_eq!(m.quantity, Decimal::ONE);
        assert_eq!(m.fee, Decimal::from_str("-0.003").unwrap());
        assert_eq!(t.fee, Decimal::from_str("0.018").unwrap());
        assert_eq!(
            (m.side, t.side),
            (crate::msgs::Side::Sell, crate::msgs::Side::Buy)
        );
        assert_eq!(m.cid.as_deref(), Some("c376917592"));
        assert_eq!(m.execution_type, "LimitMatchRestingOrder");
        assert_eq!(
            m.order_hash,
            "0x2f07f032ffcf1996f1c44f8e0873eb54c91c1959b70215e2bbc8fc78dc5767c6"
        );
    }

    #[test]
    fn other_subaccounts_markets_and_kinds_are_left_out_but_still_counted() {
        let none = "0x".to_owned() + &"00".repeat(32);
        assert!(
            fills_in_block(&results(), 109, &target(&none, MarketKind::Spot))
                .unwrap()
                .is_empty()
        );
        assert!(
            fills_in_block(&results(), 109, &target(MAKER, MarketKind::Derivative))
                .unwrap()
                .is_empty()
        );
        let mut other = target(MAKER, MarketKind::Spot);
        other.market_id = "0x".to_owned() + &"11".repeat(32);
        assert!(fills_in_block(&results(), 109, &other).unwrap().is_empty());
    }

    #[test]
    fn a_malformed_trade_is_an_error_not_a_silent_skip() {
        let text = BLOCK.replace(
            "\\\"price\\\":\\\"30.000000000000000000\\\"",
            "\\\"price\\\":\\\"3e1\\\"",
        );
        assert_ne!(text, BLOCK);
        let r = serde_json::from_str::<Value>(&text).unwrap()["result"].clone();
        assert!(matches!(
            fills_in_block(&r, 109, &target(MAKER, MarketKind::Spot)),
            Err(StreamError::Decode(_))
        ));
    }
}
