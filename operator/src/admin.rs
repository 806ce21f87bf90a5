//! The admin HTTP server: `/metrics`, `/healthz` and `/readyz`, on an address
//! of its own, never the one users reach.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use actix_web::{App, HttpResponse, HttpServer, web};

use crate::metrics::Metrics;

/// Whether the process is ready; set once the controller runs.
#[derive(Default)]
pub struct Readiness(AtomicBool);

impl Readiness {
    pub fn set(&self, ready: bool) {
        self.0.store(ready, Ordering::Relaxed);
    }
}

struct State {
    metrics: Arc<Metrics>,
    readiness: Arc<Readiness>,
}

/// Binds `addr` and serves until the process stops.
pub fn serve(
    addr: SocketAddr,
    metrics: Arc<Metrics>,
    readiness: Arc<Readiness>,
) -> std::io::Result<actix_web::dev::Server> {
    let state = web::Data::new(State { metrics, readiness });
    Ok(HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .route("/metrics", web::get().to(metrics_text))
            .route(
                "/healthz",
                web::get().to(|| async { HttpResponse::Ok().body("ok") }),
            )
            .route("/readyz", web::get().to(ready))
    })
    .workers(1)
    .disable_signals()
    .bind(addr)?
    .run())
}

async fn metrics_text(state: web::Data<State>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(state.metrics.render())
}

async fn ready(state: web::Data<State>) -> HttpResponse {
    if state.readiness.0.load(Ordering::Relaxed) {
        HttpResponse::Ok().body("ok")
    } else {
        HttpResponse::ServiceUnavailable().body("not ready")
    }
}
