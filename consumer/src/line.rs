//! The stdout line of one record. Every line is one JSON object with a
//! `kind`: `"event"` for a record that decoded (its JSON under `"event"`),
//! `"undecodable"` for one that did not (a warning with its bytes, bounded
//! and escaped). Both carry the record's coordinates, so a reader can tell
//! which offset each line stands for.

use std::io::Write;

use chrono::{DateTime, Datelike, Timelike};
use serde::de::IgnoredAny;

/// What the line says about a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Event,
    Undecodable(Reason),
}

/// Why a record did not decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// No payload at all (a tombstone, or a record without a value).
    Empty,
    /// Bytes that are not UTF-8.
    NotUtf8,
    /// UTF-8 text that is not one JSON value.
    NotJson,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Empty => "empty",
            Reason::NotUtf8 => "not_utf8",
            Reason::NotJson => "not_json",
        }
    }
}

/// A record as the line needs it.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    pub topic: &'a str,
    pub partition: i32,
    pub offset: i64,
    /// Milliseconds since the epoch (create or log-append time).
    pub timestamp_ms: Option<i64>,
    pub key: Option<&'a [u8]>,
    pub payload: Option<&'a [u8]>,
}

/// Appends the line of `record` (with its newline) to `out`; an undecodable
/// payload shows at most `max_bytes` of its bytes.
pub fn write_line(out: &mut Vec<u8>, record: &Record<'_>, max_bytes: usize) -> Outcome {
    match decode(record.payload) {
        Ok(event) => {
            out.extend_from_slice(b"{\"kind\":\"event\",");
            write_coordinates(out, record);
            out.extend_from_slice(b",\"event\":");
            match event {
                Event::Compact(text) => out.extend_from_slice(text.as_bytes()),
                Event::Reformat(text) => match serde_json::from_str::<serde_json::Value>(text) {
                    Ok(value) => {
                        let _ = serde_json::to_writer(&mut *out, &value);
                    }
                    // Unreachable: the text was validated as JSON already.
                    Err(_) => out.extend_from_slice(b"null"),
                },
            }
            out.extend_from_slice(b"}\n");
            Outcome::Event
        }
        Err((reason, error)) => {
            let payload = record.payload.unwrap_or_default();
            out.extend_from_slice(b"{\"kind\":\"undecodable\",\"level\":\"warn\",\"reason\":\"");
            out.extend_from_slice(reason.as_str().as_bytes());
            out.extend_from_slice(b"\",\"error\":");
            write_json_str(out, &error);
            out.push(b',');
            write_coordinates(out, record);
            let (shown, truncated) = escape_bytes(payload, max_bytes);
            let _ = write!(out, ",\"size\":{},\"bytes\":", payload.len());
            write_json_str(out, &shown);
            let _ = writeln!(out, ",\"truncated\":{truncated}}}");
            Outcome::Undecodable(reason)
        }
    }
}

enum Event<'a> {
    /// Valid JSON on one line: embedded as it is (the fast path).
    Compact(&'a str),
    /// Valid JSON spread over lines: re-serialized compactly.
    Reformat(&'a str),
}

fn decode(payload: Option<&[u8]>) -> Result<Event<'_>, (Reason, String)> {
    let payload = match payload {
        Some(p) if !p.is_empty() => p,
        _ => return Err((Reason::Empty, "the record has no payload".to_string())),
    };
    let text = std::str::from_utf8(payload).map_err(|e| {
        (
            Reason::NotUtf8,
            format!("invalid UTF-8 at byte {}", e.valid_up_to()),
        )
    })?;
    // Validates without building a tree: the text itself is what is logged.
    serde_json::from_str::<IgnoredAny>(text).map_err(|e| (Reason::NotJson, e.to_string()))?;
    let text = text.trim_matches([' ', '\t', '\n', '\r']);
    if text.contains(['\n', '\r']) {
        Ok(Event::Reformat(text))
    } else {
        Ok(Event::Compact(text))
    }
}

