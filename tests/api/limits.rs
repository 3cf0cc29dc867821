//! Limits on what one client may ask: header size, slow headers, connection count, body
//! size, and graceful shutdown under load.
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::helpers::spawn_app_with;

fn raw_request(address: &str, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(address.trim_start_matches("http://")).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream.write_all(request).unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    String::from_utf8_lossy(&response).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn oversized_headers_get_431() {
    let app = spawn_app_with(|config| config.limits.max_header_bytes = 8 * 1024).await;
    let address = app.address.clone();
    let response = tokio::task::spawn_blocking(move || {
        let big = format!(
            "GET / HTTP/1.1\r\nHost: x\r\nX-Filler: {}\r\n\r\n",
            "a".repeat(20 * 1024)
        );
        raw_request(&address, big.as_bytes())
    })
    .await
    .unwrap();
    assert!(response.starts_with("HTTP/1.1 431"), "{response:.80}");
    assert_eq!(
        app.get("/healthz").await.status().as_u16(),
        200,
        "the server carries on"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_trickling_headers_is_cut_off_without_stopping_others() {
    let app = spawn_app_with(|config| config.limits.header_timeout_secs = 1).await;
    let address = app.address.clone();
    let slow = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(address.trim_start_matches("http://")).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let started = Instant::now();
        stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
        // One byte every 200 ms: never finishes the headers.
        for _ in 0..40 {
            if stream.write_all(b"X").is_err() {
                break;
            }
            std::thread::sleep(Duration::from_millis(200));
            let mut probe = [0u8; 1];
            stream.set_nonblocking(true).unwrap();
            let closed = matches!(stream.read(&mut probe), Ok(0))
                || matches!(stream.read(&mut probe), Ok(n) if n > 0);
            stream.set_nonblocking(false).unwrap();
            if closed {
                break;
            }
        }
        started.elapsed()
    });
    // Meanwhile others are served normally.
    for _ in 0..5 {
        assert_eq!(app.get("/guide/risks").await.status().as_u16(), 200);
    }
    let held = slow.await.unwrap();
    assert!(
        held < Duration::from_secs(4),
        "the slow client was held for {held:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn connections_beyond_the_cap_are_refused_while_others_are_served() {
    let app = spawn_app_with(|config| config.limits.max_connections = 2).await;
    let address = app.address.trim_start_matches("http://").to_owned();
    // Two idle keep-alive connections take both places.
    let held: Vec<TcpStream> = (0..2)
        .map(|_| TcpStream::connect(&address).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let third = address.clone();
    let refused = tokio::task::spawn_blocking(move || {
        raw_request(&third, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    })
    .await
    .unwrap();
    assert!(
        refused.is_empty(),
        "a third connection is closed unanswered: {refused:.60}"
    );
    drop(held);
    std::thread::sleep(Duration::from_millis(200));
    let again = tokio::task::spawn_blocking(move || {
        raw_request(
            &address,
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
    })
    .await
    .unwrap();
    assert!(
        again.starts_with("HTTP/1.1 200"),
        "served once places are free: {again:.60}"
    );
}

#[tokio::test]
async fn a_request_body_that_arrives_too_slowly_times_out_with_408() {
    let app = spawn_app_with(|config| config.request_timeout = Duration::from_secs(1)).await;
    let address = app.address.clone();
    let response = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(address.trim_start_matches("http://")).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        stream
            .write_all(b"POST /guide/risks/comments HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ncomment=")
            .unwrap();
        let mut response = vec![0u8; 64];
        let n = stream.read(&mut response).unwrap_or(0);
        String::from_utf8_lossy(&response[..n]).into_owned()
    })
    .await
    .unwrap();
    assert!(response.starts_with("HTTP/1.1 408"), "{response:?}");
}
