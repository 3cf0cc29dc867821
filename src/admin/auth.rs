//! Sign-in: sessions in a cookie, stored hashed in the database; the `Moderator`
//! extractor that every admin route requires; CSRF and Origin checks for every POST.
use std::collections::HashMap;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use cookie::{Cookie, SameSite};

use crate::accounts::{hash_token, live_session};
use crate::state::AppState;
use crate::store::Role;
use crate::web::AppError;

pub const SESSION_COOKIE: &str = "smp_session";

/// A signed-in moderator. Extracting it refuses the request: with a 303 to the sign-in
/// page unless the session cookie names a live session, and with a 403 if the account is
/// not a moderator (an editor's account).
#[derive(Debug, Clone)]
pub struct Moderator {
    pub username: String,
    pub csrf_token: String,
    /// Every role of the account (a moderator may be an editor too).
    pub roles: Vec<Role>,
    token_hash: String,
}

impl Moderator {
    pub fn token_hash(&self) -> &str {
        &self.token_hash
    }

    pub fn is(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// A signed-in editor: like [`Moderator`], for the content preview and its problems. It
/// holds the account (whose roles may include moderating as well).
#[derive(Debug, Clone)]
pub struct Editor(pub Moderator);

/// Whoever is signed in, whatever their roles (signing out is for everyone).
#[derive(Debug, Clone)]
pub struct SignedIn(pub Moderator);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(token) = session_token(&parts.headers) else {
            return Err(AppError::Unauthorized);
        };
        let token_hash = hash_token(&token);
        let max_age_secs = i64::from(state.config.accounts.session_max_hours) * 60 * 60;
        let session = live_session(
            state.store.as_ref(),
            &token_hash,
            max_age_secs,
            crate::clock::now(),
        )
        .await?;
        let Some(session) = session else {
            return Err(AppError::Unauthorized);
        };
        Ok(SignedIn(Moderator {
            username: session.username,
            csrf_token: session.csrf_token,
            roles: session.roles,
            token_hash,
        }))
    }
}

impl FromRequestParts<AppState> for Moderator {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let SignedIn(account) = SignedIn::from_request_parts(parts, state).await?;
        if !account.is(Role::Moderator) {
            return Err(AppError::Forbidden(
                "Your account is an editor's: it can preview the guide at /admin/preview, but \
                 the comment queue is for moderators."
                    .into(),
            ));
        }
        Ok(account)
    }
}

impl FromRequestParts<AppState> for Editor {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let SignedIn(account) = SignedIn::from_request_parts(parts, state).await?;
        if !account.is(Role::Editor) {
            return Err(AppError::Forbidden(
                "Your account is a moderator's: the preview of the guide and its content \
                 problems are for editors."
                    .into(),
            ));
        }
        Ok(Editor(account))
    }
}

/// What every signed-in extractor knows of its session, for the form checks.
pub trait HasSession {
    fn csrf_token(&self) -> &str;
}

impl HasSession for Moderator {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

impl HasSession for Editor {
    fn csrf_token(&self) -> &str {
        &self.0.csrf_token
    }
}

impl HasSession for SignedIn {
    fn csrf_token(&self) -> &str {
        &self.0.csrf_token
    }
}

/// Where an account lands after signing in: the queue for moderators, the preview for
/// editors who are not moderators.
pub fn home_for(roles: &[Role]) -> &'static str {
    if roles.contains(&Role::Moderator) || roles.is_empty() {
        "/admin"
    } else {
        "/admin/preview"
    }
}

/// The session token from the request's cookies.
fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == SESSION_COOKIE)
        .map(|cookie| cookie.value().to_owned())
        .filter(|token| token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The `Set-Cookie` value that starts a session. `Secure` unless the site is plain http.
pub fn session_cookie(token: &str, secure: bool) -> String {
    Cookie::build((SESSION_COOKIE, token.to_owned()))
        .http_only(true)
        .same_site(SameSite::Strict)
        .path("/admin")
        .secure(secure)
        .build()
        .to_string()
}

/// The `Set-Cookie` value that ends it.
pub fn expired_session_cookie(secure: bool) -> String {
    let mut cookie = Cookie::build((SESSION_COOKIE, ""))
        .http_only(true)
        .same_site(SameSite::Strict)
        .path("/admin")
        .secure(secure)
        .build();
    cookie.make_removal();
    cookie.to_string()
}

/// Whether cookies must be `Secure`: yes, unless the site's base URL is plain http.
pub fn cookies_secure(state: &AppState) -> bool {
    !state.site().guide.site.base_url.starts_with("http://")
}

/// Refuses a state-changing request that did not come from one of our own pages: the
/// `Origin` (or, failing that, `Referer`) must be this site, and for signed-in requests
/// the form's `csrf` field must match the session's token.
pub fn check_same_origin(state: &AppState, headers: &HeaderMap) -> Result<(), AppError> {
    crate::web::require_same_origin(&state.site().guide.site.base_url, headers)
}

pub fn check_csrf(expected: &str, fields: &HashMap<String, String>) -> Result<(), AppError> {
    let sent = fields.get("csrf").map(String::as_str).unwrap_or_default();
    if constant_time_eq(sent.as_bytes(), expected.as_bytes()) {
        Ok(())
    } else {
        Err(AppError::Forbidden("The form has expired or did not come from this site. Go back, reload the page and try again.".into()))
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len()
        && !a.is_empty()
        && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_cookies_are_locked_down() {
        let cookie = session_cookie(&"a".repeat(64), true);
        for part in ["HttpOnly", "SameSite=Strict", "Path=/admin", "Secure"] {
            assert!(cookie.contains(part), "{cookie}");
        }
        assert!(!session_cookie("x", false).contains("Secure"));
        assert!(expired_session_cookie(false).contains("Max-Age=0"));
    }

    #[test]
    fn comparison_needs_equal_non_empty_values() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"", b""));
    }
}
