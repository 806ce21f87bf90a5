//! Log output on stdout, JSON lines or text. Ordinary logs go through a
//! background writer thread; access logs through [`AccessLogLayer`]. Either
//! way a slow log reader never slows a request: lines are dropped instead.

use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Layer, fmt};

use crate::access_log::{self, AccessLogFlusher, AccessLogLayer};
use crate::cli::LogFormat;

/// Ordinary log lines waiting for the writer thread; beyond it they are
/// dropped. They are rare (start-up, reloads, errors), and the queue is
/// allocated and touched whole up front: tracing-appender's default of
/// 128,000 lines costs 4 MiB of resident memory.
const GENERAL_LOG_QUEUE_LINES: usize = 1024;

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
    let (writer, guard) = NonBlockingBuilder::default()
        .buffered_lines_limit(GENERAL_LOG_QUEUE_LINES)
        .lossy(true)
        .finish(std::io::stdout());
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
