//! Cosmos LCD response models: auth accounts, broadcast and simulated transactions, blocks
//! and gRPC-gateway errors.

use serde::{Deserialize, Deserializer};

use super::int_or_str;

#[derive(Debug, Clone, Deserialize)]
pub struct AccountResponse {
    pub account: serde_json::Value,
}

impl AccountResponse {
    /// (account number, sequence) of an EthAccount (`base_account` nested) or a BaseAccount.
    pub fn numbers(&self) -> Option<(u64, u64)> {
        let base = self.account.get("base_account").unwrap_or(&self.account);
        let num = |k: &str| -> Option<u64> {
            match base.get(k)? {
                serde_json::Value::String(s) => s.parse().ok(),
                serde_json::Value::Number(n) => n.as_u64(),
                _ => None,
            }
        };
        // proto3 JSON omits zero values.
        Some((
            num("account_number").unwrap_or(0),
            num("sequence").unwrap_or(0),
        ))
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct TxResponseEnvelope {
    pub tx_response: TxResponse,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct TxResponse {
    #[serde(default)]
    pub txhash: String,
    #[serde(default, deserialize_with = "int_or_str_default")]
    pub height: i64,
    #[serde(default)]
    pub code: u32,
    #[serde(default)]
    pub codespace: String,
    #[serde(default)]
    pub raw_log: String,
    /// Hex TxMsgData.
    #[serde(default)]
    pub data: String,
    #[serde(default, deserialize_with = "int_or_str_default")]
    pub gas_wanted: i64,
    #[serde(default, deserialize_with = "int_or_str_default")]
    pub gas_used: i64,
}

fn int_or_str_default<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    int_or_str(d)
}

#[derive(Debug, Clone, Deserialize)]
pub struct SimulateResponse {
    pub gas_info: GasInfo,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GasInfo {
    #[serde(deserialize_with = "int_or_str")]
    pub gas_used: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LatestBlockResponse {
    pub block: Block,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Block {
    pub header: BlockHeader,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BlockHeader {
    #[serde(deserialize_with = "int_or_str")]
    pub height: i64,
}

/// A gRPC-gateway error body (`{"code":..,"message":..,"details":[..]}`), as failed broadcasts
/// and simulations return (HTTP 500). `code` is the gRPC status, not the ABCI code: that one is
/// in a `google.rpc.ErrorInfo` detail's metadata (`ABCICode`, `Codespace`).
#[derive(Debug, Clone, Deserialize)]
pub struct GatewayError {
    #[serde(default)]
    pub code: i64,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub details: Vec<GatewayDetail>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct GatewayDetail {
    #[serde(default)]
    pub metadata: std::collections::HashMap<String, String>,
}

impl GatewayError {
    /// `(codespace, ABCI code)` from the first ErrorInfo detail that carries them.
    pub fn abci(&self) -> Option<(String, u32)> {
        self.details.iter().find_map(|d| {
            let code = d.metadata.get("ABCICode")?.parse().ok()?;
            Some((d.metadata.get("Codespace")?.clone(), code))
        })
    }
}
