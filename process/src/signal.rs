//! The stop signal.
//!
//! Kubernetes stops a container with SIGTERM; a terminal sends SIGINT. Each
//! process waits for either and then shuts down gracefully (drain, flush,
//! release the lease), so both must be caught, not only Ctrl-C.

use tokio::signal::unix::{SignalKind, signal};

/// Resolves with the signal's name when SIGTERM or SIGINT arrives.
///
/// The handlers are installed when this is called, not when the future is
/// first polled, so a signal sent after the call is never missed. Call it
/// inside the tokio runtime. If the handlers cannot be installed (no signal
/// support), it logs an error and never resolves: the process still runs,
/// and a stop kills it.
pub fn wait_for_signal() -> impl Future<Output = &'static str> + Send + 'static {
    let handlers = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    );
    async move {
        match handlers {
            (Ok(mut term), Ok(mut int)) => tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => "SIGINT",
            },
            _ => {
                tracing::error!("cannot listen for signals; SIGTERM will not stop gracefully");
                std::future::pending().await
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::wait_for_signal;

    #[tokio::test]
    async fn sigterm_is_caught_and_named() {
        // The handlers are in place once the call returns.
        let waiter = tokio::spawn(wait_for_signal());
        let kill = std::process::Command::new("kill")
            .args(["-TERM", &std::process::id().to_string()])
            .status()
            .expect("kill(1) runs");
        assert!(kill.success());
        let name = tokio::time::timeout(std::time::Duration::from_secs(5), waiter)
            .await
            .expect("SIGTERM was not seen within 5 s")
            .expect("the waiter panicked");
        assert_eq!(name, "SIGTERM");
    }
}
