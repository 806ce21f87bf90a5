//! Logging, the same in all three binaries: the filter from `HELLO_LOG`
//! (EnvFilter syntax, `info` when unset), `--log-format json|text`
//! (`HELLO_LOG_FORMAT`), and one JSON shape: `timestamp`, `level`,
//! `message` and `target` at the top level, the event's fields beside them.

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, fmt};

/// The variable that holds the log filter of every binary.
pub const FILTER_VAR: &str = "HELLO_LOG";
/// The filter when `HELLO_LOG` is unset, empty, or not a filter.
pub const DEFAULT_FILTER: &str = "info";

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One JSON object per line (for log collectors).
    Json,
    /// Human-readable lines.
    Text,
}

/// The log flag every binary flattens into its command line.
#[derive(Debug, Clone, clap::Args)]
pub struct LogArgs {
    /// Log format. The level is set by HELLO_LOG (EnvFilter syntax, e.g.
    /// `debug` or `info,hello_kafka=debug`; default `info`).
    #[arg(long, env = "HELLO_LOG_FORMAT", value_enum, default_value = "json")]
    pub log_format: LogFormat,
}

/// The filter `value` (HELLO_LOG's) asks for, and a warning when it is not
/// one: a typo in a log level falls back to `info` rather than keeping the
/// process from starting.
pub fn filter(value: Option<&str>) -> (EnvFilter, Option<String>) {
    let default = || EnvFilter::new(DEFAULT_FILTER);
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => (default(), None),
        Some(v) => match EnvFilter::builder().parse(v) {
            Ok(filter) => (filter, None),
            Err(error) => (
                default(),
                Some(format!(
                    "{FILTER_VAR}={v:?} is not a log filter ({error}); logging at {DEFAULT_FILTER}"
                )),
            ),
        },
    }
}

/// The formatting layer, writing to `writer`.
pub fn layer<S, W>(format: LogFormat, writer: W) -> Box<dyn Layer<S> + Send + Sync + 'static>
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    match format {
        LogFormat::Json => fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .with_writer(writer)
            .boxed(),
        LogFormat::Text => fmt::layer().with_ansi(false).with_writer(writer).boxed(),
    }
}

/// Installs the global subscriber: HELLO_LOG's filter, lines in `format` to
/// `writer`. `process` names the binary if logging was set up already.
pub fn init<W>(process: &str, format: LogFormat, writer: W)
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let value = std::env::var(FILTER_VAR).ok();
    let (filter, warning) = filter(value.as_deref());
    let shown = filter.to_string();
    let installed = tracing_subscriber::registry()
        .with(filter)
        .with(layer(format, writer))
        .try_init();
    if let Err(error) = installed {
        eprintln!("{process}: logging was already set up: {error}");
    }
    if let Some(warning) = warning {
        tracing::warn!(variable = FILTER_VAR, "{warning}");
    }
    tracing::debug!(filter = %shown, variable = FILTER_VAR, "log filter");
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'w> MakeWriter<'w> for Buffer {
        type Writer = Buffer;
        fn make_writer(&'w self) -> Buffer {
            self.clone()
        }
    }

    /// The lines `emit` logs under HELLO_LOG=`value`, in `format`.
    fn logged(value: Option<&str>, format: LogFormat, emit: impl FnOnce()) -> Vec<String> {
        let buffer = Buffer::default();
        let subscriber = tracing_subscriber::registry()
            .with(filter(value).0)
            .with(layer(format, buffer.clone()));
        tracing::subscriber::with_default(subscriber, emit);
        let bytes = buffer.0.lock().unwrap().clone();
        String::from_utf8(bytes)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn json_lines_carry_time_level_message_and_target_at_the_top() {
        let lines = logged(None, LogFormat::Json, || {
            tracing::info!(topic = "events", "Kafka events enabled");
        });
        let line: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
        assert_eq!(line["level"], "INFO");
        assert_eq!(line["message"], "Kafka events enabled");
        assert_eq!(line["target"], "hello_process::log::tests");
        assert_eq!(line["topic"], "events", "fields beside the message");
        assert!(line["timestamp"].is_string(), "{line}");
        assert!(line.get("fields").is_none(), "flat, not nested: {line}");
    }

    #[test]
    fn info_by_default_and_debug_when_hello_log_asks() {
        let emit = || {
            tracing::debug!("a debug line");
            tracing::info!("an info line");
        };
        assert_eq!(logged(None, LogFormat::Json, emit).len(), 1);
        assert_eq!(logged(Some(""), LogFormat::Json, emit).len(), 1);
        assert_eq!(logged(Some("debug"), LogFormat::Json, emit).len(), 2);
        assert_eq!(logged(Some("warn"), LogFormat::Json, emit).len(), 0);
        let per_target = Some("info,hello_process=debug");
        assert_eq!(logged(per_target, LogFormat::Json, emit).len(), 2);
    }

    #[test]
    fn a_filter_that_does_not_parse_names_the_variable_and_falls_back_to_info() {
        let (filter, warning) = filter(Some("hello_api=loud"));
        assert_eq!(filter.to_string(), "info");
        let warning = warning.expect("a warning");
        assert!(
            warning.starts_with("HELLO_LOG=\"hello_api=loud\" is not a log filter"),
            "{warning}"
        );
    }

    #[test]
    fn text_lines_are_plain_without_colour_codes() {
        let lines = logged(None, LogFormat::Text, || tracing::info!("hello"));
        assert!(
            lines[0].contains(" INFO ") && lines[0].ends_with("hello"),
            "{lines:?}"
        );
        assert!(!lines[0].contains('\u{1b}'), "{lines:?}");
    }
}
