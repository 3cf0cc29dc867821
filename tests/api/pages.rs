use std::collections::HashSet;

use crate::helpers::{SECTION_PATHS, assert_security_headers, attribute, spawn_app};

/// The pages beyond the guide, linked from every footer.
const SITE_PAGES: [&str; 3] = ["/about", "/comment-rules", "/privacy"];

fn all_html_pages() -> Vec<&'static str> {
    let mut pages = vec!["/", "/guide"];
    pages.extend(SECTION_PATHS);
    pages.extend(SITE_PAGES);
    pages
}

/// Every node of a page's JSON-LD graph with this `@type`.
fn nodes<'a>(data: &'a serde_json::Value, kind: &str) -> Vec<&'a serde_json::Value> {
    data["@graph"]
        .as_array()
        .expect("a @graph")
        .iter()
        .filter(|node| node["@type"] == kind)
        .collect()
}

#[tokio::test]
async fn every_page_has_unique_title_description_canonical_and_open_graph() {
    let app = spawn_app().await;
    let mut titles = HashSet::new();
    let mut descriptions = HashSet::new();
    for path in all_html_pages() {
        let html = app.get_html(path).await;
        assert!(
            html.starts_with("<!doctype html>\n<html lang=\"en\">"),
            "{path}"
        );
        let title = html
            .split("<title>")
            .nth(1)
            .unwrap()
            .split("</title>")
            .next()
            .unwrap();
        assert!(
            titles.insert(title.to_owned()),
            "{path}: duplicate title {title}"
        );
        let description = attribute(&html, "name=\"description\"", "content").unwrap();
        assert!(
            !description.is_empty() && descriptions.insert(description.clone()),
            "{path}"
        );
        let canonical = attribute(&html, "rel=\"canonical\"", "href").unwrap();
        assert_eq!(canonical, format!("{}{path}", app.address), "{path}");
        assert_eq!(
            attribute(&html, "property=\"og:url\"", "content").unwrap(),
            canonical
        );
        assert_eq!(
            attribute(&html, "property=\"og:title\"", "content").unwrap(),
            title
        );
        assert!(html.contains("property=\"og:description\""), "{path}");
        assert!(html.contains("Medical disclaimer"), "{path}: disclaimer");
        assert!(
            html.contains("class=\"skip-link\" href=\"#main\""),
            "{path}: skip link"
        );
        assert!(html.contains("<main id=\"main\""), "{path}: main landmark");
    }
}

#[tokio::test]
async fn section_pages_carry_breadcrumb_contents_dates_review_and_neighbours() {
    let app = spawn_app().await;
    for (index, path) in SECTION_PATHS.iter().enumerate() {
        let html = app.get_html(path).await;
        assert!(html.contains("aria-label=\"Breadcrumb\""), "{path}");
        assert!(
            html.contains("<h2 id=\"toc-title\">On this page</h2>"),
            "{path}"
        );
        assert!(
            html.contains("Last updated <time datetime=\"2026-"),
            "{path}"
        );
        assert!(html.contains("<dt>Last reviewed</dt>"), "{path}");
        assert!(html.contains("<dt>Next review due</dt>"), "{path}");
        assert_eq!(
            html.contains("rel=\"prev\""),
            index > 0,
            "{path}: previous link"
        );
        assert_eq!(
            html.contains("rel=\"next\""),
            index + 1 < SECTION_PATHS.len(),
            "{path}: next link"
        );
        if index + 1 < SECTION_PATHS.len() {
            assert!(
                html.contains(&format!(
                    "rel=\"next\" href=\"{}\"",
                    SECTION_PATHS[index + 1]
                )),
                "{path}"
            );
        }
        // Every contents entry points to an id on the page.
        let toc = html
            .split("<nav class=\"toc toc-side\"")
            .nth(1)
            .unwrap()
            .split("</nav>")
            .next()
            .unwrap();
        for anchor in toc.split("href=\"#").skip(1) {
            let id = anchor.split('"').next().unwrap();
            assert!(
                html.contains(&format!("id=\"{id}\"")),
                "{path}: #{id} missing"
            );
        }
    }
}

