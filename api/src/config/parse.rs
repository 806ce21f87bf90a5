use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use bytes::Bytes;
use serde::Deserialize;

use super::greeting::Greeting;

/// Paths served by the API itself; a configured response may not take them.
pub const BUILTIN_PATHS: [&str; 3] = ["/healthcheck", "/current_time", "/api/v1/factorial"];
/// Most configured responses.
pub const MAX_RESPONSES: usize = 100;
/// Longest configured message, in bytes (also the greeting's bound).
pub const MAX_MESSAGE_BYTES: usize = 4096;
/// Largest configuration document accepted, in bytes.
pub const MAX_CONFIG_BYTES: usize = 1024 * 1024;
/// The greeting when the configuration sets none.
pub const DEFAULT_GREETING: &str = "Hello, {name}!";

/// Why a configuration was refused; each names the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("the configuration is {bytes} bytes; at most {MAX_CONFIG_BYTES} are allowed")]
    TooLarge { bytes: usize },
    #[error("the configuration is empty; expected a mapping with greeting and responses")]
    Empty,
    #[error("invalid configuration YAML: {0}")]
    Yaml(String),
    #[error("greeting: must not be empty")]
    GreetingEmpty,
    #[error("greeting: {bytes} bytes; at most {MAX_MESSAGE_BYTES} are allowed")]
    GreetingTooLong { bytes: usize },
    #[error("responses: {count} entries; at most {MAX_RESPONSES} are allowed")]
    TooManyResponses { count: usize },
    #[error("responses.{path:?}: the path must start with \"/\"")]
    PathNotAbsolute { path: String },
    #[error("responses.{path:?}: the path is a built-in endpoint and cannot be configured")]
    PathShadowsBuiltin { path: String },
    #[error("responses.{path:?}.status: {status} is outside 200-599")]
    Status { path: String, status: i64 },
    #[error("responses.{path:?}.message: {bytes} bytes; at most {MAX_MESSAGE_BYTES} are allowed")]
    MessageTooLong { path: String, bytes: usize },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    greeting: Option<String>,
    responses: Option<BTreeMap<String, RawResponse>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawResponse {
    status: Option<i64>,
    message: String,
}

/// One configured answer, rendered once at load time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CannedResponse {
    pub status: u16,
    /// `{"message": ...}`, ready to send.
    pub body: Bytes,
    /// The path, shared with the metrics' route label.
    pub route: Arc<str>,
}

/// A validated configuration: what the API serves until the next one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub greeting: Greeting,
    pub responses: HashMap<String, CannedResponse>,
}

impl Default for Config {
    /// What `hello-api` serves without --config or --configmap.
    fn default() -> Self {
        let text = "responses:\n  /hello: {message: \"Hello, World!\"}\n";
        parse_config(text).unwrap_or_else(|_| Config {
            greeting: Greeting::new(DEFAULT_GREETING),
            responses: HashMap::new(),
        })
    }
}

/// Parses and validates a configuration document.
pub fn parse_config(text: &str) -> Result<Config, ConfigError> {
    if text.len() > MAX_CONFIG_BYTES {
        return Err(ConfigError::TooLarge { bytes: text.len() });
    }
    let raw: Option<RawConfig> =
        serde_yaml_ng::from_str(text).map_err(|e| ConfigError::Yaml(e.to_string()))?;
    let raw = raw.ok_or(ConfigError::Empty)?;

    let greeting = raw.greeting.unwrap_or_else(|| DEFAULT_GREETING.to_string());
    if greeting.is_empty() {
        return Err(ConfigError::GreetingEmpty);
    }
    if greeting.len() > MAX_MESSAGE_BYTES {
        return Err(ConfigError::GreetingTooLong {
            bytes: greeting.len(),
        });
    }

    let raw_responses = raw.responses.unwrap_or_default();
    if raw_responses.len() > MAX_RESPONSES {
        return Err(ConfigError::TooManyResponses {
            count: raw_responses.len(),
        });
    }
    let mut responses = HashMap::with_capacity(raw_responses.len());
    for (path, response) in raw_responses {
        let canned = validate_response(&path, response)?;
        responses.insert(path, canned);
    }
    Ok(Config {
        greeting: Greeting::new(&greeting),
        responses,
    })
}

