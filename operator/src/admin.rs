//! The operator's admin endpoints (hello-process serves them): its metrics,
//! and ready once it is connected and running its controller.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use hello_process::admin::{self, AdminEndpoints};

use crate::metrics::Metrics;

/// Whether the process is ready; set once the controller runs.
#[derive(Default)]
pub struct Readiness(AtomicBool);

impl Readiness {
    pub fn set(&self, ready: bool) {
        self.0.store(ready, Ordering::Relaxed);
    }
}

struct OperatorAdmin {
    metrics: Arc<Metrics>,
    readiness: Arc<Readiness>,
}

impl AdminEndpoints for OperatorAdmin {
    fn metrics(&self) -> String {
        self.metrics.render()
    }

    fn readiness(&self) -> Result<(), String> {
        if self.readiness.0.load(Ordering::Relaxed) {
            Ok(())
        } else {
            Err("not connected to the apiserver yet, or stopping".to_string())
        }
    }
}

/// Binds `addr` and serves until the process stops it.
pub fn serve(
    addr: SocketAddr,
    metrics: Arc<Metrics>,
    readiness: Arc<Readiness>,
) -> std::io::Result<actix_web::dev::Server> {
    admin::server(
        TcpListener::bind(addr)?,
        Arc::new(OperatorAdmin { metrics, readiness }),
    )
}
