//! `hello-operator`: reconciles HelloApi resources into the objects that run
//! the API and its consumer.
//!
//! The reconcile pipeline is `validate -> build -> apply -> prune -> status`
//! (see [`reconcile`]); `build` is pure and unit-tested, the rest talks to the
//! apiserver and is tested against the local test bed.

pub mod admin;
pub mod build;
pub mod context;
pub mod controller;
pub mod error;
pub mod fargate;
pub mod leader;
pub mod metrics;
pub mod owned;
pub mod reconcile;

pub use context::Context;
pub use error::Error;
