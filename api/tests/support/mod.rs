//! Test support: the real `hello-api` binary on free loopback ports and a
//! tiny HTTP/1.1 client. The dedicated Kafka broker a test may stop and
//! start, and the waiting helpers, live in hello-testbed.
#![allow(dead_code)] // each test binary uses its own subset

pub mod api;
pub mod http;

use std::time::Duration;

pub use hello_testbed::{eventually, free_port};

/// The `q`-quantile of `samples` (sorted in place).
pub fn quantile(samples: &mut [Duration], q: f64) -> Duration {
    samples.sort();
    let index = ((samples.len() as f64 - 1.0) * q).round() as usize;
    samples[index]
}
