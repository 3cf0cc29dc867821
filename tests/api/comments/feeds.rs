//! Approved comments outside the page (issue 17, part 6): Atom feeds for the whole guide
//! and each section, and `Comment` items in the section's JSON-LD.
use std::io::Write as _;
use std::path::PathBuf;
use std::process::Command;

use crate::helpers::{AdminSession, TestApp, form, spawn_app};

const PASSWORD: &str = "a moderator's long password";

/// A server with comments of every kind: approved ones on two sections (one with a
/// website, one with markup-like text), an approved reply, an editorial answer with a
/// root-relative link, and a pending comment that no feed may show.
async fn commented_app() -> (TestApp, AdminSession, Vec<i64>) {
    let app = spawn_app().await;
    app.add_moderator("mo", PASSWORD).await;
    let session = app.login_as_moderator("mo", PASSWORD).await;
    let post = async |slug: &str, fields: Vec<(&'static str, String)>| {
        let response = app.post_comment(slug, &fields).await;
        assert_eq!(response.status().as_u16(), 303);
        app.rows().await.last().unwrap().id
    };
    let approve = async |id: i64| {
        let response = app
            .admin_post(&session, &format!("/admin/comments/{id}/approve"), &[])
            .await;
        assert_eq!(response.status().as_u16(), 303);
    };
    let mut ids = Vec::new();
    let mut with_site = form(
        "Does the numbing cream help?",
        "Sam",
        "sam-private@example.com",
    );
    with_site.retain(|(name, _)| *name != "url");
    with_site.push(("url", "sam.example.com".to_owned()));
    ids.push(post("risks", with_site).await);
    ids.push(
        post(
            "faq",
            form(
                "Is <b>bold</b> & \"quoted\" </script> text kept as text?",
                "Ann",
                "ann-private@example.com",
            ),
        )
        .await,
    );
    approve(ids[0]).await;
    approve(ids[1]).await;
    let mut reply = form("It did for me.", "Alex", "alex-private@example.com");
    reply.retain(|(name, _)| *name != "parent");
    reply.push(("parent", ids[0].to_string()));
    ids.push(post("risks", reply).await);
    approve(ids[2]).await;
    let answered = app
        .admin_post(
            &session,
            &format!("/admin/comments/{}/answer", ids[0]),
            &[("answer", "See [the process](/guide/process#numbing) too.")],
        )
        .await;
    assert_eq!(answered.status().as_u16(), 303);
    ids.push(app.rows().await.last().unwrap().id);
    post(
        "risks",
        form(
            "Still waiting for a moderator",
            "Pat",
            "pat-private@example.com",
        ),
    )
    .await;
    (app, session, ids)
}

fn entries(feed: &str) -> Vec<&str> {
    feed.split("<entry>").skip(1).collect()
}

