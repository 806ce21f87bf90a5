//! The public API of the real binary against the contract's table.

use crate::support::api::Api;
use crate::support::http;

fn problem_detail(response: &http::Response) -> String {
    assert_eq!(
        response.header("content-type"),
        Some("application/problem+json"),
        "{}",
        response.text()
    );
    let body = response.json();
    assert_eq!(body["status"], response.status);
    assert_eq!(body["type"], "about:blank");
    assert!(body["title"].is_string());
    body["detail"].as_str().expect("detail").to_string()
}

#[test]
fn hello_answers_the_default_message() {
    let api = Api::start_default();
    let response = api.get("/hello");
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert_eq!(response.text(), r#"{"message":"Hello, World!"}"#);
}

#[test]
fn current_time_greets_with_the_unix_time() {
    let api = Api::start_default();
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let response = api.get("/current_time?name=Paul");
    assert_eq!(response.status, 200);
    let text = response.text();
    let timestamp = response.json()["timestamp"]
        .as_u64()
        .expect("integer timestamp");
    assert!((before..=before + 5).contains(&timestamp), "{text}");
    assert_eq!(
        text,
        format!(r#"{{"timestamp":{timestamp},"message":"Hello, Paul!"}}"#)
    );
}

#[test]
fn current_time_refuses_bad_names_and_extra_parameters() {
    let api = Api::start_default();
    let long = format!("name={}", "a".repeat(248));
    let cases = [
        ("", "missing"),
        ("name=", "empty"),
        (long.as_str(), "248 characters"),
        ("name=Paul%0A", "position 4"),
        ("name=9lives", "start with a letter"),
        ("name=Pa%20ul", "position 2"),
        ("name=Paul&name=Ringo", "more than once"),
        ("name=Paul&lang=en", "\"lang\""),
        ("name=%zz", "percent-encoding"),
    ];
    for (query, expected) in cases {
        let response = api.get(&format!("/current_time?{query}"));
        assert_eq!(response.status, 400, "{query}: {}", response.text());
        let detail = problem_detail(&response);
        assert!(detail.contains(expected), "{query}: {detail}");
        if query != "name=Paul&lang=en" && !query.is_empty() && !query.starts_with("name=%") {
            assert!(detail.contains("\"name\""), "{query}: {detail}");
        }
    }
    let longest = format!("/current_time?name={}", "a".repeat(247));
    assert_eq!(api.get(&longest).status, 200);
}

#[test]
fn factorial_is_exact_and_strict() {
    let api = Api::start_default();
    let response = api.get("/api/v1/factorial?number=25");
    assert_eq!(response.status, 200);
    assert_eq!(
        response.text(),
        r#"{"factorial":15511210043330985984000000}"#
    );
    let response = api.get("/api/v1/factorial?number=1000");
    assert_eq!(response.status, 200);
    let digits = response.text();
    let digits = digits
        .strip_prefix(r#"{"factorial":"#)
        .and_then(|d| d.strip_suffix('}'))
        .expect("a JSON integer");
    assert_eq!(digits.len(), 2568);
    assert!(digits.starts_with("402387260077") && digits.ends_with(&"0".repeat(249)));

    for query in [
        "number=%2B5",
        "number=+5",
        "number=%205",
        "number=1_0",
        "number=-1",
        "number=abc",
        "number=",
        "",
        "number=1001",
        "number=5&x=1",
    ] {
        let response = api.get(&format!("/api/v1/factorial?{query}"));
        assert_eq!(response.status, 400, "{query}: {}", response.text());
        let detail = problem_detail(&response);
        assert!(
            detail.contains("\"number\"") || detail.contains("\"x\""),
            "{query}: {detail}"
        );
    }
}

#[test]
fn healthcheck_is_200_with_an_empty_body() {
    let api = Api::start_default();
    let response = api.get("/healthcheck");
    assert_eq!(response.status, 200);
    assert!(response.body.is_empty());
    assert_eq!(response.header("content-length"), Some("0"));
}

#[test]
fn unknown_paths_are_404_and_other_methods_405() {
    let api = Api::start_default();
    for path in ["/nope", "/hello/", "/Hello", "/metrics", "/readyz"] {
        let response = api.get(path);
        assert_eq!(response.status, 404, "{path}");
        assert!(problem_detail(&response).contains(path));
    }
    for (method, path) in [
        ("POST", "/hello"),
        ("PUT", "/current_time"),
        ("DELETE", "/api/v1/factorial"),
        ("HEAD", "/healthcheck"),
    ] {
        let response = http::request(api.public, method, path, &[], b"");
        assert_eq!(response.status, 405, "{method} {path}");
        assert_eq!(response.header("allow"), Some("GET"));
        if method != "HEAD" {
            assert!(problem_detail(&response).contains(method));
        }
    }
}

#[test]
fn size_limits_are_enforced() {
    let api = Api::start_default();
    let long = format!("/hello?{}", "a".repeat(9000));
    let response = api.get(&long);
    assert_eq!(response.status, 414);
    assert!(problem_detail(&response).contains("request target"));
    let response = http::request(api.public, "GET", "/hello", &[], &[b'x'; 2048]);
    assert_eq!(response.status, 413);
    assert!(problem_detail(&response).contains("body"));
    let big_header = "h".repeat(20 * 1024);
    let response = http::request(api.public, "GET", "/hello", &[("X-Big", &big_header)], b"");
    assert_eq!(response.status, 431);
    assert!(problem_detail(&response).contains("headers"));
    // A head beyond the HTTP layer's buffer is refused too, never served.
    let huge_header = "h".repeat(200 * 1024);
    let refused = http::try_request(api.public, "GET", "/hello", &[("X-Big", &huge_header)], b"");
    assert!(refused.map(|r| r.status >= 400).unwrap_or(true));
    assert_eq!(api.get("/hello").status, 200, "the server survived");
}

#[test]
fn request_ids_are_echoed_or_made() {
    let api = Api::start_default();
    let response = http::request(
        api.public,
        "GET",
        "/hello",
        &[("X-Request-Id", "abc-123")],
        b"",
    );
    assert_eq!(response.header("x-request-id"), Some("abc-123"));
    let first = api.get("/hello");
    let second = api.get("/hello");
    let (a, b) = (first.header("x-request-id"), second.header("x-request-id"));
    assert!(a.is_some() && a != b, "{a:?} {b:?}");
    // Log lines are written by a background thread: give it a moment.
    let line = crate::support::eventually(std::time::Duration::from_secs(5), || {
        api.logs()
            .lines()
            .find(|l| l.contains("abc-123"))
            .map(str::to_string)
    })
    .expect("an access log line with the request id");
    let entry: serde_json::Value = serde_json::from_str(&line).expect("a JSON log line");
    assert_eq!(entry["path"], "/hello");
    assert_eq!(entry["status"], 200);
    assert_eq!(entry["request_id"], "abc-123");
}

#[test]
fn the_admin_port_serves_probes_and_metrics_and_the_public_one_does_not() {
    let api = Api::start_default();
    assert_eq!(api.admin_get("/healthz").status, 200);
    assert_eq!(api.admin_get("/readyz").status, 200);
    api.get("/hello");
    api.get("/nope");
    let metrics = api.admin_get("/metrics");
    assert_eq!(metrics.status, 200);
    let text = metrics.text();
    for sample in [
        r#"hello_http_requests_total{route="/hello",status="200"} 1"#,
        r#"hello_http_requests_total{route="unmatched",status="404"} 1"#,
        "hello_http_request_duration_seconds_bucket",
        "hello_config_reloads_total 1",
    ] {
        assert!(text.contains(sample), "no {sample} in\n{text}");
    }
    assert_eq!(api.admin_get("/hello").status, 404);
}

#[test]
fn text_logs_are_available() {
    let api = Api::builder().arg("--log-format").arg("text").start();
    api.get("/hello");
    let logs = crate::support::eventually(std::time::Duration::from_secs(5), || {
        let logs = api.logs();
        logs.contains("request_id=").then_some(logs)
    })
    .expect("a text access log line");
    assert!(!logs.lines().any(|l| l.starts_with('{')), "{logs}");
}
