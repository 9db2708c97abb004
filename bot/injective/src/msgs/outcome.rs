//! The per-order outcome of a `MsgBatchUpdateOrders`, read from the chain's response.

use crate::proto;

/// An order the chain accepted: it exists on the book (or filled) under this hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedOrder {
    pub cid: String,
    pub market_id: String,
    pub order_hash: String,
}

/// An order the chain refused inside an otherwise successful transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedOrder {
    pub cid: String,
    pub market_id: String,
    /// ABCI exchange error code when the chain gave one.
    pub code: Option<u32>,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchOutcome {
    pub placed: Vec<PlacedOrder>,
    pub rejected: Vec<RejectedOrder>,
    /// (cid, cancelled?) for every cancel in the batch, in order.
    pub cancels: Vec<(String, bool)>,
}

/// Reads per-order results. The order-hash slot of a failed order carries its error code and
/// its cid is listed in `failed_*_cids`; an order is reported placed only with a real hash.
pub fn read_outcome(
    sent: &proto::MsgBatchUpdateOrders,
    resp: &proto::MsgBatchUpdateOrdersResponse,
) -> BatchOutcome {
    let mut out = BatchOutcome::default();
    let spot = sent
        .spot_orders_to_create
        .iter()
        .map(|o| (o.market_id.as_str(), o.order_info.as_ref()));
    classify(
        spot,
        &resp.spot_order_hashes,
        &resp.failed_spot_orders_cids,
        &mut out,
    );
    let deriv = sent
        .derivative_orders_to_create
        .iter()
        .map(|o| (o.market_id.as_str(), o.order_info.as_ref()));
    classify(
        deriv,
        &resp.derivative_order_hashes,
        &resp.failed_derivative_orders_cids,
        &mut out,
    );
    let cancels = sent
        .spot_orders_to_cancel
        .iter()
        .zip(pad(&resp.spot_cancel_success));
    let dcancels = sent
        .derivative_orders_to_cancel
        .iter()
        .zip(pad(&resp.derivative_cancel_success));
    for (order, ok) in cancels.chain(dcancels) {
        out.cancels.push((order.cid.clone(), ok));
    }
    out
}

fn pad(v: &[bool]) -> impl Iterator<Item = bool> + '_ {
    v.iter().copied().chain(std::iter::repeat(false))
}

pub(super) fn is_order_hash(s: &str) -> bool {
    s.len() == 66 && s.starts_with("0x") && s[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

fn classify<'a>(
    sent: impl Iterator<Item = (&'a str, Option<&'a proto::OrderInfo>)>,
    hashes: &[String],
    failed: &[String],
    out: &mut BatchOutcome,
) {
    for (i, (market_id, info)) in sent.enumerate() {
        let cid = info.map(|i| i.cid.clone()).unwrap_or_default();
        let slot = hashes.get(i).map_or("", String::as_str);
        if is_order_hash(slot) && !failed.contains(&cid) {
            out.placed.push(PlacedOrder {
                cid,
                market_id: market_id.to_owned(),
                order_hash: slot.to_owned(),
            });
            continue;
        }
        let code = slot.parse::<u32>().ok();
        let reason = match code.and_then(|c| crate::errors::describe("exchange", c)) {
            Some(text) => text.to_owned(),
            None if failed.contains(&cid) => "rejected by the exchange".to_owned(),
            None => "no order hash in the response".to_owned(),
        };
        out.rejected.push(RejectedOrder {
            cid,
            market_id: market_id.to_owned(),
            code,
            reason,
        });
    }
}
