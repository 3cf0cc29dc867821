//! Moderator emails, against a tiny SMTP sink that the test runs on loopback.
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use smp_guide::config::{NotifySettings, SmtpSecurity};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use crate::helpers::{form, spawn_app_with};

/// Accepts SMTP sessions and keeps each message's DATA.
async fn smtp_sink() -> (u16, Arc<Mutex<Vec<String>>>) {
    smtp_sink_answering("250 queued").await
}

/// Like [`smtp_sink`], answering `reply` at the end of each message's DATA (the message is
/// kept either way).
async fn smtp_sink_answering(reply: &'static str) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let messages = Arc::new(Mutex::new(Vec::new()));
    let store = messages.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                let mut in_data = false;
                let mut data = String::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    if in_data {
                        if line == "." {
                            in_data = false;
                            store.lock().unwrap().push(std::mem::take(&mut data));
                            write
                                .write_all(format!("{reply}\r\n").as_bytes())
                                .await
                                .unwrap();
                        } else {
                            data.push_str(&line);
                            data.push('\n');
                        }
                        continue;
                    }
                    let verb = line.split_whitespace().next().unwrap_or("").to_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250-sink\r\n250 OK\r\n",
                        "DATA" => {
                            in_data = true;
                            b"354 go ahead\r\n"
                        }
                        "QUIT" => {
                            write.write_all(b"221 bye\r\n").await.unwrap();
                            break;
                        }
                        _ => b"250 OK\r\n",
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, messages)
}

fn settings(port: u16) -> NotifySettings {
    NotifySettings {
        smtp_host: "127.0.0.1".into(),
        smtp_port: port,
        security: SmtpSecurity::None,
        username: None,
        password: None,
        from: "SMP Guide <noreply@smp.example>".into(),
        to: vec!["moderators@smp.example".into()],
        batch_secs: 1,
        link_days: 7,
        digest: false,
        digest_hour: 8,
        reader_mails_per_day: 5,
    }
}