fn json_ld(html: &str) -> serde_json::Value {
    let json = html
        .split("<script type=\"application/ld+json\">")
        .nth(1)
        .expect("a JSON-LD block")
        .split("</script>")
        .next()
        .unwrap();
    serde_json::from_str(json).expect("valid JSON-LD")
}

#[tokio::test]
async fn sections_describe_themselves_as_reviewed_medical_web_pages() {
    let app = spawn_app().await;
    for path in SECTION_PATHS {
        let data = json_ld(&app.get_html(path).await);
        let page = &data["@graph"][0];
        assert_eq!(page["@type"], "MedicalWebPage", "{path}");
        assert_eq!(page["lastReviewed"].as_str().unwrap().len(), 10, "{path}");
        assert!(page["reviewedBy"]["name"].is_string(), "{path}");
    }
    let faq = json_ld(&app.get_html("/guide/faq").await);
    let faq_page = faq["@graph"]
        .as_array()
        .unwrap()
        .iter()
        .find(|node| node["@type"] == "FAQPage")
        .expect("an FAQPage");
    let questions = faq_page["mainEntity"].as_array().unwrap();
    assert_eq!(questions.len(), 10);
    assert!(questions.iter().all(|q| {
        q["acceptedAnswer"]["text"]
            .as_str()
            .is_some_and(|t| !t.is_empty())
    }));
}

#[tokio::test]
async fn structured_parts_are_rendered_richly() {
    let app = spawn_app().await;
    let steps = app.get_html("/guide/choosing-a-practitioner").await;
    assert_eq!(
        steps.matches("<li>\n      <h3>").count(),
        5,
        "five practitioner steps"
    );
    let pros_cons = app.get_html("/guide/pros-and-cons").await;
    assert!(
        pros_cons.contains("<h2 id=\"pros\">Pros</h2>")
            && pros_cons.contains("<h2 id=\"cons\">Cons</h2>")
    );
    let faq = app.get_html("/guide/faq").await;
    assert_eq!(faq.matches("class=\"faq-entry\"").count(), 10);
}

#[tokio::test]
async fn the_home_page_introduces_the_guide_and_lists_every_section() {
    let app = spawn_app().await;
    let html = app.get_html("/").await;
    for path in SECTION_PATHS {
        assert!(
            html.contains(&format!("<a href=\"{path}\">")),
            "contents link to {path}"
        );
    }
    assert!(html.contains("In summary"));
}

#[tokio::test]
async fn the_whole_guide_fits_on_one_page_without_duplicate_ids() {
    let app = spawn_app().await;
    let html = app.get_html("/guide").await;
    for path in SECTION_PATHS {
        let slug = path.trim_start_matches("/guide/");
        assert!(
            html.contains(&format!(
                "<article class=\"section combined\" id=\"{slug}\""
            )),
            "{slug}"
        );
    }
    let mut ids = HashSet::new();
    for id in html
        .split(" id=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap())
    {
        assert!(ids.insert(id), "duplicate id {id}");
    }
    for link in html
        .split("href=\"#")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap())
    {
        assert!(ids.contains(link), "in-page link #{link} has no target");
    }
}

#[tokio::test]
async fn unknown_pages_get_the_friendly_404_page() {
    let app = spawn_app().await;
    for path in [
        "/nope",
        "/guide/nope",
        "/guide/risks/extra",
        "/static/nope.css",
        "/admin/../etc/passwd",
    ] {
        let (status, headers, body) = app.get_page(path).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(
            headers["content-type"], "text/html; charset=utf-8",
            "{path}"
        );
        assert!(
            body.contains("Page not found") && body.contains("href=\"/\""),
            "{path}"
        );
        assert_security_headers(&headers, path);
    }
}

