//! Editors' workflow: live reload, broken edits kept away from readers, drafts.
use std::time::Duration;

use smp_guide::site::Reloads;

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

const PASSWORD: &str = "correct horse battery staple";

/// Makes a change to the content folder and waits for the server's next reload, live or
/// refused, as an event rather than against a clock (how fast a reload is, is measured by
/// the benchmarks, not here).
async fn after_reload(app: &TestApp, change: impl FnOnce()) -> Reloads {
    let mut reloads = app.state.sites.watch_reloads();
    let before = *reloads.borrow_and_update();
    change();
    let changed = tokio::time::timeout(Duration::from_secs(60), reloads.wait_for(|r| *r != before))
        .await
        .expect("the server reloads after a change")
        .expect("the site is alive");
    *changed
}

async fn queue_text(app: &TestApp, session: &crate::helpers::AdminSession) -> String {
    app.admin_get(session, "/admin").await.text().await.unwrap()
}

fn edit(app: &TestApp, file: &str, from: &str, to: &str) {
    let path = app.content_dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{file} has no {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

fn new_section(slug: &str, order: u32, extra: &str) -> String {
    format!(
        "+++\ntitle = \"A new section\"\ndescription = \"Written during the test.\"\nslug = \"{slug}\"\norder = {order}\n\
         updated = 2026-11-21\nlast_reviewed = 2026-11-21\nnext_review = 2099-01-01\nreviewed_by = \"Editors\"\n{extra}+++\n\
         ## Fresh heading\n\nFresh text about zebra-striped pigment.\n"
    )
}

#[tokio::test]
async fn an_edit_goes_live_without_a_restart() {
    let app = spawn_app().await;
    assert!(app.get_html("/guide/risks").await.contains("<h1>The risks"));
    let reloads = after_reload(&app, || {
        edit(&app, "guide/risks.md", "title = \"", "title = \"Edited: ")
    })
    .await;
    assert_eq!(reloads.live, 1);
    assert!(app.get_html("/guide/risks").await.contains("<h1>Edited: "));
    assert!(
        app.get_html("/").await.contains("Edited: "),
        "the home page follows"
    );
}

#[tokio::test]
async fn added_and_deleted_files_come_and_go_with_search_sitemap_and_feed() {
    let app = spawn_app().await;
    after_reload(&app, || {
        std::fs::write(
            app.content_dir.join("guide/aftercare-kit.md"),
            new_section("aftercare-kit", 20, ""),
        )
        .unwrap()
    })
    .await;
    assert_eq!(app.get_page("/guide/aftercare-kit").await.0, 200);
    assert!(
        app.get_html("/search?q=zebra")
            .await
            .contains("/guide/aftercare-kit")
    );
    assert!(
        app.get_page("/sitemap.xml")
            .await
            .2
            .contains("/guide/aftercare-kit")
    );
    assert!(
        app.get_page("/feed.xml")
            .await
            .2
            .contains("/guide/aftercare-kit")
    );

    after_reload(&app, || {
        std::fs::remove_file(app.content_dir.join("guide/aftercare-kit.md")).unwrap()
    })
    .await;
    assert_eq!(app.get_page("/guide/aftercare-kit").await.0, 404);
    assert!(
        !app.get_html("/search?q=zebra")
            .await
            .contains("/guide/aftercare-kit")
    );
}

#[tokio::test]
async fn a_broken_edit_keeps_the_old_page_and_is_shown_to_editors() {
    use smp_guide::store::Role;
    let app = spawn_app().await;
    // alice edits and moderates; mo only moderates.
    app.add_account("alice", PASSWORD, Role::Editor).await;
    app.add_account("alice", PASSWORD, Role::Moderator).await;
    app.add_moderator("mo", PASSWORD).await;
    let alice = app.login_as_moderator("alice", PASSWORD).await;
    let mo = app.login_as_moderator("mo", PASSWORD).await;
    let before = app.get_html("/guide/risks").await;
    let reloads = after_reload(&app, || {
        edit(&app, "guide/risks.md", "order = 4", "order = \"four\"")
    })
    .await;
    assert_eq!(
        (reloads.live, reloads.refused),
        (0, 1),
        "the edit is refused"
    );
    // The queue gives one line, with a link, and only to an editor.
    let queue = queue_text(&app, &alice).await;
    assert!(
        queue.contains("The last content edit is not live: 1 problem.")
            && queue.contains("href=\"/admin/preview\""),
        "{queue}"
    );
    let file = app.content_dir.join("guide/risks.md");
    let problem = format!(
        "{}:5: `order` must be a whole number, like `order = 4`",
        file.display()
    );
    assert!(
        !queue.contains(&problem),
        "the list itself is in the preview"
    );
    assert!(
        !queue_text(&app, &mo).await.contains("not live"),
        "moderators only moderate"
    );
    // The preview shows the problem, PATH:LINE, above every page.
    for path in [
        "/admin/preview",
        "/admin/preview/guide/risks",
        "/admin/preview/about",
    ] {
        let html = app.admin_get(&alice, path).await.text().await.unwrap();
        assert!(html.contains("Your last save was not published"), "{path}");
        assert!(html.contains(&problem), "{path}: PATH:LINE shown");
    }
    assert_eq!(
        app.get_html("/guide/risks").await,
        before,
        "readers keep the last good page"
    );
    assert_eq!(app.get("/healthz").await.status().as_u16(), 200);

    let reloads = after_reload(&app, || {
        edit(&app, "guide/risks.md", "order = \"four\"", "order = 4")
    })
    .await;
    assert_eq!(reloads.live, 1, "the fix goes live");
    assert!(
        !queue_text(&app, &alice).await.contains("not live"),
        "the fixed problem is no longer reported"
    );
    let preview = app
        .admin_get(&alice, "/admin/preview/guide/risks")
        .await
        .text()
        .await
        .unwrap();
    assert!(!preview.contains("Your last save was not published"));
    assert!(preview.contains("This page reloads itself"));
}

#[tokio::test]
async fn drafts_are_hidden_from_readers_and_previewed_by_editors() {
    use smp_guide::store::Role;
    let app = spawn_app().await;
    std::fs::write(
        app.content_dir.join("guide/coming-soon.md"),
        new_section("coming-soon", 30, "draft = true\n"),
    )
    .unwrap();
    smp_guide::reload::reload(&app.state).await;
    assert_eq!(app.get("/guide/coming-soon").await.status().as_u16(), 404);
    for path in [
        "/",
        "/guide",
        "/sitemap.xml",
        "/feed.xml",
        "/search?q=zebra",
    ] {
        assert!(
            !app.get_page(path).await.2.contains("coming-soon"),
            "{path} mentions the draft"
        );
    }
    assert_eq!(
        app.post_comment(
            "coming-soon",
            &crate::helpers::form("Hi", "A", "a@example.com")
        )
        .await
        .status()
        .as_u16(),
        404
    );

    let signed_out = app.get("/admin/preview/guide/coming-soon").await;
    crate::helpers::assert_redirects_to(&signed_out, "/admin/login");
    app.add_account("eve", PASSWORD, Role::Editor).await;
    let session = app.login_as("eve", PASSWORD, "/admin/preview").await;
    let index = app
        .admin_get(&session, "/admin/preview")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        index.contains("href=\"/admin/preview/guide/coming-soon\""),
        "{index}"
    );
    assert!(index.contains("href=\"/admin/preview/guide/risks\""));
    assert!(index.contains("href=\"/admin/preview/about\""));
    for path in [
        "/admin/preview/guide/coming-soon",
        "/admin/preview/coming-soon",
    ] {
        let preview = app.admin_get(&session, path).await;
        assert_eq!(preview.status().as_u16(), 200, "{path}");
        let html = preview.text().await.unwrap();
        assert!(html.contains("Draft preview.") && html.contains("Fresh text about zebra"));
        assert!(html.contains("This section is a draft"));
        assert!(html.contains("name=\"robots\" content=\"noindex\""));
        assert!(
            !html.contains("class=\"comment-form\""),
            "no comment form on a draft"
        );
    }
    // Published pages are previewed as readers see them, with the preview's bar.
    for path in [
        "/admin/preview/home",
        "/admin/preview/guide",
        "/admin/preview/guide/risks",
    ] {
        let response = app.admin_get(&session, path).await;
        assert_eq!(response.status().as_u16(), 200, "{path}");
        let html = response.text().await.unwrap();
        assert!(
            html.contains("preview.") && html.contains("This page reloads itself"),
            "{path}"
        );
    }
    assert_eq!(
        app.admin_get(&session, "/admin/preview/guide/nowhere")
            .await
            .status()
            .as_u16(),
        404
    );
}

#[tokio::test]
async fn readers_never_see_a_mix_of_two_versions() {
    let app = spawn_app_with(|config| config.watch_content = false).await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut readers = Vec::new();
    for _ in 0..4 {
        let client = app.client.clone();
        let url = app.url("/");
        let stop = stop.clone();
        readers.push(tokio::spawn(async move {
            let mut checked = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let body = client.get(&url).send().await.unwrap().text().await.unwrap();
                // The home page shows the intro (home.md) and the section titles
                // (guide/*.md); both carry the same version number after each edit.
                let intro = body
                    .split("Version marker ")
                    .nth(1)
                    .map(|r| r[..4].to_owned());
                let title = body.split("Risks v").nth(1).map(|r| r[..4].to_owned());
                assert_eq!(intro, title, "a torn read");
                checked += 1;
            }
            checked
        }));
    }
    let risks = app.content_dir.join("guide/risks.md");
    let home = app.content_dir.join("home.md");
    let (risks_text, home_text) = (
        std::fs::read_to_string(&risks).unwrap(),
        std::fs::read_to_string(&home).unwrap(),
    );
    let title_line = risks_text
        .lines()
        .find(|l| l.starts_with("title = "))
        .unwrap()
        .to_owned();
    let intro_end = home_text.rfind("+++").unwrap() + 4;
    for version in 1000..1030 {
        std::fs::write(
            &risks,
            risks_text.replacen(&title_line, &format!("title = \"Risks v{version}\""), 1),
        )
        .unwrap();
        let mut new_home = home_text.clone();
        new_home.insert_str(intro_end, &format!("Version marker {version}\n\n"));
        std::fs::write(&home, new_home).unwrap();
        assert!(matches!(
            smp_guide::reload::reload(&app.state).await,
            smp_guide::reload::Outcome::Reloaded
        ));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut total = 0;
    for reader in readers {
        total += reader.await.unwrap();
    }
    assert!(total > 30, "readers ran during the reloads ({total} pages)");
}
