//! Who is asking: the `CurrentUser` extractor (session cookie or API token) and the role proofs
//! `Viewer`/`Operator`/`Admin` that only this module can build. A failure is a [`Rejection`];
//! the web layer turns it into a response.

use std::ops::Deref;

use axum::extract::{FromRef, FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method};

use super::rejection::{Reason, Rejection};
use super::{api_tokens, sessions, AuthState, Role};

/// How the request proved who it is.
#[derive(Clone, PartialEq, Eq)]
pub enum Via {
    /// A browser session; the id is the stored SHA-256 digest, not the cookie.
    Session { id: String },
    /// An API token (`Authorization: Bearer tb_...`).
    ApiToken { id: i64 },
}

impl std::fmt::Debug for Via {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Via::Session { id } => write!(f, "Session({}..)", super::secret::log_id(id)),
            Via::ApiToken { id } => write!(f, "ApiToken({id})"),
        }
    }
}

/// The authenticated user of this request.
#[derive(Clone)]
pub struct CurrentUser {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub via: Via,
    pub must_change_password: bool,
    /// `auth.require_second_factor_for` names this role and the user has neither an active TOTP nor a passkey.
    pub must_enrol_second_factor: bool,
    /// The session's CSRF token (empty for API tokens, which need none).
    csrf: String,
    /// Whether refusals for this request are JSON (API, scripts) or pages.
    json: bool,
}

impl std::fmt::Debug for CurrentUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CurrentUser")
            .field("name", &self.name)
            .field("role", &self.role)
            .field("via", &self.via)
            .finish_non_exhaustive()
    }
}

impl CurrentUser {
    /// For hidden `csrf` form fields and the `csrf-token` meta tag.
    pub fn csrf(&self) -> &str {
        &self.csrf
    }

    pub fn session_id(&self) -> Option<&str> {
        match &self.via {
            Via::Session { id } => Some(id),
            Via::ApiToken { .. } => None,
        }
    }

    /// Every signed-in user is a viewer.
    pub fn viewer(&self) -> Viewer {
        Viewer(self.clone())
    }

    /// Operator proof, or a refusal naming `action` ("start bots").
    pub fn operator(&self, action: &str) -> Result<Operator, Rejection> {
        self.at_least(Role::Operator, action)?;
        Ok(Operator(self.clone()))
    }

    pub fn admin(&self, action: &str) -> Result<Admin, Rejection> {
        self.at_least(Role::Admin, action)?;
        Ok(Admin(self.clone()))
    }

    fn at_least(&self, role: Role, action: &str) -> Result<(), Rejection> {
        if self.role >= role {
            return Ok(());
        }
        let msg = format!("your role {} may not {action}; ask an admin", self.role);
        let user = Box::new(self.clone());
        Err(Rejection::new(
            Reason::Forbidden { message: msg, user },
            self.json,
        ))
    }
}

/// Which credential a request carries. A bearer header wins over a cookie, and then only the
/// token counts: the CSRF layer and the extractor must agree on this. `Debug` names the kind,
/// never the raw cookie or token.
pub(crate) enum Credential {
    None,
    Session(String),
    Bearer(String),
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credential::None => f.write_str("None"),
            Credential::Session(_) => f.write_str("Session(<redacted>)"),
            Credential::Bearer(_) => f.write_str("Bearer(<redacted>)"),
        }
    }
}

pub(crate) fn credential(headers: &HeaderMap) -> Credential {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        return Credential::Bearer(token.trim().to_owned());
    }
    match sessions::token_from(headers) {
        Some(token) => Credential::Session(token),
        None => Credential::None,
    }
}

/// The user behind a credential, or None if it is missing, unknown, expired or disabled.
pub(crate) async fn resolve(
    auth: &AuthState,
    cred: &Credential,
) -> anyhow::Result<Option<CurrentUser>> {
    let pool = auth.store.pool();
    let now = auth.clock.now_ms();
    Ok(match cred {
        Credential::None => None,
        Credential::Session(token) => {
            let timeouts = sessions::Timeouts::from(&auth.settings);
            sessions::lookup(pool, token, timeouts, now)
                .await?
                .map(|s| CurrentUser {
                    must_enrol_second_factor: must_enrol(auth, s.role, s.second_factor_active),
                    id: s.user_id,
                    name: s.name,
                    role: s.role,
                    via: Via::Session { id: s.session_id },
                    must_change_password: s.must_change_password,
                    csrf: s.csrf,
                    json: false,
                })
        }
        Credential::Bearer(token) => {
            api_tokens::lookup(pool, token, now)
                .await?
                .map(|t| CurrentUser {
                    must_enrol_second_factor: must_enrol(auth, t.role, t.second_factor_active),
                    id: t.user_id,
                    name: t.name,
                    role: t.role,
                    via: Via::ApiToken { id: t.token_id },
                    must_change_password: t.must_change_password,
                    csrf: String::new(),
                    json: true,
                })
        }
    })
}

fn must_enrol(auth: &AuthState, role: Role, active: bool) -> bool {
    !active && super::second_factor::required_for(&auth.settings, role)
}

