//! Operational logs on stderr, JSON lines or text. stdout is reserved for
//! the records, so `kubectl logs` of the consumer stays a parseable stream
//! of records (`kind` tells them apart from the operational lines).

use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer;
use tracing_subscriber::fmt;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::cli::LogFormat;

/// Installs the global subscriber. `RUST_LOG` overrides the level (`info`).
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let layer = match format {
        LogFormat::Json => fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .with_writer(std::io::stderr)
            .boxed(),
        LogFormat::Text => fmt::layer()
            .with_ansi(false)
            .with_writer(std::io::stderr)
            .boxed(),
    };
    if let Err(error) = tracing_subscriber::registry()
        .with(filter)
        .with(layer)
        .try_init()
    {
        eprintln!("hello-consumer: logging was already set up: {error}");
    }
}
