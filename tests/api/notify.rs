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
