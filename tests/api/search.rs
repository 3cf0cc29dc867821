//! `GET /search?q=` over HTTP, the search box in every page's header and on the 404 page.
use crate::helpers::spawn_app;

/// The links of the result list, in order.
fn result_links(html: &str) -> Vec<String> {
    let Some(list) = html.split("class=\"result-list\"").nth(1) else {
        return Vec::new();
    };
    let list = list.split("</ol>").next().unwrap_or(list);
    list.split("<a href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

const HEADER_BOX: &str = "<form class=\"header-search\" action=\"/search\" method=\"get\" role=\"search\" aria-label=\"Site search\">";

#[tokio::test]
async fn search_ranks_matching_sections_and_highlights_the_words() {
    let app = spawn_app().await;
    let html = app.get_html("/search?q=infection").await;
    let links = result_links(&html);
    assert_eq!(links[0], "/guide/risks#infection");
    assert!(html.contains("A skin <mark>infection</mark> can follow any tattoo"));
    assert!(
        html.contains("<p class=\"result-section\">In The risks of scalp micropigmentation</p>")
    );
    assert!(html.contains("name=\"robots\" content=\"noindex\""));
}

#[tokio::test]
async fn each_faq_question_is_a_result_that_links_to_its_anchor() {
    let app = spawn_app().await;
    let html = app.get_html("/search?q=does+it+hurt").await;
    assert_eq!(result_links(&html)[0], "/guide/faq#does-it-hurt");
    assert!(html.contains(">Does it hurt?</a>"));
    assert!(html.contains("In SMP frequently asked questions"));
}

#[tokio::test]
async fn readers_words_typos_and_synonyms_find_the_guides_words() {
    let app = spawn_app().await;
    for (query, first) in [
        ("alopesia", "/guide/what-is-smp"),
        ("sunscren", "/guide/process#sun-protection"),
        ("side+effects", "/guide/risks"),
        ("allergies", "/guide/risks#allergic-reactions"),
    ] {
        let html = app.get_html(&format!("/search?q={query}")).await;
        let links = result_links(&html);
        assert!(
            links.first().is_some_and(|l| l.starts_with(first)),
            "{query}: {links:?}"
        );
    }
    let html = app.get_html("/search?q=sunscren").await;
    assert!(html.contains("Including close spellings: “sunscren” as “sunscreen”."));
}

#[tokio::test]
async fn a_word_the_guide_lacks_does_not_hide_the_ones_it_has() {
    let app = spawn_app().await;
    let html = app.get_html("/search?q=pigment+zebra").await;
    assert!(!result_links(&html).is_empty());
}

#[tokio::test]
async fn nothing_found_offers_did_you_mean_and_the_likely_sections() {
    let app = spawn_app().await;
    let html = app.get_html("/search?q=sunscreeeeen").await;
    assert!(html.contains("No results for “sunscreeeeen”"));
    assert!(
        html.contains("Did you mean <a href=\"/search?q=sunscreen\">sunscreen</a>?"),
        "{html}"
    );
    assert_eq!(result_links(&html)[0], "/guide/process#sun-protection");

    let html = app.get_html("/search?q=xqzvwk").await;
    assert!(html.contains("No results for “xqzvwk”"));
    assert!(!html.contains("Did you mean"));
    assert!(html.contains("<ul class=\"likely-list\">"));
    assert!(html.contains("<a href=\"/guide/risks\">"));
}

#[tokio::test]
async fn only_common_words_get_a_clear_answer() {
    let app = spawn_app().await;
    let html = app.get_html("/search?q=how+is+it").await;
    assert!(html.contains("Nothing to search for in “how is it”"));
}

#[tokio::test]
async fn every_page_has_the_search_box_in_its_header() {
    let app = spawn_app().await;
    for path in [
        "/",
        "/guide",
        "/guide/risks",
        "/guide/faq",
        "/about",
        "/search",
        "/search?q=pain",
    ] {
        let html = app.get_html(path).await;
        assert!(html.contains(HEADER_BOX), "{path}");
        assert!(
            html.contains(
                "<label for=\"site-search\" class=\"visually-hidden\">Search the guide</label>"
            ),
            "{path}"
        );
    }
}

#[tokio::test]
async fn the_404_page_has_a_search_box() {
    let app = spawn_app().await;
    let (status, _, html) = app.get_page("/no-such-page").await;
    assert_eq!(status, 404);
    assert!(html.contains(HEADER_BOX));
    assert!(html.contains(
        "<form class=\"search-form\" action=\"/search\" method=\"get\" role=\"search\" aria-labelledby=\"search-404-title\">"
    ));
}

#[tokio::test]
async fn hostile_queries_are_shown_as_text() {
    let app = spawn_app().await;
    for query in [
        "%3Cscript%3Ealert(1)%3C%2Fscript%3E%22onfocus%3D",
        "%3Cscript%3Ealert(1)%3C%2Fscript%3E+sunscreeeeen",
        "%3Cimg+src%3Dx+onerror%3Dalert(1)%3E+infection",
    ] {
        let html = app.get_html(&format!("/search?q={query}")).await;
        assert!(!html.contains("<script>alert"), "{query}");
        assert!(!html.contains("<img src=x"), "{query}");
        assert!(!html.contains("\"onfocus="), "{query}");
        assert!(html.contains("&#60;") || html.contains("&lt;"), "{query}");
    }
    let html = app
        .get_html("/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E%22onfocus%3D")
        .await;
    assert!(html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"));
}

#[tokio::test]
async fn an_empty_search_shows_the_form_only() {
    let app = spawn_app().await;
    for path in ["/search", "/search?q=", "/search?q=%20%20"] {
        let html = app.get_html(path).await;
        assert!(html.contains("<form class=\"search-form\""), "{path}");
        assert!(!html.contains("results for"), "{path}");
        assert!(!html.contains("No results"), "{path}");
    }
}

#[tokio::test]
async fn a_very_long_query_is_cut_and_says_so() {
    let app = spawn_app().await;
    let html = app
        .get_html(&format!("/search?q={}", "pain+".repeat(300)))
        .await;
    assert!(html.contains("only its first 200 characters were used"));
    assert!(!result_links(&html).is_empty());
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
        &format!("q={}", "a".repeat(6_000)),
        "q=%00%01",
        "q=%E2%80%8B%E2%80%8B",
    ] {
        let status = app.get(&format!("/search?{query}")).await.status().as_u16();
        let start: String = query.chars().take(20).collect();
        assert!(status == 200 || status == 400, "{start}: {status}");
    }
}
