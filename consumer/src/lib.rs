//! The Kafka/MSK consumer of a HelloApi resource: reads the topic the API
//! writes to with a consumer group and writes one JSON line per record to
//! stdout, at least once (an offset is stored only after its line was
//! flushed). Operational logs go to stderr; metrics and probes to the admin
//! port.
//!
//! The pure parts (line formatting, bounded escaping of undecodable bytes,
//! the timestamp, lag from librdkafka's statistics, pending offsets) are
//! plain functions, unit-tested here.

pub mod admin;
pub mod cli;
mod consume;
pub mod error;
pub mod health;
pub mod lag;
pub mod line;
pub mod metrics;
pub mod observer;
pub mod output;
mod run;

pub use error::Error;
pub use run::run;
