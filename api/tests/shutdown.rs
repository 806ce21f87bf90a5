//! SIGTERM: not ready at once, in-flight requests finish, exit code 0.

use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::support::api::Api;
use crate::support::{eventually, http};

#[test]
fn sigterm_turns_not_ready_keeps_serving_during_the_delay_then_exits_0() {
    let mut api = Api::builder()
        .arg("--shutdown-delay-seconds")
        .arg("2")
        .start();
    assert!(api.is_ready());
    api.signal("TERM");
    let not_ready = eventually(Duration::from_secs(2), || (!api.is_ready()).then_some(()));
    assert!(not_ready.is_some(), "/readyz still 200 after SIGTERM");
    assert_eq!(api.get("/hello").status, 200, "serving during the delay");
    let status = api.wait_exit(Duration::from_secs(15)).expect("exited");
    assert_eq!(status.code(), Some(0), "{}", api.logs());
    assert!(
        http::try_get(api.public, "/hello").is_err(),
        "still accepting"
    );
}

/// What a keep-alive client saw: complete responses, and whether the
/// server ever cut one short.
struct Seen {
    complete: usize,
    truncated: bool,
}

/// Sends requests one after another on one keep-alive connection until the
/// server closes it; a close between responses is fine, inside one is not.
fn keep_requesting(addr: std::net::SocketAddr) -> Seen {
    use std::io::Read;
    let mut seen = Seen {
        complete: 0,
        truncated: false,
    };
    let Ok(mut stream) = TcpStream::connect(addr) else {
        return seen;
    };
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    loop {
        if stream
            .write_all(b"GET /api/v1/factorial?number=400 HTTP/1.1\r\nHost: x\r\n\r\n")
            .is_err()
        {
            return seen;
        }
        let mut raw = Vec::new();
        let mut buffer = [0u8; 4096];
        let complete = loop {
            let n: usize = stream.read(&mut buffer).unwrap_or_default();
            if n == 0 {
                break false;
            }
            raw.extend_from_slice(&buffer[..n]);
            if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&raw[..end]).to_lowercase();
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                if raw.len() >= end + 4 + length {
                    assert!(head.starts_with("http/1.1 200"), "{head}");
                    break true;
                }
            }
        };
        if !complete {
            seen.truncated = !raw.is_empty();
            return seen;
        }
        seen.complete += 1;
    }
}

#[test]
fn requests_in_flight_at_sigterm_complete() {
    let mut api = Api::start_default();
    let public = api.public;
    let clients: Vec<_> = (0..4)
        .map(|_| std::thread::spawn(move || keep_requesting(public)))
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    api.signal("TERM");
    let started = Instant::now();
    let status = api.wait_exit(Duration::from_secs(15)).expect("exited");
    assert_eq!(status.code(), Some(0), "{}", api.logs());
    assert!(started.elapsed() < Duration::from_secs(5));
    for client in clients {
        let seen = client.join().unwrap();
        assert!(seen.complete > 0, "a client got no response at all");
        assert!(!seen.truncated, "a response was cut short by the shutdown");
    }
}

#[test]
fn idle_keep_alive_connections_do_not_hold_up_the_exit() {
    let mut api = Api::start_default();
    let mut stream = TcpStream::connect(api.public).unwrap();
    stream
        .write_all(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut buffer = [0u8; 512];
    let n = std::io::Read::read(&mut stream, &mut buffer).unwrap();
    assert!(String::from_utf8_lossy(&buffer[..n]).starts_with("HTTP/1.1 200"));
    // The connection stays open and idle, as a load balancer's would.
    let started = Instant::now();
    api.signal("TERM");
    let status = api.wait_exit(Duration::from_secs(40)).expect("exited");
    assert_eq!(status.code(), Some(0));
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(5),
        "exit took {took:?} with an idle connection open"
    );
}
