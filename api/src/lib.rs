//! The configurable HTTP API that HelloApi resources run: built-in endpoints
//! (`/current_time`, `/api/v1/factorial`, `/healthcheck`), responses from a
//! live-reloaded configuration, Kafka events, and an admin port.
//!
//! The pure parts (query parsing, the name and number rules, the factorial,
//! configuration parsing and validation, problem+json) are plain functions,
//! tested here and fuzzed in `api/fuzz`.

pub mod access_log;
pub mod cli;
pub mod config;
pub mod current_time;
pub mod error;
pub mod events;
pub mod factorial;
pub mod http;
pub mod logging;
pub mod metrics;
pub mod problem;
pub mod query;
mod run;
pub mod state;

pub use error::Error;
pub use run::run;
