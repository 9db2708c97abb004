//! Cosmos transactions signed the Injective way: SIGN_MODE_DIRECT, an ethsecp256k1 public key,
//! and a 64-byte low-S signature over keccak256(SignDoc bytes).

use cosmos_sdk_proto::cosmos::authz::v1beta1::{MsgExec, MsgExecResponse};
use cosmos_sdk_proto::cosmos::base::abci::v1beta1::TxMsgData;
use cosmos_sdk_proto::cosmos::base::v1beta1::Coin;
use cosmos_sdk_proto::cosmos::tx::signing::v1beta1::SignMode;
use cosmos_sdk_proto::cosmos::tx::v1beta1::{
    mode_info, AuthInfo, Fee, ModeInfo, SignDoc, SignerInfo, TxBody, TxRaw,
};
use cosmos_sdk_proto::Any;
use prost::Message;
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

use crate::address::Address;
use crate::keys::{InjectiveKey, KeyError, PrivateKey, PublicKey};
use crate::proto;

/// Everything besides the messages that a signature commits to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxParams {
    pub chain_id: String,
    pub account_number: u64,
    pub sequence: u64,
    pub gas_limit: u64,
    /// Fee in base units of `fee_denom`.
    pub fee_amount: u128,
    pub fee_denom: String,
    /// The tx is void after this block, so a stuck tx cannot land much later.
    pub timeout_height: u64,
    pub memo: String,
    /// Who pays the fee through an x/feegrant allowance to the signer (the `fee.granter`
    /// field); `None`: the signer pays.
    pub fee_granter: Option<Address>,
}

/// A signed transaction and what an operator needs to audit it.
#[derive(Debug, Clone)]
pub struct SignedTx {
    pub sign_doc: SignDoc,
    pub sign_doc_bytes: Vec<u8>,
    pub signature: [u8; 64],
    pub tx_bytes: Vec<u8>,
    /// Upper-case hex sha256 of the tx bytes: the hash the chain reports.
    pub hash: String,
}

/// Fee = ceil(gas_limit x gas price), in base units.
pub fn fee_for(gas_limit: u64, gas_price: Decimal) -> u128 {
    let fee = (Decimal::from(gas_limit) * gas_price).ceil();
    fee.mantissa().max(0) as u128 / 10u128.pow(fee.scale())
}

pub fn tx_hash(tx_bytes: &[u8]) -> String {
    hex::encode_upper(Sha256::digest(tx_bytes))
}

/// Wraps messages in authz MsgExec so the grantee signs for the granter's account.
pub fn exec(grantee: Address, msgs: Vec<Any>) -> Any {
    proto::to_any(&MsgExec {
        grantee: grantee.to_bech32(),
        msgs,
    })
}

pub fn pubkey_any(pubkey: &PublicKey) -> Any {
    proto::to_any(&proto::PubKey {
        key: pubkey.compressed().to_vec(),
    })
}

pub fn build_and_sign(
    key: &PrivateKey,
    messages: Vec<Any>,
    p: &TxParams,
) -> Result<SignedTx, KeyError> {
    let body = TxBody {
        messages,
        memo: p.memo.clone(),
        timeout_height: p.timeout_height,
        extension_options: Vec::new(),
        non_critical_extension_options: Vec::new(),
    };
    let auth_info = AuthInfo {
        signer_infos: vec![SignerInfo {
            public_key: Some(pubkey_any(&key.public_key())),
            mode_info: Some(ModeInfo {
                sum: Some(mode_info::Sum::Single(mode_info::Single {
                    mode: SignMode::Direct as i32,
                })),
            }),
            sequence: p.sequence,
        }],
        fee: Some(Fee {
            amount: vec![Coin {
                denom: p.fee_denom.clone(),
                amount: p.fee_amount.to_string(),
            }],
            gas_limit: p.gas_limit,
            payer: String::new(),
            granter: p.fee_granter.map(|g| g.to_bech32()).unwrap_or_default(),
        }),
        // `tip` is deprecated and unset.
        ..Default::default()
    };
    let sign_doc = SignDoc {
        body_bytes: body.encode_to_vec(),
        auth_info_bytes: auth_info.encode_to_vec(),
        chain_id: p.chain_id.clone(),
        account_number: p.account_number,
    };
    let sign_doc_bytes = sign_doc.encode_to_vec();
    let signature = key.sign_keccak(&sign_doc_bytes)?;
    let tx_bytes = TxRaw {
        body_bytes: sign_doc.body_bytes.clone(),
        auth_info_bytes: sign_doc.auth_info_bytes.clone(),
        signatures: vec![signature.to_vec()],
    }
    .encode_to_vec();
    let hash = tx_hash(&tx_bytes);
    Ok(SignedTx {
        sign_doc,
        sign_doc_bytes,
        signature,
        tx_bytes,
        hash,
    })
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("tx response data is not hex")]
    Hex,
    #[error("tx response data is not a TxMsgData: {0}")]
    Proto(String),
}