fn write_coordinates(out: &mut Vec<u8>, record: &Record<'_>) {
    out.extend_from_slice(b"\"topic\":");
    write_json_str(out, record.topic);
    let _ = write!(
        out,
        ",\"partition\":{},\"offset\":{}",
        record.partition, record.offset
    );
    if let Some(ms) = record.timestamp_ms {
        out.extend_from_slice(b",\"timestamp\":\"");
        write_rfc3339_millis(out, ms);
        out.push(b'"');
    }
    if let Some(key) = record.key {
        match std::str::from_utf8(key) {
            Ok(key) => {
                out.extend_from_slice(b",\"key\":");
                write_json_str(out, key);
            }
            Err(_) => {
                out.extend_from_slice(b",\"key_bytes\":");
                write_json_str(out, &escape_bytes(key, 256).0);
            }
        }
    }
}

fn write_json_str(out: &mut Vec<u8>, text: &str) {
    // serde_json escapes quotes, backslashes and control characters.
    let _ = serde_json::to_writer(&mut *out, text);
}

/// At most `max` bytes of `bytes` as text: valid UTF-8 as it is, a
/// backslash doubled, every other byte as `\xNN`, so the text is
/// unambiguous. Cut at a character boundary; true when something was cut.
pub fn escape_bytes(bytes: &[u8], max: usize) -> (String, bool) {
    let mut shown = String::with_capacity(max.min(bytes.len()) + 16);
    let mut used = 0;
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            let len = c.len_utf8();
            if used + len > max {
                return (shown, true);
            }
            used += len;
            if c == '\\' {
                shown.push_str("\\\\");
            } else {
                shown.push(c);
            }
        }
        for byte in chunk.invalid() {
            if used + 1 > max {
                return (shown, true);
            }
            used += 1;
            shown.push_str(&format!("\\x{byte:02x}"));
        }
    }
    (shown, false)
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` of `ms` milliseconds since the epoch (UTC).
/// Written field by field: chrono's `format` parses its pattern each call.
pub fn write_rfc3339_millis(out: &mut Vec<u8>, ms: i64) {
    match DateTime::from_timestamp_millis(ms) {
        Some(t) => {
            let _ = write!(
                out,
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
                t.year(),
                t.month(),
                t.day(),
                t.hour(),
                t.minute(),
                t.second(),
                ms.rem_euclid(1000)
            );
        }
        // Out of chrono's range (±262,000 years): the raw number instead.
        None => {
            let _ = write!(out, "{ms}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(payload: Option<&'static [u8]>) -> Record<'static> {
        Record {
            topic: "events",
            partition: 2,
            offset: 41,
            timestamp_ms: Some(1_763_776_923_456),
            key: None,
            payload,
        }
    }

    fn line(record: &Record<'_>) -> (serde_json::Value, Outcome, String) {
        let mut out = Vec::new();
        let outcome = write_line(&mut out, record, 32);
        let text = String::from_utf8(out).expect("lines are UTF-8");
        assert!(text.ends_with('\n'));
        assert_eq!(text.matches('\n').count(), 1, "one line: {text}");
        let value = serde_json::from_str(&text).expect("lines are JSON");
        (value, outcome, text)
    }

    #[test]
    fn an_event_line_carries_the_event_and_its_coordinates() {
        let mut r = record(Some(
            br#"{"timestamp":1763776923,"message":"Hello, Paul!"}"#,
        ));
        r.key = Some(b"k-1");
        let (v, outcome, text) = line(&r);
        assert_eq!(outcome, Outcome::Event);
        assert_eq!(
            text,
            "{\"kind\":\"event\",\"topic\":\"events\",\"partition\":2,\"offset\":41,\"timestamp\":\"2025-11-22T02:02:03.456Z\",\"key\":\"k-1\",\"event\":{\"timestamp\":1763776923,\"message\":\"Hello, Paul!\"}}\n"
        );
        assert_eq!(v["event"]["message"], "Hello, Paul!");
    }

    #[test]
    fn multi_line_json_is_made_one_line() {
        let (v, outcome, _) = line(&record(Some(b"  {\n  \"a\": [1,\n 2]\n}\n")));
        assert_eq!(outcome, Outcome::Event);
        assert_eq!(v["event"], serde_json::json!({"a": [1, 2]}));
        let (v, _, _) = line(&record(Some(b" 42 ")));
        assert_eq!(v["event"], 42);
    }

    #[test]
    fn no_timestamp_and_binary_keys() {
        let mut r = record(Some(b"true"));
        r.timestamp_ms = None;
        r.key = Some(b"\xff\x00k");
        let (v, _, _) = line(&r);
        assert!(v.get("timestamp").is_none());
        assert_eq!(v["key_bytes"], "\\xff\u{0}k");
    }

    #[test]
    fn not_json_is_a_warning_with_bounded_text() {
        let (v, outcome, _) = line(&record(Some(
            b"not json at all, and longer than thirty-two bytes",
        )));
        assert_eq!(outcome, Outcome::Undecodable(Reason::NotJson));
        assert_eq!(v["kind"], "undecodable");
        assert_eq!(v["level"], "warn");
        assert_eq!(v["reason"], "not_json");
        assert_eq!(v["offset"], 41);
        assert_eq!(v["partition"], 2);
        assert_eq!(v["size"], 49);
        assert_eq!(v["bytes"], "not json at all, and longer than");
        assert_eq!(v["truncated"], true);
        assert!(v["error"].as_str().unwrap().contains("expected"), "{v}");
    }

    #[test]
    fn bad_utf8_and_empty_payloads_are_warnings() {
        let (v, outcome, _) = line(&record(Some(b"{\"a\":\"\xc3\x28\"}\"\\")));
        assert_eq!(outcome, Outcome::Undecodable(Reason::NotUtf8));
        assert_eq!(v["bytes"], "{\"a\":\"\\xc3(\"}\"\\\\");
        assert_eq!(v["truncated"], false);
        assert_eq!(v["error"], "invalid UTF-8 at byte 6");
        let (v, outcome, _) = line(&record(None));
        assert_eq!(outcome, Outcome::Undecodable(Reason::Empty));
        assert_eq!(v["size"], 0);
        let (_, outcome, _) = line(&record(Some(b"")));
        assert_eq!(outcome, Outcome::Undecodable(Reason::Empty));
        let (_, outcome, _) = line(&record(Some(b"{\"a\":1} trailing")));
        assert_eq!(outcome, Outcome::Undecodable(Reason::NotJson));
    }

    #[test]
    fn escaping_is_bounded_and_cuts_at_character_boundaries() {
        assert_eq!(escape_bytes(b"abc", 3), ("abc".to_string(), false));
        assert_eq!(escape_bytes(b"abcd", 3), ("abc".to_string(), true));
        assert_eq!(escape_bytes("é".as_bytes(), 1), (String::new(), true));
        assert_eq!(
            escape_bytes(b"\x00\xfe", 8),
            ("\u{0}\\xfe".to_string(), false)
        );
        assert_eq!(
            escape_bytes(b"\xfe\xfe\xfe", 2),
            ("\\xfe\\xfe".to_string(), true)
        );
        assert_eq!(escape_bytes(b"a\\b", 8), ("a\\\\b".to_string(), false));
        let big = vec![0xffu8; 1 << 20];
        let (shown, truncated) = escape_bytes(&big, 1024);
        assert!(truncated);
        assert_eq!(shown.len(), 4 * 1024);
    }

    #[test]
    fn timestamps_are_utc_rfc3339_with_milliseconds() {
        let fmt = |ms| {
            let mut out = Vec::new();
            write_rfc3339_millis(&mut out, ms);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(fmt(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(fmt(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(fmt(1_763_776_923_456), "2025-11-22T02:02:03.456Z");
        assert_eq!(fmt(4_102_444_799_999), "2099-12-31T23:59:59.999Z");
        assert_eq!(fmt(-1), "1969-12-31T23:59:59.999Z");
    }
}
