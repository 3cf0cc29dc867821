//! Moderator emails, against a tiny SMTP sink that the test runs on loopback.
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use smp_guide::config::{NotifySettings, SmtpSecurity};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use crate::helpers::{form, spawn_app_with};

/// Accepts SMTP sessions and keeps each message's DATA.
async fn smtp_sink() -> (u16, Arc<Mutex<Vec<String>>>) {
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
                            write.write_all(b"250 queued\r\n").await.unwrap();
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
