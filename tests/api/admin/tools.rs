//! The moderation tools of issue 16 through HTTP: answers that approve, previews and edits,
//! Undo, deletion only from the bins after a confirmation, the place kept after an action,
//! edits with a reason, the activity log, and cards that help decide.
use super::{PASSWORD, signed_in};
use crate::helpers::{TestApp, assert_redirects_to, form};

async fn page(app: &TestApp, session: &crate::helpers::AdminSession, path: &str) -> String {
    let response = app.admin_get(session, path).await;
    assert_eq!(response.status().as_u16(), 200, "GET {path}");
    response.text().await.unwrap()
}

#[tokio::test]
async fn answering_a_pending_comment_approves_it_and_says_so() {
    let (app, session) = signed_in().await;
    let id = app
        .pending_comment("faq", "Is it safe with a pacemaker?", "Ann")
        .await;
    let before = page(&app, &session, &format!("/admin/comments/{id}")).await;
    assert!(before.contains("Approve and publish answer"));
    assert!(before.contains("approves the comment too"));
    let markdown = "See [the risks](/guide/risks#urgent-advice) and *ask your doctor*.\n\n<script>alert(1)</script>";
    let response = app
        .admin_post(
            &session,
            &format!("/admin/comments/{id}/answer"),
            &[("answer", markdown), ("approve", "yes")],
        )
        .await;
    assert_redirects_to(
        &response,
        &format!("/admin/comments/{id}?done=approve-answer&n=1#answers"),
    );
    let public = app.get_html("/guide/faq").await;
    assert!(
        public.contains("Is it safe with a pacemaker?"),
        "the comment is public"
    );
    assert!(
        public.contains(
            "<a href=\"/guide/risks#urgent-advice\" rel=\"nofollow noopener\">the risks</a>"
        ),
        "the answer's Markdown link is a link"
    );
    assert!(public.contains("<em>ask your doctor</em>"));
    assert!(
        !public.contains("<script>alert"),
        "raw HTML never gets through"
    );
    let after = page(
        &app,
        &session,
        &format!("/admin/comments/{id}?done=approve-answer&n=1"),
    )
    .await;
    assert!(after.contains("approved and answered: both are on the site now"));
    let answers = after.split("id=\"answers\"").nth(1).unwrap();
    assert!(
        answers.contains("<em>ask your doctor</em>"),
        "shown after publishing"
    );
    assert!(answers.contains("Edit answer"));
    let log = page(&app, &session, "/admin/activity").await;
    assert!(log.contains("<td>answer</td>") && log.contains("<td>approve</td>"));
}

#[tokio::test]
async fn a_preview_shows_the_answer_and_publishes_nothing_then_it_can_be_edited() {
    let (app, session) = signed_in().await;
    let id = app.approved_comment("faq", "Does it fade?", "Bea").await;
    let preview = app
        .admin_post(
            &session,
            &format!("/admin/comments/{id}/answer"),
            &[
                ("answer", "- slowly\n- over **years**"),
                ("intent", "preview"),
            ],
        )
        .await;
    assert_eq!(preview.status().as_u16(), 200);
    let html = preview.text().await.unwrap();
    assert!(html.contains("Preview: not published yet"));
    assert!(html.contains("<li>over <strong>years</strong></li>"));
    assert!(html.contains("- slowly"), "the text stays in the form");
    assert_eq!(app.rows().await.len(), 1, "nothing published");

    app.admin_post(
        &session,
        &format!("/admin/comments/{id}/answer"),
        &[("answer", "It fades slowly.")],
    )
    .await;
    let answer = app.rows().await.pop().unwrap();
    let edit = app
        .admin_post(
            &session,
            &format!("/admin/comments/{}/edit", answer.id),
            &[("body", "It fades slowly, over *years*."), ("reason", "")],
        )
        .await;
    assert_redirects_to(
        &edit,
        &format!("/admin/comments/{id}?done=edit&n=1#answers"),
    );
    assert!(
        app.get_html("/guide/faq")
            .await
            .contains("over <em>years</em>")
    );
    let log = page(&app, &session, "/admin/activity?action=edit").await;
    assert!(
        log.contains("answer corrected"),
        "the change is in the audit trail"
    );
}

