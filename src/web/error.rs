//! Every error a handler returns becomes a response here, and only here: [`WebError`], with
//! `From` impls for the lifecycle's errors (which carry Vault's and Docker's), the auth layer's
//! [`Rejection`] and `anyhow` (the store). Handlers return these and never pick a status.
//!
//! 4xx say, in our words, what to change. 5xx say only which side failed, with a request id:
//! the full cause (possibly a daemon's or Vault's own text) is logged once, with that id, when
//! the error is made, and never sent (issue 11; house style: "Never send Vault or Docker error
//! text to a browser"). JSON `{"error": ..., "request_id"?: ...}` for APIs and scripts, a
//! page or a redirect for browsers.

use std::fmt;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use rand::RngCore;

use super::view::{render_status, Chrome, ErrorPage};
use crate::audit::Outcome;
use crate::auth::{CurrentUser, Reason, Rejection};
use crate::bots::LifecycleError;
use crate::runtime::RuntimeError;

pub const CSRF_MESSAGE: &str =
    "the form expired or came from another site; reload the page and try again";
/// The 500 body: nothing about the cause.
pub const INTERNAL_MESSAGE: &str = "something went wrong on our side; it has been logged";
/// The 503 bodies, one fixed sentence per dependency.
pub const VAULT_DOWN: &str =
    "Vault is unavailable; bots cannot be started or stopped until it answers";
/// The 503 body of a start refused because Vault is sealed (running bots are not touched).
pub const VAULT_SEALED_DOWN: &str =
    "Vault is sealed: new bots cannot be started until it is unsealed; running bots are not touched";
pub const DOCKER_DOWN: &str =
    "Docker is unavailable: the socket proxy is unreachable or failing; bots cannot be started or stopped until it answers";
/// The last line of a live log the engine stopped sending.
pub const LOG_STREAM_ENDED: &str = "the log stream ended; reload the page to follow it again";
/// The 502 body of a start that the engine or the bot refused.
pub const START_FAILED: &str = "the bot did not start; its page says why";
/// The 502 body of a stop that the engine refused (or a kill switch that left bots running).
pub const STOP_FAILED: &str = "the bot did not stop; its page says why";

/// An error on its way to the caller. `Debug` holds no secret: messages are ours, the cause is
/// error text that the lifecycle and the stores keep free of secrets.
#[derive(Debug)]
pub struct WebError {
    status: StatusCode,
    /// Safe to show: our sentence, never upstream text.
    message: String,
    /// 5xx only: the id in the log line that holds the cause.
    request_id: Option<String>,
    json: bool,
    redirect: Option<&'static str>,
    chrome: Option<Box<Chrome>>,
}

