//! `GET/POST /admin/login` and `POST /admin/logout`.
use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::auth;
use super::views::LoginPage;
use super::{AdminForm, first_values, read_form, safe_return_to};
use crate::accounts::{SignIn, sign_in};
use crate::clock::now;
use crate::comments::ClientAddress;
use crate::state::AppState;
use crate::web::{self, AppError, HtmlPage, Result};

/// The same words whatever went wrong, so that nobody learns which usernames exist.
const GENERIC_ERROR: &str = "The username or password is not right.";

#[derive(Debug, Default, serde::Deserialize)]
pub struct LoginQuery {
    /// Where to go once signed in, such as an email link's confirmation page.
    next: Option<String>,
}

pub async fn login_form(
    State(state): State<AppState>,
    query: std::result::Result<Query<LoginQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response> {
    let Query(query) = query.unwrap_or_default();
    let next = safe_return_to(query.next.as_ref());
    render(&state, "", None, &next, StatusCode::OK)
}

fn render(
    state: &AppState,
    username: &str,
    error: Option<&str>,
    next: &str,
    status: StatusCode,
) -> Result<Response> {
    let site = state.site();
    let page = LoginPage::new(&site.guide, &site.assets, username, error, next);
    Ok(HtmlPage::new(status, web::render(&page, "the sign-in page")?).into_response())
}

/// Records a sign-in attempt in the activity log under the account's name, or "unknown
/// user" when no account has the name typed (which may be a mistyped password).
async fn record(state: &AppState, typed: &str, action: &str) -> Result<()> {
    let known = state.store.credentials(typed).await?.is_some();
    let name = if known { typed } else { "unknown user" };
    state.store.record_sign_in(name, action, now()).await?;
    Ok(())
}

pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    auth::check_same_origin(&state, &headers)?;
    let fields = first_values(&read_form(&headers, &body)?);
    let username = fields
        .get("username")
        .map(|u| u.trim())
        .unwrap_or_default()
        .to_owned();
    let password = fields.get("password").cloned().unwrap_or_default();
    let next = safe_return_to(fields.get("next"));
    if username.is_empty() || password.is_empty() {
        return render(
            &state,
            &username,
            Some("Enter your username and password."),
            &next,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let client = ClientAddress::resolve(peer, &headers, &state.config.comments.trusted_proxies);
    let key = &state.comments.client_key;
    let client = key.client_hash(client.0);
    let outcome = sign_in(
        state.store.as_ref(),
        &state.password_checks,
        key,
        &username,
        &password,
        &client,
        now(),
    )
    .await?;
    match outcome {
        SignIn::Busy { retry_after_secs } => Err(AppError::Busy {
            retry_after: retry_after_secs,
            message: "Many people are signing in at once. Please try again in a moment.".into(),
        }),
        SignIn::Throttled { retry_after_secs } => {
            record(&state, &username, "throttled sign-in").await?;
            Err(AppError::TooManyRequests {
                retry_after: retry_after_secs,
                message: format!(
                    "Too many failed attempts. Try again in {} minutes.",
                    retry_after_secs.div_ceil(60)
                ),
            })
        }
        SignIn::Refused => {
            record(&state, &username, "failed sign-in").await?;
            render(
                &state,
                &username,
                Some(GENERIC_ERROR),
                &next,
                StatusCode::UNAUTHORIZED,
            )
        }
        SignIn::SignedIn(session) => {
            record(&state, &username, "sign-in").await?;
            // Where it was asked to go (an email link), else the account's own start page:
            // the queue for moderators, the preview for editors.
            let next = if fields.contains_key("next") {
                next
            } else {
                let roles = state
                    .store
                    .session(&crate::accounts::hash_token(&session.token))
                    .await?
                    .map(|s| s.roles)
                    .unwrap_or_default();
                auth::home_for(&roles).to_owned()
            };
            let mut response = Redirect::to(&next).into_response();
            let cookie = auth::session_cookie(&session.token, auth::cookies_secure(&state));
            response.headers_mut().insert(
                header::SET_COOKIE,
                HeaderValue::from_str(&cookie).map_err(|e| AppError::Internal(e.into()))?,
            );
            Ok(response)
        }
    }
}

pub async fn logout(
    State(state): State<AppState>,
    AdminForm {
        moderator: auth::SignedIn(moderator),
        ..
    }: AdminForm<auth::SignedIn>,
) -> Result<Response> {
    state.store.delete_session(moderator.token_hash()).await?;
    state
        .store
        .record_sign_in(&moderator.username, "sign-out", now())
        .await?;
    tracing::info!(moderator = %moderator.username, "signed out");
    let mut response = Redirect::to("/admin/login").into_response();
    let cookie = auth::expired_session_cookie(auth::cookies_secure(&state));
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|e| AppError::Internal(e.into()))?,
    );
    Ok(response)
}