#[tokio::test]
async fn each_action_can_be_undone_from_its_notice() {
    let (app, session) = signed_in().await;
    let id = app.pending_comment("risks", "Undo me", "Cy").await;
    let ids = id.to_string();
    for (action, from, after) in [
        ("approve", "pending", "approved"),
        ("spam", "pending", "spam"),
        ("trash", "pending", "trash"),
    ] {
        assert_eq!(app.rows().await[0].status, from);
        let done = app
            .admin_post(
                &session,
                &format!("/admin/comments/{id}/{action}"),
                &[("return_to", "/admin?status=pending")],
            )
            .await;
        let location = done.headers()["location"].to_str().unwrap().to_owned();
        assert_eq!(app.rows().await[0].status, after);
        let notice = page(&app, &session, &location).await;
        assert!(
            notice.contains("action=\"/admin/comments/undo\""),
            "{action}: Undo offered"
        );
        assert!(notice.contains(&format!("name=\"action\" value=\"{action}\"")));
        let undone = app
            .admin_post(
                &session,
                "/admin/comments/undo",
                &[
                    ("action", action),
                    ("ids", &ids),
                    ("return_to", "/admin?status=pending"),
                ],
            )
            .await;
        assert_redirects_to(
            &undone,
            &format!("/admin?status=pending&done=undo&n=1&skipped=0#comment-{id}"),
        );
        assert_eq!(app.rows().await[0].status, from, "{action} undone");
    }
    // Unapprove, and its undo, which publishes the comment again.
    app.admin_post(&session, &format!("/admin/comments/{id}/approve"), &[])
        .await;
    app.admin_post(&session, &format!("/admin/comments/{id}/unapprove"), &[])
        .await;
    assert_eq!(app.rows().await[0].status, "pending");
    assert!(!app.get_html("/guide/risks").await.contains("Undo me"));
    app.admin_post(
        &session,
        "/admin/comments/undo",
        &[("action", "unapprove"), ("ids", &ids)],
    )
    .await;
    assert!(app.get_html("/guide/risks").await.contains("Undo me"));
    // A second undo of the same action finds nothing to take back.
    let again = app
        .admin_post(
            &session,
            "/admin/comments/undo",
            &[("action", "unapprove"), ("ids", &ids)],
        )
        .await;
    assert_eq!(again.status().as_u16(), 409);
    let log = page(&app, &session, "/admin/activity?action=undo").await;
    assert_eq!(log.matches("<td>undo</td>").count(), 4);
    for bad in [
        vec![("action", "approve"), ("ids", "x")],
        vec![("action", "explode"), ("ids", ids.as_str())],
        vec![("action", "approve")],
    ] {
        let response = app.admin_post(&session, "/admin/comments/undo", &bad).await;
        assert_eq!(response.status().as_u16(), 400, "{bad:?}");
    }
}

#[tokio::test]
async fn deleting_needs_the_bins_and_a_confirmation_that_works_without_javascript() {
    let (app, session) = signed_in().await;
    let pending = app.pending_comment("risks", "Still pending", "Dee").await;
    let refused = app
        .admin_post(
            &session,
            &format!("/admin/comments/{pending}/delete"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(refused.status().as_u16(), 409);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("move it to the trash first")
    );
    let confirm_page = app
        .admin_get(&session, &format!("/admin/comments/{pending}/delete"))
        .await;
    assert_eq!(confirm_page.status().as_u16(), 409);

    app.admin_post(&session, &format!("/admin/comments/{pending}/trash"), &[])
        .await;
    let unconfirmed = app
        .admin_post(
            &session,
            &format!("/admin/comments/{pending}/delete"),
            &[("return_to", "/admin?status=trash")],
        )
        .await;
    assert_redirects_to(
        &unconfirmed,
        &format!("/admin/comments/{pending}/delete?return_to=%2Fadmin%3Fstatus%3Dtrash"),
    );
    assert_eq!(app.rows().await.len(), 1, "nothing deleted yet");
    let confirm = page(
        &app,
        &session,
        &format!("/admin/comments/{pending}/delete?return_to=%2Fadmin%3Fstatus%3Dtrash"),
    )
    .await;
    assert!(confirm.contains("This cannot be undone"));
    assert!(confirm.contains("name=\"confirm\" value=\"yes\""));
    let deleted = app
        .admin_post(
            &session,
            &format!("/admin/comments/{pending}/delete"),
            &[("confirm", "yes"), ("return_to", "/admin?status=trash")],
        )
        .await;
    assert_eq!(deleted.status().as_u16(), 303);
    assert!(app.rows().await.is_empty());

    // In bulk: the confirmation page lists what goes; only spam and trash go.
    let a = app.pending_comment("faq", "Bulk one", "Eve").await;
    let b = app.pending_comment("faq", "Bulk two", "Fay").await;
    app.admin_post(&session, &format!("/admin/comments/{a}/spam"), &[])
        .await;
    let (a, b) = (a.to_string(), b.to_string());
    let ask = app
        .admin_post(
            &session,
            "/admin/comments/bulk",
            &[("action", "delete"), ("ids", &a), ("ids", &b)],
        )
        .await;
    let location = ask.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with("/admin/comments/bulk/delete?"),
        "{location}"
    );
    let listed = page(&app, &session, &location).await;
    assert!(listed.contains("Bulk one") && !listed.contains("Bulk two"));
    assert!(listed.contains("1 of the selected comment is not in spam or the trash"));
    app.admin_post(
        &session,
        "/admin/comments/bulk",
        &[
            ("action", "delete"),
            ("confirm", "yes"),
            ("ids", &a),
            ("ids", &b),
        ],
    )
    .await;
    let left: Vec<String> = app.rows().await.into_iter().map(|r| r.body).collect();
    assert_eq!(left, ["Bulk two"]);
}