#[tokio::test]
async fn comment_feeds_hold_the_newest_approved_comments_with_absolute_links() {
    let (app, session, ids) = commented_app().await;
    let base = &app.address;

    let (status, headers, feed) = app.get_page("/feed/comments.xml").await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/atom+xml");
    assert!(headers.contains_key("etag"));
    assert!(feed.contains(&format!(
        "<link rel=\"self\" type=\"application/atom+xml\" href=\"{base}/feed/comments.xml\"/>"
    )));
    let all = entries(&feed);
    assert_eq!(
        all.len(),
        4,
        "three comments and an answer, not the pending one"
    );
    assert!(
        all[0].contains(&format!(
            "<link rel=\"alternate\" type=\"text/html\" href=\"{base}/guide/risks#comment-{}\"/>",
            ids[3]
        )),
        "newest first: {}",
        all[0]
    );
    assert!(all[0].contains("<title>Answer by "));
    assert!(
        all[0].contains(&format!("href=&#34;{base}/guide/process#numbing&#34;")),
        "the answer's links are absolute: {}",
        all[0]
    );
    assert!(feed.contains("<title>Reply by Alex on “"));
    assert!(feed.contains("<uri>https://sam.example.com/</uri>"));
    assert!(
        feed.contains("&#60;p&#62;Is &#38;lt;b&#38;gt;bold&#38;lt;/b&#38;gt; &#38;amp; &#38;quot;quoted&#38;quot; &#38;lt;/script&#38;gt; text kept as text?&#60;/p&#62;"),
        "text is escaped as text, then as XML: {feed}"
    );
    assert!(!feed.contains("Still waiting"), "pending comments stay out");
    assert!(!feed.contains("private@"), "no email address");

    let (status, _, risks) = app.get_page("/feed/comments/risks.xml").await;
    assert_eq!(status, 200);
    assert_eq!(entries(&risks).len(), 3);
    assert!(!risks.contains("bold"), "only the section's own comments");
    assert!(risks.contains(&format!(
        "<link rel=\"alternate\" type=\"text/html\" href=\"{base}/guide/risks#comments\"/>"
    )));
    let (_, _, empty) = app.get_page("/feed/comments/process.xml").await;
    assert_eq!(entries(&empty).len(), 0);
    assert!(empty.contains("<updated>"));
    assert_eq!(
        app.get("/feed/comments/nope.xml").await.status().as_u16(),
        404
    );
    assert_eq!(
        app.get("/feed/comments/risks.xml?x=1")
            .await
            .status()
            .as_u16(),
        200
    );

    // Conditional requests, as for the other feed.
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let again = app
        .client
        .get(app.url("/feed/comments.xml"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 304);

    // Unapproving takes a comment out of both feeds at once.
    let response = app
        .admin_post(
            &session,
            &format!("/admin/comments/{}/unapprove", ids[1]),
            &[],
        )
        .await;
    assert_eq!(response.status().as_u16(), 303);
    let (_, after_headers, after) = app.get_page("/feed/comments.xml").await;
    assert_eq!(entries(&after).len(), 3);
    assert!(!after.contains("bold"));
    assert_ne!(after_headers["etag"], headers["etag"]);
    let (_, _, faq) = app.get_page("/feed/comments/faq.xml").await;
    assert_eq!(entries(&faq).len(), 0);
}

#[tokio::test]
async fn a_comment_feed_holds_the_newest_fifty() {
    let app = spawn_app().await;
    for n in 1..=52 {
        let fields = form(&format!("Comment number {n}."), "Ann", "ann@example.com");
        assert_eq!(
            app.post_comment("faq", &fields).await.status().as_u16(),
            303
        );
    }
    app.execute("UPDATE comments SET status = 'approved' WHERE id <= ?", 52)
        .await;
    app.state
        .site()
        .refresh_comments(app.state.store.as_ref(), "faq")
        .await
        .unwrap();
    for path in ["/feed/comments.xml", "/feed/comments/faq.xml"] {
        let (_, _, feed) = app.get_page(path).await;
        let all = entries(&feed);
        assert_eq!(all.len(), 50, "{path}");
        assert!(all[0].contains("Comment number 52."), "{path}");
        assert!(all[49].contains("Comment number 3."), "{path}");
    }
}

#[tokio::test]
async fn pages_offer_their_comment_feeds() {
    let app = spawn_app().await;
    let link = |href: &str| {
        format!(
            "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"SMP Guide: comments\" href=\"{href}\">"
        )
    };
    for path in ["/", "/guide", "/about", "/guide/risks"] {
        let html = app.get_html(path).await;
        assert!(html.contains(&link("/feed/comments.xml")), "{path}");
    }
    let risks = app.get_html("/guide/risks").await;
    assert!(risks.contains(
        "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"SMP Guide: comments on The risks of scalp micropigmentation\" href=\"/feed/comments/risks.xml\">"
    ));
    let home = app.get_html("/").await;
    assert!(
        !home.contains("/feed/comments/"),
        "no section feed off its section"
    );
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

fn web_page(data: &serde_json::Value) -> &serde_json::Value {
    data["@graph"]
        .as_array()
        .unwrap()
        .iter()
        .find(|node| node["@type"] == "MedicalWebPage")
        .expect("a MedicalWebPage")
}

#[tokio::test]
async fn approved_comments_are_comment_items_in_the_section_json_ld() {
    let (app, _session, ids) = commented_app().await;
    let base = &app.address;
    let risks = app.get_html("/guide/risks").await;
    let data = json_ld(&risks);
    let page = web_page(&data);
    assert_eq!(page["commentCount"], 3, "a comment, a reply and an answer");
    let comments = page["comment"].as_array().unwrap();
    assert_eq!(comments.len(), 1, "one thread");
    let first = &comments[0];
    assert_eq!(first["@type"], "Comment");
    assert_eq!(
        first["url"],
        format!("{base}/guide/risks#comment-{}", ids[0])
    );
    assert_eq!(first["author"]["@type"], "Person");
    assert_eq!(first["author"]["name"], "Sam");
    assert_eq!(first["author"]["url"], "https://sam.example.com/");
    assert_eq!(first["text"], "Does the numbing cream help?");
    assert!(first["dateCreated"].as_str().unwrap().ends_with('Z'));
    let replies = first["comment"].as_array().unwrap();
    assert_eq!(replies.len(), 2);
    assert_eq!(replies[0]["author"]["name"], "Alex");
    assert_eq!(replies[1]["author"]["@type"], "Organization");
    assert!(!risks.contains("Still waiting for a moderator"));

    // Text that could close the script block is escaped inside it, and parses back.
    let faq = app.get_html("/guide/faq").await;
    let block = faq
        .split("<script type=\"application/ld+json\">")
        .nth(1)
        .unwrap()
        .split("</script>")
        .next()
        .unwrap();
    assert!(!block.contains('<'), "{block}");
    let data = json_ld(&faq);
    let page = web_page(&data);
    assert_eq!(page["commentCount"], 1);
    assert_eq!(
        page["comment"][0]["text"],
        "Is <b>bold</b> & \"quoted\" </script> text kept as text?"
    );
    for html in [&risks, &faq] {
        assert!(!html.contains("private@"), "no email address");
    }
    let process = json_ld(&app.get_html("/guide/process").await);
    assert_eq!(web_page(&process)["commentCount"], 0);
    assert!(web_page(&process).get("comment").is_none());
}

/// The Python with feedparser: `SMP_TEST_PYTHON`, else the audit tools' venv
/// (`scripts/audit-extra/install.sh`, which `.ci/run` runs), else `python3`.
fn python_with_feedparser() -> Option<PathBuf> {
    let audit_home = std::env::var_os("AUDIT_HOME").map_or_else(
        || PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/smp-audit"),
        PathBuf::from,
    );
    let candidates = [
        std::env::var_os("SMP_TEST_PYTHON").map(PathBuf::from),
        Some(audit_home.join("extra/py/bin/python")),
        Some(PathBuf::from("python3")),
    ];
    candidates.into_iter().flatten().find(|python| {
        Command::new(python)
            .args(["-c", "import feedparser"])
            .output()
            .is_ok_and(|out| out.status.success())
    })
}

/// Reads both feeds as a feed reader does, and the JSON-LD with extruct when it is there.
const FEED_CHECK: &str = r#"
import sys, urllib.request
import feedparser
base = sys.argv[1]
problems = []
for path, count in (("/feed/comments.xml", 4), ("/feed/comments/risks.xml", 3)):
    feed = feedparser.parse(urllib.request.urlopen(base + path).read())
    if feed.bozo:
        problems.append(f"{path}: not well formed: {feed.bozo_exception}")
    if len(feed.entries) != count:
        problems.append(f"{path}: {len(feed.entries)} entries, expected {count}")
    links = [feed.feed.link] + [l.href for l in feed.feed.links]
    for entry in feed.entries:
        links += [entry.link, entry.id] + [l.href for l in entry.links]
        if not entry.get("author") or not entry.get("published_parsed"):
            problems.append(f"{path}: {entry.link}: no author or date")
        for content in entry.content:
            links += [part.split('"')[0] for part in content.value.split('href="')[1:]]
    for link in links:
        if not link.startswith(base + "/"):
            problems.append(f"{path}: link {link!r} is not absolute")
    if "private@" in str(feed):
        problems.append(f"{path}: an email address")
try:
    import extruct
except ImportError:
    extruct = None
if extruct:
    html = urllib.request.urlopen(base + "/guide/risks").read().decode()
    data = extruct.extract(html, base_url=base + "/guide/risks", syntaxes=["json-ld"])
    pages = [n for block in data["json-ld"] for n in block.get("@graph", []) if n.get("@type") == "MedicalWebPage"]
    if not pages or pages[0].get("commentCount") != 3 or pages[0]["comment"][0]["@type"] != "Comment":
        problems.append(f"extruct: {pages}")
print("\n".join(problems) or f"feeds ok (extruct: {'yes' if extruct else 'not installed'})")
sys.exit(1 if problems else 0)
"#;

#[tokio::test]
async fn both_comment_feeds_parse_in_feedparser_with_absolute_links() {
    let Some(python) = python_with_feedparser() else {
        let _ = writeln!(
            std::io::stderr(),
            "\n*** feedparser test SKIPPED: no Python with feedparser; run \
             scripts/audit-extra/install.sh (or pip install feedparser) to enable it ***\n"
        );
        return;
    };
    let (app, _session, _ids) = commented_app().await;
    let address = app.address.clone();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .args(["-c", FEED_CHECK, &address])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{report}");
}