#[tokio::test]
async fn a_trailing_slash_redirects_to_the_page() {
    let app = spawn_app().await;
    let response = app.get("/guide/risks/").await;
    assert_eq!(response.status().as_u16(), 308);
    assert_eq!(response.headers()["location"], "/guide/risks");
}

#[tokio::test]
async fn pages_answer_conditional_requests_with_304() {
    let app = spawn_app().await;
    let first = app.get("/guide/risks").await;
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    assert!(
        etag.starts_with('"') && etag.ends_with('"'),
        "a strong ETag: {etag}"
    );
    let again = app
        .client
        .get(app.url("/guide/risks"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 304);
    assert_eq!(again.text().await.unwrap(), "");
    let other = app
        .client
        .get(app.url("/guide/risks"))
        .header("if-none-match", "\"something-else\"")
        .send()
        .await
        .unwrap();
    assert_eq!(other.status().as_u16(), 200);
}

#[tokio::test]
async fn head_requests_get_headers_without_a_body() {
    let app = spawn_app().await;
    let response = app.client.head(app.url("/guide/faq")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    assert_eq!(response.text().await.unwrap(), "");
}

#[tokio::test]
async fn every_kind_of_response_carries_the_security_headers() {
    let app = spawn_app().await;
    for path in [
        "/",
        "/guide/risks",
        "/search?q=dots",
        "/sitemap.xml",
        "/feed.xml",
        "/robots.txt",
        "/healthz",
        "/nope",
    ] {
        let response = app.get(path).await;
        assert_security_headers(response.headers(), path);
    }
    let post = app.client.post(app.url("/")).send().await.unwrap();
    assert_eq!(post.status().as_u16(), 405);
    assert_security_headers(post.headers(), "POST /");
}

#[tokio::test]
async fn sitemap_lists_every_page_with_lastmod() {
    let app = spawn_app().await;
    let (status, headers, xml) = app.get_page("/sitemap.xml").await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/xml");
    assert!(xml.starts_with("<?xml"));
    for path in SECTION_PATHS {
        assert!(
            xml.contains(&format!("<loc>{}{path}</loc><lastmod>2026-", app.address)),
            "{path}"
        );
    }
}

#[tokio::test]
async fn robots_txt_points_to_the_sitemap_and_keeps_crawlers_out_of_admin() {
    let app = spawn_app().await;
    let (status, headers, text) = app.get_page("/robots.txt").await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "text/plain; charset=utf-8");
    assert!(text.contains(&format!("Sitemap: {}/sitemap.xml", app.address)));
    assert!(text.contains("Disallow: /admin"));
}

#[tokio::test]
async fn the_atom_feed_has_an_entry_per_section() {
    let app = spawn_app().await;
    let (status, headers, xml) = app.get_page("/feed.xml").await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/atom+xml");
    assert!(xml.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\""));
    assert_eq!(xml.matches("<entry>").count(), SECTION_PATHS.len());
    assert!(xml.contains("<updated>2026-"));
    assert!(
        !xml.contains("<p>"),
        "entry HTML is escaped inside <content type=\"html\">"
    );
    // Feed readers show entries away from the site: no root-relative links, and a base
    // for the links within the page.
    assert!(
        !xml.contains("href=&#34;/"),
        "no root-relative links in entries"
    );
    assert!(
        !xml.contains("src=&#34;/"),
        "no root-relative images in entries"
    );
    assert!(xml.contains(&format!("href=&#34;{}/guide/", app.address)));
    assert!(xml.contains(&format!(
        "<content type=\"html\" xml:base=\"{}/guide/process\">",
        app.address
    )));
}

