//! Log output on stdout, JSON lines or text. Ordinary logs go through a
//! background writer thread; access logs through [`AccessLogLayer`]. Either
//! way a slow log reader never slows a request: lines are dropped instead.

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Layer, fmt};

use crate::access_log::{self, AccessLogFlusher, AccessLogLayer};
use crate::cli::LogFormat;

/// Flushes every log line still buffered when dropped (at exit).
pub struct LogGuard {
    access: AccessLogFlusher,
    _general: WorkerGuard,
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        self.access.flush();
    }
}

/// Installs the global subscriber; keep the guard alive to flush at exit.
/// `RUST_LOG` overrides the default level (`info`).
pub fn init(format: LogFormat) -> LogGuard {
    let (writer, guard) = tracing_appender::non_blocking(std::io::stdout());
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let not_access = filter_fn(|metadata| metadata.target() != access_log::TARGET);
    let general = match format {
        LogFormat::Json => fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .with_writer(writer)
            .with_filter(not_access)
            .boxed(),
        LogFormat::Text => fmt::layer()
            .with_ansi(false)
            .with_writer(writer)
            .with_filter(not_access)
            .boxed(),
    };
    let access = AccessLogLayer::start(format);
    let flusher = access.flusher();
    let installed = tracing_subscriber::registry()
        .with(filter)
        .with(general)
        .with(access)
        .try_init();
    if let Err(error) = installed {
        eprintln!("hello-api: logging was already set up: {error}");
    }
    LogGuard {
        access: flusher,
        _general: guard,
    }
}
