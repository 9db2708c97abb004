//! Rule `daily_loss`: each wallet's PnL since 00:00 UTC (realized + unrealized, quote units,
//! from the portfolio's windows) against `alerts.daily_loss_limit`; once per wallet per UTC
//! day, re-armed at midnight.

use std::collections::{BTreeMap, HashSet};

use rust_decimal::Decimal;
use serde_json::json;

use crate::alerts::{Alert, Rule};
use crate::web::AppState;

/// The daily-loss check (the watcher calls it every 5 s): each wallet's PnL since 00:00 UTC
/// against `alerts.daily_loss_limit` (none set: nothing to check). `fired` holds the
/// (wallet, day) pairs already alerted.
pub async fn check(app: &AppState, fired: &mut HashSet<(String, i64)>) -> Vec<Alert> {
    let Some(limit) = app.settings.alerts.daily_loss_limit else {
        return Vec::new();
    };
    let now = crate::clock::now_ms();
    match crate::web::portfolio::pnl_today(app, now).await {
        Ok(pnl) => daily_losses(&pnl, limit, now, fired),
        Err(e) => {
            tracing::warn!(error = %e, "alerts cannot read today's PnL");
            Vec::new()
        }
    }
}

/// [`Rule::DailyLoss`] for each wallet whose PnL today (realized + unrealized since 00:00
/// UTC, quote units) is below `-limit`, once per wallet per UTC day of `now_ms`; exactly
/// `-limit` does not fire. `fired` forgets earlier days, so the rule re-arms at midnight (pure).
pub fn daily_losses(
    pnl_today: &BTreeMap<String, Decimal>,
    limit: Decimal,
    now_ms: i64,
    fired: &mut HashSet<(String, i64)>,
) -> Vec<Alert> {
    let day = crate::web::portfolio::windows::day_start(now_ms);
    fired.retain(|(_, d)| *d == day);
    let mut out = Vec::new();
    for (wallet, pnl) in pnl_today {
        if *pnl < -limit && fired.insert((wallet.clone(), day)) {
            out.push(Alert {
                rule: Rule::DailyLoss,
                subject: wallet.clone(),
                text: format!(
                    "wallet {wallet} is at {} since 00:00 UTC, beyond the daily loss limit of {}",
                    pnl.normalize(),
                    limit.normalize()
                ),
                ts_ms: now_ms,
                details: json!({
                    "wallet": wallet,
                    "pnl_today": pnl.normalize().to_string(),
                    "limit": limit.normalize().to_string(),
                    "day_start_ms": day,
                }),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn daily_loss_fires_beyond_the_limit_once_a_day_and_re_arms() {
        use rust_decimal_macros::dec;
        let day = 20_000 * crate::web::portfolio::windows::DAY_MS;
        let pnl = |w1: Decimal, w2: Decimal| {
            BTreeMap::from([("w1".to_owned(), w1), ("w2".to_owned(), w2)])
        };
        let mut fired = HashSet::new();
        // Exactly -limit does not fire; one unit of the last place below does.
        let at = pnl(dec!(-100.00), dec!(5));
        assert!(daily_losses(&at, dec!(100), day + 1, &mut fired).is_empty());
        let beyond = pnl(dec!(-100.00000001), dec!(5));
        let a = daily_losses(&beyond, dec!(100), day + 2, &mut fired);
        assert_eq!(a.len(), 1);
        assert_eq!((a[0].rule, a[0].subject.as_str()), (Rule::DailyLoss, "w1"));
        assert_eq!(a[0].details["pnl_today"], "-100.00000001");
        assert!(
            a[0].text.contains("daily loss limit of 100"),
            "{}",
            a[0].text
        );
        // Once per wallet and day, however long it stays beyond.
        assert!(daily_losses(&beyond, dec!(100), day + 3, &mut fired).is_empty());
        let both = pnl(dec!(-200), dec!(-101));
        let a = daily_losses(&both, dec!(100), day + 4, &mut fired);
        assert_eq!(
            a.iter().map(|a| a.subject.as_str()).collect::<Vec<_>>(),
            ["w2"]
        );
        // The next UTC day it fires again.
        let next = day + crate::web::portfolio::windows::DAY_MS;
        assert!(daily_losses(&both, dec!(100), next - 1, &mut fired).is_empty());
        assert_eq!(daily_losses(&both, dec!(100), next, &mut fired).len(), 2);
    }
}
