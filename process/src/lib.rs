//! What the project's three processes, `hello-operator`, `hello-api` and
//! `hello-consumer`, do alike, in one place so that they cannot drift:
//!
//! - [`wait_for_signal`]: SIGTERM (Kubernetes) or SIGINT (a terminal);
//! - [`log`]: the `HELLO_LOG` filter, `--log-format json|text`, and one JSON
//!   shape (`timestamp`, `level`, `message`, `target`, then the fields);
//! - [`admin`]: the admin server, `/metrics`, `/healthz` and `/readyz`;
//! - [`exit`]: the last log line and the exit code.

pub mod admin;
mod exit;
pub mod log;
mod signal;

pub use exit::exit;

pub use signal::wait_for_signal;
