//! Prometheus metrics, served on the admin port's `/metrics`.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::line::Reason;

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ReasonLabels {
    reason: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct PartitionLabels {
    pub topic: String,
    pub partition: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct KindLabels {
    kind: &'static str,
}

/// Every metric of the process, and the registry that renders them.
pub struct Metrics {
    registry: Registry,
    records: Counter,
    decode_failures: Family<ReasonLabels, Counter>,
    commits: Counter,
    commit_failures: Counter,
    lag: Family<PartitionLabels, Gauge>,
    assigned: Gauge,
    rebalances: Family<KindLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("hello_consumer");
        hello_kafka::metrics::register(&mut registry);
        let records = Counter::default();
        registry.register(
            "records",
            "Records written to stdout (events and undecodable ones)",
            records.clone(),
        );
        let decode_failures = Family::<ReasonLabels, Counter>::default();
        registry.register(
            "decode_failures",
            "Records that were not JSON, logged as warnings, by reason (empty, not_utf8, not_json)",
            decode_failures.clone(),
        );
        let commits = Counter::default();
        registry.register(
            "commits",
            "Offset commits the broker accepted",
            commits.clone(),
        );
        let commit_failures = Counter::default();
        registry.register(
            "commit_failures",
            "Offset commits that failed (their records may be read again)",
            commit_failures.clone(),
        );
        let lag = Family::<PartitionLabels, Gauge>::default();
        registry.register(
            "lag",
            "Records on the partition not yet written out: high watermark minus the stored (else committed) offset, from librdkafka's statistics",
            lag.clone(),
        );
        let assigned = Gauge::default();
        registry.register(
            "assigned_partitions",
            "Partitions assigned to this consumer",
            assigned.clone(),
        );
        let rebalances = Family::<KindLabels, Counter>::default();
        registry.register(
            "rebalances",
            "Group rebalances seen, by kind (assign, revoke, error)",
            rebalances.clone(),
        );
        Self {
            registry,
            records,
            decode_failures,
            commits,
            commit_failures,
            lag,
            assigned,
            rebalances,
        }
    }

    pub fn records(&self, n: u64) {
        self.records.inc_by(n);
    }

    pub fn decode_failure(&self, reason: Reason) {
        self.decode_failures
            .get_or_create(&ReasonLabels {
                reason: reason.as_str(),
            })
            .inc();
    }

    pub fn commit(&self, ok: bool) {
        if ok {
            self.commits.inc();
        } else {
            self.commit_failures.inc();
        }
    }

    pub fn rebalance(&self, kind: &'static str) {
        self.rebalances.get_or_create(&KindLabels { kind }).inc();
    }

    pub fn set_assigned(&self, partitions: usize) {
        self.assigned.set(partitions as i64);
    }

    /// Sets the lag of each partition; a partition whose lag is unknown
    /// loses its series (it may have moved to another consumer).
    pub fn set_lag(&self, topic: &str, lags: &[(i32, Option<i64>)]) {
        for (partition, lag) in lags {
            let labels = PartitionLabels {
                topic: topic.to_string(),
                partition: *partition,
            };
            match lag {
                Some(lag) => {
                    self.lag.get_or_create(&labels).set(*lag);
                }
                None => {
                    self.lag.remove(&labels);
                }
            }
        }
    }

    /// Forgets every lag series (after a revoke).
    pub fn clear_lag(&self) {
        self.lag.clear();
    }

    /// The OpenMetrics text of every metric.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_lag_series() {
        let metrics = Metrics::new();
        metrics.records(3);
        metrics.decode_failure(Reason::NotJson);
        metrics.commit(true);
        metrics.commit(false);
        metrics.set_lag("events", &[(0, Some(5)), (1, Some(0)), (2, None)]);
        let text = metrics.render();
        assert!(text.contains("hello_consumer_records_total 3"), "{text}");
        assert!(
            text.contains("hello_consumer_decode_failures_total{reason=\"not_json\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("hello_consumer_commit_failures_total 1"),
            "{text}"
        );
        assert!(
            text.contains("hello_consumer_lag{topic=\"events\",partition=\"0\"} 5"),
            "{text}"
        );
        metrics.set_lag("events", &[(0, None)]);
        assert!(!metrics.render().contains("partition=\"0\""));
    }
}
