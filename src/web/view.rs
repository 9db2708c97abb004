//! Page chrome and rendering: `Chrome` (what templates/base.html needs: the user, their role, the CSRF
//! token, the active nav entry), rendering with `Cache-Control: no-store`, and the stylesheet.

use std::sync::LazyLock;

use askama::Template;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use crate::auth::{CurrentUser, Role};

/// The signed-in user as the layout shows them. `Debug` leaves out the CSRF token.
#[derive(Clone)]
pub struct ChromeUser {
    pub name: String,
    pub role: Role,
    csrf: String,
}

impl std::fmt::Debug for ChromeUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChromeUser")
            .field("name", &self.name)
            .field("role", &self.role)
            .field("csrf", &"<redacted>")
            .finish()
    }
}

/// What every page passes to templates/base.html, as a field named `chrome`.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub user: Option<ChromeUser>,
    /// Nav entry to highlight: "bots", "wallets", "audit", "users", "account" or "".
    pub active: &'static str,
}

impl Chrome {
    pub fn new(user: &CurrentUser, active: &'static str) -> Self {
        Self {
            user: Some(ChromeUser {
                name: user.name.clone(),
                role: user.role,
                csrf: user.csrf().to_owned(),
            }),
            active,
        }
    }

    /// For pages without a signed-in user (login, errors).
    pub fn anonymous() -> Self {
        Self {
            user: None,
            active: "",
        }
    }

    /// The value for hidden `<input name="csrf">` fields and the `csrf-token` meta tag.
    pub fn csrf(&self) -> &str {
        self.user.as_ref().map_or("", |u| u.csrf.as_str())
    }

    pub fn is_admin(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role == Role::Admin)
    }

    /// Operators and admins read the audit log.
    pub fn may_read_audit(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role >= Role::Operator)
    }

    /// `class="active"` or nothing, for a nav link.
    pub fn nav(&self, entry: &str) -> &'static str {
        if self.active == entry {
            "active"
        } else {
            ""
        }
    }

    pub fn css_href(&self) -> &'static str {
        CSS_HREF.as_str()
    }
}

/// A rendered page, 200, not cached (it may show secrets such as a new API token).
pub fn render(page: &impl Template) -> Response {
    render_status(StatusCode::OK, page)
}

pub fn render_status(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => (
            status,
            [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
            Html(html),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "something went wrong on our side",
            )
                .into_response()
        }
    }
}

#[derive(Debug, Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub chrome: Chrome,
    pub status: u16,
    pub message: String,
    /// 5xx: the id of the log line with the cause.
    pub request_id: Option<String>,
}

const CSS: &str = include_str!("../../static/app.css");

/// The stylesheet's URL carries a digest of its content, so it can be cached for a year and
/// still change with each release.
static CSS_HREF: LazyLock<String> = LazyLock::new(|| {
    let digest = crate::auth::secret::sha256_hex(CSS);
    format!("/static/app.css?v={}", &digest[..12])
});

pub async fn stylesheet() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/css; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
        ],
        CSS,
    )
        .into_response()
}

/// A number from a bot's JSON event as page text: numbers and decimal strings as they are,
/// anything else (missing, null) as an empty cell.
pub(super) fn number_text(v: Option<&serde_json::Value>) -> String {
    match v {
        Some(serde_json::Value::Number(n)) => n.to_string(),
        Some(serde_json::Value::String(s)) => s.clone(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chrome_prints_no_csrf_token() {
        let user = ChromeUser {
            name: "ann".into(),
            role: Role::Operator,
            csrf: "csrf-secret-9abc".into(),
        };
        let chrome = Chrome {
            user: Some(user),
            active: "bots",
        };
        assert_eq!(chrome.csrf(), "csrf-secret-9abc");
        let printed = format!("{chrome:?}");
        assert!(!printed.contains("csrf-secret-9abc"), "{printed}");
        assert!(
            printed.contains("<redacted>") && printed.contains("ann"),
            "{printed}"
        );
    }
}
