//! The admin server: `/metrics`, `/healthz` (the consumer loop turns),
//! `/readyz` (in the group). It runs on a thread of its own, which also
//! waits for SIGTERM/SIGINT and tells the consumer loop to stop.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use actix_web::http::header;
use actix_web::{App, HttpResponse, HttpServer, web};

use crate::error::Error;
use crate::health::Health;
use crate::metrics::Metrics;

const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

struct AdminState {
    metrics: Arc<Metrics>,
    health: Arc<Health>,
}

/// Binds `addr` now (so a taken port fails the start) and serves it on a
/// new thread. On SIGTERM or SIGINT it marks the consumer not ready and sets
/// `stop`; if the process is still alive `shutdown_timeout` later, it exits
/// with code 1 (the records not committed are read again by the next owner).
pub fn spawn(
    addr: SocketAddr,
    metrics: Arc<Metrics>,
    health: Arc<Health>,
    stop: Arc<AtomicBool>,
    shutdown_timeout: Duration,
) -> Result<SocketAddr, Error> {
    let listener = TcpListener::bind(addr).map_err(|source| Error::Bind { addr, source })?;
    let bound = listener
        .local_addr()
        .map_err(|source| Error::Bind { addr, source })?;
    let state = web::Data::new(AdminState { metrics, health });
    std::thread::Builder::new()
        .name("admin".into())
        .spawn(move || {
            let served = actix_web::rt::System::new().block_on(async move {
                let signal_state = state.clone();
                actix_web::rt::spawn(async move {
                    let signal = hello_shutdown::wait_for_signal().await;
                    tracing::info!(
                        signal,
                        "shutting down: finishing the current batch, committing"
                    );
                    signal_state.health.begin_shutdown();
                    stop.store(true, Ordering::SeqCst);
                    tokio::time::sleep(shutdown_timeout).await;
                    tracing::error!(
                        timeout_seconds = shutdown_timeout.as_secs(),
                        "shutdown did not finish in time; exiting without a final commit"
                    );
                    std::process::exit(1);
                });
                HttpServer::new(move || {
                    App::new()
                        .app_data(state.clone())
                        .route("/metrics", web::get().to(metrics_handler))
                        .route("/healthz", web::get().to(healthz))
                        .route("/readyz", web::get().to(readyz))
                })
                .workers(1)
                .disable_signals()
                .listen(listener)?
                .run()
                .await
            });
            if let Err(error) = served {
                tracing::error!(%error, "the admin server failed");
            }
        })
        .map_err(Error::Thread)?;
    Ok(bound)
}

async fn metrics_handler(state: web::Data<AdminState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, OPENMETRICS))
        .body(state.metrics.render())
}

async fn healthz(state: web::Data<AdminState>) -> HttpResponse {
    match state.health.liveness() {
        Ok(()) => HttpResponse::Ok().content_type("text/plain").body("ok"),
        Err(reason) => HttpResponse::ServiceUnavailable()
            .content_type("text/plain")
            .body(reason),
    }
}

async fn readyz(state: web::Data<AdminState>) -> HttpResponse {
    match state.health.readiness() {
        Ok(()) => HttpResponse::Ok().content_type("text/plain").body("ok"),
        Err(reason) => HttpResponse::ServiceUnavailable()
            .content_type("text/plain")
            .body(format!("not ready: {reason}")),
    }
}
