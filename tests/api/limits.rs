//! Limits on what one client may ask: header size, slow headers, slow reading, connection
//! count in all and per client, body size.
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::helpers::{raw_request, spawn_app_with};

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
    // Two workers, each with its own listener: the cap is still one for the server.
    let app = spawn_app_with(|config| {
        config.limits.max_connections = 2;
        config.workers = 2;
    })
    .await;
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

/// Opens a connection from `source` (any 127.x.y.z address is this machine), with a small
/// receive window.
async fn connect_from(source: &str, address: &str) -> tokio::net::TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    // A small receive window, as a slow reader would open.
    socket.set_recv_buffer_size(4096).unwrap();
    socket.bind(format!("{source}:0").parse().unwrap()).unwrap();
    socket
        .connect(address.trim_start_matches("http://").parse().unwrap())
        .await
        .unwrap()
}

/// Sends a GET on `stream` and reads one whole response (its head and `Content-Length`
/// bytes); an empty string if the server closed the connection instead.
async fn get_on(stream: &mut tokio::net::TcpStream, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n");
    if stream.write_all(request.as_bytes()).await.is_err() {
        return String::new();
    }
    let mut response = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&response).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length: "))
                .and_then(|l| l.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if body.len() >= length {
                return text;
            }
        }
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buffer)).await;
        match read {
            Ok(Ok(n)) if n > 0 => response.extend_from_slice(&buffer[..n]),
            _ => return String::from_utf8_lossy(&response).into_owned(),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn one_client_cannot_take_every_connection_slot() {
    // The shipped share: 64 connections per client (the test helpers raise it).
    let share = smp_guide::config::Limits::default().max_connections_per_client;
    let app = spawn_app_with(|config| config.limits.max_connections_per_client = share).await;
    let mut held = Vec::new();
    for _ in 0..share {
        let mut stream = connect_from("127.0.0.1", &app.address).await;
        // An answer shows the connection was admitted (it is kept open afterwards).
        assert!(
            get_on(&mut stream, "/robots.txt")
                .await
                .starts_with("HTTP/1.1 200")
        );
        held.push(stream);
    }

    let mut one_more = connect_from("127.0.0.1", &app.address).await;
    let refused = get_on(&mut one_more, "/robots.txt").await;
    let mut neighbour = connect_from("127.0.0.2", &app.address).await;
    let served = get_on(&mut neighbour, "/robots.txt").await;

    assert!(
        refused.is_empty(),
        "the client's connection beyond its share is closed unanswered: {refused:.60}"
    );
    assert!(
        served.starts_with("HTTP/1.1 200"),
        "another client is still served: {served:.60}"
    );
    drop(held);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_reads_too_slowly_is_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app_with(|config| config.limits.write_timeout_secs = 1).await;
    // Two hundred pages asked for at once, and nothing read: the answers fill the socket
    // buffers and the server's writes stall.
    let mut stream = connect_from("127.0.0.1", &app.address).await;
    let pipelined = "GET /guide HTTP/1.1\r\nHost: x\r\n\r\n".repeat(200);
    stream.write_all(pipelined.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;

    // Now read whatever is there until the server closes the connection.
    let mut received = Vec::new();
    let drained =
        tokio::time::timeout(Duration::from_secs(8), stream.read_to_end(&mut received)).await;
    let answered = String::from_utf8_lossy(&received)
        .matches("HTTP/1.1 200")
        .count();

    assert!(
        drained.is_ok(),
        "the server closed the connection (the client was still reading after 8 s)"
    );
    assert!(
        answered < 200,
        "the server gave up on the slow reader before answering everything ({answered} answers)"
    );
    assert_eq!(
        app.get("/healthz").await.status().as_u16(),
        200,
        "the server carries on"
    );
}
