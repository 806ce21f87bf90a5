//! `/api/v1/factorial`: the `number` rule and the exact factorial.

use num_bigint::BigUint;

use crate::problem::quote;
use crate::query::{QueryError, parse_query};

/// The largest `number` accepted (1000! has 2568 digits).
pub const MAX_NUMBER: u32 = 1000;

/// Why a `number` was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    #[error(transparent)]
    Query(#[from] QueryError),
    #[error("query parameter \"number\" is missing")]
    Missing,
    #[error(
        "query parameter \"number\" is empty; it must be a plain non-negative integer (digits 0-9 only)"
    )]
    Empty,
    #[error("query parameter \"number\" must be a plain non-negative integer (digits 0-9 only, no sign, spaces or separators), got {}", quote(.value))]
    NotDigits { value: String },
    #[error("query parameter \"number\" must be at most {MAX_NUMBER}, got {}", quote(.value))]
    TooLarge { value: String },
}

/// The `number` of a `/api/v1/factorial` query string.
pub fn number_from_query(raw_query: &str) -> Result<u32, NumberError> {
    let [number] = parse_query(raw_query, ["number"])?;
    parse_number(&number.ok_or(NumberError::Missing)?)
}

/// Parses a plain decimal integer in `0..=MAX_NUMBER`. Leading zeros are
/// allowed (`007` is 7); signs, spaces, `_` and anything else are not.
pub fn parse_number(text: &str) -> Result<u32, NumberError> {
    if text.is_empty() {
        return Err(NumberError::Empty);
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NumberError::NotDigits {
            value: text.to_string(),
        });
    }
    let significant = text.trim_start_matches('0');
    // More than four significant digits is over 1000 whatever they are.
    let value = if significant.len() > 4 {
        None
    } else {
        significant.parse::<u32>().ok().or(Some(0))
    };
    match value {
        Some(n) if n <= MAX_NUMBER => Ok(n),
        _ => Err(NumberError::TooLarge {
            value: text.to_string(),
        }),
    }
}

/// `n!`, exactly.
pub fn factorial(n: u32) -> BigUint {
    (2..=n).fold(BigUint::from(1u32), |acc, k| acc * k)
}

/// `{"factorial":<digits>}`: the number as a JSON integer, never a string
/// or a float.
pub fn render_body(n: u32) -> Vec<u8> {
    let digits = factorial(n).to_str_radix(10);
    [b"{\"factorial\":".as_slice(), digits.as_bytes(), b"}"].concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_factorials_are_exact() {
        let expected = [1u64, 1, 2, 6, 24, 120, 720, 5040, 40320, 362_880, 3_628_800];
        for (n, want) in expected.iter().enumerate() {
            assert_eq!(factorial(n as u32), BigUint::from(*want), "{n}!");
        }
    }

    #[test]
    fn large_factorials_are_exact() {
        // 25! from the contract; beyond u64 and f64 precision.
        assert_eq!(factorial(25).to_string(), "15511210043330985984000000");
        // n! / (n-1)! == n for the largest input, and 1000! has 2568 digits.
        let big = factorial(MAX_NUMBER);
        assert_eq!(&big / factorial(MAX_NUMBER - 1), BigUint::from(MAX_NUMBER));
        assert_eq!(big.to_string().len(), 2568);
    }

    #[test]
    fn the_body_is_a_json_integer() {
        assert_eq!(
            String::from_utf8(render_body(25)).unwrap(),
            r#"{"factorial":15511210043330985984000000}"#
        );
        let value: serde_json::Value = serde_json::from_slice(&render_body(0)).unwrap();
        assert_eq!(value, serde_json::json!({"factorial": 1}));
    }

    #[test]
    fn plain_integers_parse() {
        assert_eq!(parse_number("0"), Ok(0));
        assert_eq!(parse_number("25"), Ok(25));
        assert_eq!(parse_number("1000"), Ok(1000));
        assert_eq!(parse_number("0007"), Ok(7));
        assert_eq!(parse_number("000"), Ok(0));
    }

    #[test]
    fn anything_but_plain_digits_is_refused() {
        for bad in [
            "+5", " 5", "5 ", "1_0", "-1", "1e3", "0x10", "五", "5\n", "1.0",
        ] {
            assert!(
                matches!(parse_number(bad), Err(NumberError::NotDigits { .. })),
                "{bad:?}"
            );
        }
        assert_eq!(parse_number(""), Err(NumberError::Empty));
    }

    #[test]
    fn numbers_over_the_bound_are_refused() {
        for big in ["1001", "99999", "00001001", &"9".repeat(50)] {
            assert!(
                matches!(parse_number(big), Err(NumberError::TooLarge { .. })),
                "{big}"
            );
        }
    }

    #[test]
    fn the_query_is_strict() {
        assert_eq!(number_from_query("number=25"), Ok(25));
        assert_eq!(number_from_query(""), Err(NumberError::Missing));
        assert!(matches!(
            number_from_query("number=%2B5"),
            Err(NumberError::NotDigits { .. })
        ));
        assert!(matches!(
            number_from_query("number=+5"),
            Err(NumberError::NotDigits { .. })
        ));
        assert!(matches!(
            number_from_query("number=5&n=1"),
            Err(NumberError::Query(QueryError::Unknown { .. }))
        ));
    }
}
