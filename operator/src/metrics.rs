//! Prometheus metrics of the reconciler.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// `result` is ok or error; `error` is the kind of error (empty for ok), as
/// [`crate::Error::metric_label`] names it.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ResultLabel {
    pub result: &'static str,
    pub error: &'static str,
}

/// Reconcile counts by result and error kind, failures, and how long a
/// reconcile takes.
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
        registry.register(
            "reconciles",
            "Reconciles by result and error kind",
            reconciles.clone(),
        );
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
    /// Counts one reconcile; `error` is the kind of its error, if it failed.
    pub fn observe(&self, error: Option<&'static str>, took: Duration) {
        let label = match error {
            None => ResultLabel {
                result: "ok",
                error: "",
            },
            Some(kind) => ResultLabel {
                result: "error",
                error: kind,
            },
        };
        self.reconciles.get_or_create(&label).inc();
        if error.is_some() {
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
        m.observe(None, Duration::from_millis(3));
        m.observe(Some("apply"), Duration::from_millis(5));
        let text = m.render();
        assert!(
            text.contains(r#"hello_operator_reconciles_total{result="ok",error=""} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"hello_operator_reconciles_total{result="error",error="apply"} 1"#),
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
