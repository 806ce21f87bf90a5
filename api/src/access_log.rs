//! The access log: one line per request, emitted with `tracing` under the
//! target [`TARGET`] and written by [`AccessLogLayer`], which is built for
//! volume. Each HTTP worker thread appends its lines to its own buffer (an
//! uncontended lock); a background thread writes all buffers to stdout every
//! [`FLUSH_INTERVAL`] in whole lines. A request never waits on the log
//! reader: when a buffer is full the line is dropped and counted.

use std::cell::RefCell;
use std::fmt::{self, Write as _};
use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

use crate::cli::LogFormat;

/// The `tracing` target of access log events.
pub const TARGET: &str = "access";
/// How often buffered lines reach stdout.
/// Short, so the buffers stay small (memory) and lines appear promptly.
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(25);
/// Bytes one thread may buffer between flushes before lines are dropped.
const MAX_BUFFER_BYTES: usize = 1024 * 1024;

type Shard = Arc<Mutex<Vec<u8>>>;

#[derive(Default)]
struct Shards {
    all: Mutex<Vec<Weak<Mutex<Vec<u8>>>>>,
    dropped: AtomicU64,
}

thread_local! {
    static LOCAL: RefCell<(Option<Shard>, String)> = const { RefCell::new((None, String::new())) };
}

/// Formats access events (JSON or text) into per-thread buffers.
pub struct AccessLogLayer {
    format: LogFormat,
    shards: Arc<Shards>,
}

impl AccessLogLayer {
    /// The layer, and the thread that flushes it (runs until exit).
    pub fn start(format: LogFormat) -> Self {
        let shards = Arc::new(Shards::default());
        let flusher = shards.clone();
        let spawned = std::thread::Builder::new()
            .name("access-log".into())
            .spawn(move || {
                let mut spare = Vec::new();
                loop {
                    std::thread::sleep(FLUSH_INTERVAL);
                    flush(&flusher, &mut spare);
                }
            });
        if let Err(error) = spawned {
            eprintln!("hello-api: cannot start the access log thread: {error}");
        }
        Self { format, shards }
    }

    /// A handle that writes out what is buffered (at exit).
    pub fn flusher(&self) -> AccessLogFlusher {
        AccessLogFlusher(self.shards.clone())
    }

    fn append(&self, line: &str) {
        LOCAL.with(|local| {
            let mut local = local.borrow_mut();
            let shard = local.0.get_or_insert_with(|| {
                let shard: Shard = Arc::default();
                lock(&self.shards.all).push(Arc::downgrade(&shard));
                shard
            });
            let mut buffer = lock(shard);
            if buffer.len() + line.len() > MAX_BUFFER_BYTES {
                self.shards.dropped.fetch_add(1, Ordering::Relaxed);
            } else {
                buffer.extend_from_slice(line.as_bytes());
            }
        });
    }
}

/// Writes the buffered access log lines out now.
pub struct AccessLogFlusher(Arc<Shards>);

impl AccessLogFlusher {
    pub fn flush(&self) {
        flush(&self.0, &mut Vec::new());
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Writes every thread's buffered lines; whole lines only, under the stdout
/// lock, so they never interleave with other log output. Buffers are swapped
/// with `spare`, not reallocated, so their capacity is reused.
fn flush(shards: &Shards, spare: &mut Vec<u8>) {
    let live: Vec<Shard> = {
        let mut all = lock(&shards.all);
        all.retain(|weak| weak.strong_count() > 0);
        all.iter().filter_map(Weak::upgrade).collect()
    };
    let mut stdout = std::io::stdout().lock();
    for shard in live {
        spare.clear();
        std::mem::swap(&mut *lock(&shard), spare);
        if !spare.is_empty() {
            let _ = stdout.write_all(spare);
        }
    }
    spare.clear();
    let dropped = shards.dropped.swap(0, Ordering::Relaxed);
    if dropped > 0 {
        let _ = writeln!(
            stdout,
            "{{\"level\":\"WARN\",\"target\":\"{TARGET}\",\"message\":\"dropped {dropped} access log lines: stdout is not keeping up\"}}"
        );
    }
    let _ = stdout.flush();
}

impl<S: Subscriber> Layer<S> for AccessLogLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        if event.metadata().target() != TARGET {
            return;
        }
        LOCAL.with(|local| {
            // Reuse this thread's line buffer: no allocation per request.
            let mut line = std::mem::take(&mut local.borrow_mut().1);
            line.clear();
            match self.format {
                LogFormat::Json => {
                    line.push_str("{\"timestamp\":\"");
                    write_rfc3339(&mut line, SystemTime::now());
                    line.push_str("\",\"level\":\"");
                    line.push_str(event.metadata().level().as_str());
                    line.push('"');
                    event.record(&mut JsonFields { line: &mut line });
                    line.push_str(",\"target\":\"");
                    line.push_str(TARGET);
                    line.push_str("\"}\n");
                }
                LogFormat::Text => {
                    write_rfc3339(&mut line, SystemTime::now());
                    line.push_str("  ");
                    line.push_str(event.metadata().level().as_str());
                    line.push(' ');
                    line.push_str(TARGET);
                    line.push(':');
                    event.record(&mut TextFields { line: &mut line });
                    line.push('\n');
                }
            }
            self.append(&line);
            local.borrow_mut().1 = line;
        });
    }
}

