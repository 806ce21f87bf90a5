//! The access log: one line per request, JSON or text, built for volume.
//! The handler formats its line straight into its worker thread's buffer
//! (an uncontended lock; no `tracing` dispatch, no `fmt` machinery for the
//! common fields); a background thread writes all buffers to stdout every
//! [`FLUSH_INTERVAL`] in whole lines. A request never waits on the log
//! reader: when a buffer is full the line is dropped and counted.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::io::Write as _;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::cli::LogFormat;

/// The `target` field of access log lines (other log lines name a module).
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
    // This thread's buffer (one per HTTP worker), registered on first use.
    static LOCAL: RefCell<Option<Shard>> = const { RefCell::new(None) };
}

/// What one access log line says about a request.
#[derive(Debug, Clone, Copy)]
pub struct AccessEntry<'a> {
    pub request_id: &'a str,
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    pub status: u16,
    pub duration_us: u64,
    pub peer: Option<IpAddr>,
}

/// Formats access log lines into per-thread buffers.
pub struct AccessLog {
    format: LogFormat,
    shards: Arc<Shards>,
}

impl AccessLog {
    /// The log, and the thread that flushes it (runs until exit).
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

    /// Writes out what is buffered now (at exit).
    pub fn flush(&self) {
        flush(&self.shards, &mut Vec::new());
    }

    /// Appends one line for `entry` to this thread's buffer.
    pub fn record(&self, entry: &AccessEntry<'_>) {
        LOCAL.with(|local| {
            let mut local = local.borrow_mut();
            let shard = local.get_or_insert_with(|| {
                let shard: Shard = Arc::default();
                lock(&self.shards.all).push(Arc::downgrade(&shard));
                shard
            });
            let mut buffer = lock(shard);
            let before = buffer.len();
            match self.format {
                LogFormat::Json => write_json(&mut buffer, entry, SystemTime::now()),
                LogFormat::Text => write_text(&mut buffer, entry, SystemTime::now()),
            }
            if buffer.len() > MAX_BUFFER_BYTES {
                buffer.truncate(before);
                self.shards.dropped.fetch_add(1, Ordering::Relaxed);
            }
        });
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

/// A field's value, written as each format wants it.
enum Value<'a> {
    Str(&'a str),
    Integer(u64),
    Ip(IpAddr),
}

/// The fields after the message, in the order the other log lines' JSON
/// would have them; an unknown peer is left out.
fn fields<'a>(entry: &AccessEntry<'a>) -> impl Iterator<Item = (&'static str, Value<'a>)> {
    [
        ("request_id", Some(Value::Str(entry.request_id))),
        ("method", Some(Value::Str(entry.method))),
        ("path", Some(Value::Str(entry.path))),
        ("query", Some(Value::Str(entry.query))),
        ("status", Some(Value::Integer(u64::from(entry.status)))),
        ("duration_us", Some(Value::Integer(entry.duration_us))),
        ("peer", entry.peer.map(Value::Ip)),
    ]
    .into_iter()
    .filter_map(|(name, value)| Some((name, value?)))
}

/// `{"timestamp":"…","level":"INFO","message":"request","request_id":"…",
/// "method":"GET","path":"/hello","query":"","status":200,"duration_us":16,
/// "peer":"127.0.0.1","target":"access"}` and a newline.
fn write_json(line: &mut Vec<u8>, entry: &AccessEntry<'_>, now: SystemTime) {
    line.extend_from_slice(b"{\"timestamp\":\"");
    write_rfc3339(line, now);
    line.extend_from_slice(b"\",\"level\":\"INFO\",\"message\":\"request\"");
    for (name, value) in fields(entry) {
        line.extend_from_slice(b",\"");
        line.extend_from_slice(name.as_bytes());
        line.extend_from_slice(b"\":");
        match value {
            Value::Str(text) => push_json_string(line, text),
            Value::Integer(number) => push_integer(line, number),
            Value::Ip(ip) => {
                line.push(b'"');
                write_ip(line, ip);
                line.push(b'"');
            }
        }
    }
    line.extend_from_slice(b",\"target\":\"access\"}\n");
}

/// `2026-11-21T23:27:08.483216Z  INFO access: request request_id="…"
/// method="GET" path="/hello" query="" status=200 duration_us=16
/// peer=127.0.0.1`; strings quoted and escaped, so a path cannot forge a
/// second line.
fn write_text(line: &mut Vec<u8>, entry: &AccessEntry<'_>, now: SystemTime) {
    write_rfc3339(line, now);
    line.extend_from_slice(b"  INFO access: request");
    for (name, value) in fields(entry) {
        line.push(b' ');
        line.extend_from_slice(name.as_bytes());
        line.push(b'=');
        match value {
            Value::Str(text) => {
                let _ = write!(ByteWriter(line), "{text:?}");
            }
            Value::Integer(number) => push_integer(line, number),
            Value::Ip(ip) => write_ip(line, ip),
        }
    }
    line.push(b'\n');
}

/// IPv4 by hand (the common case, no `fmt`); IPv6 through `Display`.
fn write_ip(line: &mut Vec<u8>, ip: IpAddr) {
    match ip {
        IpAddr::V4(v4) => {
            for (i, octet) in v4.octets().into_iter().enumerate() {
                if i > 0 {
                    line.push(b'.');
                }
                push_integer(line, octet);
            }
        }
        IpAddr::V6(v6) => {
            let _ = write!(ByteWriter(line), "{v6}");
        }
    }
}

/// Decimal digits without `fmt`.
fn push_integer(line: &mut Vec<u8>, value: impl itoa::Integer) {
    line.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
}

/// `fmt::Write` into a byte buffer.
struct ByteWriter<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for ByteWriter<'_> {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        self.0.extend_from_slice(text.as_bytes());
        Ok(())
    }
}

