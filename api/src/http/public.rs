//! The public server: every request goes through [`handle`], which routes,
//! answers, counts and logs it.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};

use super::router::{Answer, RequestParts, route};
use crate::access_log::AccessEntry;
use crate::problem;
use crate::state::AppState;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
const JSON: HeaderValue = HeaderValue::from_static("application/json");
const PROBLEM_JSON: HeaderValue = HeaderValue::from_static(problem::CONTENT_TYPE);
const ALLOW_GET: HeaderValue = HeaderValue::from_static("GET");

pub async fn handle(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let started = Instant::now();
    let headers = request.headers();
    let request_id = state
        .request_ids
        .for_request(headers.get(&REQUEST_ID).map(HeaderValue::as_bytes));
    let body_len = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let header_bytes = headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    let parts = RequestParts {
        method: request.method().as_str(),
        path: request.path(),
        query: request.query_string(),
        body_len,
        header_bytes,
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let snapshot = state.config.snapshot();
    let routed = route(&parts, snapshot.as_deref(), now);
    drop(snapshot);

    if routed.is_event
        && let (Some(events), Answer::Json { body, .. }) = (&state.events, &routed.answer)
    {
        events.publish(body);
    }

    let status = routed.answer.status();
    let mut response = into_response(routed.answer);
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    let elapsed = started.elapsed();
    state
        .metrics
        .observe_request(&routed.route, status, elapsed);
    if let Some(access_log) = &state.access_log {
        access_log.record(&AccessEntry {
            request_id: &request_id,
            method: parts.method,
            path: parts.path,
            query: parts.query,
            status,
            duration_us: elapsed.as_micros() as u64,
            peer: request.peer_addr().map(|a| a.ip()),
        });
    }
    response
}

fn into_response(answer: Answer) -> HttpResponse {
    let status_of =
        |code: u16| StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match answer {
        Answer::Json { status, body } => HttpResponse::build(status_of(status))
            .insert_header((header::CONTENT_TYPE, JSON))
            .body(body),
        Answer::Empty => HttpResponse::Ok().finish(),
        Answer::Problem(problem) => {
            let mut builder = HttpResponse::build(status_of(problem.status));
            builder.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
            if problem.status == 405 {
                builder.insert_header((header::ALLOW, ALLOW_GET));
            }
            builder.body(problem.to_json())
        }
    }
}
