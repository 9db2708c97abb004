//! Hand-written prost structs for the Injective types we send or read. Field numbers come from
//! injective-core's `proto/injective/exchange/v2/{order,tx,authz}.proto` and
//! `proto/injective/crypto/v1beta1/ethsecp256k1/keys.proto`; Cosmos types come from
//! cosmos-sdk-proto. LegacyDec fields are strings holding the x10^18 wire form.

pub use cosmos_sdk_proto::Any;
use prost::{Message, Name};

/// `/`-prefixed type URL as Cosmos `Any`s use it (not prost's googleapis default).
pub fn type_url<M: Name>() -> String {
    format!("/{}", M::full_name())
}

pub fn to_any<M: Message + Name>(msg: &M) -> Any {
    Any {
        type_url: type_url::<M>(),
        value: msg.encode_to_vec(),
    }
}

macro_rules! named {
    ($ty:ident, $package:literal) => {
        impl Name for $ty {
            const NAME: &'static str = stringify!($ty);
            const PACKAGE: &'static str = $package;
        }
    };
}

/// injective.crypto.v1beta1.ethsecp256k1.PubKey: 33-byte compressed key.
#[derive(Clone, PartialEq, Message)]
pub struct PubKey {
    #[prost(bytes = "vec", tag = "1")]
    pub key: Vec<u8>,
}
named!(PubKey, "injective.crypto.v1beta1.ethsecp256k1");

/// exchange v2 OrderType values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum OrderType {
    Unspecified = 0,
    Buy = 1,
    Sell = 2,
    StopBuy = 3,
    StopSell = 4,
    TakeBuy = 5,
    TakeSell = 6,
    BuyPo = 7,
    SellPo = 8,
    BuyAtomic = 9,
    SellAtomic = 10,
}

/// OrderMask ANY: match regular and conditional orders of either side when cancelling.
pub const ORDER_MASK_ANY: i32 = 1;

#[derive(Clone, PartialEq, Message)]
pub struct OrderInfo {
    #[prost(string, tag = "1")]
    pub subaccount_id: String,
    #[prost(string, tag = "2")]
    pub fee_recipient: String,
    #[prost(string, tag = "3")]
    pub price: String,
    #[prost(string, tag = "4")]
    pub quantity: String,
    #[prost(string, tag = "5")]
    pub cid: String,
}

#[derive(Clone, PartialEq, Message)]
pub struct SpotOrder {
    #[prost(string, tag = "1")]
    pub market_id: String,
    #[prost(message, optional, tag = "2")]
    pub order_info: Option<OrderInfo>,
    #[prost(enumeration = "OrderType", tag = "3")]
    pub order_type: i32,
    #[prost(string, tag = "4")]
    pub trigger_price: String,
    #[prost(int64, tag = "5")]
    pub expiration_block: i64,
}

#[derive(Clone, PartialEq, Message)]
pub struct DerivativeOrder {
    #[prost(string, tag = "1")]
    pub market_id: String,
    #[prost(message, optional, tag = "2")]
    pub order_info: Option<OrderInfo>,
    #[prost(enumeration = "OrderType", tag = "3")]
    pub order_type: i32,
    #[prost(string, tag = "4")]
    pub margin: String,
    #[prost(string, tag = "5")]
    pub trigger_price: String,
    #[prost(int64, tag = "6")]
    pub expiration_block: i64,
}

#[derive(Clone, PartialEq, Message)]
pub struct OrderData {
    #[prost(string, tag = "1")]
    pub market_id: String,
    #[prost(string, tag = "2")]
    pub subaccount_id: String,
    #[prost(string, tag = "3")]
    pub order_hash: String,
    #[prost(int32, tag = "4")]
    pub order_mask: i32,
    #[prost(string, tag = "5")]
    pub cid: String,
}

#[derive(Clone, PartialEq, Message)]
pub struct MsgBatchUpdateOrders {
    #[prost(string, tag = "1")]
    pub sender: String,
    #[prost(string, tag = "2")]
    pub subaccount_id: String,
    #[prost(string, repeated, tag = "3")]
    pub spot_market_ids_to_cancel_all: Vec<String>,
    #[prost(string, repeated, tag = "4")]
    pub derivative_market_ids_to_cancel_all: Vec<String>,
    #[prost(message, repeated, tag = "5")]
    pub spot_orders_to_cancel: Vec<OrderData>,
    #[prost(message, repeated, tag = "6")]
    pub derivative_orders_to_cancel: Vec<OrderData>,
    #[prost(message, repeated, tag = "7")]
    pub spot_orders_to_create: Vec<SpotOrder>,
    #[prost(message, repeated, tag = "8")]
    pub derivative_orders_to_create: Vec<DerivativeOrder>,
}
named!(MsgBatchUpdateOrders, "injective.exchange.v2");

#[derive(Clone, PartialEq, Message)]
pub struct MsgBatchUpdateOrdersResponse {
    #[prost(bool, repeated, tag = "1")]
    pub spot_cancel_success: Vec<bool>,
    #[prost(bool, repeated, tag = "2")]
    pub derivative_cancel_success: Vec<bool>,
    #[prost(string, repeated, tag = "3")]
    pub spot_order_hashes: Vec<String>,
    #[prost(string, repeated, tag = "4")]
    pub derivative_order_hashes: Vec<String>,
    #[prost(string, repeated, tag = "7")]
    pub created_spot_orders_cids: Vec<String>,
    #[prost(string, repeated, tag = "8")]
    pub failed_spot_orders_cids: Vec<String>,
    #[prost(string, repeated, tag = "9")]
    pub created_derivative_orders_cids: Vec<String>,
    #[prost(string, repeated, tag = "10")]
    pub failed_derivative_orders_cids: Vec<String>,
}
named!(MsgBatchUpdateOrdersResponse, "injective.exchange.v2");

/// Response of the single-order create messages (v1 and v2): `order_hash = 1`, `cid = 2`.
#[derive(Clone, PartialEq, Message)]
pub struct MsgCreateOrderResponse {
    #[prost(string, tag = "1")]
    pub order_hash: String,
    #[prost(string, tag = "2")]
    pub cid: String,
}

/// Typed authorization: the grantee may only send MsgBatchUpdateOrders for this subaccount and
/// these markets. It cannot withdraw, transfer or send anything else.
#[derive(Clone, PartialEq, Message)]
pub struct BatchUpdateOrdersAuthz {
    #[prost(string, tag = "1")]
    pub subaccount_id: String,
    #[prost(string, repeated, tag = "2")]
    pub spot_markets: Vec<String>,
    #[prost(string, repeated, tag = "3")]
    pub derivative_markets: Vec<String>,
}
named!(BatchUpdateOrdersAuthz, "injective.exchange.v2");
