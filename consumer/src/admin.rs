//! The consumer's admin endpoints (hello-process serves them): `/healthz`
//! (the consumer loop turns), `/readyz` (in the group). The server runs on a
//! thread of its own, which also waits for SIGTERM/SIGINT and tells the
//! consumer loop to stop.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use hello_process::admin::{self, AdminEndpoints};

use crate::error::Error;
use crate::health::Health;
use crate::metrics::Metrics;

struct ConsumerAdmin {
    metrics: Arc<Metrics>,
    health: Arc<Health>,
}

impl AdminEndpoints for ConsumerAdmin {
    fn metrics(&self) -> String {
        self.metrics.render()
    }

    fn liveness(&self) -> Result<(), String> {
        self.health.liveness()
    }

    fn readiness(&self) -> Result<(), String> {
        self.health.readiness().map_err(str::to_string)
    }
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
    std::thread::Builder::new()
        .name("admin".into())
        .spawn(move || {
            let served = actix_web::rt::System::new().block_on(async move {
                let signal_health = health.clone();
                actix_web::rt::spawn(async move {
                    let signal = hello_process::wait_for_signal().await;
                    tracing::info!(
                        signal,
                        "shutting down: finishing the current batch, committing"
                    );
                    signal_health.begin_shutdown();
                    stop.store(true, Ordering::SeqCst);
                    tokio::time::sleep(shutdown_timeout).await;
                    tracing::error!(
                        timeout_seconds = shutdown_timeout.as_secs(),
                        "shutdown did not finish in time; exiting without a final commit"
                    );
                    std::process::exit(1);
                });
                admin::server(listener, Arc::new(ConsumerAdmin { metrics, health }))?.await
            });
            if let Err(error) = served {
                tracing::error!(%error, "the admin server failed");
            }
        })
        .map_err(Error::Thread)?;
    Ok(bound)
}
