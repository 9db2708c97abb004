//! The proxy server: authenticate, route, check, forward to the Docker socket, stream back.

use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{
    HeaderValue, AUTHORIZATION, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, HOST, TRANSFER_ENCODING,
};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use subtle::ConstantTimeEq;
use tokio::net::UnixStream;

use crate::policy::{Denied, Policy};
use crate::routes::{route_target, truncate, Endpoint, Routed};

pub type Body = BoxBody<Bytes, hyper::Error>;

/// The daemon-side path, query (decoded pairs) and JSON body of an allowed request.
type Upstream = (String, Vec<(String, String)>, Option<String>);

/// Everything a request handler needs.
#[derive(Debug)]
pub struct Proxy {
    pub policy: Policy,
    pub token: Secret,
    pub docker_socket: PathBuf,
}

/// The bearer token: compared in constant time (`subtle`), never printed.
pub struct Secret(pub Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl Secret {
    /// Constant time in the content; a different length answers at once (the length is not
    /// secret: it is fixed by our generator).
    fn matches(&self, given: &[u8]) -> bool {
        self.0.ct_eq(given).into()
    }
}

fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed()
}

/// A JSON error in Docker's own shape (`{"message": ...}`) so bollard shows the reason.
fn refuse(status: StatusCode, message: &str) -> Response<Body> {
    let mut r = Response::new(full(
        json!({ "message": format!("tradebot-socket-proxy: {message}") }).to_string(),
    ));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

impl Proxy {
    /// Handles one request; never fails (errors become responses).
    pub async fn handle(
        self: Arc<Self>,
        req: Request<Incoming>,
    ) -> Result<Response<Body>, Infallible> {
        let method = req.method().clone();
        let path = req.uri().path().to_owned();
        let result = self.decide_and_forward(req).await;
        Ok(match result {
            Ok((endpoint, response)) => {
                tracing::info!(decision = "allow", %method, endpoint, status = response.status().as_u16());
                response
            }
            Err((status, reason)) => {
                tracing::warn!(decision = "deny", %method, path = %truncate(&path), reason = %reason, status = status.as_u16());
                let mut response = refuse(status, &reason);
                if status == StatusCode::BAD_REQUEST || status == StatusCode::PAYLOAD_TOO_LARGE {
                    // The framing or body can no longer be trusted: nothing more on this
                    // connection (no second, smuggled request is read).
                    response
                        .headers_mut()
                        .insert(CONNECTION, HeaderValue::from_static("close"));
                }
                response
            }
        })
    }

    async fn decide_and_forward(
        &self,
        req: Request<Incoming>,
    ) -> Result<(&'static str, Response<Body>), (StatusCode, String)> {
        let forbidden = |d: Denied| (StatusCode::FORBIDDEN, d.0);
        self.authenticate(&req)?;
        check_framing(&req)?;
        let Routed {
            version,
            endpoint,
            query,
        } = route_target(req.method().as_str(), req.uri().path(), req.uri().query())
            .map_err(forbidden)?;
        let prefix = version.map(|v| format!("/{v}")).unwrap_or_default();

        // Container-scoped: resolve and require the managed label before anything else.
        let target = match endpoint.container() {
            Some(id) => Some(self.resolve_managed(id).await?),
            None => None,
        };
        let method = req.method().clone();
        let body = self
            .read_body(req, matches!(endpoint, Endpoint::ContainerCreate))
            .await?;

        let (path, query, body) =
            self.upstream_request(&endpoint, query, target.as_deref(), &body)?;
        let uri = format!("{prefix}{path}{}", encode_query(&query));
        let response = self.forward(method, &uri, body).await?;
        let response = if matches!(endpoint, Endpoint::ContainerInspect(_)) {
            self.redact_inspect(response).await?
        } else {
            response
        };
        Ok((endpoint.name(), response))
    }

    /// The daemon-side path, query and body for an allowed request: list and event queries
    /// scoped to managed containers, a create body checked (and rewritten) by the policy, a
    /// container id replaced by the resolved `target`. Errors: 403 with the policy's reason.
    fn upstream_request(
        &self,
        endpoint: &Endpoint,
        query: Vec<(String, String)>,
        target: Option<&str>,
        body: &[u8],
    ) -> Result<Upstream, (StatusCode, String)> {
        let forbidden = |d: Denied| (StatusCode::FORBIDDEN, d.0);
        Ok(match endpoint {
            Endpoint::Ping => ("/_ping".to_owned(), query, None),
            Endpoint::Version => ("/version".to_owned(), query, None),
            Endpoint::ContainerList => (
                "/containers/json".to_owned(),
                self.policy.scope_query(query, false).map_err(forbidden)?,
                None,
            ),
            Endpoint::Events => (
                "/events".to_owned(),
                self.policy.scope_query(query, true).map_err(forbidden)?,
                None,
            ),
            Endpoint::ContainerCreate => {
                let name = query
                    .iter()
                    .find(|(k, _)| k == "name")
                    .map(|(_, v)| v.as_str());
                let checked = self.policy.check_create(body, name).map_err(forbidden)?;
                tracing::info!(decision = "check", endpoint = "containers.create", summary = %checked.summary);
                (
                    "/containers/create".to_owned(),
                    query,
                    Some(checked.body.to_string()),
                )
            }
            other => {
                let id = target.unwrap_or_default();
                let suffix = other.container_suffix();
                (format!("/containers/{id}{suffix}"), query, None)
            }
        })
    }

    fn authenticate(&self, req: &Request<Incoming>) -> Result<(), (StatusCode, String)> {
        let given = req
            .headers()
            .get(AUTHORIZATION)
            .and_then(|h| h.as_bytes().strip_prefix(b"Bearer "))
            .unwrap_or_default();
        if !self.token.matches(given) {
            return Err((
                StatusCode::UNAUTHORIZED,
                "missing or wrong bearer token".into(),
            ));
        }
        Ok(())
    }

    async fn read_body(
        &self,
        req: Request<Incoming>,
        wanted: bool,
    ) -> Result<Vec<u8>, (StatusCode, String)> {
        let limit = self.policy.max_body_bytes;
        let collected = Limited::new(req.into_body(), limit)
            .collect()
            .await
            .map_err(|e| {
                // Over the limit is 413; a broken body (bad chunk sizes...) is the client's 400.
                if e.downcast_ref::<http_body_util::LengthLimitError>()
                    .is_some()
                {
                    (
                        StatusCode::PAYLOAD_TOO_LARGE,
                        format!("body over {limit} bytes"),
                    )
                } else {
                    (StatusCode::BAD_REQUEST, "malformed request body".to_owned())
                }
            })?
            .to_bytes();
        if !wanted && !collected.is_empty() {
            return Err((StatusCode::FORBIDDEN, "this endpoint takes no body".into()));
        }
        Ok(collected.to_vec())
    }

    /// Looks the container up on the daemon; only this stack's bots are reachable
    /// ([`Policy::owns`]). Returns
    /// the full id, so a name cannot be swapped between the check and the action.
    async fn resolve_managed(&self, id: &str) -> Result<String, (StatusCode, String)> {
        let response = self
            .forward(Method::GET, &format!("/containers/{id}/json"), None)
            .await?;
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|_| {
                (
                    StatusCode::BAD_GATEWAY,
                    "daemon response unreadable".to_owned(),
                )
            })?
            .to_bytes();
        if status == StatusCode::NOT_FOUND {
            return Err((
                StatusCode::NOT_FOUND,
                format!("no such container: {}", truncate(id)),
            ));
        }
        let info: Value = serde_json::from_slice(&bytes).map_err(|_| {
            (
                StatusCode::BAD_GATEWAY,
                "daemon inspect response unreadable".to_owned(),
            )
        })?;
        if !self.policy.owns(&info["Config"]["Labels"]) {
            return Err((
                StatusCode::FORBIDDEN,
                format!(
                    "container {} is not a bot of stack {}",
                    truncate(id),
                    self.policy.stack
                ),
            ));
        }
        info["Id"]
            .as_str()
            .map(str::to_owned)
            .ok_or((StatusCode::BAD_GATEWAY, "daemon inspect without Id".into()))
    }

    async fn forward(
        &self,
        method: Method,
        uri: &str,
        body: Option<String>,
    ) -> Result<Response<Body>, (StatusCode, String)> {
        let unavailable = |what: &str| {
            (
                StatusCode::BAD_GATEWAY,
                format!("Docker daemon unavailable ({what})"),
            )
        };
        let stream = UnixStream::connect(&self.docker_socket)
            .await
            .map_err(|_| unavailable("connect"))?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|_| unavailable("handshake"))?;
        tokio::spawn(async move {
            // Ends when the response body is done (streams stay open while the client reads).
            let _ = conn.await;
        });
        let mut builder = Request::builder()
            .method(method)
            .uri(uri)
            .header(HOST, "docker");
        let body = match body {
            Some(b) => {
                builder = builder
                    .header(CONTENT_TYPE, "application/json")
                    .header(CONTENT_LENGTH, b.len());
                full(b)
            }
            None => full(Bytes::new()),
        };
        let request = builder.body(body).map_err(|_| {
            (
                StatusCode::BAD_REQUEST,
                "cannot build the request".to_owned(),
            )
        })?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|_| unavailable("request"))?;
        Ok(response.map(|b| b.boxed()))
    }

    /// Inspect output carries the container's env; the secret ones are replaced.
    async fn redact_inspect(
        &self,
        response: Response<Body>,
    ) -> Result<Response<Body>, (StatusCode, String)> {
        let (mut parts, body) = response.into_parts();
        let bytes = Limited::new(body, 4 * 1024 * 1024)
            .collect()
            .await
            .map_err(|_| {
                (
                    StatusCode::BAD_GATEWAY,
                    "inspect response unreadable".to_owned(),
                )
            })?
            .to_bytes();
        let Ok(mut info) = serde_json::from_slice::<Value>(&bytes) else {
            return Ok(Response::from_parts(parts, full(bytes)));
        };
        if let Some(env) = info["Config"]["Env"].as_array_mut() {
            for entry in env.iter_mut() {
                if let Some((name, _)) = entry.as_str().and_then(|e| e.split_once('=')) {
                    if self.policy.env_secret.iter().any(|s| s == name) {
                        *entry = json!(format!("{name}=<redacted by tradebot-socket-proxy>"));
                    }
                }
            }
        }
        let out = info.to_string();
        // The body changed length: the daemon's framing headers no longer describe it.
        parts.headers.remove(TRANSFER_ENCODING);
        parts.headers.remove(CONTENT_LENGTH);
        parts
            .headers
            .insert(CONTENT_LENGTH, HeaderValue::from(out.len()));
        Ok(Response::from_parts(parts, full(out)))
    }
}

