//! `/current_time`: the `name` rule and the response body.

use std::borrow::Cow;

use crate::problem::quote;
use crate::query::{QueryError, parse_query};

/// The longest accepted name, in characters.
pub const MAX_NAME_CHARS: usize = 247;
/// The rule a name must match; `$` is the true end of the string.
pub const NAME_PATTERN: &str = "^[a-zA-Z][-_a-zA-Z0-9]*$";

/// Why a `name` was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error(transparent)]
    Query(#[from] QueryError),
    #[error("query parameter \"name\" is missing")]
    Missing,
    #[error("query parameter \"name\" is empty; it must match {NAME_PATTERN}")]
    Empty,
    #[error(
        "query parameter \"name\" is {chars} characters long; at most {MAX_NAME_CHARS} are allowed"
    )]
    TooLong { chars: usize },
    #[error("query parameter \"name\" must start with a letter (a-z, A-Z), got {}; it must match {NAME_PATTERN}", quote(&.first.to_string()))]
    BadFirst { first: char },
    #[error("query parameter \"name\" has {} at position {position}; only letters, digits, '-' and '_' are allowed ({NAME_PATTERN})", quote(&.found.to_string()))]
    BadChar { found: char, position: usize },
}

/// The `name` of a `/current_time` query string, checked against
/// [`NAME_PATTERN`] and [`MAX_NAME_CHARS`].
pub fn name_from_query(raw_query: &str) -> Result<Cow<'_, str>, NameError> {
    let [name] = parse_query(raw_query, ["name"])?;
    let name = name.ok_or(NameError::Missing)?;
    validate_name(&name)?;
    Ok(name)
}

/// Checks a decoded name against the rule.
pub fn validate_name(name: &str) -> Result<(), NameError> {
    let chars = name.chars().count();
    if chars == 0 {
        return Err(NameError::Empty);
    }
    if chars > MAX_NAME_CHARS {
        return Err(NameError::TooLong { chars });
    }
    for (position, c) in name.chars().enumerate() {
        let allowed = if position == 0 {
            c.is_ascii_alphabetic()
        } else {
            c.is_ascii_alphanumeric() || c == '-' || c == '_'
        };
        if !allowed {
            return Err(if position == 0 {
                NameError::BadFirst { first: c }
            } else {
                NameError::BadChar { found: c, position }
            });
        }
    }
    Ok(())
}

/// `{"timestamp":<seconds>,"message":"<greeting>"}`: the body and the event.
pub fn render_body(timestamp: u64, message_json: &str) -> Vec<u8> {
    // concat sizes the buffer once from the parts' lengths.
    [
        b"{\"timestamp\":".as_slice(),
        timestamp.to_string().as_bytes(),
        b",\"message\":",
        message_json.as_bytes(),
        b"}",
    ]
    .concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_names_pass() {
        for name in ["Paul", "a", "a-b_c9", "Z_", &"x".repeat(MAX_NAME_CHARS)] {
            assert_eq!(validate_name(name), Ok(()), "{name}");
        }
    }

    #[test]
    fn names_breaking_the_rule_say_why() {
        assert_eq!(validate_name(""), Err(NameError::Empty));
        assert_eq!(
            validate_name(&"x".repeat(MAX_NAME_CHARS + 1)),
            Err(NameError::TooLong { chars: 248 })
        );
        assert_eq!(validate_name("9a"), Err(NameError::BadFirst { first: '9' }));
        assert_eq!(validate_name("_a"), Err(NameError::BadFirst { first: '_' }));
        assert_eq!(
            validate_name("Paul\n"),
            Err(NameError::BadChar {
                found: '\n',
                position: 4
            })
        );
        assert_eq!(
            validate_name("Pé"),
            Err(NameError::BadChar {
                found: 'é',
                position: 1
            })
        );
    }

    #[test]
    fn a_trailing_newline_is_refused_through_the_query_too() {
        let err = name_from_query("name=Paul%0A").unwrap_err();
        assert!(err.to_string().contains("\"\\n\" at position 4"), "{err}");
    }

    #[test]
    fn query_errors_surface() {
        assert_eq!(name_from_query(""), Err(NameError::Missing));
        assert!(matches!(
            name_from_query("name=Paul&x=1"),
            Err(NameError::Query(QueryError::Unknown { .. }))
        ));
        assert_eq!(name_from_query("name=Paul").as_deref(), Ok("Paul"));
    }

    #[test]
    fn the_body_matches_the_contract() {
        let body = render_body(1_700_000_000, "\"Hello, Paul!\"");
        assert_eq!(
            String::from_utf8(body).unwrap(),
            r#"{"timestamp":1700000000,"message":"Hello, Paul!"}"#
        );
    }
}