fn validate_response(path: &str, raw: RawResponse) -> Result<CannedResponse, ConfigError> {
    if !path.starts_with('/') {
        return Err(ConfigError::PathNotAbsolute { path: path.into() });
    }
    if BUILTIN_PATHS.contains(&path) {
        return Err(ConfigError::PathShadowsBuiltin { path: path.into() });
    }
    let status = raw.status.unwrap_or(200);
    let status = u16::try_from(status)
        .ok()
        .filter(|s| (200..=599).contains(s))
        .ok_or(ConfigError::Status {
            path: path.into(),
            status,
        })?;
    if raw.message.len() > MAX_MESSAGE_BYTES {
        return Err(ConfigError::MessageTooLong {
            path: path.into(),
            bytes: raw.message.len(),
        });
    }
    let body = serde_json::json!({ "message": raw.message }).to_string();
    Ok(CannedResponse {
        status,
        body: Bytes::from(body),
        route: Arc::from(path),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
greeting: "Hi, {name}."
responses:
  /:      {message: "Welcome to ReaQta"}
  /hello: {message: "Hello, World!"}
  /teapot: {status: 418, message: "I'm a teapot"}
"#;

    #[test]
    fn the_sample_parses_with_default_status_200() {
        let config = parse_config(SAMPLE).unwrap();
        assert_eq!(config.greeting.template(), "Hi, {name}.");
        assert_eq!(config.responses.len(), 3);
        let hello = &config.responses["/hello"];
        assert_eq!(hello.status, 200);
        assert_eq!(&hello.body[..], br#"{"message":"Hello, World!"}"#);
        assert_eq!(config.responses["/teapot"].status, 418);
        assert_eq!(&*config.responses["/"].route, "/");
    }

    #[test]
    fn greeting_defaults_and_the_default_config_serves_hello() {
        let config = parse_config("responses: {}").unwrap();
        assert_eq!(config.greeting.template(), DEFAULT_GREETING);
        let default = Config::default();
        assert_eq!(
            &default.responses["/hello"].body[..],
            br#"{"message":"Hello, World!"}"#
        );
    }

    #[test]
    fn empty_documents_are_refused() {
        for text in ["", "   \n", "# only a comment\n", "~"] {
            assert_eq!(parse_config(text), Err(ConfigError::Empty), "{text:?}");
        }
    }

    #[test]
    fn unknown_fields_and_bad_types_are_refused_by_name() {
        let err = parse_config("greetings: hi").unwrap_err();
        assert!(err.to_string().contains("greetings"), "{err}");
        let err = parse_config("responses: {/a: {message: x, colour: red}}").unwrap_err();
        assert!(err.to_string().contains("colour"), "{err}");
        let err = parse_config("responses: {/a: {status: 200}}").unwrap_err();
        assert!(err.to_string().contains("message"), "{err}");
        let err = parse_config("responses: [1, 2]").unwrap_err();
        assert!(err.to_string().contains("responses"), "{err}");
    }

    #[test]
    fn paths_must_be_absolute_and_not_built_in() {
        assert_eq!(
            parse_config("responses: {hello: {message: x}}"),
            Err(ConfigError::PathNotAbsolute {
                path: "hello".into()
            })
        );
        for builtin in BUILTIN_PATHS {
            let text = format!("responses: {{\"{builtin}\": {{message: x}}}}");
            assert_eq!(
                parse_config(&text),
                Err(ConfigError::PathShadowsBuiltin {
                    path: builtin.into()
                })
            );
        }
    }

    #[test]
    fn status_must_be_200_to_599() {
        for (status, ok) in [
            (199, false),
            (200, true),
            (599, true),
            (600, false),
            (-1, false),
            (70000, false),
        ] {
            let text = format!("responses: {{/a: {{status: {status}, message: x}}}}");
            let result = parse_config(&text);
            assert_eq!(result.is_ok(), ok, "{status}: {result:?}");
            if !ok {
                let err = result.unwrap_err().to_string();
                assert!(err.contains("responses.\"/a\".status"), "{err}");
            }
        }
    }

    #[test]
    fn size_bounds_hold() {
        let at_limit = "m".repeat(MAX_MESSAGE_BYTES);
        let text = format!("responses: {{/a: {{message: {at_limit}}}}}");
        assert!(parse_config(&text).is_ok());
        let text = format!("responses: {{/a: {{message: {at_limit}m}}}}");
        assert_eq!(
            parse_config(&text),
            Err(ConfigError::MessageTooLong {
                path: "/a".into(),
                bytes: MAX_MESSAGE_BYTES + 1
            })
        );
        let text = format!("greeting: {at_limit}g");
        assert!(matches!(
            parse_config(&text),
            Err(ConfigError::GreetingTooLong { .. })
        ));
        assert_eq!(
            parse_config("greeting: ''"),
            Err(ConfigError::GreetingEmpty)
        );

        let many = |n: usize| {
            let entries: Vec<String> = (0..n).map(|i| format!("  /p{i}: {{message: m}}")).collect();
            format!("responses:\n{}\n", entries.join("\n"))
        };
        assert_eq!(
            parse_config(&many(MAX_RESPONSES)).unwrap().responses.len(),
            100
        );
        assert_eq!(
            parse_config(&many(MAX_RESPONSES + 1)),
            Err(ConfigError::TooManyResponses { count: 101 })
        );
        let huge = "#".repeat(MAX_CONFIG_BYTES + 1);
        assert!(matches!(
            parse_config(&huge),
            Err(ConfigError::TooLarge { .. })
        ));
    }

    #[test]
    fn messages_are_json_escaped() {
        let config = parse_config("responses: {/q: {message: \"say \\\"hi\\\"\\n\"}}").unwrap();
        let value: serde_json::Value =
            serde_json::from_slice(&config.responses["/q"].body).unwrap();
        assert_eq!(value, serde_json::json!({"message": "say \"hi\"\n"}));
    }
}
