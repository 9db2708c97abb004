//! Sign, simulate, broadcast and confirm one transaction, and read every answer of the node.
//!
//! Where a refusal can come back (source: measured on an injectived v1.20.1 node, see
//! docs/INJECTIVE.md):
//! * simulation failed: HTTP 500, gateway JSON `message` (read by `http::read`);
//! * CheckTx refused the broadcast (sequence mismatch, out of gas, insufficient fee, a message
//!   failing its ValidateBasic): HTTP 500 with the same JSON; only a few refusals ("tx already in
//!   mempool") come back as a `tx_response` with a code;
//! * DeliverTx failed: the confirmed `tx_response` has a code (an out-of-gas inside authz
//!   `MsgExec` may carry a panic code, so out of gas is also recognised from the log).
//!
//! Each is mapped once, in [`refusal`] and [`tx_failure`]: a sequence mismatch resynchronises
//! the account sequence (from the node's "expected N") and retries once.

use cosmos_sdk_proto::Any;
use rust_decimal::Decimal;

use super::{AccountState, ClientError, GasStrategy, InjectiveClient, Signer};
use crate::{errors, models, tx};

/// Gas limit of the simulation probe. Its fee (limit x gas price) is really deducted in the
/// simulation, so the gas of the fee transfer is counted: simulating with a zero fee skips it
/// and under-counts (one bank send: 83,705 gas without a fee, 111,656 with one).
const PROBE_GAS: u64 = 400_000;

/// The signing key and who pays the fee (through a fee allowance to the signer).
#[derive(Clone, Copy)]
struct Payer<'a> {
    signer: &'a Signer,
    fee_granter: Option<crate::address::Address>,
}

pub(super) enum SendError {
    Sequence(String),
    Other(ClientError),
}

impl From<ClientError> for SendError {
    fn from(e: ClientError) -> Self {
        match e {
            // A gateway 500 is the node refusing the transaction; other statuses are transport.
            ClientError::Status {
                status: 500,
                body,
                abci,
                ..
            } => refusal(&body, abci),
            e => Self::Other(e),
        }
    }
}

impl InjectiveClient {
    /// Signs `msgs` with this client's key as its own account (never wrapped in authz
    /// `MsgExec`, whatever the signer's granter), broadcasts and waits for the block: e.g. the
    /// granter's `MsgGrant`. Gas and refusals as for [`InjectiveClient::batch_update`].
    ///
    /// Errors: [`ClientError::NoSigner`]; node refusals mapped by kind ([`ClientError::OutOfGas`],
    /// [`ClientError::TxFailed`] with the chain's code, [`ClientError::SequenceMismatch`] after
    /// one resync); [`ClientError::NotConfirmed`] when no block holds it in time.
    pub async fn submit(&self, msgs: Vec<Any>) -> Result<models::TxResponse, ClientError> {
        let signer = self.signer.as_ref().ok_or(ClientError::NoSigner)?;
        let items = msgs.len() as u64;
        let own = Payer {
            signer,
            fee_granter: None,
        };
        self.send_paid(own, msgs, items, 0).await
    }

    /// Signs the trading messages (wrapped in `MsgExec` when delegated), broadcasts and confirms;
    /// the fee is paid by the signer's fee granter when it has one.
    pub(super) async fn send(
        &self,
        signer: &Signer,
        msgs: Vec<Any>,
        items: u64,
        markets: u64,
    ) -> Result<models::TxResponse, ClientError> {
        let payer = Payer {
            signer,
            fee_granter: signer.fee_granter(),
        };
        self.send_paid(payer, msgs, items, markets).await
    }

    /// Signs, broadcasts and confirms; one resync-and-retry on a sequence mismatch.
    async fn send_paid(
        &self,
        payer: Payer<'_>,
        msgs: Vec<Any>,
        items: u64,
        markets: u64,
    ) -> Result<models::TxResponse, ClientError> {
        let signer = payer.signer;
        let mut account = self.account.lock().await;
        let mut resynced = false;
        loop {
            let state = match *account {
                Some(s) => s,
                None => self.fetch_account(signer.signer_address()).await?,
            };
            match self
                .try_send(payer, msgs.clone(), state, items, markets)
                .await
            {
                Ok((hash, next)) => {
                    *account = Some(AccountState {
                        sequence: next,
                        ..state
                    });
                    drop(account);
                    return self.confirm(&hash).await;
                }
                Err(SendError::Sequence(log)) => {
                    *account = None;
                    if resynced {
                        return Err(ClientError::SequenceMismatch(log));
                    }
                    resynced = true;
                    let expected = expected_sequence(&log);
                    tracing::warn!(?expected, "account sequence mismatch; resynchronising");
                    if let Some(sequence) = expected {
                        *account = Some(AccountState { sequence, ..state });
                    }
                }
                Err(SendError::Other(e)) => {
                    // The local sequence may be stale after an unknown failure: re-read next time.
                    *account = None;
                    return Err(e);
                }
            }
        }
    }

