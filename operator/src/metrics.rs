//! Prometheus metrics of the reconciler.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ResultLabel {
    pub result: &'static str,
}

/// Reconcile counts by result, failures, and how long a reconcile takes.
pub struct Metrics {
    pub registry: Registry,
    pub reconciles: Family<ResultLabel, Counter>,
    pub failures: Counter,
    pub duration: Histogram,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("hello_operator");
        let reconciles = Family::<ResultLabel, Counter>::default();
        let failures = Counter::default();
        // 1 ms to ~4 s.
        let duration = Histogram::new(exponential_buckets(0.001, 2.0, 13));
        registry.register("reconciles", "Reconciles by result", reconciles.clone());
        registry.register(
            "reconcile_errors",
            "Reconciles that failed",
            failures.clone(),
        );
        registry.register(
            "reconcile_duration_seconds",
            "Time one reconcile takes",
            duration.clone(),
        );
        Metrics {
            registry,
            reconciles,
            failures,
            duration,
        }
    }
}

impl Metrics {
    pub fn observe(&self, ok: bool, took: Duration) {
        let result = if ok { "ok" } else { "error" };
        self.reconciles.get_or_create(&ResultLabel { result }).inc();
        if !ok {
            self.failures.inc();
        }
        self.duration.observe(took.as_secs_f64());
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Encoding into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_results_and_durations() {
        let m = Metrics::default();
        m.observe(true, Duration::from_millis(3));
        m.observe(false, Duration::from_millis(5));
        let text = m.render();
        assert!(
            text.contains(r#"hello_operator_reconciles_total{result="ok"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"hello_operator_reconciles_total{result="error"} 1"#),
            "{text}"
        );
        assert!(
            text.contains("hello_operator_reconcile_errors_total 1"),
            "{text}"
        );
        assert!(
            text.contains("hello_operator_reconcile_duration_seconds_count 2"),
            "{text}"
        );
    }
}