/// The per-message response bytes of a delivered tx (`tx_response.data`, hex). A MsgExec's
/// response is unwrapped into the responses of the messages it executed, in order.
pub fn msg_responses(data_hex: &str) -> Result<Vec<(String, Vec<u8>)>, DecodeError> {
    let bytes = hex::decode(data_hex.trim()).map_err(|_| DecodeError::Hex)?;
    let data =
        TxMsgData::decode(bytes.as_slice()).map_err(|e| DecodeError::Proto(e.to_string()))?;
    let mut out = Vec::new();
    for any in data.msg_responses {
        if any.type_url == proto::type_url::<MsgExecResponse>() {
            let exec = MsgExecResponse::decode(any.value.as_slice())
                .map_err(|e| DecodeError::Proto(e.to_string()))?;
            // Inner results carry no type url; callers know what they executed.
            out.extend(exec.results.into_iter().map(|r| (String::new(), r)));
        } else {
            out.push((any.type_url, any.value));
        }
    }
    Ok(out)
}

/// What an offline signer needs for `msgs`, with `summary` (what they say): each message as
/// type url and hex bytes, and the hex `TxBody` bytes to sign over (no memo, no timeout).
pub fn unsigned_json(msgs: Vec<Any>, summary: &serde_json::Value) -> serde_json::Value {
    let listed: Vec<serde_json::Value> = msgs
        .iter()
        .map(|m| serde_json::json!({ "type_url": m.type_url, "value_hex": hex::encode(&m.value) }))
        .collect();
    let body = TxBody {
        messages: msgs,
        ..TxBody::default()
    };
    serde_json::json!({
        "summary": summary,
        "messages": listed,
        "tx_body_bytes_hex": hex::encode(body.encode_to_vec()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fee_rounds_up() {
        assert_eq!(
            fee_for(104_757, Decimal::from(500_000_000)),
            52_378_500_000_000
        );
        assert_eq!(fee_for(3, Decimal::new(5, 1)), 2);
        assert_eq!(fee_for(0, Decimal::from(7)), 0);
    }

    #[test]
    fn signed_tx_decodes_and_recovers_signer() {
        let key = PrivateKey::from_hex(&"42".repeat(32)).unwrap();
        let msg = proto::to_any(&proto::PubKey { key: vec![1] });
        let p = TxParams {
            chain_id: "injective-888".into(),
            account_number: 7,
            sequence: 3,
            gas_limit: 100_000,
            fee_amount: 16_000_000_000_000,
            fee_denom: "inj".into(),
            timeout_height: 1000,
            memo: String::new(),
            fee_granter: None,
        };
        let tx = build_and_sign(&key, vec![msg], &p).unwrap();
        let raw = TxRaw::decode(tx.tx_bytes.as_slice()).unwrap();
        assert_eq!(raw.signatures[0].len(), 64);
        let recovered = PublicKey::recover_keccak(&tx.sign_doc_bytes, &raw.signatures[0]);
        assert!(recovered.iter().any(|k| k.address() == key.address()));
        assert_eq!(tx.hash.len(), 64);
        let auth = AuthInfo::decode(tx.sign_doc.auth_info_bytes.as_slice()).unwrap();
        assert_eq!(auth.fee.unwrap().granter, "");

        // A fee granter is named in the signed fee: the chain charges its allowance.
        let granter = Address::from_bytes([9; 20]);
        let paid = TxParams {
            fee_granter: Some(granter),
            ..p
        };
        let tx = build_and_sign(
            &key,
            vec![proto::to_any(&proto::PubKey { key: vec![1] })],
            &paid,
        )
        .unwrap();
        let auth = AuthInfo::decode(tx.sign_doc.auth_info_bytes.as_slice()).unwrap();
        let fee = auth.fee.unwrap();
        assert_eq!(fee.granter, granter.to_bech32());
        assert_eq!(fee.payer, "");
        assert_eq!(fee.amount[0].amount, "16000000000000");
    }
}
