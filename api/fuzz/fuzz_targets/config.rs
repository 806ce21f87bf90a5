//! Configuration documents: never a panic, and an accepted one always keeps
//! the rules (absolute, non-built-in paths; status 200-599; bounded sizes).
#![no_main]

use hello_api::config::{BUILTIN_PATHS, MAX_MESSAGE_BYTES, MAX_RESPONSES, parse_config};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(config) = parse_config(text) {
        assert!(config.responses.len() <= MAX_RESPONSES);
        for (path, response) in &config.responses {
            assert!(path.starts_with('/'));
            assert!(!BUILTIN_PATHS.contains(&path.as_str()));
            assert!((200..=599).contains(&response.status));
            assert!(response.body.len() <= MAX_MESSAGE_BYTES * 6 + 20);
        }
        let _ = config.greeting.render_json("Paul");
    }
});
