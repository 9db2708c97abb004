//! The request layer in front of every route: resolves the caller once, refuses cross-site
//! and token-less state changes, and marks authenticated responses `no-store`.
//!
//! A state-changing request (POST/PUT/PATCH/DELETE) that rides on the session cookie must
//! carry the session's CSRF token, in `X-CSRF-Token` (fetch) or a `csrf` field of a urlencoded
//! form (at most 64 KiB is buffered to find it; the body then goes on unchanged). Bearer-token
//! requests are exempt: browsers never attach that header on their own. Any state change
//! that announces a cross-site origin (`Sec-Fetch-Site`, `Origin`) is refused, the login form
//! included.

use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use super::extract::{credential, resolve, wants_json, Credential, Resolved};
use super::rejection::{Reason, Rejection};
use super::AuthState;

/// Largest urlencoded body searched for the `csrf` field.
pub const FORM_LIMIT: usize = 64 * 1024;
pub const HEADER: &str = "x-csrf-token";

/// Proof that the CSRF check passed for this state-changing request. Zero-sized; only the
/// layer creates it, so a handler that takes one cannot run unchecked.
#[derive(Debug, Clone, Copy)]
pub struct CsrfChecked(());

impl<S: Send + Sync> FromRequestParts<S> for CsrfChecked {
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        // Absent when the layer is missing, or on a GET: fail closed either way.
        parts
            .extensions
            .get::<CsrfChecked>()
            .copied()
            .ok_or_else(|| Rejection::new(Reason::Csrf, wants_json(parts)))
    }
}

/// The layer: `axum::middleware::from_fn_with_state(state, auth::csrf_layer)`.
pub async fn csrf_layer(State(auth): State<AuthState>, req: Request, next: Next) -> Response {
    let (mut parts, mut body) = req.into_parts();
    let json = wants_json(&parts);
    let cred = credential(&parts.headers);
    let presented = !matches!(cred, Credential::None);
    let user = match resolve(&auth, &cred).await {
        Ok(user) => user,
        Err(e) => return Rejection::new(Reason::Internal(e), json).into_response(),
    };
    if !is_safe(&parts.method) {
        if cross_site(&parts.headers, host(&parts)) {
            tracing::info!(path = parts.uri.path(), "cross-site state change refused");
            return Rejection::new(Reason::Csrf, json).into_response();
        }
        // Only a live session is an ambient credential; a stale cookie is no one, and the
        // handler will send them to /login (the login form itself must still work).
        if let (Credential::Session(_), Some(user)) = (&cred, &user) {
            let presented_token = match header_token(&parts.headers) {
                Some(t) => Some(t),
                None if is_form(&parts.headers) => {
                    let bytes = match axum::body::to_bytes(body, FORM_LIMIT).await {
                        Ok(b) => b,
                        Err(_) => {
                            return Rejection::new(Reason::FormTooLarge, json).into_response();
                        }
                    };
                    let token = form_field(&bytes, "csrf");
                    body = Body::from(bytes);
                    token
                }
                None => None,
            };
            if !token_matches(user.csrf(), presented_token.as_deref()) {
                tracing::info!(
                    path = parts.uri.path(),
                    "state change without a valid CSRF token refused"
                );
                return Rejection::new(Reason::Csrf, json).into_response();
            }
        }
        parts.extensions.insert(CsrfChecked(()));
    }
    parts.extensions.insert(Resolved(user));
    let mut response = next.run(Request::from_parts(parts, body)).await;
    // Anything answered to a credential is private; pages that chose a policy keep it.
    if presented && !response.headers().contains_key(header::CACHE_CONTROL) {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

pub(crate) fn is_safe(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

fn host(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| parts.uri.authority().map(|a| a.as_str()))
}

/// True when the browser says the request comes from another site. Browsers send
/// `Sec-Fetch-Site` and `Origin` on form posts and fetches; their absence (curl, old
/// browsers) is not proof of anything, so then the token alone decides.
pub(crate) fn cross_site(headers: &HeaderMap, host: Option<&str>) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        if !matches!(site.to_str(), Ok("same-origin" | "none")) {
            return true;
        }
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let Some(host) = host else { return true };
        let expected = format!("https://{host}");
        return !origin
            .to_str()
            .is_ok_and(|o| o.eq_ignore_ascii_case(&expected));
    }
    false
}

fn header_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"))
}

pub(crate) fn form_field(body: &[u8], name: &str) -> Option<String> {
    url::form_urlencoded::parse(body)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Constant-time comparison; an empty expected token (API tokens) never matches.
pub(crate) fn token_matches(expected: &str, presented: Option<&str>) -> bool {
    match presented {
        Some(p) if !expected.is_empty() => bool::from(expected.as_bytes().ct_eq(p.as_bytes())),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn same_origin_passes_and_cross_site_is_refused() {
        let host = Some("dash.example:8443");
        assert!(
            !cross_site(&headers(&[]), host),
            "no browser headers: token decides"
        );
        assert!(!cross_site(
            &headers(&[("sec-fetch-site", "same-origin")]),
            host
        ));
        assert!(!cross_site(
            &headers(&[("origin", "https://dash.example:8443")]),
            host
        ));
        assert!(cross_site(
            &headers(&[("sec-fetch-site", "cross-site")]),
            host
        ));
        assert!(cross_site(
            &headers(&[("sec-fetch-site", "same-site")]),
            host
        ));
        assert!(cross_site(
            &headers(&[("origin", "https://evil.example")]),
            host
        ));
        assert!(cross_site(
            &headers(&[("origin", "http://dash.example:8443")]),
            host
        ));
        assert!(cross_site(&headers(&[("origin", "null")]), host));
        assert!(cross_site(&headers(&[("origin", "https://x")]), None));
    }

    #[test]
    fn tokens_compare_exactly() {
        assert!(token_matches("abc", Some("abc")));
        assert!(!token_matches("abc", Some("abd")));
        assert!(!token_matches("abc", Some("ab")));
        assert!(!token_matches("abc", None));
        assert!(!token_matches("", Some("")), "no session token, no match");
    }

    #[test]
    fn form_field_is_found_and_decoded() {
        assert_eq!(
            form_field(b"a=1&csrf=x%2By&b=2", "csrf").as_deref(),
            Some("x+y")
        );
        assert_eq!(form_field(b"a=1", "csrf"), None);
        assert!(is_safe(&Method::GET) && !is_safe(&Method::POST) && !is_safe(&Method::DELETE));
    }
}
