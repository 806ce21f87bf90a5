//! hello-api's process tests that can share one test binary: each starts its
//! own `hello-api` (support::api) on its own ports. kafka_events and
//! properties are their own binaries: a broker outage's latency figures and
//! proptest's CPU must not meet another test's load.

mod support;

mod config_file;
mod configmap;
mod http_contract;
mod logs;
mod shutdown;
