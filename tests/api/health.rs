use crate::helpers::{assert_security_headers, spawn_app};

#[tokio::test]
async fn healthz_answers_ok() {
    let app = spawn_app().await;
    let (status, headers, body) = app.get_page("/healthz").await;
    assert_eq!(status, 200);
    assert_eq!(body, "ok");
    assert_security_headers(&headers, "/healthz");
}