/// Writes `value` as a JSON string literal: quotes, backslash and control
/// characters escaped; runs of other bytes (UTF-8 included) copied whole.
fn push_json_string(line: &mut Vec<u8>, value: &str) {
    line.push(b'"');
    let bytes = value.as_bytes();
    let mut start = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        let escape: &[u8] = match byte {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => b"",
            _ => continue,
        };
        line.extend_from_slice(&bytes[start..i]);
        if escape.is_empty() {
            let _ = write!(ByteWriter(line), "\\u{byte:04x}");
        } else {
            line.extend_from_slice(escape);
        }
        start = i + 1;
    }
    line.extend_from_slice(&bytes[start..]);
    line.push(b'"');
}

thread_local! {
    // The date and time of the current second, formatted once per second.
    static SECOND: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
}

/// `2026-11-21T23:27:08.483216Z` (UTC, microseconds).
fn write_rfc3339(line: &mut Vec<u8>, time: SystemTime) {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    SECOND.with(|second| {
        let mut second = second.borrow_mut();
        if second.0 != secs {
            second.1.clear();
            write_seconds(&mut second.1, secs);
            second.0 = secs;
        }
        line.extend_from_slice(second.1.as_bytes());
    });
    let mut digits = *b".000000Z";
    let mut rest = since.subsec_micros();
    for digit in digits[1..7].iter_mut().rev() {
        *digit = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    line.extend_from_slice(&digits);
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

    fn entry(path: &str) -> AccessEntry<'_> {
        AccessEntry {
            request_id: "abc-1",
            method: "GET",
            path,
            query: "name=Bob",
            status: 200,
            duration_us: 16,
            peer: Some(IpAddr::from([127, 0, 0, 1])),
        }
    }

    fn at() -> SystemTime {
        UNIX_EPOCH + Duration::from_micros(1_795_303_628_483_216)
    }

    #[test]
    fn timestamps_are_rfc3339_utc() {
        let mut line = Vec::new();
        write_rfc3339(&mut line, at());
        assert_eq!(line, b"2026-11-21T23:27:08.483216Z");
        line.clear();
        write_rfc3339(&mut line, UNIX_EPOCH + Duration::from_secs(951_782_400));
        assert_eq!(line, b"2000-02-29T00:00:00.000000Z");
    }

    #[test]
    fn json_lines_have_the_log_fields_in_order() {
        let mut line = Vec::new();
        write_json(&mut line, &entry("/hello"), at());
        assert_eq!(
            String::from_utf8(line).unwrap(),
            concat!(
                r#"{"timestamp":"2026-11-21T23:27:08.483216Z","level":"INFO","message":"request","#,
                r#""request_id":"abc-1","method":"GET","path":"/hello","query":"name=Bob","#,
                r#""status":200,"duration_us":16,"peer":"127.0.0.1","target":"access"}"#,
                "\n"
            )
        );
        let mut line = Vec::new();
        let v6 = AccessEntry {
            peer: Some("::1".parse().unwrap()),
            ..entry("/")
        };
        write_json(&mut line, &v6, at());
        let parsed: serde_json::Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(parsed["peer"], "::1");
        let unknown = AccessEntry {
            peer: None,
            ..entry("/")
        };
        line.clear();
        write_json(&mut line, &unknown, at());
        let parsed: serde_json::Value = serde_json::from_slice(&line).unwrap();
        assert!(parsed.get("peer").is_none(), "{parsed}");
    }

    #[test]
    fn text_lines_quote_strings() {
        let mut line = Vec::new();
        write_text(&mut line, &entry("/a\"\nb"), at());
        assert_eq!(
            String::from_utf8(line).unwrap(),
            concat!(
                r#"2026-11-21T23:27:08.483216Z  INFO access: request request_id="abc-1" method="GET" "#,
                r#"path="/a\"\nb" query="name=Bob" status=200 duration_us=16 peer=127.0.0.1"#,
                "\n"
            )
        );
    }

    #[test]
    fn strings_are_json_escaped() {
        let mut line = Vec::new();
        push_json_string(&mut line, "/a\"b\\c\nd\u{1}é\u{1f}");
        let text = String::from_utf8(line).unwrap();
        assert_eq!(text, r#""/a\"b\\c\nd\u0001é\u001f""#);
        let parsed: String = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed, "/a\"b\\c\nd\u{1}é\u{1f}");
    }

    #[test]
    fn a_full_buffer_drops_whole_lines_and_counts_them() {
        let log = AccessLog {
            format: LogFormat::Json,
            shards: Arc::default(),
        };
        let long = "x".repeat(100_000);
        for _ in 0..20 {
            log.record(&entry(&long));
        }
        let dropped = log.shards.dropped.load(Ordering::Relaxed);
        assert!(dropped > 0, "{dropped}");
        let buffered = LOCAL.with(|local| lock(local.borrow().as_ref().unwrap()).clone());
        assert!(buffered.len() <= MAX_BUFFER_BYTES);
        let lines: Vec<&[u8]> = buffered
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .collect();
        assert_eq!(lines.len() as u64 + dropped, 20);
        for line in lines {
            serde_json::from_slice::<serde_json::Value>(line).expect("whole JSON lines");
        }
    }
}