#[tokio::test]
async fn the_menu_marks_the_current_page_and_the_part_of_the_site_a_section_is_in() {
    let app = spawn_app().await;
    let cases = [
        ("/", "/", "page"),
        ("/guide", "/guide", "page"),
        ("/guide/faq", "/guide/faq", "page"),
        ("/guide/risks", "/guide", "true"),
        ("/search?q=dots", "/search", "page"),
    ];
    for (path, current, value) in cases {
        let html = app.get_html(path).await;
        let menu = html
            .split("<nav class=\"site-nav\"")
            .nth(1)
            .and_then(|rest| rest.split("</nav>").next())
            .unwrap();
        let marked: Vec<&str> = menu.matches("aria-current").collect();
        assert_eq!(marked.len(), 1, "{path}: one menu item is current");
        assert!(
            menu.contains(&format!("<a href=\"{current}\" aria-current=\"{value}\">")),
            "{path}: {menu}"
        );
    }
    let about = app.get_html("/about").await;
    let menu = about.split("<nav class=\"site-nav\"").nth(1).unwrap();
    let menu = menu.split("</nav>").next().unwrap();
    assert!(!menu.contains("aria-current"), "/about is not in the menu");
}

#[tokio::test]
async fn pages_name_a_card_type_for_link_previews() {
    let app = spawn_app().await;
    for (path, card) in [
        ("/guide/risks", "summary_large_image"),
        ("/nope", "summary"),
    ] {
        let html = app.get(path).await.text().await.unwrap();
        assert_eq!(
            attribute(&html, "name=\"twitter:card\"", "content").as_deref(),
            Some(card),
            "{path}"
        );
    }
}

#[tokio::test]
async fn the_base_url_can_be_overridden_by_config() {
    let app = crate::helpers::spawn_app_with(|config| {
        config.base_url = Some("https://smp.example/".into())
    })
    .await;
    let html = app.get_html("/guide/risks").await;
    assert_eq!(
        attribute(&html, "rel=\"canonical\"", "href").unwrap(),
        "https://smp.example/guide/risks"
    );
}

