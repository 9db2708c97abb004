//! Fills as CSV (`GET /api/fills.csv`): a header line, then one fill a line, newest first.
//! A cell a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or
//! carriage return) is written with a leading `'` (OWASP, "CSV Injection"), except a plain
//! decimal number such as `-0.5` (a rebate), which a spreadsheet reads as a number.

use super::Fill;

/// The columns, in order.
pub const HEADER: [&str; 15] = [
    "time_utc",
    "ts_ms",
    "wallet",
    "market",
    "bot_id",
    "bot_type",
    "side",
    "price",
    "quantity",
    "notional",
    "fee",
    "liquidity",
    "order_id",
    "trade_id",
    "launch_id",
];

/// The fills as CSV bytes (UTF-8). `notional` is price * quantity (quote units).
pub fn to_csv(rows: &[Fill]) -> anyhow::Result<Vec<u8>> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER)?;
    for f in rows {
        let notional = f.notional().map(|n| n.normalize().to_string());
        w.write_record([
            crate::clock::format_ms(f.ts_ms, true),
            f.ts_ms.to_string(),
            cell(&f.wallet),
            cell(&f.market),
            cell(&f.bot_id),
            cell(&f.bot_type),
            cell(&f.side),
            cell(&f.price),
            cell(&f.quantity),
            cell(notional.as_deref().unwrap_or_default()),
            cell(&f.fee),
            cell(&f.liquidity),
            cell(&f.order_id),
            cell(f.trade_id.as_deref().unwrap_or_default()),
            cell(&f.launch_id),
        ])?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("csv: {e}"))
}

/// `value`, with a leading `'` when a spreadsheet would take it for a formula.
pub fn cell(value: &str) -> String {
    let risky = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && !plain_decimal(value) {
        format!("'{value}")
    } else {
        value.to_owned()
    }
}

/// `-?digits(.digits)?`: a number and nothing else.
fn plain_decimal(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, "0"));
    !int.is_empty()
        && !frac.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}