struct JsonFields<'a> {
    line: &'a mut String,
}

impl JsonFields<'_> {
    fn key(&mut self, field: &Field) {
        self.line.push_str(",\"");
        self.line.push_str(field.name());
        self.line.push_str("\":");
    }
}

impl Visit for JsonFields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.key(field);
        push_json_string(self.line, value);
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.key(field);
        let _ = write!(self.line, "{value}");
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.key(field);
        let _ = write!(self.line, "{value}");
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.key(field);
        self.line.push_str(if value { "true" } else { "false" });
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.key(field);
        self.line.push('"');
        let _ = write!(JsonEscaper(self.line), "{value:?}");
        self.line.push('"');
    }
}

struct TextFields<'a> {
    line: &'a mut String,
}

impl Visit for TextFields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.line.push(' ');
        if field.name() != "message" {
            self.line.push_str(field.name());
            self.line.push('=');
        }
        let _ = write!(self.line, "{value:?}");
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.line.push(' ');
        self.line.push_str(field.name());
        self.line.push('=');
        // Quoted and escaped: a path cannot forge a second log line.
        let _ = write!(self.line, "{value:?}");
    }
}

/// Writes `value` as a JSON string literal.
fn push_json_string(line: &mut String, value: &str) {
    line.push('"');
    let _ = JsonEscaper(line).write_str(value);
    line.push('"');
}

/// Escapes what JSON requires inside a string (quotes, backslash, controls).
struct JsonEscaper<'a>(&'a mut String);

impl fmt::Write for JsonEscaper<'_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        for c in text.chars() {
            match c {
                '"' => self.0.push_str("\\\""),
                '\\' => self.0.push_str("\\\\"),
                '\n' => self.0.push_str("\\n"),
                '\r' => self.0.push_str("\\r"),
                '\t' => self.0.push_str("\\t"),
                c if (c as u32) < 0x20 => {
                    let _ = write!(self.0, "\\u{:04x}", c as u32);
                }
                c => self.0.push(c),
            }
        }
        Ok(())
    }
}

thread_local! {
    // The date and time of the current second, formatted once per second.
    static SECOND: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
}

/// `2026-11-21T23:27:08.483216Z` (UTC, microseconds).
pub fn write_rfc3339(line: &mut String, time: SystemTime) {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    SECOND.with(|second| {
        let mut second = second.borrow_mut();
        if second.0 != secs {
            second.1.clear();
            write_seconds(&mut second.1, secs);
            second.0 = secs;
        }
        line.push_str(&second.1);
    });
    let micros = since.subsec_micros();
    let mut digits = [b'0'; 6];
    let mut rest = micros;
    for digit in digits.iter_mut().rev() {
        *digit = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    line.push('.');
    line.push_str(std::str::from_utf8(&digits).unwrap_or("000000"));
    line.push('Z');
}

/// `2026-11-21T23:27:08`.
fn write_seconds(line: &mut String, secs: u64) {
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    let _ = write!(
        line,
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    );
}

/// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339_utc() {
        let mut line = String::new();
        write_rfc3339(
            &mut line,
            UNIX_EPOCH + Duration::from_micros(1_795_303_628_483_216),
        );
        assert_eq!(line, "2026-11-21T23:27:08.483216Z");
        line.clear();
        write_rfc3339(&mut line, UNIX_EPOCH + Duration::from_secs(951_782_400));
        assert_eq!(line, "2000-02-29T00:00:00.000000Z");
    }

    #[test]
    fn strings_are_json_escaped() {
        let mut line = String::new();
        push_json_string(&mut line, "/a\"b\\c\nd\u{1}é");
        assert_eq!(line, r#""/a\"b\\c\nd\u0001é""#);
        let parsed: String = serde_json::from_str(&line).unwrap();
        assert_eq!(parsed, "/a\"b\\c\nd\u{1}é");
    }
}