#[tokio::test]
async fn illustrations_have_alt_text_and_fingerprinted_sources() {
    let app = spawn_app().await;
    let mut images = 0;
    for path in SECTION_PATHS {
        let html = app.get_html(path).await;
        for tag in html.split("<img ").skip(1) {
            let tag = tag.split('>').next().unwrap();
            let alt = tag
                .split("alt=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            assert!(
                alt.split_whitespace().count() >= 4,
                "{path}: alt text {alt:?} is too thin"
            );
            let src = tag
                .split("src=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            let response = app.get(src).await;
            assert_eq!(response.status().as_u16(), 200, "{src}");
            assert_eq!(
                response.headers()["content-type"],
                "image/svg+xml; charset=utf-8"
            );
            images += 1;
        }
    }
    assert!(images >= 3, "at least three illustrations, found {images}");
}

#[tokio::test]
async fn pages_beyond_the_guide_are_served_in_every_footer_and_in_the_sitemap() {
    let app = spawn_app().await;
    for path in all_html_pages() {
        let html = app.get_html(path).await;
        let footer = html
            .split("<footer class=\"site-footer\">")
            .nth(1)
            .expect("a footer");
        for page in SITE_PAGES {
            assert!(
                footer.contains(&format!("href=\"{page}\"")),
                "{path}: footer link to {page}"
            );
        }
    }
    let about = app.get_html("/about").await;
    assert!(
        about.contains("aria-current=\"page\">About"),
        "the footer marks the current page"
    );
    let sitemap = app.get("/sitemap.xml").await.text().await.unwrap();
    for page in SITE_PAGES {
        assert!(
            sitemap.contains(&format!("<loc>{}{page}</loc>", app.address)),
            "{page}"
        );
    }
    // The pages answer GET and HEAD only; anything else is still an unknown path.
    let response = app.client.post(app.url("/about")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 404);
    let response = app.client.head(app.url("/privacy")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
}

#[tokio::test]
async fn every_citation_leads_to_a_numbered_source_with_its_publisher() {
    let app = spawn_app().await;
    for path in SECTION_PATHS {
        let html = app.get_html(path).await;
        let sources = html.matches("<li id=\"source-").count();
        assert!(sources >= 3, "{path}: {sources} sources");
        assert_eq!(
            html.matches("<span class=\"source-publisher\">").count(),
            sources,
            "{path}: every source names its publisher"
        );
        let cited: HashSet<&str> = html
            .split("<sup class=\"cite\">")
            .skip(1)
            .flat_map(|rest| {
                rest.split("</sup>")
                    .next()
                    .unwrap()
                    .split("href=\"#")
                    .skip(1)
            })
            .map(|rest| rest.split('"').next().unwrap())
            .collect();
        assert!(!cited.is_empty(), "{path}: the text cites its sources");
        for id in cited {
            assert!(
                html.contains(&format!("<li id=\"{id}\">")),
                "{path}: citation #{id} has no source"
            );
        }
    }
}

#[tokio::test]
async fn safety_advice_stands_out_in_boxes_with_headings() {
    let app = spawn_app().await;
    let risks = app.get_html("/guide/risks").await;
    let urgent = risks
        .split("<div class=\"callout callout-urgent\">")
        .nth(1)
        .expect("an urgent-advice box on the risks page");
    assert!(
        urgent.trim_start().starts_with("<h3 class=\"callout-heading\" id=\"urgent-advice\"><span class=\"callout-label\">Urgent advice"),
        "{}",
        &urgent[..200]
    );
    assert!(risks.contains("<div class=\"callout callout-non-urgent\">"));
    let process = app.get_html("/guide/process").await;
    assert!(process.contains("<div class=\"callout callout-important\">"));
    // The comment form sends readers who need help to that box.
    let form = risks.split("id=\"respond\"").nth(1).unwrap();
    assert!(form.contains("Comments are not for urgent medical help"));
    assert!(form.contains("href=\"/guide/risks#urgent-advice\""));
    assert!(form.contains("href=\"/comment-rules\"") && form.contains("href=\"/privacy\""));
}

#[tokio::test]
async fn structured_data_names_sources_reviewers_breadcrumbs_and_the_site() {
    let app = spawn_app().await;
    for path in SECTION_PATHS {
        let html = app.get_html(path).await;
        let data = json_ld(&html);
        let page = nodes(&data, "MedicalWebPage")[0];
        let citations = page["citation"].as_array().unwrap();
        assert_eq!(
            citations.len(),
            html.matches("<li id=\"source-").count(),
            "{path}"
        );
        assert!(
            citations
                .iter()
                .all(|c| c["url"].as_str().is_some_and(|u| u.starts_with("http"))
                    && c["publisher"]["name"].is_string()),
            "{path}"
        );
        assert_eq!(page["datePublished"].as_str().unwrap().len(), 10, "{path}");
        assert_eq!(
            page["reviewedBy"]["@type"], "Organization",
            "{path}: no invented reviewer"
        );
        let crumbs = nodes(&data, "BreadcrumbList")[0]["itemListElement"]
            .as_array()
            .unwrap();
        let names: Vec<&str> = crumbs.iter().map(|c| c["name"].as_str().unwrap()).collect();
        assert_eq!(names[..2], ["Home", "Guide"], "{path}");
        assert_eq!(
            crumbs[2]["item"],
            format!("{}{path}", app.address),
            "{path}"
        );
    }
    let home = json_ld(&app.get_html("/").await);
    let site = nodes(&home, "WebSite")[0];
    assert_eq!(site["url"], format!("{}/", app.address));
    assert_eq!(site["potentialAction"]["@type"], "SearchAction");
    let org = nodes(&home, "Organization")[0];
    assert_eq!(
        org["publishingPrinciples"],
        format!("{}/about", app.address)
    );

    // FAQ answers read well on their own: links keep their text and are absolute.
    let faq = json_ld(&app.get_html("/guide/faq").await);
    let answers: Vec<&str> = nodes(&faq, "FAQPage")[0]["mainEntity"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["acceptedAnswer"]["text"].as_str().unwrap())
        .collect();
    assert!(
        answers
            .iter()
            .any(|a| a.contains(&format!("<a href=\"{}/guide/", app.address)))
    );
    assert!(
        answers
            .iter()
            .all(|a| !a.contains("href=\"/") && !a.contains("class=\"cite\""))
    );
}

#[tokio::test]
async fn link_previews_get_a_1200_by_630_image() {
    let app = spawn_app().await;
    let html = app.get_html("/guide/risks").await;
    let image = attribute(&html, "property=\"og:image\"", "content").expect("og:image");
    let path = image
        .strip_prefix(app.address.as_str())
        .expect("an absolute URL");
    let response = app.get(path).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["content-type"], "image/png");
    let bytes = response.bytes().await.unwrap();
    assert_eq!(&bytes[1..4], b"PNG");
    let size = (
        u32::from_be_bytes(bytes[16..20].try_into().unwrap()),
        u32::from_be_bytes(bytes[20..24].try_into().unwrap()),
    );
    assert_eq!(size, (1200, 630));
}

/// The `<main>` of a page as served, with what changes from run to run (the server's
/// address, content fingerprints of static files) replaced by fixed markers.
fn normalised_main(html: &str, address: &str) -> String {
    let start = html.find("<main").expect("a <main>");
    let end = html.find("</main>").expect("a </main>") + "</main>".len();
    let main = html[start..end].replace(address, "http://SERVER");
    // `/static/style.924e2d4cc8.css` -> `/static/style.FINGERPRINT.css`
    let mut out = String::with_capacity(main.len());
    let mut rest = main.as_str();
    while let Some(at) = rest.find("/static/") {
        let (before, from) = rest.split_at(at);
        out.push_str(before);
        let name_end = from
            .find(|c: char| c == '"' || c == '\'' || c == ')' || c.is_whitespace())
            .unwrap_or(from.len());
        let name = &from[..name_end];
        let parts: Vec<&str> = name.rsplitn(3, '.').collect();
        match parts.as_slice() {
            [ext, hash, stem]
                if hash.len() == 10 && hash.bytes().all(|b| b.is_ascii_hexdigit()) =>
            {
                out.push_str(&format!("{stem}.FINGERPRINT.{ext}"));
            }
            _ => out.push_str(name),
        }
        rest = &from[name_end..];
    }
    out.push_str(rest);
    out
}

/// Whole pages compared with the expected output kept in `tests/fixtures/pages/`, where a
/// list of substrings would let a stray or missing element through. After a deliberate
/// change to the templates or the fixture guide, run
/// `UPDATE_EXPECTED=1 cargo test --test api whole_pages` and read the diff before committing.
#[tokio::test]
async fn whole_pages_match_their_expected_output() {
    let app = spawn_app().await;
    let mut mismatches = Vec::new();
    for (path, file) in [
        ("/guide/risks", "risks.main.html"),
        ("/guide/faq", "faq.main.html"),
        ("/", "home.main.html"),
    ] {
        let html = app.get_html(path).await;
        let actual = normalised_main(&html, &app.address);
        let expected_path = crate::helpers::repo_path(&format!("tests/fixtures/pages/{file}"));
        if std::env::var_os("UPDATE_EXPECTED").is_some() {
            std::fs::create_dir_all(expected_path.parent().unwrap()).unwrap();
            std::fs::write(&expected_path, &actual).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path)
            .unwrap_or_else(|err| panic!("{}: {err}", expected_path.display()));
        if actual != expected {
            let line = actual
                .lines()
                .zip(expected.lines())
                .position(|(a, e)| a != e)
                .map_or(actual.lines().count().min(expected.lines().count()), |n| n);
            mismatches.push(format!(
                "{path} differs from {} from line {}:\n  got:      {:?}\n  expected: {:?}",
                expected_path.display(),
                line + 1,
                actual.lines().nth(line).unwrap_or(""),
                expected.lines().nth(line).unwrap_or("")
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
