//! The log lines of the project's binaries, read the way a log collector
//! reads them.

/// The JSON lines of `logs`, each checked to carry the fields all three
/// binaries share, `timestamp`, `level`, `message` and `target`, as strings.
/// Panics naming the first line that is not such a line.
pub fn json_log_lines(logs: &str) -> Vec<serde_json::Value> {
    logs.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let parsed: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}"));
            for field in ["timestamp", "level", "message", "target"] {
                assert!(parsed[field].is_string(), "no string {field:?}: {line}");
            }
            parsed
        })
        .collect()
}

/// How many of `lines` are at `level` (`DEBUG`, `INFO`, ...).
pub fn at_level(lines: &[serde_json::Value], level: &str) -> usize {
    lines.iter().filter(|l| l["level"] == level).count()
}

/// Whether `lines` hold the debug line each binary logs first when
/// `HELLO_LOG` lets debug through: `log filter`, naming the filter.
pub fn logged_its_filter(lines: &[serde_json::Value], filter: &str) -> bool {
    lines
        .iter()
        .any(|l| l["level"] == "DEBUG" && l["message"] == "log filter" && l["filter"] == filter)
}