/// The result of [`resolve`], left in the request by the CSRF layer so handlers do not look
/// the session up twice.
#[derive(Debug, Clone)]
pub(crate) struct Resolved(pub Option<CurrentUser>);

/// API paths and scripts get JSON refusals; browsers get pages and redirects.
pub(crate) fn wants_json(parts: &Parts) -> bool {
    // `/metrics` is for scrapers: a 401 tells them more than a redirect to a login page.
    let path = parts.uri.path();
    path.starts_with("/api/")
        || path == "/metrics"
        || parts.headers.contains_key(header::AUTHORIZATION)
}

/// Paths a user who must change their password may still use.
const WHILE_MUST_CHANGE: &[&str] = &["/account", "/account/password", "/logout", "/logout-all"];
/// Paths a user who must set up a second factor may still use.
const WHILE_MUST_ENROL: &[&str] = &[
    "/account",
    "/account/password",
    "/account/second-factor",
    "/account/second-factor/confirm",
    "/account/passkeys",
    "/account/passkeys/options",
    "/logout",
    "/logout-all",
];

async fn current_user<S>(parts: &mut Parts, state: &S) -> Result<Option<CurrentUser>, Rejection>
where
    S: Send + Sync,
    AuthState: FromRef<S>,
{
    let json = wants_json(parts);
    let user = match parts.extensions.get::<Resolved>() {
        Some(Resolved(user)) => user.clone(),
        None => {
            let auth = AuthState::from_ref(state);
            resolve(&auth, &credential(&parts.headers))
                .await
                .map_err(|e| Rejection::new(Reason::Internal(e), json))?
        }
    };
    Ok(user.map(|mut u| {
        u.json = json;
        u
    }))
}

impl<S> FromRequestParts<S> for CurrentUser
where
    S: Send + Sync,
    AuthState: FromRef<S>,
{
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let json = wants_json(parts);
        let user = current_user(parts, state)
            .await?
            .ok_or_else(|| Rejection::new(Reason::Unauthenticated, json))?;
        if user.must_change_password && !WHILE_MUST_CHANGE.contains(&parts.uri.path()) {
            return Err(Rejection::new(Reason::MustChangePassword, json));
        }
        if user.must_enrol_second_factor && !WHILE_MUST_ENROL.contains(&parts.uri.path()) {
            return Err(Rejection::new(Reason::MustEnrolSecondFactor, json));
        }
        Ok(user)
    }
}

/// `Option<CurrentUser>`: for pages such as /login that anyone may see.
impl<S> OptionalFromRequestParts<S> for CurrentUser
where
    S: Send + Sync,
    AuthState: FromRef<S>,
{
    type Rejection = Rejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        current_user(parts, state).await
    }
}

macro_rules! role_proof {
    ($(#[$doc:meta])* $name:ident, $check:ident) => {
        $(#[$doc])*
        /// Only `src/auth` can build one: holding it proves the check ran.
        #[derive(Debug, Clone)]
        pub struct $name(CurrentUser);

        impl Deref for $name {
            type Target = CurrentUser;
            fn deref(&self) -> &CurrentUser {
                &self.0
            }
        }

        impl<S> FromRequestParts<S> for $name
        where
            S: Send + Sync,
            AuthState: FromRef<S>,
        {
            type Rejection = Rejection;

            async fn from_request_parts(
                parts: &mut Parts,
                state: &S,
            ) -> Result<Self, Self::Rejection> {
                let user = <CurrentUser as FromRequestParts<S>>::from_request_parts(parts, state).await?;
                let action = if parts.method == Method::GET || parts.method == Method::HEAD {
                    "see this page"
                } else {
                    "do this"
                };
                user.$check(action)
            }
        }
    };
}

impl CurrentUser {
    fn viewer_check(&self, _action: &str) -> Result<Viewer, Rejection> {
        Ok(self.viewer())
    }
    fn operator_check(&self, action: &str) -> Result<Operator, Rejection> {
        self.operator(action)
    }
    fn admin_check(&self, action: &str) -> Result<Admin, Rejection> {
        self.admin(action)
    }
}

role_proof!(
    /// Any signed-in user.
    Viewer,
    viewer_check
);
role_proof!(
    /// A signed-in operator or admin.
    Operator,
    operator_check
);
role_proof!(
    /// A signed-in admin.
    Admin,
    admin_check
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_print_redacted() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "__Host-tradebot_session=cookie-secret-1234"
                .parse()
                .unwrap(),
        );
        let session = credential(&h);
        assert!(matches!(session, Credential::Session(_)));
        h.insert(
            header::AUTHORIZATION,
            "Bearer tb_bearer-secret-5678".parse().unwrap(),
        );
        let bearer = credential(&h);
        assert!(matches!(bearer, Credential::Bearer(_)));
        for (c, secret) in [
            (session, "cookie-secret-1234"),
            (bearer, "bearer-secret-5678"),
        ] {
            let printed = format!("{c:?}");
            assert!(!printed.contains(secret), "{printed}");
            assert!(printed.contains("<redacted>"), "{printed}");
        }
    }
}
