//! Free and held funds of the subaccount we trade.
//!
//! The default subaccount (index 0) trades from the bank balance: a deposit into it is refused,
//! and its `subaccountDeposits` list only what open orders hold (measured on injectived v1.20.1;
//! injective-core `exchange/keeper` keeps default-subaccount funds in the bank). Its balance is
//! therefore bank + deposits; subaccounts 1 and up hold deposits only.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Deserialize;

use super::{ClientError, InjectiveClient};
use crate::models::{self, Balance};

/// Bank balances are listed in pages; one page this large holds any real wallet.
const BANK_PAGE: u32 = 1000;

#[derive(Debug, Deserialize)]
struct BankBalancesResponse {
    #[serde(default)]
    balances: Vec<BankCoin>,
}

#[derive(Debug, Deserialize)]
struct BankCoin {
    denom: String,
    /// Base units, an integer string.
    amount: Decimal,
}

impl InjectiveClient {
    /// Balances of the traded subaccount in base units of each denom (see [`Balance::human`]):
    /// `available` is free to trade, `total` adds what open orders hold.
    ///
    /// Errors: any failed or undecodable LCD query (nothing is guessed from a partial answer).
    pub async fn balances(&self) -> Result<Vec<Balance>, ClientError> {
        let sub = self.subaccount()?;
        let path =
            format!("/injective/exchange/v2/exchange/subaccountDeposits?subaccount_id={sub}");
        let deposits = self
            .get::<models::SubaccountDepositsResponse>(&self.net.lcd, &path)
            .await?
            .into_balances();
        if !sub.is_default() {
            return Ok(deposits);
        }
        let trader = sub.address();
        let path = format!("/cosmos/bank/v1beta1/balances/{trader}?pagination.limit={BANK_PAGE}");
        let bank: BankBalancesResponse = self.get(&self.net.lcd, &path).await?;
        Ok(merge(&bank.balances, deposits))
    }
}

/// Bank coins are free funds: they add to both `available` and `total` of their denom.
fn merge(bank: &[BankCoin], deposits: Vec<Balance>) -> Vec<Balance> {
    let mut by_denom: BTreeMap<String, Balance> =
        deposits.into_iter().map(|b| (b.denom.clone(), b)).collect();
    for coin in bank {
        let entry = by_denom
            .entry(coin.denom.clone())
            .or_insert_with(|| Balance {
                denom: coin.denom.clone(),
                available: Decimal::ZERO,
                total: Decimal::ZERO,
            });
        entry.available += coin.amount;
        entry.total += coin.amount;
    }
    by_denom.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bank_coins_add_to_what_orders_hold() {
        let bank: BankBalancesResponse = serde_json::from_str(
            r#"{"balances":[{"denom":"inj","amount":"5000000000000000000"},{"denom":"usdt","amount":"70"}],"pagination":{"next_key":null,"total":"2"}}"#,
        )
        .unwrap();
        let held = vec![Balance {
            denom: "usdt".into(),
            available: Decimal::ZERO,
            total: Decimal::from(30),
        }];
        let out = merge(&bank.balances, held);
        assert_eq!(out.len(), 2);
        let usdt = out.iter().find(|b| b.denom == "usdt").unwrap();
        assert_eq!(
            (usdt.available, usdt.total),
            (Decimal::from(70), Decimal::from(100))
        );
        let inj = out.iter().find(|b| b.denom == "inj").unwrap();
        assert_eq!(inj.total, Decimal::from(5_000_000_000_000_000_000u64));
    }
}