#[tokio::test]
async fn after_an_action_the_queue_comes_back_to_the_same_tab_page_filter_and_next_comment() {
    let (app, session) = signed_in().await;
    for n in 0..60 {
        app.pending_comment("process", &format!("Place {n}"), &format!("R{n}"))
            .await;
    }
    let second = page(
        &app,
        &session,
        "/admin?status=pending&section=process&page=2",
    )
    .await;
    assert_eq!(second.matches("class=\"admin-comment ").count(), 10);
    // The card's Approve carries the next card's id.
    let card = second.split("id=\"comment-5\"").nth(1).unwrap();
    assert!(
        card.contains("name=\"next\" value=\"4\""),
        "{}",
        &card[..600]
    );
    let response = app
        .admin_post(
            &session,
            "/admin/comments/5/approve",
            &[
                ("return_to", "/admin?status=pending&section=process&page=2"),
                ("next", "4"),
            ],
        )
        .await;
    assert_redirects_to(
        &response,
        "/admin?status=pending&section=process&page=2&done=approve&n=1&skipped=0&undo=5#comment-4",
    );
    // Emptying the last page shows the one before it.
    let beyond = page(&app, &session, "/admin?status=pending&page=9").await;
    assert!(beyond.contains("page 2 of 2"));
}

#[tokio::test]
async fn the_queue_is_compact_shows_only_fitting_bulk_actions_and_puts_flagged_comments_first() {
    let (app, session) = signed_in().await;
    let question = app
        .approved_comment("risks", "The question being answered here", "Gus")
        .await;
    let mut reply = form(
        "Call 0123 456 7890 for a discount!",
        "Hal",
        "hal@example.com",
    );
    reply[4].1 = question.to_string();
    app.post_comment("risks", &reply).await;
    app.pending_comment("risks", "A plain newer comment", "Ivy")
        .await;
    let queue = page(&app, &session, "/admin").await;
    let flagged = queue.find("Call 0123").unwrap();
    let plain = queue.find("A plain newer comment").unwrap();
    assert!(flagged < plain, "flagged first, though older");
    assert!(queue.contains("Flagged:</span> contains a phone number"));
    assert!(queue.contains("Reply to Gus: “The question being answered here”"));
    assert!(queue.contains("href=\"mailto:hal@example.com\""));
    let bulk = queue
        .split("class=\"bulk-bar\"")
        .nth(1)
        .unwrap()
        .split("</div>")
        .next()
        .unwrap();
    for (action, shown) in [
        ("approve", true),
        ("spam", true),
        ("trash", true),
        ("restore", false),
        ("delete", false),
        ("unapprove", false),
    ] {
        assert_eq!(
            bulk.contains(&format!("value=\"{action}\"")),
            shown,
            "{action} on pending"
        );
    }
    // On the flagged card, Approve is not the highlighted button.
    let card = queue
        .split("is-flagged")
        .nth(1)
        .unwrap()
        .split("</article>")
        .next()
        .unwrap();
    assert!(card.contains(
        "class=\"button button-small button-secondary\" formaction=\"/admin/comments/2/approve\""
    ));
    assert!(card.contains("class=\"button button-small\" formaction=\"/admin/comments/2/spam\""));
    // The client hash waits behind its own "Details".
    assert!(card.contains("<summary>Client hash"));
    let approved = page(&app, &session, "/admin?status=approved").await;
    assert!(
        approved.contains(&format!("href=\"/guide/risks#comment-{question}\"")),
        "view on page goes to the comment"
    );
    assert!(approved.contains("value=\"unapprove\""));
    assert!(!approved.contains("value=\"approve\""));
    let select_all = page(&app, &session, "/admin?status=pending&select=all").await;
    assert_eq!(
        select_all.matches(" checked>").count(),
        2,
        "select all without JavaScript"
    );
}