    async fn fetch_account(
        &self,
        address: crate::address::Address,
    ) -> Result<AccountState, ClientError> {
        let path = format!("/cosmos/auth/v1beta1/accounts/{address}");
        let r: models::AccountResponse = self.get(&self.net.lcd, &path).await?;
        let (number, sequence) = r
            .numbers()
            .ok_or_else(|| ClientError::Decode(path, "no account numbers".into()))?;
        Ok(AccountState { number, sequence })
    }

    async fn latest_height(&self) -> Result<u64, ClientError> {
        let r: models::LatestBlockResponse = self
            .get(
                &self.net.lcd,
                "/cosmos/base/tendermint/v1beta1/blocks/latest",
            )
            .await?;
        Ok(r.block.header.height.max(0) as u64)
    }

    fn params(
        &self,
        payer: Payer<'_>,
        state: AccountState,
        gas_limit: u64,
        timeout_height: u64,
    ) -> tx::TxParams {
        let price = *self.gas_price.lock().unwrap_or_else(|e| e.into_inner());
        tx::TxParams {
            chain_id: self.net.chain_id.clone(),
            account_number: state.number,
            sequence: state.sequence,
            gas_limit,
            fee_amount: tx::fee_for(gas_limit, price),
            fee_denom: self.net.fee_denom.clone(),
            timeout_height,
            memo: self.cfg.memo.clone(),
            fee_granter: payer.fee_granter,
        }
    }

    async fn try_send(
        &self,
        payer: Payer<'_>,
        msgs: Vec<Any>,
        state: AccountState,
        items: u64,
        markets: u64,
    ) -> Result<(String, u64), SendError> {
        let timeout_height = self.latest_height().await? + self.cfg.timeout_blocks;
        let gas_limit = match &self.cfg.gas {
            GasStrategy::Table {
                base,
                per_order,
                per_market,
            } => base + per_order * items + per_market * markets,
            GasStrategy::Simulate { multiplier, margin } => {
                let probe = self.params(payer, state, PROBE_GAS, timeout_height);
                let used = self.simulate(payer.signer, msgs.clone(), &probe).await?;
                with_margin(used, *multiplier, *margin)
            }
        };
        let signed = tx::build_and_sign(
            &payer.signer.key,
            msgs,
            &self.params(payer, state, gas_limit, timeout_height),
        )
        .map_err(ClientError::from)?;
        let body =
            serde_json::json!({ "tx_bytes": b64(&signed.tx_bytes), "mode": "BROADCAST_MODE_SYNC" });
        let r: models::TxResponseEnvelope = self.post("/cosmos/tx/v1beta1/txs", &body).await?;
        let resp = r.tx_response;
        match (resp.codespace.as_str(), resp.code) {
            (_, 0) => Ok((signed.hash, state.sequence + 1)),
            ("sdk", errors::SDK_WRONG_SEQUENCE) => Err(SendError::Sequence(resp.raw_log)),
            _ => Err(SendError::Other(tx_failure(&resp))),
        }
    }

    /// Gas used by the transaction as the node executes it, fee deduction included.
    async fn simulate(
        &self,
        signer: &Signer,
        msgs: Vec<Any>,
        probe: &tx::TxParams,
    ) -> Result<u64, SendError> {
        let signed = tx::build_and_sign(&signer.key, msgs, probe).map_err(ClientError::from)?;
        let body = serde_json::json!({ "tx_bytes": b64(&signed.tx_bytes) });
        let sim: models::SimulateResponse = self.post("/cosmos/tx/v1beta1/simulate", &body).await?;
        Ok(sim.gas_info.gas_used.max(0) as u64)
    }

