//! Auth failures as responses, in one place: JSON `{"error": ...}` for APIs and scripts, a
//! page or a redirect for browsers. 5xx say nothing about the cause, which is logged once.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

use super::view::{render_status, Chrome, ErrorPage};
use super::CurrentUser;

pub const CSRF_MESSAGE: &str =
    "the form expired or came from another site; reload the page and try again";

#[derive(Debug)]
pub struct Refusal {
    status: StatusCode,
    message: String,
    json: bool,
    redirect: Option<&'static str>,
    chrome: Option<Chrome>,
}

impl Refusal {
    pub fn new(status: StatusCode, json: bool, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            json,
            redirect: None,
            chrome: None,
        }
    }

    /// Not signed in: 401 for APIs, the login page for browsers.
    pub fn unauthenticated(json: bool) -> Self {
        let mut r = Self::new(StatusCode::UNAUTHORIZED, json, "sign in first");
        if !json {
            r.redirect = Some("/login");
        }
        r
    }

    pub fn must_change_password(json: bool) -> Self {
        let mut r = Self::new(
            StatusCode::FORBIDDEN,
            json,
            "choose a new password on /account first",
        );
        if !json {
            r.redirect = Some("/account");
        }
        r
    }

    pub fn forbidden(json: bool, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, json, message)
    }

    pub fn csrf(json: bool) -> Self {
        Self::forbidden(json, CSRF_MESSAGE)
    }

    pub fn bad_request(json: bool, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, json, message)
    }

    /// Logs the cause chain once; the client learns only that it was our fault.
    pub fn internal(json: bool, cause: &anyhow::Error) -> Self {
        tracing::error!(error = format!("{cause:#}"), "request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            json,
            "something went wrong on our side; it has been logged",
        )
    }

    /// Shows the page with the user's navigation.
    pub fn with_user(mut self, user: &CurrentUser) -> Self {
        self.chrome = Some(Chrome::new(user, ""));
        self
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        if let Some(to) = self.redirect {
            return Redirect::to(to).into_response();
        }
        let mut response = if self.json {
            let body = serde_json::json!({ "error": self.message });
            (self.status, axum::Json(body)).into_response()
        } else {
            let page = ErrorPage {
                chrome: self.chrome.unwrap_or_else(Chrome::anonymous),
                status: self.status.as_u16(),
                message: self.message,
            };
            render_status(self.status, &page)
        };
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}
