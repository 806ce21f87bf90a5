//! Strict query-string parsing: only the expected parameters, each at most
//! once, with valid percent-encoding and UTF-8. Anything else is refused
//! with an error that names the parameter.

use std::borrow::Cow;
use std::fmt;

use crate::problem::quote;

/// Why a query string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("unknown query parameter {}; this endpoint accepts only {}", quote(.name), Expected(.expected))]
    Unknown {
        name: String,
        expected: Vec<&'static str>,
    },
    #[error("query parameter \"{name}\" is given more than once; give it once")]
    Duplicate { name: &'static str },
    #[error("the query string has an empty parameter (\"&&\" or a trailing \"&\")")]
    EmptyPair,
    #[error(
        "the query string has an invalid percent-encoding at byte {offset}: '%' must be followed by two hex digits"
    )]
    BadPercentEncoding { offset: usize },
    #[error("the query string is not valid UTF-8 once percent-decoded")]
    NotUtf8,
}

struct Expected<'a>(&'a [&'static str]);

impl fmt::Display for Expected<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = self.0.iter().map(|n| format!("\"{n}\"")).collect();
        f.write_str(&names.join(", "))
    }
}

/// Parses `raw` (the part after `?`, without it) and returns the value of
/// each name in `expected`, in order; `None` where a parameter is absent.
/// `a` without `=` counts as present with an empty value.
pub fn parse_query<'a, const N: usize>(
    raw: &'a str,
    expected: [&'static str; N],
) -> Result<[Option<Cow<'a, str>>; N], QueryError> {
    let mut values: [Option<Cow<'a, str>>; N] = std::array::from_fn(|_| None);
    if raw.is_empty() {
        return Ok(values);
    }
    let mut offset = 0;
    for pair in raw.split('&') {
        let start = offset;
        offset += pair.len() + 1;
        if pair.is_empty() {
            return Err(QueryError::EmptyPair);
        }
        let (raw_name, raw_value) = match pair.split_once('=') {
            Some((name, value)) => (name, value),
            None => (pair, ""),
        };
        let name = decode(raw_name, start)?;
        let Some(index) = expected.iter().position(|e| *e == name) else {
            return Err(QueryError::Unknown {
                name: name.into_owned(),
                expected: expected.to_vec(),
            });
        };
        if values[index].is_some() {
            return Err(QueryError::Duplicate {
                name: expected[index],
            });
        }
        values[index] = Some(decode(raw_value, start + raw_name.len() + 1)?);
    }
    Ok(values)
}

/// Decodes `application/x-www-form-urlencoded` text: `+` is a space and
/// `%XX` a byte. `offset` places errors within the whole query string.
pub fn decode(text: &str, offset: usize) -> Result<Cow<'_, str>, QueryError> {
    if !text.bytes().any(|b| b == b'%' || b == b'+') {
        return Ok(Cow::Borrowed(text));
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = |at: usize| bytes.get(at).and_then(|b| (*b as char).to_digit(16));
                match (hex(i + 1), hex(i + 2)) {
                    (Some(high), Some(low)) => out.push((high * 16 + low) as u8),
                    _ => return Err(QueryError::BadPercentEncoding { offset: offset + i }),
                }
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out)
        .map(Cow::Owned)
        .map_err(|_| QueryError::NotUtf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(raw: &str) -> Result<Option<String>, QueryError> {
        parse_query(raw, ["name"]).map(|[v]| v.map(Cow::into_owned))
    }

    #[test]
    fn the_expected_parameter_is_returned_decoded() {
        assert_eq!(one("name=Paul"), Ok(Some("Paul".into())));
        assert_eq!(one("name=Pa%75l"), Ok(Some("Paul".into())));
        assert_eq!(one("name=a+b"), Ok(Some("a b".into())));
        assert_eq!(one("name=%0A"), Ok(Some("\n".into())));
        assert_eq!(one("name=%C3%A9"), Ok(Some("é".into())));
    }

    #[test]
    fn absent_and_empty_are_told_apart() {
        assert_eq!(one(""), Ok(None));
        assert_eq!(one("name="), Ok(Some(String::new())));
        assert_eq!(one("name"), Ok(Some(String::new())));
    }

    #[test]
    fn unknown_parameters_are_refused_by_name() {
        let err = one("name=Paul&debug=1").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown query parameter \"debug\"; this endpoint accepts only \"name\""
        );
        assert!(matches!(one("Name=Paul"), Err(QueryError::Unknown { .. })));
    }

    #[test]
    fn duplicates_and_empty_pairs_are_refused() {
        assert_eq!(
            one("name=a&name=b"),
            Err(QueryError::Duplicate { name: "name" })
        );
        assert_eq!(one("name=a&"), Err(QueryError::EmptyPair));
        assert_eq!(one("&name=a"), Err(QueryError::EmptyPair));
    }

    #[test]
    fn bad_encodings_are_refused_with_their_offset() {
        assert_eq!(
            one("name=ab%zz"),
            Err(QueryError::BadPercentEncoding { offset: 7 })
        );
        assert_eq!(
            one("name=%4"),
            Err(QueryError::BadPercentEncoding { offset: 5 })
        );
        assert_eq!(one("name=%FF"), Err(QueryError::NotUtf8));
    }

    #[test]
    fn several_expected_parameters_keep_their_order() {
        let [a, b] = parse_query("b=2&a=1", ["a", "b"]).unwrap();
        assert_eq!((a.as_deref(), b.as_deref()), (Some("1"), Some("2")));
    }
}
