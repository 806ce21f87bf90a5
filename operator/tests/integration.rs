//! The operator's integration tests that can share one test binary: each
//! runs its own operator (or process) scoped to its own namespace. stalled is
//! its own binary: it swaps the cluster-wide CRD for a moment.

mod support;

mod crd_command;
mod fargate;
mod leader;
mod process;
mod reconcile;
