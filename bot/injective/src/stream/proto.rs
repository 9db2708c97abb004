//! Hand-written prost structs for the part of `injective.stream.v2` we use, and the one gRPC
//! call. Field numbers come from injective-core `proto/injective/stream/v2/query.proto` and
//! `proto/injective/exchange/v2/exchange.proto` (`PositionDelta`); fields we do not read are
//! left out (prost skips unknown fields). LegacyDec fields are strings holding the x10^18 wire
//! form of a human value (v2 streams human units, not the v1 chain format).

use prost::Message;
use tonic::codegen::http::uri::PathAndQuery;
use tonic::transport::Channel;

/// Full gRPC path of the server-streaming method.
pub const STREAM_V2_PATH: &str = "/injective.stream.v2.Stream/StreamV2";

#[derive(Clone, PartialEq, Message)]
pub struct StreamRequest {
    #[prost(message, optional, tag = "3")]
    pub spot_trades_filter: Option<TradesFilter>,
    #[prost(message, optional, tag = "4")]
    pub derivative_trades_filter: Option<TradesFilter>,
    #[prost(message, optional, tag = "5")]
    pub spot_orders_filter: Option<OrdersFilter>,
    #[prost(message, optional, tag = "6")]
    pub derivative_orders_filter: Option<OrdersFilter>,
    #[prost(message, optional, tag = "11")]
    pub order_failures_filter: Option<OrderFailuresFilter>,
}

/// Trades and orders filters share this shape: empty list = no constraint, `*` = all.
#[derive(Clone, PartialEq, Message)]
pub struct TradesFilter {
    #[prost(string, repeated, tag = "1")]
    pub subaccount_ids: Vec<String>,
    #[prost(string, repeated, tag = "2")]
    pub market_ids: Vec<String>,
}

pub type OrdersFilter = TradesFilter;

#[derive(Clone, PartialEq, Message)]
pub struct OrderFailuresFilter {
    /// bech32 `inj1...` account addresses.
    #[prost(string, repeated, tag = "1")]
    pub accounts: Vec<String>,
}

/// One message per block.
#[derive(Clone, PartialEq, Message)]
pub struct StreamResponse {
    #[prost(uint64, tag = "1")]
    pub block_height: u64,
    /// Unix milliseconds.
    #[prost(int64, tag = "2")]
    pub block_time: i64,
    #[prost(message, repeated, tag = "5")]
    pub spot_trades: Vec<SpotTrade>,
    #[prost(message, repeated, tag = "6")]
    pub derivative_trades: Vec<DerivativeTrade>,
    #[prost(message, repeated, tag = "7")]
    pub spot_orders: Vec<OrderUpdate>,
    #[prost(message, repeated, tag = "8")]
    pub derivative_orders: Vec<OrderUpdate>,
    #[prost(message, repeated, tag = "14")]
    pub order_failures: Vec<OrderFailureUpdate>,
}

#[derive(Clone, PartialEq, Message)]
pub struct SpotTrade {
    #[prost(string, tag = "1")]
    pub market_id: String,
    #[prost(bool, tag = "2")]
    pub is_buy: bool,
    #[prost(string, tag = "3")]
    pub execution_type: String,
    #[prost(string, tag = "4")]
    pub quantity: String,
    #[prost(string, tag = "5")]
    pub price: String,
    #[prost(string, tag = "6")]
    pub subaccount_id: String,
    #[prost(string, tag = "7")]
    pub fee: String,
    #[prost(string, tag = "8")]
    pub order_hash: String,
    #[prost(string, tag = "10")]
    pub cid: String,
    #[prost(string, tag = "11")]
    pub trade_id: String,
}

#[derive(Clone, PartialEq, Message)]
pub struct PositionDelta {
    #[prost(bool, tag = "1")]
    pub is_long: bool,
    #[prost(string, tag = "2")]
    pub execution_quantity: String,
    #[prost(string, tag = "3")]
    pub execution_margin: String,
    #[prost(string, tag = "4")]
    pub execution_price: String,
}

#[derive(Clone, PartialEq, Message)]
pub struct DerivativeTrade {
    #[prost(string, tag = "1")]
    pub market_id: String,
    #[prost(bool, tag = "2")]
    pub is_buy: bool,
    #[prost(string, tag = "3")]
    pub execution_type: String,
    #[prost(string, tag = "4")]
    pub subaccount_id: String,
    #[prost(message, optional, tag = "5")]
    pub position_delta: Option<PositionDelta>,
    #[prost(string, tag = "7")]
    pub fee: String,
    #[prost(string, tag = "8")]
    pub order_hash: String,
    #[prost(string, tag = "10")]
    pub cid: String,
    #[prost(string, tag = "11")]
    pub trade_id: String,
}

/// `SpotOrderUpdate` and `DerivativeOrderUpdate` agree on the fields we read.
#[derive(Clone, PartialEq, Message)]
pub struct OrderUpdate {
    /// `OrderUpdateStatus`: 1 Booked, 2 Matched, 3 Cancelled.
    #[prost(int32, tag = "1")]
    pub status: i32,
    #[prost(string, tag = "2")]
    pub order_hash: String,
    #[prost(string, tag = "3")]
    pub cid: String,
    #[prost(message, optional, tag = "4")]
    pub order: Option<OrderUpdateMarket>,
}

/// The `market_id` of a `SpotOrder` / `DerivativeOrder` wrapper (tag 1 in both).
#[derive(Clone, PartialEq, Message)]
pub struct OrderUpdateMarket {
    #[prost(string, tag = "1")]
    pub market_id: String,
}

#[derive(Clone, PartialEq, Message)]
pub struct OrderFailureUpdate {
    #[prost(string, tag = "1")]
    pub account: String,
    #[prost(string, tag = "2")]
    pub order_hash: String,
    #[prost(string, tag = "3")]
    pub cid: String,
    #[prost(uint32, tag = "4")]
    pub error_code: u32,
}

/// Opens `StreamV2` on `channel`; the server sends one [`StreamResponse`] per block.
pub async fn stream_v2(
    channel: Channel,
    request: StreamRequest,
) -> Result<tonic::Streaming<StreamResponse>, tonic::Status> {
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready()
        .await
        .map_err(|e| tonic::Status::unavailable(format!("stream endpoint not ready: {e}")))?;
    let codec: tonic::codec::ProstCodec<StreamRequest, StreamResponse> =
        tonic::codec::ProstCodec::default();
    let path = PathAndQuery::from_static(STREAM_V2_PATH);
    let response = grpc
        .server_streaming(tonic::Request::new(request), path, codec)
        .await?;
    Ok(response.into_inner())
}