impl WebError {
    /// A refusal (4xx) with a message for the caller. JSON unless [`WebError::page`] is used.
    fn refusal(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            request_id: None,
            json: true,
            redirect: None,
            chrome: None,
        }
    }

    /// Our fault or a dependency's (5xx): logs `cause` once under a fresh request id and keeps
    /// only the fixed `public` sentence and that id.
    fn failure(status: StatusCode, public: &'static str, cause: &dyn fmt::Display) -> Self {
        let id = request_id();
        tracing::error!(request_id = %id, status = status.as_u16(), error = %cause, "request failed");
        Self {
            request_id: Some(id),
            ..Self::refusal(status, public)
        }
    }

    /// 400: the request cannot be read.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::refusal(StatusCode::BAD_REQUEST, message)
    }

    /// 403: not allowed.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::refusal(StatusCode::FORBIDDEN, message)
    }

    /// 404: no such thing.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::refusal(StatusCode::NOT_FOUND, message)
    }

    /// 409: it clashes with the current state.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::refusal(StatusCode::CONFLICT, message)
    }

    /// 413: the body is larger than we read.
    pub fn too_large(message: impl Into<String>) -> Self {
        Self::refusal(StatusCode::PAYLOAD_TOO_LARGE, message)
    }

    /// 503 with our sentence: a part the answer needs (the chain) cannot be asked now.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::refusal(StatusCode::SERVICE_UNAVAILABLE, message)
    }

    /// 422: readable, but a value breaks a rule.
    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::refusal(StatusCode::UNPROCESSABLE_ENTITY, message)
    }

    /// 500 with [`INTERNAL_MESSAGE`]; the cause chain is logged.
    pub fn internal(cause: &anyhow::Error) -> Self {
        Self::failure(
            StatusCode::INTERNAL_SERVER_ERROR,
            INTERNAL_MESSAGE,
            &format_args!("{cause:#}"),
        )
    }

    /// Answer with a page (browsers' forms and links) instead of JSON.
    pub fn page(mut self) -> Self {
        self.json = false;
        self
    }

    /// A page with the user's navigation.
    pub fn page_for(mut self, user: &CurrentUser) -> Self {
        self.chrome = Some(Box::new(Chrome::new(user, "")));
        self.page()
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// What the caller is told (without the request id).
    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// How an audited action that ended with this error is recorded: refused by a rule, or
    /// tried and failed.
    pub fn outcome(&self) -> Outcome {
        if self.status.is_client_error() {
            Outcome::Denied
        } else {
            Outcome::Error
        }
    }

    /// The audit details of this error: the message, and for 5xx the id of the log line.
    pub fn audit_details(&self) -> serde_json::Value {
        match &self.request_id {
            Some(id) => serde_json::json!({ "error": self.message, "request_id": id }),
            None => serde_json::json!({ "error": self.message }),
        }
    }
}

