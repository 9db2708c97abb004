//! GET and POST with the rate limiter, and every answer read: success bodies as JSON, error
//! bodies for their message even when the node's HTTP framing breaks after the JSON.
//!
//! The node's gRPC gateway answers failed calls (a broadcast refused in CheckTx, a failed
//! simulation) with HTTP 500 and a JSON `{"code": N, "message": "...", "details": [...]}`. The
//! simulate endpoint sends that body chunked, followed by a trailer carrying binary protobuf,
//! which makes a whole-body read fail ("error decoding response body"): the body is therefore
//! read chunk by chunk, and for an error status what arrived before the framing broke is kept.

use serde::de::DeserializeOwned;

use super::{ClientError, InjectiveClient};
use crate::models::GatewayError;

/// Longest error message kept from a node answer (characters).
const MAX_MESSAGE: usize = 400;

impl InjectiveClient {
    pub(super) async fn get<T: DeserializeOwned>(
        &self,
        base: &str,
        path: &str,
    ) -> Result<T, ClientError> {
        self.limiter.acquire().await;
        let resp = self
            .http
            .get(format!("{base}{path}"))
            .send()
            .await
            .map_err(|e| ClientError::Transport(path.to_owned(), e.without_url().to_string()))?;
        read(path, resp).await
    }

    pub(super) async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<T, ClientError> {
        self.limiter.acquire().await;
        let resp = self
            .http
            .post(format!("{}{path}", self.net.lcd))
            .json(body)
            .send()
            .await
            .map_err(|e| ClientError::Transport(path.to_owned(), e.without_url().to_string()))?;
        read(path, resp).await
    }
}

/// A success status is decoded as `T`; any other is [`ClientError::Status`] with the node's
/// message (the gateway JSON's `message`, or the start of the body).
async fn read<T: DeserializeOwned>(path: &str, resp: reqwest::Response) -> Result<T, ClientError> {
    let status = resp.status();
    let (bytes, broken) = read_body(resp).await;
    if status.is_success() {
        if let Some(e) = broken {
            return Err(ClientError::Transport(path.to_owned(), e));
        }
        return serde_json::from_slice(&bytes)
            .map_err(|e| ClientError::Decode(path.to_owned(), e.to_string()));
    }
    if bytes.is_empty() {
        if let Some(e) = broken {
            return Err(ClientError::Transport(path.to_owned(), e));
        }
    }
    let (body, abci) = error_message(&bytes);
    Err(ClientError::Status {
        path: path.to_owned(),
        status: status.as_u16(),
        body,
        abci,
    })
}

/// Every chunk that arrives, and the framing error that ended the read early, if any.
async fn read_body(mut resp: reqwest::Response) -> (Vec<u8>, Option<String>) {
    let mut bytes = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            Ok(None) => return (bytes, None),
            Err(e) => return (bytes, Some(e.without_url().to_string())),
        }
    }
}

/// The gateway's `message` and `(codespace, ABCI code)` from the first JSON value of `bytes`
/// (anything after it ignored), else the start of the body as text.
pub fn error_message(bytes: &[u8]) -> (String, Option<(String, u32)>) {
    let first = serde_json::Deserializer::from_slice(bytes)
        .into_iter::<GatewayError>()
        .next();
    match first {
        Some(Ok(e)) if !e.message.is_empty() => {
            (e.message.chars().take(MAX_MESSAGE).collect(), e.abci())
        }
        _ => (
            String::from_utf8_lossy(bytes)
                .chars()
                .take(MAX_MESSAGE)
                .collect(),
            None,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::error_message;

    #[test]
    fn gateway_message_and_code_are_read_past_trailing_bytes() {
        // As an injectived v1.20.1 simulate answered a bad tx (body, then a binary trailer).
        let body = b"{\"code\":2, \"message\":\"invalid length; proto: invalid field number: tx parse error [x/auth/tx/decoder.go:23] With gas wanted: '0' and gas used: '1210' \", \"details\":[{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\", \"reason\":\"tx parse error\", \"domain\":\"\", \"metadata\":{\"ABCICode\":\"2\", \"Codespace\":\"sdk\"}}]}Grpc-Trailer-Grpc-Status-Details-Bin: \x08\x02\x12\xff";
        let (message, abci) = error_message(body);
        assert!(message.starts_with("invalid length; proto"), "{message}");
        assert_eq!(abci, Some(("sdk".to_owned(), 2)));
        let plain = b"{\"code\":2,\"message\":\"account sequence mismatch, expected 7, got 6: incorrect account sequence\",\"details\":[]}";
        assert_eq!(error_message(plain).1, None);
        assert_eq!(error_message(b"Bad Gateway").0, "Bad Gateway");
        let long = "x".repeat(1000);
        assert_eq!(error_message(long.as_bytes()).0.len(), 400);
    }
}
