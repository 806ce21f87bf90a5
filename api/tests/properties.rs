//! Bounded property tests of the input parsers (the fuzz targets in
//! `api/fuzz` explore the same functions without bounds, on nightly).

use hello_api::config::parse_config;
use hello_api::current_time::{MAX_NAME_CHARS, name_from_query, validate_name};
use hello_api::factorial::{MAX_NUMBER, parse_number};
use hello_api::query::parse_query;
use proptest::prelude::*;

fn matches_name_rule(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && name.chars().count() <= MAX_NAME_CHARS
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn query_parsing_never_panics(raw in ".{0,300}") {
        let _ = parse_query(&raw, ["name"]);
        let _ = name_from_query(&raw);
    }

    #[test]
    fn names_pass_exactly_when_they_match_the_rule(name in "[a-zA-Z0-9_\\-\n é]{0,260}") {
        prop_assert_eq!(validate_name(&name).is_ok(), matches_name_rule(&name));
    }

    #[test]
    fn a_valid_name_survives_encoding(name in "[a-zA-Z][-_a-zA-Z0-9]{0,246}") {
        let encoded: String = name.bytes().map(|b| format!("%{b:02X}")).collect();
        let query = format!("name={encoded}");
        let decoded = name_from_query(&query);
        prop_assert_eq!(decoded.as_deref(), Ok(name.as_str()));
    }

    #[test]
    fn numbers_parse_like_plain_decimal_integers(text in "[0-9+\\- _a]{0,8}") {
        let plain = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
        let expected = if plain { text.parse::<u64>().ok().filter(|n| *n <= u64::from(MAX_NUMBER)) } else { None };
        prop_assert_eq!(parse_number(&text).ok().map(u64::from), expected);
    }

    #[test]
    fn config_parsing_never_panics(text in "[a-z/:{}\\[\\], \n\"0-9#&*!|>-]{0,400}") {
        let _ = parse_config(&text);
    }

    #[test]
    fn any_valid_config_keeps_every_rule(
        entries in proptest::collection::btree_map("/[a-z]{0,10}", (200u16..600, "[ -~]{0,50}"), 0..20)
    ) {
        let mut text = String::from("responses:\n");
        for (path, (status, message)) in &entries {
            let message = serde_json::to_string(message).unwrap();
            text.push_str(&format!("  {path:?}: {{status: {status}, message: {message}}}\n"));
        }
        let config = parse_config(&text).unwrap();
        prop_assert_eq!(config.responses.len(), entries.len());
        for (path, (status, message)) in &entries {
            let served = &config.responses[path];
            prop_assert_eq!(served.status, *status);
            let body: serde_json::Value = serde_json::from_slice(&served.body).unwrap();
            prop_assert_eq!(&body["message"], message);
        }
    }
}