/// 16 hex digits from the OS generator: unique enough to find one line in the log.
fn request_id() -> String {
    let mut bytes = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A problem line for a page that still renders (the wallets list without Vault): the same
/// sentence the API would answer, the cause logged once.
pub fn problem(e: LifecycleError) -> String {
    problem_text(WebError::from(e))
}

/// The last event of a live log that broke off: a fixed sentence; the engine's text is logged.
pub fn stream_ended(e: &RuntimeError) -> String {
    let e = WebError::failure(StatusCode::BAD_GATEWAY, LOG_STREAM_ENDED, e);
    problem_text(e)
}

fn problem_text(e: WebError) -> String {
    match e.request_id {
        Some(id) => format!("{} (request id {id})", e.message),
        None => e.message,
    }
}

/// The lifecycle's errors: the rule-breaking ones keep their sentence (ours, built from the
/// request), the ones from Vault, Docker or the bot become a fixed sentence.
impl From<LifecycleError> for WebError {
    fn from(e: LifecycleError) -> Self {
        match e {
            LifecycleError::Invalid(m) => Self::unprocessable(m),
            LifecycleError::NotFound(m) => Self::not_found(m),
            LifecycleError::Conflict(m) => Self::conflict(m),
            LifecycleError::Vault(ref class) if class == crate::bots::VAULT_SEALED => {
                Self::failure(StatusCode::SERVICE_UNAVAILABLE, VAULT_SEALED_DOWN, &e)
            }
            LifecycleError::Full(m) | LifecycleError::Unavailable(m) => {
                Self::refusal(StatusCode::SERVICE_UNAVAILABLE, m)
            }
            LifecycleError::Vault(_) => {
                Self::failure(StatusCode::SERVICE_UNAVAILABLE, VAULT_DOWN, &e)
            }
            LifecycleError::Docker(_) => {
                Self::failure(StatusCode::SERVICE_UNAVAILABLE, DOCKER_DOWN, &e)
            }
            LifecycleError::StartFailed(_) => {
                Self::failure(StatusCode::BAD_GATEWAY, START_FAILED, &e)
            }
            LifecycleError::StopFailed(_) => {
                Self::failure(StatusCode::BAD_GATEWAY, STOP_FAILED, &e)
            }
        }
    }
}

/// The stores and other internal steps: an opaque 500.
impl From<anyhow::Error> for WebError {
    fn from(e: anyhow::Error) -> Self {
        Self::internal(&e)
    }
}

impl From<Rejection> for WebError {
    fn from(r: Rejection) -> Self {
        let mut e = match r.reason {
            Reason::Unauthenticated => {
                let mut e = Self::refusal(StatusCode::UNAUTHORIZED, "sign in first");
                e.redirect = Some("/login");
                e
            }
            Reason::MustChangePassword => {
                let mut e = Self::forbidden("choose a new password on /account first");
                e.redirect = Some("/account");
                e
            }
            Reason::MustEnrolSecondFactor => {
                let mut e = Self::forbidden(
                    "your role requires a second factor: set it up on /account first",
                );
                e.redirect = Some("/account");
                e
            }
            Reason::Forbidden { message, user } => Self::forbidden(message).page_for(&user),
            Reason::Csrf => Self::forbidden(CSRF_MESSAGE),
            Reason::FormTooLarge => Self::too_large("the form is too large"),
            Reason::Internal(cause) => Self::internal(&cause),
        };
        e.json = r.json;
        if e.json {
            e.redirect = None;
        }
        e
    }
}

/// The auth layer's refusals render like every other error.
impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        WebError::from(self).into_response()
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if let Some(to) = self.redirect {
            return Redirect::to(to).into_response();
        }
        let mut response = if self.json {
            let body = match &self.request_id {
                Some(id) => serde_json::json!({ "error": self.message, "request_id": id }),
                None => serde_json::json!({ "error": self.message }),
            };
            (self.status, axum::Json(body)).into_response()
        } else {
            let page = ErrorPage {
                chrome: self.chrome.map_or_else(Chrome::anonymous, |c| *c),
                status: self.status.as_u16(),
                message: self.message,
                request_id: self.request_id,
            };
            render_status(self.status, &page)
        };
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

#[cfg(test)]
mod tests {
    use axum::body::to_bytes;

    use super::*;

    async fn body(e: WebError) -> (StatusCode, String) {
        let r = e.into_response();
        let status = r.status();
        let bytes = to_bytes(r.into_body(), 1 << 20).await.unwrap();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn upstream_text_stays_in_the_log_and_rule_breaks_keep_their_sentence() {
        let daemon = "Docker error: 400: Minimum memory limit allowed is 6MB";
        for (e, status, public) in [
            (
                LifecycleError::StartFailed(daemon.into()),
                StatusCode::BAD_GATEWAY,
                START_FAILED,
            ),
            (
                LifecycleError::StopFailed(daemon.into()),
                StatusCode::BAD_GATEWAY,
                STOP_FAILED,
            ),
            (
                LifecycleError::Docker(RuntimeError::Unreachable),
                StatusCode::SERVICE_UNAVAILABLE,
                DOCKER_DOWN,
            ),
            (
                LifecycleError::Vault("permission denied on secret/x".into()),
                StatusCode::SERVICE_UNAVAILABLE,
                VAULT_DOWN,
            ),
        ] {
            let web = WebError::from(e);
            assert_eq!(web.outcome(), Outcome::Error);
            let id = web.request_id().unwrap().to_owned();
            for page in [false, true] {
                let web = WebError::from(LifecycleError::StartFailed(daemon.into()));
                let web = if page { web.page() } else { web };
                let (_, text) = body(web).await;
                assert!(!text.contains("Minimum memory"), "{text}");
            }
            let (s, text) = body(web).await;
            assert_eq!(s, status);
            let json: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(json["error"], public);
            assert_eq!(json["request_id"], id.as_str());
            assert!(!text.contains("Minimum memory") && !text.contains("permission denied"));
        }
        let (status, text) = body(WebError::from(LifecycleError::Full(
            "1020 bots are running; stop one, or widen BOTS_IP_RANGE".into(),
        )))
        .await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(text.contains("widen BOTS_IP_RANGE"), "{text}");
        let refused = WebError::from(LifecycleError::Conflict("the wallet is busy".into()));
        assert_eq!(refused.outcome(), Outcome::Denied);
        assert!(refused.request_id().is_none());
        let (s, text) = body(refused.page()).await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert!(
            text.contains("the wallet is busy") && text.contains("<html"),
            "{text}"
        );
    }
}