#[tokio::test]
async fn editing_a_readers_comment_needs_a_reason_and_keeps_no_old_text() {
    let (app, session) = signed_in().await;
    let id = app
        .approved_comment("risks", "Ring me on 07700 900123 please", "Jo")
        .await;
    let missing = app
        .admin_post(
            &session,
            &format!("/admin/comments/{id}/edit"),
            &[("body", "Ring me please"), ("reason", "  ")],
        )
        .await;
    assert_eq!(missing.status().as_u16(), 422);
    assert!(
        missing
            .text()
            .await
            .unwrap()
            .contains("Say why you are changing")
    );
    let empty = app
        .admin_post(
            &session,
            &format!("/admin/comments/{id}/edit"),
            &[("body", " "), ("reason", "x")],
        )
        .await;
    assert_eq!(empty.status().as_u16(), 422);
    let saved = app
        .admin_post(
            &session,
            &format!("/admin/comments/{id}/edit"),
            &[
                ("body", "Ring me [number removed] please"),
                ("reason", "removed a phone number"),
            ],
        )
        .await;
    assert_redirects_to(&saved, &format!("/admin/comments/{id}?done=edit&n=1"));
    let public = app.get_html("/guide/risks").await;
    assert!(public.contains("[number removed]") && !public.contains("07700"));
    let log = page(&app, &session, "/admin/activity").await;
    assert!(log.contains("removed a phone number") && log.contains("alice"));
    assert!(
        !log.contains("07700"),
        "the removed number is not in the log"
    );
    assert_eq!(
        app.admin_get(&session, "/admin/comments/9999/edit")
            .await
            .status()
            .as_u16(),
        404
    );
}

#[tokio::test]
async fn the_activity_log_shows_every_action_and_sign_in_and_keeps_deleted_comments() {
    let (app, session) = signed_in().await;
    // Failed sign-ins: a known username is named, anything else is "unknown user", and
    // what was typed as a password never appears.
    app.post_login("alice", "wrong-password-typed").await;
    app.post_login("my secret passphrase", PASSWORD).await;
    let id = app.pending_comment("process", "Gone soon", "Kim").await;
    app.admin_post(&session, &format!("/admin/comments/{id}/trash"), &[])
        .await;
    app.admin_post(
        &session,
        &format!("/admin/comments/{id}/delete"),
        &[("confirm", "yes")],
    )
    .await;
    let log = page(&app, &session, "/admin/activity").await;
    assert!(
        log.contains(&format!("#{id} <span class=\"gone\">(gone)</span> on ")),
        "deleted, still traceable"
    );
    let delete_at = log.find("<td>delete</td>").unwrap();
    let trash_at = log.find("<td>trash</td>").unwrap();
    assert!(delete_at < trash_at, "newest first");
    assert!(log.contains("<td>failed sign-in</td>"));
    assert!(log.contains("<td>unknown user</td>"));
    assert!(log.contains("<td>sign-in</td>"));
    for secret in ["wrong-password-typed", "my secret passphrase", PASSWORD] {
        assert!(!log.contains(secret), "{secret} is not in the log");
    }
    let only_deletes = page(&app, &session, "/admin/activity?action=delete&who=alice").await;
    assert!(only_deletes.contains("1 entry"));
    let today = time::OffsetDateTime::now_utc().date().to_string();
    let by_date = page(
        &app,
        &session,
        &format!("/admin/activity?from={today}&to={today}"),
    )
    .await;
    assert!(by_date.contains("<td>delete</td>"));
    let none = page(&app, &session, "/admin/activity?to=2000-01-01").await;
    assert!(none.contains("0 entries"));
    let odd = page(
        &app,
        &session,
        "/admin/activity?from=yesterday&page=-3&action=nonsense",
    )
    .await;
    assert!(odd.contains("is not a date such as 2026-12-01"));
}

#[tokio::test]
async fn admin_pages_have_their_own_layout_and_may_run_only_their_own_script() {
    let (app, session) = signed_in().await;
    let response = app.admin_get(&session, "/admin").await;
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    let html = response.text().await.unwrap();
    assert!(html.contains("class=\"admin-header\"") && html.contains("/static/admin."));
    assert!(!html.contains("Medical disclaimer") && !html.contains("class=\"site-nav\""));
    let public = app.get("/guide/risks").await;
    let csp = public.headers()["content-security-policy"]
        .to_str()
        .unwrap();
    assert!(
        !csp.contains("script-src"),
        "public pages run no script: {csp}"
    );
    let login = app.get_html("/admin/login").await;
    assert!(!login.contains("Medical disclaimer"));
}