    /// Polls the tx by hash until it is in a block; a failed delivery is an error.
    async fn confirm(&self, hash: &str) -> Result<models::TxResponse, ClientError> {
        let path = format!("/cosmos/tx/v1beta1/txs/{hash}");
        for _ in 0..self.cfg.confirm_attempts {
            match self
                .get::<models::TxResponseEnvelope>(&self.net.lcd, &path)
                .await
            {
                Ok(r) if r.tx_response.code == 0 => return Ok(r.tx_response),
                Ok(r) => return Err(tx_failure(&r.tx_response)),
                // Not yet indexed (404) or a transient node error: wait for the next block.
                Err(ClientError::Status { .. } | ClientError::Transport(..)) => {}
                Err(e) => return Err(e),
            }
            tokio::time::sleep(self.cfg.confirm_interval).await;
        }
        Err(ClientError::NotConfirmed(hash.to_owned()))
    }
}

/// ceil(gas used x multiplier) + margin, saturating.
pub fn with_margin(used: u64, multiplier: Decimal, margin: u64) -> u64 {
    let scaled: u64 = (Decimal::from(used) * multiplier)
        .ceil()
        .try_into()
        .unwrap_or(u64::MAX);
    scaled.saturating_add(margin)
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn is_sequence_log(log: &str) -> bool {
    log.contains("account sequence mismatch") || log.contains("incorrect account sequence")
}

/// "account sequence mismatch, expected 6, got 5: ..." -> 6.
pub fn expected_sequence(log: &str) -> Option<u64> {
    let rest = &log[log.find("expected ")? + "expected ".len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// `gasWanted: 100, gasUsed: 120` (the sdk's out-of-gas text) -> the number after `key: `.
fn number_after(log: &str, key: &str) -> i64 {
    log.find(key).map_or(0, |i| {
        log[i + key.len()..]
            .trim_start_matches([':', ' '])
            .chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .unwrap_or(0)
    })
}

fn out_of_gas(log: &str) -> Option<ClientError> {
    log.contains("out of gas").then(|| ClientError::OutOfGas {
        gas_wanted: number_after(log, "gasWanted"),
        gas_used: number_after(log, "gasUsed"),
    })
}

/// A refusal that came back as a gateway 500: its kind from the ABCI code the body named, else
/// from the message text.
pub(super) fn refusal(message: &str, abci: Option<(String, u32)>) -> SendError {
    let sdk = |code| abci.as_ref().is_some_and(|(s, c)| s == "sdk" && *c == code);
    if sdk(errors::SDK_WRONG_SEQUENCE) || is_sequence_log(message) {
        return SendError::Sequence(message.to_owned());
    }
    if let Some(e) = out_of_gas(message) {
        return SendError::Other(e);
    }
    if sdk(errors::SDK_OUT_OF_GAS) {
        return SendError::Other(ClientError::OutOfGas {
            gas_wanted: 0,
            gas_used: 0,
        });
    }
    let (codespace, code) = match abci {
        Some(known) => known,
        None => errors::find_in(message).map_or((String::new(), 0), |(s, c, _)| (s.to_owned(), c)),
    };
    SendError::Other(ClientError::TxFailed {
        description: errors::describe(&codespace, code)
            .unwrap_or("unknown")
            .to_owned(),
        code,
        codespace,
        log: printable(message),
    })
}

/// The first 300 characters of a node's log on one line: the chain prints some addresses as
/// raw bytes (e.g. "fee-grant not found"), which must not reach a log line as control codes.
fn printable(log: &str) -> String {
    log.chars()
        .take(300)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A `tx_response` with a non-zero code (CheckTx or DeliverTx).
pub(super) fn tx_failure(resp: &models::TxResponse) -> ClientError {
    let coded_oog = resp.codespace == "sdk" && resp.code == errors::SDK_OUT_OF_GAS;
    if coded_oog || resp.raw_log.contains("out of gas") {
        return ClientError::OutOfGas {
            gas_wanted: resp.gas_wanted,
            gas_used: resp.gas_used,
        };
    }
    ClientError::TxFailed {
        code: resp.code,
        codespace: resp.codespace.clone(),
        description: errors::describe(&resp.codespace, resp.code)
            .unwrap_or("unknown")
            .to_owned(),
        log: printable(&resp.raw_log),
    }
}

#[cfg(test)]
mod tests;
