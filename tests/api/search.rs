use crate::helpers::spawn_app;

#[tokio::test]
async fn search_ranks_matching_sections_and_highlights_the_words() {
    let app = spawn_app().await;
    let html = app.get_html("/search?q=infection").await;
    let results = html.split("class=\"result-list\"").nth(1).expect("results");
    let first = results.split("<a href=\"").nth(1).unwrap();
    assert!(
        first.starts_with("/guide/risks"),
        "risks ranks first: {first:.80}"
    );
    assert!(results.to_lowercase().contains("<mark>infection</mark>"));
    assert!(html.contains("name=\"robots\" content=\"noindex\""));
}

#[tokio::test]
async fn every_query_word_must_match() {
    let app = spawn_app().await;
    let html = app.get_html("/search?q=pigment+zebra").await;
    assert!(html.contains("No results for"));
}

#[tokio::test]
async fn hostile_queries_are_shown_as_text() {
    let app = spawn_app().await;
    let html = app
        .get_html("/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E%22onfocus%3D")
        .await;
    assert!(!html.contains("<script>alert"));
    assert!(html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"));
    assert!(!html.contains("\"onfocus="));
}

#[tokio::test]
async fn an_empty_search_shows_the_form_only() {
    let app = spawn_app().await;
    for path in ["/search", "/search?q=", "/search?q=%20%20"] {
        let html = app.get_html(path).await;
        assert!(html.contains("<form class=\"search-form\""), "{path}");
        assert!(!html.contains("results for"), "{path}");
    }
}

#[tokio::test]
async fn odd_query_strings_never_cause_a_server_error() {
    let app = spawn_app().await;
    for query in [
        "q=%FF%FE",
        "q=%",
        "q=a&q=b",
        "x=1",
        &format!("q={}", "é".repeat(1500)),
    ] {
        let status = app.get(&format!("/search?{query}")).await.status().as_u16();
        assert!(status == 200 || status == 400, "{query}: {status}");
    }
}
