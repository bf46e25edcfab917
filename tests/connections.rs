//! Connections as a hostile client holds them (issue 12, defect 3): idle and half-sent
//! requests are closed after the header timeout, one address cannot take every connection,
//! and everyone else is still served meanwhile.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::{net::SocketAddr, time::Duration};

use common::TestApp;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpSocket, TcpStream},
    time::{Instant, timeout},
};

/// A TCP connection to `to` from the loopback address `from` (127.0.0.0/8 is all ours).
async fn connect_from(from: [u8; 4], to: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::from((from, 0))).unwrap();
    socket.connect(to).await.unwrap()
}

/// Seconds until the server closes `stream` (reads end), or `None` within `limit`.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut buf = [0u8; 1024];
    loop {
        match timeout(
            limit.saturating_sub(started.elapsed()),
            stream.read(&mut buf),
        )
        .await
        {
            Err(_) => return None,
            Ok(Ok(0) | Err(_)) => return Some(started.elapsed()),
            // A 408 or similar before closing is fine; keep reading until the close.
            Ok(Ok(_)) => {}
        }
    }
}

#[tokio::test]
async fn idle_and_half_sent_connections_are_closed() {
    let app = TestApp::spawn_with(|c| c.server.header_timeout_seconds = 2).await;
    let mut idle = connect_from([127, 0, 0, 2], app.addr).await;
    let mut slow = connect_from([127, 0, 0, 2], app.addr).await;
    slow.write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        .await
        .unwrap();
    let (idle_closed, slow_closed) = tokio::join!(
        closed_within(&mut idle, Duration::from_secs(8)),
        closed_within(&mut slow, Duration::from_secs(8)),
    );
    let idle_closed = idle_closed.expect("an idle connection is closed");
    let slow_closed = slow_closed.expect("a half-sent request is closed");
    assert!(
        idle_closed >= Duration::from_millis(1500),
        "{idle_closed:?}"
    );
    assert!(
        slow_closed >= Duration::from_millis(1500),
        "{slow_closed:?}"
    );
    // A keep-alive connection left idle after a request is closed too.
    let mut kept = connect_from([127, 0, 0, 2], app.addr).await;
    kept.write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    assert!(
        closed_within(&mut kept, Duration::from_secs(8))
            .await
            .is_some(),
        "an idle keep-alive connection is closed"
    );
    app.stop().await;
}

#[tokio::test]
async fn one_address_cannot_take_every_connection() {
    let app = TestApp::spawn_with(|c| {
        c.server.max_connections_per_address = 20;
        c.server.header_timeout_seconds = 30;
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..20 {
        held.push(connect_from([127, 0, 0, 3], app.addr).await);
    }
    // Give the server time to accept all of them.
    tokio::time::sleep(Duration::from_millis(300)).await;
    // The next ones from the same address are closed at once.
    for _ in 0..5 {
        let mut extra = connect_from([127, 0, 0, 3], app.addr).await;
        assert!(
            closed_within(&mut extra, Duration::from_secs(3))
                .await
                .is_some(),
            "a connection over the per-address cap is closed"
        );
    }
    // Everyone else is served while they are held.
    let res = common::client()
        .get(app.url("/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // The held ones are still open (the cap did not drop them).
    let mut buf = [0u8; 1];
    for stream in &mut held {
        assert!(
            timeout(Duration::from_millis(20), stream.read(&mut buf))
                .await
                .is_err()
        );
    }
    drop(held);
    app.stop().await;
}

/// A trusted reverse proxy carries every client's connections: the per-address cap does not
/// apply to it (its clients are told apart by `X-Forwarded-For`), while other addresses
/// stay capped.
#[tokio::test]
async fn a_trusted_proxy_is_not_held_to_the_per_address_cap() {
    let app = TestApp::spawn_with(|c| {
        c.server.max_connections_per_address = 5;
        c.server.header_timeout_seconds = 30;
        c.server.trusted_proxies = vec!["127.0.0.4".into()];
    })
    .await;
    let mut proxy = Vec::new();
    for _ in 0..15 {
        proxy.push(connect_from([127, 0, 0, 4], app.addr).await);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut buf = [0u8; 1];
    for stream in &mut proxy {
        assert!(
            timeout(Duration::from_millis(20), stream.read(&mut buf))
                .await
                .is_err(),
            "a proxy connection over the per-address cap was closed"
        );
    }
    // The last one still serves a request.
    let last = proxy.last_mut().unwrap();
    last.write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut answer = [0u8; 12];
    timeout(Duration::from_secs(5), last.read_exact(&mut answer))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&answer, b"HTTP/1.1 200");
    // Anyone else is still capped.
    let mut others = Vec::new();
    for _ in 0..5 {
        others.push(connect_from([127, 0, 0, 5], app.addr).await);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut extra = connect_from([127, 0, 0, 5], app.addr).await;
    assert!(
        closed_within(&mut extra, Duration::from_secs(3))
            .await
            .is_some(),
        "an untrusted address over the cap is closed"
    );
    drop((proxy, others));
    app.stop().await;
}
