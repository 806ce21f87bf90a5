//! Which answer a request gets: pure routing over the method, path, query
//! and the served configuration, with no HTTP framework involved.

use bytes::Bytes;

use crate::config::Config;
use crate::metrics::Route;
use crate::problem::{Problem, quote};
use crate::{current_time, factorial};

/// Longest request target (path and query) accepted, in bytes.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// Largest total of header names and values accepted, in bytes (the HTTP
/// layer itself refuses heads over 128 KiB or with more than 96 headers).
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// Largest request body accepted; no endpoint reads one.
pub const MAX_BODY_BYTES: u64 = 1024;

pub const HEALTHCHECK: &str = "/healthcheck";
pub const CURRENT_TIME: &str = "/current_time";
pub const FACTORIAL: &str = "/api/v1/factorial";

/// The parts of a request that decide its answer.
#[derive(Debug, Clone, Copy)]
pub struct RequestParts<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    /// The declared body length (`Content-Length`), if any.
    pub body_len: Option<u64>,
    /// Total bytes of header names and values.
    pub header_bytes: usize,
}

/// The answer, before it becomes an HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// `application/json`.
    Json { status: u16, body: Bytes },
    /// 200 with no body.
    Empty,
    /// `application/problem+json`; 405s carry `Allow: GET`.
    Problem(Problem),
}

impl Answer {
    pub fn status(&self) -> u16 {
        match self {
            Answer::Json { status, .. } => *status,
            Answer::Empty => 200,
            Answer::Problem(problem) => problem.status,
        }
    }
}

/// A routed request: its metric label, its answer, and whether the answer
/// body is also a Kafka event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routed {
    pub route: Route,
    pub answer: Answer,
    pub is_event: bool,
}

impl Routed {
    fn new(route: Route, answer: Answer) -> Self {
        Self {
            route,
            answer,
            is_event: false,
        }
    }
}

/// Routes one request. `config` is the snapshot served to this request
/// (`None` before the first configuration); `now` is the Unix time in seconds.
pub fn route(request: &RequestParts<'_>, config: Option<&Config>, now: u64) -> Routed {
    let uri_len = request.path.len() + request.query.len();
    if uri_len > MAX_URI_BYTES {
        return Routed::new(
            Route::Unmatched,
            Answer::Problem(Problem::new(
                414,
                format!(
                    "the request target is {uri_len} bytes; at most {MAX_URI_BYTES} are allowed"
                ),
            )),
        );
    }

    if request.header_bytes > MAX_HEADER_BYTES {
        let detail = format!(
            "the request headers are {} bytes; at most {MAX_HEADER_BYTES} are allowed",
            request.header_bytes
        );
        return Routed::new(Route::Unmatched, Answer::Problem(Problem::new(431, detail)));
    }

    let route = match request.path {
        HEALTHCHECK => Route::Builtin(HEALTHCHECK),
        CURRENT_TIME => Route::Builtin(CURRENT_TIME),
        FACTORIAL => Route::Builtin(FACTORIAL),
        path => match config {
            Some(config) => match config.responses.get(path) {
                Some(canned) => Route::Configured(canned.route.clone()),
                None => return not_found(path),
            },
            None => return not_loaded(),
        },
    };

    if request.method != "GET" {
        let detail = format!(
            "method {} is not allowed on {}; use GET",
            quote(request.method),
            request.path
        );
        return Routed::new(route, Answer::Problem(Problem::new(405, detail)));
    }
    if let Some(len) = request.body_len.filter(|len| *len > MAX_BODY_BYTES) {
        let detail =
            format!("the request body is {len} bytes; at most {MAX_BODY_BYTES} are allowed");
        return Routed::new(route, Answer::Problem(Problem::new(413, detail)));
    }

    match request.path {
        HEALTHCHECK => Routed::new(route, Answer::Empty),
        CURRENT_TIME => current_time_answer(route, request.query, config, now),
        FACTORIAL => {
            let answer = match factorial::number_from_query(request.query) {
                Ok(n) => Answer::Json {
                    status: 200,
                    body: Bytes::from(factorial::render_body(n)),
                },
                Err(error) => Answer::Problem(Problem::bad_request(error.to_string())),
            };
            Routed::new(route, answer)
        }
        path => match config.and_then(|c| c.responses.get(path)) {
            Some(canned) => Routed::new(
                route,
                Answer::Json {
                    status: canned.status,
                    body: canned.body.clone(),
                },
            ),
            None => not_found(path),
        },
    }
}

fn current_time_answer(route: Route, query: &str, config: Option<&Config>, now: u64) -> Routed {
    let name = match current_time::name_from_query(query) {
        Ok(name) => name,
        Err(error) => {
            return Routed::new(
                route,
                Answer::Problem(Problem::bad_request(error.to_string())),
            );
        }
    };
    let Some(config) = config else {
        return not_loaded();
    };
    let message = config.greeting.render_json(&name);
    let body = Bytes::from(current_time::render_body(now, &message));
    Routed {
        route,
        answer: Answer::Json { status: 200, body },
        is_event: true,
    }
}

