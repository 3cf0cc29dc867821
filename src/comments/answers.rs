//! Editorial answers are Markdown: links, emphasis, lists, quotes and code, nothing else.
//! pulldown-cmark renders them and ammonia's allow-list sanitises the result, so that no
//! paste can put script, styles, images or raw HTML on a public page. Readers' comments stay
//! plain text.
use std::collections::HashSet;
use std::sync::LazyLock;

use pulldown_cmark::{Options, Parser, html};

/// The tags an answer may use.
const TAGS: [&str; 13] = [
    "p",
    "br",
    "a",
    "em",
    "strong",
    "ul",
    "ol",
    "li",
    "blockquote",
    "code",
    "pre",
    "del",
    "hr",
];

static SANITISER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::empty();
    builder
        .tags(TAGS.into_iter().collect::<HashSet<_>>())
        .tag_attributes(
            [("a", ["href"].into_iter().collect::<HashSet<_>>())]
                .into_iter()
                .collect(),
        )
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        // Links to the guide itself (`/guide/risks#urgent-advice`) stay as written.
        .url_relative(ammonia::UrlRelative::PassThrough)
        .link_rel(Some("nofollow noopener"));
    builder
});

/// An answer's Markdown as safe HTML for a public page.
pub fn answer_html(markdown: &str) -> String {
    // No raw HTML gets through even before sanitising: it is shown as text.
    let events =
        Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH).map(|event| match event {
            pulldown_cmark::Event::Html(text) | pulldown_cmark::Event::InlineHtml(text) => {
                pulldown_cmark::Event::Text(text)
            }
            other => other,
        });
    let mut rendered = String::new();
    html::push_html(&mut rendered, events);
    SANITISER.clean(&rendered).to_string()
}

#[cfg(test)]
mod tests {
    use super::answer_html;

    #[test]
    fn answers_keep_links_emphasis_and_lists_and_lose_everything_else() {
        let cases = [
            (
                "See [the risks](/guide/risks#urgent-advice).",
                "<p>See <a href=\"/guide/risks#urgent-advice\" rel=\"nofollow noopener\">the risks</a>.</p>\n",
            ),
            (
                "*Yes*, **really**.",
                "<p><em>Yes</em>, <strong>really</strong>.</p>\n",
            ),
            ("- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"),
            (
                "<script>alert(1)</script>",
                "&lt;script&gt;alert(1)&lt;/script&gt;",
            ),
            (
                "[x](javascript:alert(1))",
                "<p><a rel=\"nofollow noopener\">x</a></p>\n",
            ),
            ("![a picture](https://evil.example/x.png)", "<p></p>\n"),
            (
                "Hi <img src=x onerror=alert(1)>",
                "<p>Hi &lt;img src=x onerror=alert(1)&gt;</p>\n",
            ),
            (
                "[mail](mailto:team@example.org)",
                "<p><a href=\"mailto:team@example.org\" rel=\"nofollow noopener\">mail</a></p>\n",
            ),
        ];
        for (markdown, html) in cases {
            assert_eq!(answer_html(markdown), html, "{markdown}");
        }
    }
}
