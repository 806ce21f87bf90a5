//! The metrics every Kafka client of the product shares, whichever binary
//! it runs in: registered once into that binary's registry.

use std::sync::LazyLock;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MechanismLabels {
    mechanism: &'static str,
}

// Process-wide, because every client context of the process (producer,
// consumer, admin) counts into it, however many there are.
static AUTH_FAILURES: LazyLock<Family<MechanismLabels, Counter>> = LazyLock::new(Family::default);

/// Adds `kafka_auth_failures_total{mechanism}` to `registry`.
pub fn register(registry: &mut Registry) {
    registry.register(
        "kafka_auth_failures",
        "Times the Kafka brokers refused this process's credentials (SASL authentication errors), by mechanism",
        AUTH_FAILURES.clone(),
    );
}

pub(crate) fn auth_failed(mechanism: &'static str) {
    AUTH_FAILURES
        .get_or_create(&MechanismLabels { mechanism })
        .inc();
}

#[cfg(test)]
pub(crate) fn auth_failures(mechanism: &'static str) -> u64 {
    AUTH_FAILURES
        .get_or_create(&MechanismLabels { mechanism })
        .get()
}
