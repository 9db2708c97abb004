//! Page plumbing: `Chrome` (what templates/base.html needs: the user, their role, the CSRF
//! token, the active nav entry), rendering with `Cache-Control: no-store`, and the stylesheet.

use std::sync::LazyLock;

use askama::Template;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use super::{CurrentUser, Role};

/// The signed-in user as the layout shows them.
#[derive(Debug, Clone)]
pub struct ChromeUser {
    pub name: String,
    pub role: Role,
    csrf: String,
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

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub chrome: Chrome,
    pub status: u16,
    pub message: String,
}

const CSS: &str = include_str!("../../static/app.css");

/// The stylesheet's URL carries a digest of its content, so it can be cached for a year and
/// still change with each release.
static CSS_HREF: LazyLock<String> = LazyLock::new(|| {
    let digest = super::secret::sha256_hex(CSS);
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
