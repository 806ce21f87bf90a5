//! The hello-api process's log lines: HELLO_LOG sets the level, and every
//! line, access log included, has the shape all three binaries share.

use std::time::Duration;

use crate::support::api::Api;
use crate::support::eventually;
use hello_testbed::logs::{at_level, json_log_lines, logged_its_filter};

#[test]
fn hello_log_sets_the_level_and_every_line_has_the_shared_json_shape() {
    let at_info = Api::builder().start();
    let at_debug = Api::builder().env("HELLO_LOG", "debug").start();
    for api in [&at_info, &at_debug] {
        assert_eq!(api.get("/hello").status, 200);
    }
    // The access log's writer flushes on its own schedule.
    let logged_request = |api: &Api| {
        let lines = json_log_lines(&api.logs());
        lines
            .iter()
            .any(|l| l["target"] == "access")
            .then_some(lines)
    };
    let timeout = Duration::from_secs(10);
    let info_lines = eventually(timeout, || logged_request(&at_info)).expect("an access log line");
    let debug_lines =
        eventually(timeout, || logged_request(&at_debug)).expect("an access log line");
    assert_eq!(at_level(&info_lines, "DEBUG"), 0, "{info_lines:?}");
    assert!(logged_its_filter(&debug_lines, "debug"), "{debug_lines:?}");
    assert!(at_level(&debug_lines, "INFO") > 0, "{debug_lines:?}");
}
