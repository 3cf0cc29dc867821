//! `GET/POST /admin/login` and `POST /admin/logout`.
use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::auth;
use super::passwords::verify_password;
use super::views::LoginPage;
use super::{AdminForm, first_values, read_form};
use crate::app::AppState;
use crate::clock::now;
use crate::comments::{ClientAddress, client_hash};
use crate::error::{AppError, Result};

/// Failed sign-ins allowed per username and client in [`FAILURE_WINDOW_SECS`].
const MAX_FAILURES: i64 = 5;
const FAILURE_WINDOW_SECS: i64 = 15 * 60;
/// The same words whatever went wrong, so that nobody learns which usernames exist.
const GENERIC_ERROR: &str = "The username or password is not right.";

pub async fn login_form(State(state): State<AppState>) -> Result<Response> {
    render(&state, "", None, StatusCode::OK)
}

fn render(
    state: &AppState,
    username: &str,
    error: Option<&str>,
    status: StatusCode,
) -> Result<Response> {
    let site = state.site();
    let html =
        askama::Template::render(&LoginPage::new(&site.guide, &site.assets, username, error))
            .map_err(|e| AppError::Internal(anyhow::anyhow!("rendering the sign-in page: {e}")))?;
    Ok((status, [(header::CACHE_CONTROL, "no-store")], Html(html)).into_response())
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
    if username.is_empty() || password.is_empty() {
        return render(
            &state,
            &username,
            Some("Enter your username and password."),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }

    let client = ClientAddress::resolve(peer, &headers, &state.config.comments.trusted_proxies);
    let client = client_hash(&state.comments.client_salt, client.0);
    let throttle_key = username.to_lowercase();
    let now = now();
    let (failures, oldest) = state
        .store
        .login_failures(&throttle_key, &client, now - FAILURE_WINDOW_SECS)
        .await?;
    if failures >= MAX_FAILURES {
        let retry_after = (oldest.unwrap_or(now) + FAILURE_WINDOW_SECS - now).max(1) as u64;
        tracing::warn!("sign-in throttled after {failures} failures");
        return Err(AppError::TooManyRequests {
            retry_after,
            message: format!(
                "Too many failed attempts. Try again in {} minutes.",
                retry_after.div_ceil(60)
            ),
        });
    }

    let credentials = state.store.credentials(&username).await?;
    let stored = credentials.as_ref().map(|(_, hash)| hash.clone());
    let candidate = password.clone();
    let valid = tokio::task::spawn_blocking(move || verify_password(&candidate, stored.as_deref()))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("password check: {e}")))?;
    let Some((moderator_id, _)) = credentials.filter(|_| valid) else {
        state
            .store
            .record_login_failure(&throttle_key, &client, now)
            .await?;
        tracing::info!("failed sign-in");
        return render(
            &state,
            &username,
            Some(GENERIC_ERROR),
            StatusCode::UNAUTHORIZED,
        );
    };

    state
        .store
        .clear_login_failures(&throttle_key, &client)
        .await?;
    let token = auth::random_token()?;
    let csrf = auth::random_token()?;
    state
        .store
        .create_session(&auth::hash_token(&token), moderator_id, &csrf, now)
        .await?;
    tracing::info!(moderator = %username, "signed in");
    let mut response = Redirect::to("/admin").into_response();
    let cookie = auth::session_cookie(&token, auth::cookies_secure(&state));
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|e| AppError::Internal(e.into()))?,
    );
    Ok(response)
}

pub async fn logout(
    State(state): State<AppState>,
    AdminForm { moderator, .. }: AdminForm,
) -> Result<Response> {
    state.store.delete_session(moderator.token_hash()).await?;
    tracing::info!(moderator = %moderator.username, "signed out");
    let mut response = Redirect::to("/admin/login").into_response();
    let cookie = auth::expired_session_cookie(auth::cookies_secure(&state));
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|e| AppError::Internal(e.into()))?,
    );
    Ok(response)
}
