//! RFC 9457 problem details: every error the public API returns.

use serde::Serialize;

/// The media type of every error body.
pub const CONTENT_TYPE: &str = "application/problem+json";

/// An error answer: its HTTP status and a detail that names what was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub status: u16,
    pub detail: String,
}

#[derive(Serialize)]
struct Body<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    title: &'static str,
    status: u16,
    detail: &'a str,
}

impl Problem {
    pub fn new(status: u16, detail: impl Into<String>) -> Self {
        Self {
            status,
            detail: detail.into(),
        }
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(400, detail)
    }

    /// The JSON body. `type` is `about:blank`, so `title` is the status's
    /// standard phrase (RFC 9457 §4.2.1).
    pub fn to_json(&self) -> Vec<u8> {
        let body = Body {
            kind: "about:blank",
            title: title(self.status),
            status: self.status,
            detail: &self.detail,
        };
        // Serializing a struct of strings and an integer cannot fail.
        serde_json::to_vec(&body).unwrap_or_default()
    }
}

/// The standard reason phrase of the statuses this API produces.
pub fn title(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Content Too Large",
        414 => "URI Too Long",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Error",
    }
}

/// Quotes untrusted text for a detail message, cut to a sane length.
pub fn quote(text: &str) -> String {
    const MAX_CHARS: usize = 64;
    let mut cut: String = text.chars().take(MAX_CHARS).collect();
    if cut.len() < text.len() {
        cut.push('…');
    }
    format!("{cut:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_has_the_rfc_9457_members() {
        let body = Problem::bad_request("query parameter \"name\" is missing").to_json();
        let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            value,
            serde_json::json!({
                "type": "about:blank",
                "title": "Bad Request",
                "status": 400,
                "detail": "query parameter \"name\" is missing",
            })
        );
    }

    #[test]
    fn detail_is_json_escaped() {
        let body = Problem::new(404, "no route for \"/a\u{0}\"\n").to_json();
        let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(value["detail"], "no route for \"/a\u{0}\"\n");
        assert_eq!(value["title"], "Not Found");
    }

    #[test]
    fn quote_escapes_and_truncates() {
        assert_eq!(quote("Paul\n"), "\"Paul\\n\"");
        let long = "x".repeat(100);
        let quoted = quote(&long);
        assert!(quoted.ends_with("…\"") && quoted.len() < 80, "{quoted}");
    }
}
