//! `GET /healthz`: 200 `ok` while the server can answer.
use axum::http::header;
use axum::response::IntoResponse;

pub async fn healthz() -> impl IntoResponse {
    ([(header::CACHE_CONTROL, "no-store")], "ok")
}
