//! Query strings for /current_time and /api/v1/factorial: never a panic,
//! and an accepted name always satisfies the rule.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(name) = hello_api::current_time::name_from_query(raw) {
        assert!(hello_api::current_time::validate_name(&name).is_ok());
        assert!(name.starts_with(|c: char| c.is_ascii_alphabetic()));
    }
    if let Ok(n) = hello_api::factorial::number_from_query(raw) {
        assert!(n <= hello_api::factorial::MAX_NUMBER);
    }
    let _ = hello_api::query::parse_query(raw, ["name", "number"]);
});
