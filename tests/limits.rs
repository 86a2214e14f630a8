//! A server under slow and many clients: half a header is cut off, the
//! connections open at once are capped, and everyone else is still served.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::util::Server;

fn address(server: &Server) -> String {
    server.base.strip_prefix("http://").unwrap().to_owned()
}

/// Whether the server has closed the connection: a read gives its end (or
/// a reset) within `wait`, whatever came before it.
fn closed_by_server(stream: &mut TcpStream, wait: Duration) -> bool {
    stream.set_read_timeout(Some(wait)).unwrap();
    let mut sink = Vec::new();
    match stream.read_to_end(&mut sink) {
        Ok(_) => true,
        Err(e) => e.kind() == std::io::ErrorKind::ConnectionReset,
    }
}

/// Whether `GET /healthz` on a connection of its own is answered 200.
fn healthy(address: &str) -> bool {
    let Ok(mut stream) = TcpStream::connect(address) else { return false };
    if stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: famgraph\r\nConnection: close\r\n\r\n").is_err() {
        return false;
    }
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    answer.starts_with(b"HTTP/1.1 200")
}

#[test]
fn clients_sending_half_a_header_neither_hold_up_others_nor_stay() {
    let server = Server::start(&[]);
    let mut slow: Vec<TcpStream> = (0..100)
        .map(|_| {
            let mut stream = TcpStream::connect(address(&server)).unwrap();
            stream.write_all(b"GET /api/v1/me HTTP/1.1\r\nHost: famgraph\r\nX-Slow: ").unwrap();
            stream
        })
        .collect();
    // Everyone else is served meanwhile.
    assert_eq!(server.get_ok("/api/v1/me")["role"], "coordinator");
    // And each slow client is cut off once its time to send the header is
    // up (10 s), not kept for as long as it likes.
    let started = Instant::now();
    for stream in &mut slow {
        let left = Duration::from_secs(30).saturating_sub(started.elapsed()).max(Duration::from_millis(1));
        assert!(closed_by_server(stream, left), "a client sending half a header was kept open");
    }
}

#[test]
fn connections_past_the_cap_are_closed_on_arrival_and_counted() {
    let server = Server::start(&["--max-connections", "4"]);
    let held: Vec<TcpStream> = (0..4).map(|_| TcpStream::connect(address(&server)).unwrap()).collect();
    // The fifth is accepted and closed at once, unanswered.
    let mut fifth = TcpStream::connect(address(&server)).unwrap();
    let _ = fifth.write_all(b"GET /healthz HTTP/1.1\r\nHost: famgraph\r\n\r\n");
    let mut answer = Vec::new();
    fifth.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let _ = fifth.read_to_end(&mut answer);
    assert!(answer.is_empty(), "served past the cap: {}", String::from_utf8_lossy(&answer));
    // Once those close, the server answers again.
    drop(held);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if healthy(&address(&server)) {
            break;
        }
        assert!(Instant::now() < deadline, "still refusing after the held connections closed");
        std::thread::sleep(Duration::from_millis(50));
    }
    // The log is read from the server's stderr as it comes: wait for it.
    let refused = |server: &Server| -> Vec<String> {
        server.log().into_iter().filter(|l| l.contains("connection closed on arrival")).collect()
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while refused(&server).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(refused(&server).len(), 1, "logged once: {:?}", refused(&server));
}

/// On SIGTERM the server stops accepting and gives the connections still
/// open a deadline (10 s), not for ever: a client stalled halfway through
/// sending a request body does not keep the server from stopping.
#[cfg(unix)]
#[test]
fn a_stopping_server_waits_for_open_connections_only_so_long() {
    let server = Server::start(&[]);
    let token = server.token.clone().unwrap();
    let mut stalled = TcpStream::connect(address(&server)).unwrap();
    let head = format!(
        "POST /api/v1/overrides HTTP/1.1\r\nHost: famgraph\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{"
    );
    stalled.write_all(head.as_bytes()).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let pid = server.pid();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap().success());
    // Stopped (a zombie until the test reaps it) well before the request
    // timeout of a minute would have ended the stalled request.
    let stopped = || {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map_or(true, |stat| stat.rsplit(')').next().is_some_and(|rest| rest.trim_start().starts_with('Z')))
    };
    let started = Instant::now();
    while !stopped() {
        assert!(started.elapsed() < Duration::from_secs(40), "the server kept waiting for a stalled client");
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(stalled);
}