#[tokio::test]
async fn a_burst_of_comments_sends_one_email() {
    let (port, messages) = smtp_sink().await;
    let app = spawn_app_with(|config| config.notify = Some(settings(port))).await;
    for n in 0..3 {
        let response = app
            .post_comment(
                "risks",
                &form(&format!("Question {n}"), "Ann", "ann-private@example.com"),
            )
            .await;
        assert_eq!(response.status().as_u16(), 303);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while messages.lock().unwrap().is_empty() {
        assert!(Instant::now() < deadline, "no email arrived");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let messages = messages.lock().unwrap();
    assert_eq!(messages.len(), 1, "one email for the burst");
    let mail = &messages[0];
    assert!(
        mail.contains("Subject: 3 new comments are waiting for moderation"),
        "{mail}"
    );
    assert!(mail.contains("/admin"), "{mail}");
    assert!(
        !mail.contains("ann-private"),
        "commenters' emails stay out of the mail"
    );
}

#[tokio::test]
async fn a_dead_mail_server_never_delays_or_fails_a_submission() {
    // Bind and drop: nothing listens on this port any more.
    let port = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = spawn_app_with(|config| {
        let mut notify = settings(port);
        notify.batch_secs = 0;
        config.notify = Some(notify);
    })
    .await;
    let started = Instant::now();
    let response = app
        .post_comment("risks", &form("Still accepted", "Ann", "ann@example.com"))
        .await;
    assert_eq!(response.status().as_u16(), 303);
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(app.rows().await.len(), 1);
}

/// Waits for `count` emails and returns them.
async fn emails(messages: &Arc<Mutex<Vec<String>>>, count: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    while messages.lock().unwrap().len() < count {
        assert!(Instant::now() < deadline, "no email arrived");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    messages.lock().unwrap().clone()
}

/// The action links of one comment in an email, as paths: (approve, spam, trash).
fn links_for(mail: &str, id: i64) -> (String, String, String) {
    // Quoted-printable may wrap long lines: join soft line breaks first.
    let mail = mail.replace("=\n", "").replace("=3D", "=");
    let block = mail
        .split(&format!("Comment {id} by "))
        .nth(1)
        .unwrap_or_else(|| panic!("comment {id} in the mail:\n{mail}"));
    let link = |label: &str| {
        let line = block
            .lines()
            .find(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("{label} link for {id}"));
        let url = line.split_whitespace().nth(1).unwrap();
        url[url.find("/admin/email/").unwrap()..].to_owned()
    };
    (link("Approve:"), link("Spam:"), link("Trash:"))
}

#[tokio::test]
async fn email_links_approve_after_sign_in_and_confirmation_once_and_never_when_expired() {
    let (port, messages) = smtp_sink().await;
    let app = spawn_app_with(|config| config.notify = Some(settings(port))).await;
    let first = app
        .pending_comment(
            "risks",
            "Is redness after two days normal for everyone?",
            "Ann",
        )
        .await;
    let second = app
        .pending_comment("faq", "Second question for the email", "Bea")
        .await;
    let mail = emails(&messages, 1).await.remove(0);
    assert!(
        mail.contains("Is redness after two days normal for everyone?"),
        "{mail}"
    );
    assert!(
        !mail.contains("someone@example.com"),
        "commenters' emails stay out"
    );
    let (approve, spam, _) = links_for(&mail, first);
    let (_, _, trash_second) = links_for(&mail, second);

    // Signed out: the link leads through the sign-in page and back.
    let signed_out = app.get(&approve).await;
    let login = signed_out.headers()["location"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        login.starts_with("/admin/login?next=%2Fadmin%2Femail%2F"),
        "{login}"
    );
    app.add_moderator("alice", "correct horse battery staple")
        .await;
    let login_page = app.get_html(&login).await;
    assert!(login_page.contains("name=\"next\" value=\"/admin/email/"));
    let signed_in = app
        .client
        .post(app.url("/admin/login"))
        .header("origin", &app.address)
        .form(&[
            ("username", "alice"),
            ("password", "correct horse battery staple"),
            ("next", approve.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.headers()["location"], approve.as_str());
    let session = app
        .login_as_moderator("alice", "correct horse battery staple")
        .await;

    // A GET only asks.
    let confirm = app.admin_get(&session, &approve).await;
    assert_eq!(confirm.status().as_u16(), 200);
    let confirm = confirm.text().await.unwrap();
    assert!(
        confirm.contains(&format!("Approve comment {first}?")),
        "{confirm}"
    );
    assert_eq!(
        app.rows().await[0].status,
        "pending",
        "a GET changes nothing"
    );
    let without_token = app
        .client
        .post(app.url(&approve))
        .header("cookie", &session.cookie)
        .header("origin", &app.address)
        .form(&[("csrf", "wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(without_token.status().as_u16(), 403);
    let done = app.admin_post(&session, &approve, &[]).await;
    assert_eq!(done.status().as_u16(), 303);
    assert_eq!(app.rows().await[0].status, "approved");
    assert!(
        app.get_html("/guide/risks")
            .await
            .contains("Is redness after two days")
    );

    // Once: the same link, and its sibling for the same comment, are refused.
    for used in [&approve, &spam] {
        let again = app.admin_get(&session, used).await;
        assert_eq!(again.status().as_u16(), 410, "{used}");
        assert!(
            again
                .text()
                .await
                .unwrap()
                .contains("This link has been used")
        );
        let post = app.admin_post(&session, used, &[]).await;
        assert_eq!(post.status().as_u16(), 410);
    }
    assert_eq!(app.rows().await[0].status, "approved");

    // Another comment's link still works.
    app.admin_post(&session, &trash_second, &[]).await;
    assert_eq!(app.rows().await[1].status, "trash");

    // Expired: signed with the server's own key, eight days ago.
    let key = app.state.store.secret("email-action-key").await.unwrap();
    let links = smp_guide::notify::EmailLinks::new(key);
    let eight_days_ago = smp_guide::clock::now() - 8 * 24 * 60 * 60;
    let third = app
        .pending_comment("risks", "Third, for the expired link", "Cy")
        .await;
    let expired = format!(
        "/admin/email/{}",
        links.token(
            third,
            smp_guide::store::Action::Approve,
            eight_days_ago,
            "0123abcd"
        )
    );
    for response in [
        app.admin_get(&session, &expired).await,
        app.admin_post(&session, &expired, &[]).await,
    ] {
        assert_eq!(response.status().as_u16(), 410);
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("This link has expired")
        );
    }
    assert_eq!(app.rows().await[2].status, "pending");
    // Forged or broken links are not found.
    for forged in [
        expired.replace("approve", "delete"),
        format!("/admin/email/{third}.approve.99999999999.0123abcd.00"),
        "/admin/email/junk".to_owned(),
    ] {
        assert_eq!(
            app.admin_get(&session, &forged).await.status().as_u16(),
            404,
            "{forged}"
        );
    }
}

#[tokio::test]
async fn the_daily_digest_lists_every_waiting_comment_instead_of_one_mail_per_batch() {
    let (port, messages) = smtp_sink().await;
    let app = spawn_app_with(|config| {
        let mut notify = settings(port);
        notify.digest = true;
        config.notify = Some(notify);
    })
    .await;
    for n in 0..3 {
        app.pending_comment("risks", &format!("Digest question {n}"), "Ann")
            .await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(messages.lock().unwrap().is_empty(), "no mail per batch");
    let listed = app.state.comments.notifier.send_digest().await.unwrap();
    assert_eq!(listed, 3);
    let mail = emails(&messages, 1).await.remove(0);
    assert!(
        mail.contains("Subject: Daily digest: 3 comments are waiting"),
        "{mail}"
    );
    for n in 0..3 {
        assert!(mail.contains(&format!("Digest question {n}")));
    }
    let (approve, _, _) = links_for(&mail, 1);
    assert!(approve.starts_with("/admin/email/1.approve."));
}

// Readers' email (issue 17): double opt-in, the emails it allows, one-click unsubscribe and
// the daily limit, against the same sink.

/// One email as the sink got it: unfolded headers and the quoted-printable body decoded.
#[derive(Debug, Clone)]
struct Mail {
    headers: Vec<(String, String)>,
    body: String,
    raw: String,
}

impl Mail {
    fn parse(raw: &str) -> Mail {
        let (head, body) = raw.split_once("\n\n").unwrap_or((raw, ""));
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in head.lines() {
            if line.starts_with([' ', '\t']) {
                if let Some(last) = headers.last_mut() {
                    last.1.push_str(line);
                }
            } else if let Some((name, value)) = line.split_once(':') {
                headers.push((name.to_owned(), value.trim().to_owned()));
            }
        }
        Mail {
            headers,
            body: decode_quoted_printable(body),
            raw: raw.to_owned(),
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn to(&self) -> &str {
        self.header("To").unwrap_or_default()
    }

    /// The path of the first link in the body to `https://smp.example{prefix}...`.
    fn link(&self, prefix: &str) -> String {
        let start = format!("https://smp.example{prefix}");
        let at = self
            .body
            .find(&start)
            .unwrap_or_else(|| panic!("a link to {prefix} in:\n{}", self.body));
        let url = self.body[at..].split_whitespace().next().unwrap();
        url["https://smp.example".len()..].to_owned()
    }
}

fn decode_quoted_printable(text: &str) -> String {
    let joined = text.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'=')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The sink's messages to `address`, parsed, oldest first.
fn mails_to(messages: &Arc<Mutex<Vec<String>>>, address: &str) -> Vec<Mail> {
    messages
        .lock()
        .unwrap()
        .iter()
        .map(|raw| Mail::parse(raw))
        .filter(|mail| mail.to().contains(address))
        .collect()
}

/// Waits until `address` has `count` emails; returns them.
async fn wait_for_mails(
    messages: &Arc<Mutex<Vec<String>>>,
    address: &str,
    count: usize,
) -> Vec<Mail> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mails = mails_to(messages, address);
        if mails.len() >= count {
            return mails;
        }
        assert!(
            Instant::now() < deadline,
            "{address} has {} email(s), not {count}",
            mails.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Gives the sender time to send anything it wrongly would (it looks every second), then
/// checks that `address` still has `count` emails.
async fn no_more_mails(messages: &Arc<Mutex<Vec<String>>>, address: &str, count: usize) {
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let mails = mails_to(messages, address);
    assert_eq!(mails.len(), count, "{mails:#?}");
}

/// A server that offers readers' email: SMTP to the sink and a public base URL.
async fn reader_mail_app(port: u16, per_day: u32) -> crate::helpers::TestApp {
    spawn_app_with(|config| {
        let mut notify = settings(port);
        notify.reader_mails_per_day = per_day;
        config.notify = Some(notify);
        config.base_url = Some("https://smp.example".into());
    })
    .await
}

/// A comment form with the boxes ticked.
fn asking(comment: &str, author: &str, email: &str, replies: bool) -> Vec<(&'static str, String)> {
    let mut fields = form(comment, author, email);
    fields.push(("notify_published", "1".into()));
    if replies {
        fields.push(("notify_replies", "1".into()));
    }
    fields
}

/// Confirms through the link in a confirmation email: a GET shows the button, the POST
/// (as the button sends it) confirms.
async fn confirm_by_link(app: &crate::helpers::TestApp, mail: &Mail) {
    let link = mail.link("/notify/confirm/");
    let page = app.get_html(&link).await;
    assert!(page.contains(&format!("action=\"{link}\"")), "{page}");
    assert!(page.contains("Yes, email me"));
    let response = app
        .client
        .post(app.url(&link))
        .header("origin", "https://smp.example")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(response.text().await.unwrap().contains("Email confirmed"));
}

/// The one-click POST a mail provider sends: no cookies, no session, no Origin.
async fn one_click_unsubscribe(address: &str, path: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{address}{path}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap()
}

fn assert_unsubscribe_headers(mail: &Mail) {
    let list = mail.header("List-Unsubscribe").expect("List-Unsubscribe");
    assert!(
        list.starts_with("<https://smp.example/notify/unsubscribe/") && list.ends_with('>'),
        "{list}"
    );
    assert_eq!(
        mail.header("List-Unsubscribe-Post"),
        Some("List-Unsubscribe=One-Click")
    );
    // The same link in the body.
    let path = mail.link("/notify/unsubscribe/");
    assert_eq!(
        &list[1..list.len() - 1],
        format!("https://smp.example{path}")
    );
}

#[tokio::test]
async fn the_boxes_are_offered_only_when_readers_can_get_email() {
    // No [notify]: no boxes.
    let plain = crate::helpers::spawn_app().await;
    assert!(
        !plain
            .get_html("/guide/risks")
            .await
            .contains("notify_published")
    );
    // SMTP but no public address (links would point at the listen address): no boxes.
    let (port, _) = smtp_sink().await;
    let no_address = spawn_app_with(|config| config.notify = Some(settings(port))).await;
    assert!(
        !no_address
            .get_html("/guide/risks")
            .await
            .contains("notify_published")
    );
    // Both: two unticked boxes in their own fieldset, just before the button; the reply
    // form has only the first (nobody can reply to a reply).
    let app = reader_mail_app(port, 5).await;
    let page = app.get_html("/guide/risks").await;
    let fieldset = page
        .split("<fieldset class=\"field-choices\"")
        .nth(1)
        .expect("a fieldset")
        .split("</fieldset>")
        .next()
        .unwrap();
    assert!(fieldset.contains("<legend>"));
    for (name, label) in [
        (
            "notify_published",
            "Email me when my comment is published or answered",
        ),
        ("notify_replies", "Email me about new replies to it"),
    ] {
        assert!(
            fieldset.contains(&format!("name=\"{name}\" value=\"1\">")),
            "{fieldset}"
        );
        assert!(fieldset.contains(label));
    }
    // The boxes come last before the button, with only "remember me" between.
    let after = page.split("</fieldset>").nth(1).unwrap();
    let (between, _) = after.split_once("<button type=\"submit\"").unwrap();
    assert!(
        between
            .trim_start()
            .starts_with("<div class=\"field field-checkbox\">")
            && between.contains("name=\"remember\"")
            && !between.contains("<textarea")
            && between.matches("<input").count() == 1,
        "{after}"
    );
    let id = app.approved_comment("risks", "A question", "Ann").await;
    let reply_form = app.get_html(&format!("/guide/risks?reply={id}")).await;
    assert!(reply_form.contains("notify_published"));
    assert!(!reply_form.contains("notify_replies"));
    // A refused form keeps the boxes as they were.
    let mut bad = asking("", "Ann", "ann@example.com", true);
    bad.retain(|(k, _)| *k != "notify_published");
    let again = app.post_comment("risks", &bad).await;
    assert_eq!(again.status().as_u16(), 422);
    let again = again.text().await.unwrap();
    assert!(again.contains("name=\"notify_replies\" value=\"1\" checked>"));
    assert!(again.contains("name=\"notify_published\" value=\"1\">"));
}

#[tokio::test]
async fn readers_confirm_first_then_hear_of_approval_answers_and_replies_until_they_unsubscribe() {
    let (port, messages) = smtp_sink().await;
    let app = reader_mail_app(port, 5).await;
    let ann = "ann-reader@example.com";
    let response = app
        .post_comment("risks", &asking("Does it hurt much?", "Ann", ann, true))
        .await;
    assert_eq!(response.status().as_u16(), 303);
    let id = app.rows().await[0].id;
    // The page after posting says that a confirmation email is on its way.
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.contains("&emailed=1#comment-"), "{location}");
    let after = app.get_html(&location).await;
    assert!(
        after.contains("We are also sending you one email to check that the address is yours"),
        "{after}"
    );

    // One confirmation email, with the one-click headers and a link to the comment.
    let confirmation = wait_for_mails(&messages, ann, 1).await.remove(0);
    assert!(
        confirmation
            .header("Subject")
            .unwrap()
            .starts_with("Please confirm"),
        "{confirmation:?}"
    );
    assert_unsubscribe_headers(&confirmation);
    assert!(
        confirmation
            .body
            .contains(&format!("https://smp.example/guide/risks#comment-{id}")),
        "{}",
        confirmation.body
    );
    assert!(
        !confirmation.body.contains("Does it hurt"),
        "a confirmation carries no text a stranger could have typed"
    );
    // A GET of the link (a mail scanner) changes nothing.
    let link = confirmation.link("/notify/confirm/");
    app.get_html(&link).await;
    let subscription = app
        .state
        .store
        .subscription(
            &smp_guide::notify::token_hash(link.trim_start_matches("/notify/confirm/")),
            smp_guide::store::TokenPurpose::Confirm,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(subscription.confirmed_at, None);
    // A POST from another site's page is refused.
    let cross = app
        .client
        .post(app.url(&link))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status().as_u16(), 403);

    // Before confirming, an approval sends nothing: Bea never confirms.
    let bea = "bea-reader@example.com";
    app.post_comment("faq", &asking("Bea's question", "Bea", bea, true))
        .await;
    wait_for_mails(&messages, bea, 1).await;
    app.add_moderator("mia", "correct horse battery staple")
        .await;
    let session = app
        .login_as_moderator("mia", "correct horse battery staple")
        .await;
    let bea_id = app.rows().await[1].id;
    let approved = app
        .admin_post(&session, &format!("/admin/comments/{bea_id}/approve"), &[])
        .await;
    assert_eq!(approved.status().as_u16(), 303);
    no_more_mails(&messages, bea, 1).await;

    // Confirmed, then approved: "published".
    confirm_by_link(&app, &confirmation).await;
    app.admin_post(&session, &format!("/admin/comments/{id}/approve"), &[])
        .await;
    let published = wait_for_mails(&messages, ann, 2).await.remove(1);
    assert_eq!(
        published.header("Subject"),
        Some("Your comment on \"The risks of scalp micropigmentation\" is published"),
        "{published:?}"
    );
    assert!(
        published
            .body
            .contains(&format!("https://smp.example/guide/risks#comment-{id}"))
    );
    assert!(published.body.contains("Does it hurt much?"));
    assert_unsubscribe_headers(&published);

    // Answered by the editorial team: "answered", with a link to the answer.
    let answered = app
        .admin_post(
            &session,
            &format!("/admin/comments/{id}/answer"),
            &[("answer", "Most people say it stings a little.")],
        )
        .await;
    assert_eq!(answered.status().as_u16(), 303);
    let answer = wait_for_mails(&messages, ann, 3).await.remove(2);
    assert!(
        answer.header("Subject").unwrap().contains("has an answer"),
        "{answer:?}"
    );
    assert!(answer.body.contains("Most people say it stings a little."));
    let answer_id = app.rows().await.last().unwrap().id;
    assert!(answer.body.contains(&format!(
        "https://smp.example/guide/risks#comment-{answer_id}"
    )));
    assert_unsubscribe_headers(&answer);

    // A reader's reply, once approved: "reply".
    app.post_comment("risks", &{
        let mut reply = form("It did not hurt me at all.", "Cy", "cy@example.com");
        reply.retain(|(k, _)| *k != "parent");
        reply.push(("parent", id.to_string()));
        reply
    })
    .await;
    let reply_id = app.rows().await.last().unwrap().id;
    no_more_mails(&messages, ann, 3).await;
    app.admin_post(
        &session,
        &format!("/admin/comments/{reply_id}/approve"),
        &[],
    )
    .await;
    let reply = wait_for_mails(&messages, ann, 4).await.remove(3);
    assert!(
        reply.header("Subject").unwrap().starts_with("New reply"),
        "{reply:?}"
    );
    assert!(reply.body.contains("Cy replied"));
    assert!(reply.body.contains("It did not hurt me at all."));
    assert!(reply.body.contains(&format!(
        "https://smp.example/guide/risks#comment-{reply_id}"
    )));
    assert!(
        !reply.raw.contains("cy@example.com"),
        "other readers' addresses stay out"
    );
    assert_unsubscribe_headers(&reply);

    // One click, as a mail provider sends it: no session, no cookies, no Origin.
    let path = reply.link("/notify/unsubscribe/");
    let page = app.get_html(&path).await;
    assert!(page.contains("Stop these emails"));
    assert!(page.contains("name=\"List-Unsubscribe\" value=\"One-Click\""));
    let done = one_click_unsubscribe(&app.address, &path).await;
    assert_eq!(done.status().as_u16(), 200);
    assert!(
        done.text()
            .await
            .unwrap()
            .contains("No more email about this comment")
    );
    assert_eq!(
        one_click_unsubscribe(&app.address, &path)
            .await
            .status()
            .as_u16(),
        404,
        "a used link is known no more"
    );
    // Nothing more: another reply is approved unheard.
    let mut more = form("Another reply", "Dee", "dee@example.com");
    more.retain(|(k, _)| *k != "parent");
    more.push(("parent", id.to_string()));
    app.post_comment("risks", &more).await;
    let more_id = app.rows().await.last().unwrap().id;
    app.admin_post(&session, &format!("/admin/comments/{more_id}/approve"), &[])
        .await;
    no_more_mails(&messages, ann, 4).await;

    // No address on the public page, in any form.
    let public = app.get_html("/guide/risks").await;
    for address in [ann, "cy@example.com", "dee@example.com"] {
        assert!(!public.contains(address), "{address} on the page");
    }
    // Junk and unknown tokens: the page says the link does not work.
    for junk in [
        "/notify/confirm/junk".to_owned(),
        format!("/notify/confirm/{}", "0".repeat(64)),
        format!("/notify/unsubscribe/{}", "0".repeat(64)),
    ] {
        let (status, _, body) = app.get_page(&junk).await;
        assert_eq!(status, 404, "{junk}");
        assert!(body.contains("This link does not work"), "{junk}");
    }
}

#[tokio::test]
async fn at_most_the_daily_limit_of_emails_goes_to_one_address() {
    let (port, messages) = smtp_sink().await;
    let app = reader_mail_app(port, 5).await;
    let eve = "eve-reader@example.com";
    for n in 0..6 {
        let response = app
            .post_comment(
                "risks",
                &asking(&format!("Question number {n}"), "Eve", eve, false),
            )
            .await;
        assert_eq!(response.status().as_u16(), 303);
    }
    wait_for_mails(&messages, eve, 5).await;
    // The sixth is dropped, not sent later; another address is not held back.
    no_more_mails(&messages, eve, 5).await;
    app.post_comment(
        "risks",
        &asking("Someone else", "Fay", "fay@example.com", false),
    )
    .await;
    wait_for_mails(&messages, "fay@example.com", 1).await;
    let data = app.state.store.subscriber_data(eve).await.unwrap();
    let states: Vec<&str> = data.mails.iter().map(|m| m.state.as_str()).collect();
    assert_eq!(states, ["sent", "sent", "sent", "sent", "sent", "dropped"]);
}

#[tokio::test]
async fn export_lists_and_erasure_removes_subscriptions_and_their_email() {
    let (port, messages) = smtp_sink().await;
    let app = reader_mail_app(port, 5).await;
    let gil = "gil-reader@example.com";
    app.post_comment("risks", &asking("Gil's question", "Gil", gil, true))
        .await;
    let confirmation = wait_for_mails(&messages, gil, 1).await.remove(0);
    confirm_by_link(&app, &confirmation).await;

    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_smp-guide"))
            .args(args)
            .args(["--database", &app.database])
            .env_remove("RUST_LOG")
            .output()
            .unwrap()
    };
    let export = run(&["comments", "export", "--email", "GIL-reader@example.com"]);
    assert!(
        export.status.success(),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
    let list: serde_json::Value = serde_json::from_slice(&export.stdout).unwrap();
    let notifications = &list[0]["notifications"];
    assert_eq!(notifications["subscription"]["published_or_answered"], true);
    assert_eq!(notifications["subscription"]["new_replies"], true);
    assert!(notifications["subscription"]["confirmed_at"].is_string());
    assert_eq!(notifications["emails"][0]["kind"], "confirm");
    assert_eq!(notifications["emails"][0]["state"], "sent");

    let erase = run(&["comments", "erase", "--email", gil]);
    assert!(erase.status.success());
    assert_eq!(
        app.state.store.subscriber_data(gil).await.unwrap(),
        Default::default()
    );
    // The link in the email no longer works, and nothing is queued for the address.
    let (status, _, _) = app
        .get_page(&confirmation.link("/notify/unsubscribe/"))
        .await;
    assert_eq!(status, 404);
}

/// The real binary, serving until dropped, with every line it logs kept.
struct Served {
    child: std::process::Child,
    address: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Served {
    fn start(config: &std::path::Path) -> Served {
        use std::io::BufRead;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_smp-guide"))
            .args(["serve", "--config"])
            .arg(config)
            // Everything this crate logs, at every level.
            .env("RUST_LOG", "info,smp_guide=trace")
            .stderr(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        for stream in [
            Box::new(child.stderr.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stdout.take().unwrap()),
        ] {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in std::io::BufReader::new(stream)
                    .lines()
                    .map_while(Result::ok)
                {
                    log.lock().unwrap().push(line);
                }
            });
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        let address = loop {
            let found = log.lock().unwrap().iter().find_map(|line| {
                let at = line
                    .contains("listening on")
                    .then(|| line.find("http://"))??;
                let rest = &line[at..];
                Some(rest[..rest.find(['"', ' ']).unwrap_or(rest.len())].to_owned())
            });
            if let Some(address) = found {
                break address;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not start: {:#?}",
                log.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        Served {
            child,
            address,
            log,
        }
    }

    /// Stops the server (SIGTERM, as an operator would) and returns everything it logged.
    fn stop(mut self) -> Vec<String> {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
        std::thread::sleep(Duration::from_millis(200));
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The real binary, started on a database that already holds a queued confirmation (from a
/// server that stopped before sending it): the email still goes. Then a reader's whole
/// journey, after which neither the server's log (at every level) nor the public page holds
/// any reader's address or any link token.
#[tokio::test(flavor = "multi_thread")]
async fn queued_email_survives_a_restart_and_no_address_or_token_reaches_the_log() {
    use smp_guide::store::{NotifyRequest, Status, StoredComment};
    let (port, messages) = smtp_sink().await;
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    crate::helpers::copy_dir(
        &crate::helpers::repo_path(crate::helpers::FIXTURE_GUIDE),
        &content,
    );
    let database = if std::env::var("SMP_TEST_DATABASE").is_ok_and(|db| db == "postgres") {
        crate::postgres::fresh_database()
            .await
            .expect("SMP_TEST_DATABASE=postgres needs a PostgreSQL server")
    } else {
        format!("sqlite://{}", dir.path().join("smp.db").display())
    };
    let config = dir.path().join("smp.toml");
    std::fs::write(
        &config,
        format!(
            "addr = \"127.0.0.1:0\"\ncontent = {content:?}\ndatabase = {database:?}\n\
             base_url = \"https://smp.example\"\n\
             [comments]\nmin_interval_secs = 0\nmax_per_hour = 0\nclient_hash_key_file = {key:?}\n\
             [notify]\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {port}\nsecurity = \"none\"\n\
             from = \"SMP Guide <noreply@smp.example>\"\nto = [\"moderators@smp.example\"]\n\
             batch_secs = 1\n",
            key = crate::helpers::TEST_CLIENT_KEY.display().to_string(),
        ),
    )
    .unwrap();

    // Accepted by an earlier server, which stopped before its sender got to it.
    let hal = "hal-queued@example.com";
    {
        let store = smp_guide::store::open_store(&database).await.unwrap();
        store
            .insert(StoredComment {
                section: "faq".into(),
                parent_id: None,
                author: "Hal".into(),
                email: hal.into(),
                url: None,
                body: "Queued before the restart".into(),
                status: Status::Pending,
                created_at: smp_guide::clock::now(),
                client_hash: "00".into(),
                user_agent: None,
                flag_reason: None,
                notify: NotifyRequest {
                    published: true,
                    replies: false,
                },
            })
            .await
            .unwrap();
    }
    let server = Served::start(&config);
    let queued = wait_for_mails(&messages, hal, 1).await.remove(0);
    assert!(queued.link("/notify/confirm/").len() > 64);

    // A reader's journey through the real server.
    let ivy = "Ivy.Private-7f3a@example.com";
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let posted = client
        .post(format!("{}/guide/risks/comments", server.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(crate::helpers::serde_urlencoded_like(&asking(
            "A question from Ivy",
            "Ivy",
            ivy,
            true,
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status().as_u16(), 303);
    let confirmation = wait_for_mails(&messages, ivy, 1).await.remove(0);
    let confirm = confirmation.link("/notify/confirm/");
    for method in [reqwest::Method::GET, reqwest::Method::POST] {
        let response = client
            .request(method, format!("{}{confirm}", server.address))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
    }
    // Approved from elsewhere (another instance, the command line): this server's sender
    // finds the email in the outbox.
    let store = smp_guide::store::open_store(&database).await.unwrap();
    let id = store
        .export(None, Some(ivy))
        .await
        .unwrap()
        .first()
        .unwrap()
        .id;
    smp_guide::comments::moderate(
        store.as_ref(),
        &smp_guide::comments::NoLiveSite,
        &[id],
        smp_guide::store::Action::Approve,
        "command line",
        smp_guide::clock::now(),
    )
    .await
    .unwrap();
    let published = wait_for_mails(&messages, ivy, 2).await.remove(1);
    let unsubscribe = published.link("/notify/unsubscribe/");
    assert_eq!(
        one_click_unsubscribe(&server.address, &unsubscribe)
            .await
            .status()
            .as_u16(),
        200
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    let page = loop {
        let page = client
            .get(format!("{}/guide/risks", server.address))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if page.contains("A question from Ivy") || Instant::now() > deadline {
            break page;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(page.contains("A question from Ivy"), "the approval shows");

    let log = server.stop();
    assert!(
        log.iter().any(|line| line.contains("reader email sent")),
        "the sender logs what it does: {log:#?}"
    );
    let tokens: Vec<String> = [&queued, &confirmation, &published]
        .iter()
        .flat_map(|mail| {
            ["/notify/confirm/", "/notify/unsubscribe/"]
                .into_iter()
                .filter(|prefix| mail.body.contains(&format!("https://smp.example{prefix}")))
                .map(|prefix| mail.link(prefix)[prefix.len()..].to_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(tokens.len(), 5, "{tokens:?}");
    let secrets: Vec<String> = [
        hal.to_owned(),
        ivy.to_owned(),
        ivy.to_lowercase(),
        "7f3a@".into(),
    ]
    .into_iter()
    .chain(tokens)
    .collect();
    for line in &log {
        for secret in &secrets {
            assert!(
                !line.contains(secret.as_str()),
                "{secret} in the log: {line}"
            );
        }
    }
    for secret in &secrets {
        assert!(
            !page.contains(secret.as_str()),
            "{secret} on the public page"
        );
    }
}

#[tokio::test]
async fn a_mail_server_that_cannot_take_an_email_now_gets_it_later_and_one_that_refuses_does_not() {
    for (reply, state) in [
        ("451 4.3.0 try again later", "queued"),
        ("550 5.1.1 <jo-reader@example.com>: no such user", "failed"),
    ] {
        let (port, messages) = smtp_sink_answering(reply).await;
        let app = reader_mail_app(port, 5).await;
        let jo = "jo-reader@example.com";
        let started = Instant::now();
        let response = app
            .post_comment("risks", &asking("Jo's question", "Jo", jo, false))
            .await;
        assert_eq!(response.status().as_u16(), 303);
        assert!(started.elapsed() < Duration::from_secs(2));
        wait_for_mails(&messages, jo, 1).await;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let data = app.state.store.subscriber_data(jo).await.unwrap();
            if data.mails[0].state == state {
                break;
            }
            assert!(Instant::now() < deadline, "{reply}: {data:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // A retry waits (a minute at first): nothing more is sent meanwhile.
        no_more_mails(&messages, jo, 1).await;
    }
}