fn not_found(path: &str) -> Routed {
    Routed::new(
        Route::Unmatched,
        Answer::Problem(Problem::new(404, format!("no endpoint at {}", quote(path)))),
    )
}

fn not_loaded() -> Routed {
    Routed::new(
        Route::Unmatched,
        Answer::Problem(Problem::new(
            503,
            "no configuration is loaded yet; retry shortly",
        )),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse_config;

    fn config() -> Config {
        parse_config(
            "greeting: \"Hello, {name}!\"\nresponses:\n  /hello: {message: \"Hello, World!\"}\n  /teapot: {status: 418, message: \"I'm a teapot\"}\n",
        )
        .unwrap()
    }

    fn get(path_and_query: &str) -> Routed {
        request("GET", path_and_query, None)
    }

    fn request(method: &str, path_and_query: &str, body_len: Option<u64>) -> Routed {
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        let parts = RequestParts {
            method,
            path,
            query,
            body_len,
            header_bytes: 0,
        };
        route(&parts, Some(&config()), 1_700_000_000)
    }

    fn body(routed: &Routed) -> String {
        match &routed.answer {
            Answer::Json { body, .. } => String::from_utf8(body.to_vec()).unwrap(),
            other => panic!("not JSON: {other:?}"),
        }
    }

    fn problem(routed: &Routed) -> &Problem {
        match &routed.answer {
            Answer::Problem(problem) => problem,
            other => panic!("not a problem: {other:?}"),
        }
    }

    #[test]
    fn configured_responses_are_served_with_their_status() {
        let hello = get("/hello");
        assert_eq!(body(&hello), r#"{"message":"Hello, World!"}"#);
        assert_eq!(hello.answer.status(), 200);
        assert_eq!(hello.route, Route::Configured("/hello".into()));
        assert_eq!(get("/teapot").answer.status(), 418);
        assert!(!hello.is_event);
    }

    #[test]
    fn current_time_greets_and_is_an_event() {
        let routed = get("/current_time?name=Paul");
        assert_eq!(
            body(&routed),
            r#"{"timestamp":1700000000,"message":"Hello, Paul!"}"#
        );
        assert!(routed.is_event);
        let refused = get("/current_time?name=Paul%0A");
        assert_eq!(refused.answer.status(), 400);
        assert!(!refused.is_event);
        assert!(
            problem(&get("/current_time?name=Paul&x=1"))
                .detail
                .contains("\"x\"")
        );
    }

    #[test]
    fn factorial_and_healthcheck() {
        assert_eq!(
            body(&get("/api/v1/factorial?number=25")),
            r#"{"factorial":15511210043330985984000000}"#
        );
        let refused = get("/api/v1/factorial?number=1001");
        assert!(problem(&refused).detail.contains("\"number\""));
        assert_eq!(get("/healthcheck").answer, Answer::Empty);
    }

    #[test]
    fn unknown_paths_are_404_and_other_methods_405() {
        let missing = get("/nope");
        assert_eq!(missing.answer.status(), 404);
        assert_eq!(missing.route, Route::Unmatched);
        assert_eq!(get("/hello/").answer.status(), 404);
        for path in [
            "/hello",
            "/current_time",
            "/api/v1/factorial",
            "/healthcheck",
        ] {
            let routed = request("POST", path, None);
            assert_eq!(routed.answer.status(), 405, "{path}");
            assert!(problem(&routed).detail.contains("\"POST\""));
        }
        assert_eq!(request("DELETE", "/nope", None).answer.status(), 404);
    }

    #[test]
    fn size_limits_hold() {
        let long = format!("/hello?{}", "a".repeat(MAX_URI_BYTES));
        assert_eq!(get(&long).answer.status(), 414);
        assert_eq!(
            request("GET", "/hello", Some(MAX_BODY_BYTES + 1))
                .answer
                .status(),
            413
        );
        assert_eq!(request("GET", "/hello", Some(0)).answer.status(), 200);
        let parts = RequestParts {
            method: "GET",
            path: "/hello",
            query: "",
            body_len: None,
            header_bytes: MAX_HEADER_BYTES + 1,
        };
        assert_eq!(route(&parts, None, 0).answer.status(), 431);
    }

    #[test]
    fn before_any_configuration_only_config_free_endpoints_answer() {
        let parts = |path, query| RequestParts {
            method: "GET",
            path,
            query,
            body_len: None,
            header_bytes: 0,
        };
        assert_eq!(route(&parts("/hello", ""), None, 0).answer.status(), 503);
        assert_eq!(
            route(&parts("/current_time", "name=a"), None, 0)
                .answer
                .status(),
            503
        );
        assert_eq!(
            route(&parts("/current_time", ""), None, 0).answer.status(),
            400
        );
        assert_eq!(
            route(&parts("/healthcheck", ""), None, 0).answer.status(),
            200
        );
        assert_eq!(
            route(&parts("/api/v1/factorial", "number=3"), None, 0)
                .answer
                .status(),
            200
        );
    }
}
