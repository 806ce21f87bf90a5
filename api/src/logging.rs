//! Log output on stdout, JSON lines or text. Ordinary logs go through
//! `tracing` and a background writer thread; access logs through
//! [`AccessLog`]. Either way a slow log reader never slows a request: lines
//! are dropped instead.

use std::sync::Arc;

use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};

use crate::access_log::AccessLog;
use crate::cli::LogFormat;

/// Ordinary log lines waiting for the writer thread; beyond it they are
/// dropped. They are rare (start-up, reloads, errors), and the queue is
/// allocated and touched whole up front: tracing-appender's default of
/// 128,000 lines costs 4 MiB of resident memory.
const GENERAL_LOG_QUEUE_LINES: usize = 1024;

/// The log sinks; flushes every line still buffered when dropped (at exit).
pub struct Logs {
    /// The access log, when it is on.
    pub access: Option<Arc<AccessLog>>,
    _general: WorkerGuard,
}

impl Drop for Logs {
    fn drop(&mut self) {
        if let Some(access) = &self.access {
            access.flush();
        }
    }
}

/// Installs the global subscriber (hello-process: `HELLO_LOG`, one JSON
/// shape) through the writer thread, and starts the access log (when
/// `access_log`); keep the result alive to flush at exit.
pub fn init(format: LogFormat, access_log: bool) -> Logs {
    let (writer, guard) = NonBlockingBuilder::default()
        .buffered_lines_limit(GENERAL_LOG_QUEUE_LINES)
        .lossy(true)
        .finish(std::io::stdout());
    hello_process::log::init("hello-api", format, writer);
    Logs {
        access: access_log.then(|| Arc::new(AccessLog::start(format))),
        _general: guard,
    }
}
