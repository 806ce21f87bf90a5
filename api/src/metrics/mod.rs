//! Prometheus metrics, served on the admin port's `/metrics`.

mod latency;

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

pub use latency::LatencyHistogram;

/// The `route` label: a built-in endpoint, a configured path, or nothing
/// matched (so unknown paths cannot blow up the label set).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Route {
    Builtin(&'static str),
    Configured(Arc<str>),
    Unmatched,
}

impl Route {
    /// Identifies the route by address: the static string of a built-in, the
    /// shared path of a configured one (new after each reload).
    fn identity(&self) -> usize {
        match self {
            Route::Builtin(path) => path.as_ptr() as usize,
            Route::Configured(path) => path.as_ptr() as usize,
            Route::Unmatched => 0,
        }
    }
}

/// Per-thread request metric handles, by route identity and status.
type HandleCache = HashMap<(usize, u16), (Counter, LatencyHistogram)>;
const MAX_CACHED_HANDLES: usize = 4096;

thread_local! {
    static REQUEST_HANDLES: RefCell<HandleCache> = RefCell::new(HashMap::new());
}

impl EncodeLabelValue for Route {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        use std::fmt::Write;
        match self {
            Route::Builtin(path) => encoder.write_str(path),
            Route::Configured(path) => encoder.write_str(path),
            Route::Unmatched => encoder.write_str("unmatched"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RequestLabels {
    route: Route,
    status: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RouteLabels {
    route: Route,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ReasonLabels {
    reason: &'static str,
}

/// Every metric of the process, and the registry that renders them.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, LatencyHistogram>,
    config_reloads: Counter,
    config_reload_failures: Counter,
    config_responses: Gauge,
    kafka_produced: Counter,
    kafka_failed: Counter,
    kafka_dropped: Family<ReasonLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("hello");
        hello_kafka::metrics::register(&mut registry);
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered on the public port, by route and status",
            requests.clone(),
        );
        let latency = Family::<RouteLabels, LatencyHistogram>::default();
        registry.register(
            "http_request_duration_seconds",
            "Time from request to response body, by route",
            latency.clone(),
        );
        let config_reloads = Counter::default();
        registry.register(
            "config_reloads",
            "Configurations loaded and served (the first one included)",
            config_reloads.clone(),
        );
        let config_reload_failures = Counter::default();
        registry.register(
            "config_reload_failures",
            "Configurations refused (invalid or unreadable); the last good one kept serving",
            config_reload_failures.clone(),
        );
        let config_responses = Gauge::default();
        registry.register(
            "config_responses",
            "Configured responses in the served configuration",
            config_responses.clone(),
        );
        let kafka_produced = Counter::default();
        registry.register(
            "kafka_events_produced",
            "Events the broker acknowledged",
            kafka_produced.clone(),
        );
        let kafka_failed = Counter::default();
        registry.register(
            "kafka_events_failed",
            "Events queued but never delivered (timeout, authorization, broker errors)",
            kafka_failed.clone(),
        );
        let kafka_dropped = Family::<ReasonLabels, Counter>::default();
        registry.register(
            "kafka_events_dropped",
            "Events dropped before queueing, by reason (queue_full, error)",
            kafka_dropped.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            config_reloads,
            config_reload_failures,
            config_responses,
            kafka_produced,
            kafka_failed,
            kafka_dropped,
        }
    }

    pub fn observe_request(&self, route: &Route, status: u16, elapsed: Duration) {
        // Each worker thread keeps the handles it has used, so the hot path
        // takes no lock and clones no label (the families' lookups do both).
        let key = (route.identity(), status);
        REQUEST_HANDLES.with(|cache| {
            let mut cache = cache.borrow_mut();
            if cache.len() > MAX_CACHED_HANDLES {
                // Reloads make new route identities; start over now and then.
                cache.clear();
            }
            let (counter, histogram) = cache.entry(key).or_insert_with(|| {
                let counter = self
                    .requests
                    .get_or_create(&RequestLabels {
                        route: route.clone(),
                        status,
                    })
                    .clone();
                let histogram = self
                    .latency
                    .get_or_create(&RouteLabels {
                        route: route.clone(),
                    })
                    .clone();
                (counter, histogram)
            });
            counter.inc();
            histogram.observe(elapsed);
        });
    }

    pub fn config_loaded(&self, responses: usize) {
        self.config_reloads.inc();
        self.config_responses.set(responses as i64);
    }

    pub fn config_refused(&self) {
        self.config_reload_failures.inc();
    }

    pub fn kafka_produced(&self) {
        self.kafka_produced.inc();
    }

    pub fn kafka_failed(&self) {
        self.kafka_failed.inc();
    }

    pub fn kafka_dropped(&self, reason: &'static str) {
        self.kafka_dropped
            .get_or_create(&ReasonLabels { reason })
            .inc();
    }

    /// The OpenMetrics text exposition.
    pub fn render(&self) -> String {
        let mut text = String::with_capacity(8 * 1024);
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_by_route_and_status() {
        let metrics = Metrics::new();
        let hello = Route::Configured(Arc::from("/hello"));
        metrics.observe_request(&hello, 200, Duration::from_micros(80));
        metrics.observe_request(&hello, 200, Duration::from_micros(80));
        metrics.observe_request(&Route::Unmatched, 404, Duration::from_micros(10));
        metrics.kafka_dropped("queue_full");
        let text = metrics.render();
        for sample in [
            r#"hello_http_requests_total{route="/hello",status="200"} 2"#,
            r#"hello_http_requests_total{route="unmatched",status="404"} 1"#,
            r#"hello_http_request_duration_seconds_bucket{le="0.0001",route="/hello"} 2"#,
            r#"hello_kafka_events_dropped_total{reason="queue_full"} 1"#,
        ] {
            assert!(text.contains(sample), "no {sample} in\n{text}");
        }
    }
}