/// Refuses ambiguous framing (request smuggling): Content-Length together with
/// Transfer-Encoding, several Content-Length headers, or a transfer coding other than chunked.
fn check_framing(req: &Request<Incoming>) -> Result<(), (StatusCode, String)> {
    let h = req.headers();
    let cls = h.get_all(CONTENT_LENGTH).iter().count();
    let tes: Vec<&HeaderValue> = h.get_all(TRANSFER_ENCODING).iter().collect();
    if cls > 1 || (cls == 1 && !tes.is_empty()) {
        return Err((
            StatusCode::BAD_REQUEST,
            "conflicting Content-Length / Transfer-Encoding".into(),
        ));
    }
    if tes.len() > 1
        || tes
            .iter()
            .any(|t| !t.as_bytes().eq_ignore_ascii_case(b"chunked"))
    {
        return Err((
            StatusCode::BAD_REQUEST,
            "unsupported Transfer-Encoding".into(),
        ));
    }
    if req.headers().contains_key(hyper::header::UPGRADE) {
        return Err((
            StatusCode::FORBIDDEN,
            "connection upgrades (attach, hijack) are not allowed".into(),
        ));
    }
    Ok(())
}

fn encode_query(query: &[(String, String)]) -> String {
    if query.is_empty() {
        return String::new();
    }
    let mut s = form_urlencoded::Serializer::new(String::from("?"));
    for (k, v) in query {
        s.append_pair(k, v);
    }
    s.finish()
}
