use std::error::Error as StdError;
use std::time::Duration;

use rdkafka::Statistics;
use rdkafka::TopicPartitionList;
use rdkafka::client::{ClientContext, OAuthToken};
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::consumer::{BaseConsumer, ConsumerContext, Rebalance};
use rdkafka::error::{KafkaError, KafkaResult};
use rdkafka::producer::{DeliveryResult, ProducerContext};

use crate::auth::Auth;
use crate::iam::IamTokenSource;
use crate::log_throttle::LogThrottle;
use crate::outage::Outage;
use crate::settings::KafkaSettings;

/// What any client's owner may want to see besides logs: librdkafka's
/// statistics (only emitted with `statistics.interval.ms` set).
pub trait ClientObserver: Send + Sync + 'static {
    fn stats(&self, _statistics: Statistics) {}
}

/// Receives the outcome of every produced record (on librdkafka's polling
/// thread: keep it short).
pub trait DeliveryObserver: ClientObserver {
    fn delivered(&self, result: &DeliveryResult<'_>);
}

/// A consumer's hooks into its group's life. They run on the thread that
/// polls the consumer, inside `poll`, so a hook may use the consumer (store
/// and commit offsets before a revoke, for instance).
pub trait ConsumerObserver: ClientObserver + Sized {
    /// Before partitions are assigned or revoked.
    fn pre_rebalance(
        &self,
        _consumer: &BaseConsumer<HelloContext<Self>>,
        _rebalance: &Rebalance<'_>,
    ) {
    }
    /// After partitions were assigned or revoked.
    fn post_rebalance(
        &self,
        _consumer: &BaseConsumer<HelloContext<Self>>,
        _rebalance: &Rebalance<'_>,
    ) {
    }
    /// After an offset commit, automatic or not.
    fn committed(&self, _result: &KafkaResult<()>, _offsets: &TopicPartitionList) {}
}

/// Admin clients (and tests) observe nothing.
impl ClientObserver for () {}

impl DeliveryObserver for () {
    fn delivered(&self, _result: &DeliveryResult<'_>) {}
}

impl ConsumerObserver for () {}

/// The rdkafka client context for every HelloApi client: librdkafka's logs
/// and errors go to `tracing` (throttled; a broker outage is logged when it
/// starts and when it ends, not per reconnect attempt), IAM tokens come from
/// [`IamTokenSource`] (for producers, consumers and admin clients alike), and
/// deliveries, statistics and rebalances go to the observer `D`.
pub struct HelloContext<D = ()> {
    iam: Option<IamTokenSource>,
    mechanism: &'static str,
    observer: D,
    errors: LogThrottle,
    auth_errors: LogThrottle,
    outage: Outage,
}

impl<D> HelloContext<D> {
    pub fn new(settings: &KafkaSettings, observer: D) -> Self {
        let iam = match &settings.auth {
            Auth::Iam { region } => Some(IamTokenSource::new(region.clone())),
            _ => None,
        };
        Self {
            iam,
            mechanism: settings.auth.name(),
            observer,
            errors: LogThrottle::new(Duration::from_secs(10)),
            auth_errors: LogThrottle::new(Duration::from_secs(10)),
            outage: Outage::default(),
        }
    }

    pub fn observer(&self) -> &D {
        &self.observer
    }

    /// Where this context's IAM tokens come from (`None` unless `iam`).
    pub(crate) fn iam(&self) -> Option<&IamTokenSource> {
        self.iam.as_ref()
    }

    /// Tells the context the brokers answered (a record or a delivery
    /// arrived); ends and logs an outage if one was on. Cheap: call it often.
    pub fn connected(&self) {
        if let Some((lasted, suppressed)) = self.outage.end() {
            tracing::info!(
                target: "librdkafka",
                outage_seconds = lasted.as_secs_f64(),
                suppressed,
                "Kafka brokers reachable again"
            );
        }
    }

    /// Whether an outage is on (every broker unreachable).
    pub fn broker_outage(&self) -> bool {
        self.outage.is_down()
    }
}

impl<D: ClientObserver> ClientContext for HelloContext<D> {
    // librdkafka only calls the refresh callback for sasl.mechanism=OAUTHBEARER.
    const ENABLE_REFRESH_OAUTH_TOKEN: bool = true;

    fn log(&self, level: RDKafkaLogLevel, facility: &str, message: &str) {
        match level {
            RDKafkaLogLevel::Emerg
            | RDKafkaLogLevel::Alert
            | RDKafkaLogLevel::Critical
            | RDKafkaLogLevel::Error
            | RDKafkaLogLevel::Warning => {
                if self.outage.is_down() {
                    // Reconnect attempts: the outage was logged once already.
                    self.outage.suppress();
                    tracing::debug!(target: "librdkafka", facility, "{message}");
                } else if let Some(suppressed) = self.errors.allow() {
                    tracing::warn!(target: "librdkafka", facility, suppressed, "{message}");
                }
            }
            RDKafkaLogLevel::Notice | RDKafkaLogLevel::Info => {
                tracing::info!(target: "librdkafka", facility, "{message}")
            }
            RDKafkaLogLevel::Debug => tracing::debug!(target: "librdkafka", facility, "{message}"),
        }
    }

    fn error(&self, error: KafkaError, reason: &str) {
        if error.rdkafka_error_code() == Some(rdkafka::types::RDKafkaErrorCode::PartitionEOF) {
            // Not an error: a consumer with enable.partition.eof reached the end.
            return;
        }
        if error.rdkafka_error_code() == Some(rdkafka::types::RDKafkaErrorCode::Authentication) {
            // Refused credentials (or no token): counted, and logged apart
            // from other errors, so a flood of those cannot hide it.
            crate::metrics::auth_failed(self.mechanism);
            if let Some(suppressed) = self.auth_errors.allow() {
                tracing::warn!(target: "librdkafka", mechanism = self.mechanism, %error, suppressed,
                    "the Kafka brokers refused this client's {} credentials: {reason}", self.mechanism);
            }
            return;
        }
        if Outage::is_outage_error(&error) {
            if self.outage.begin() {
                tracing::warn!(target: "librdkafka", %error, "Kafka brokers unreachable: {reason}; retrying, and logging again once they are back");
            }
            return;
        }
        if self.outage.is_down() && Outage::is_connection_error(&error) {
            self.outage.suppress();
            return;
        }
        if let Some(suppressed) = self.errors.allow() {
            tracing::warn!(target: "librdkafka", %error, suppressed, "kafka client error: {reason}");
        }
    }

    fn generate_oauth_token(
        &self,
        _oauthbearer_config: Option<&str>,
    ) -> Result<OAuthToken, Box<dyn StdError>> {
        match &self.iam {
            Some(source) => source.token().inspect_err(|e| {
                tracing::error!(target: "librdkafka", error = %e, "MSK IAM token refresh failed");
            }),
            None => Err("OAUTHBEARER is only supported with --kafka-auth=iam".into()),
        }
    }

    fn stats(&self, statistics: Statistics) {
        self.observer.stats(statistics);
    }
}

impl<D: DeliveryObserver> ProducerContext for HelloContext<D> {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _opaque: ()) {
        if result.is_ok() {
            self.connected();
        }
        self.observer.delivered(result);
    }
}

impl<D: ConsumerObserver> ConsumerContext for HelloContext<D> {
    fn pre_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        self.observer.pre_rebalance(consumer, rebalance);
    }

    fn post_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        // A rebalance means the group coordinator answered.
        self.connected();
        self.observer.post_rebalance(consumer, rebalance);
    }

    fn commit_callback(&self, result: KafkaResult<()>, offsets: &TopicPartitionList) {
        self.observer.committed(&result, offsets);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TopicLayout;
    use rdkafka::types::RDKafkaErrorCode;

    fn scram() -> KafkaSettings {
        KafkaSettings {
            bootstrap_servers: "b:9096".into(),
            topic: "events".into(),
            auth: Auth::Scram {
                username: "u".into(),
                password: "p".into(),
            },
            ca_file: None,
            layout: TopicLayout::default(),
        }
    }

    #[test]
    fn a_refusal_of_the_credentials_is_counted_under_the_mechanism_and_nothing_else_is() {
        let context = HelloContext::new(&scram(), ());
        let before = crate::metrics::auth_failures("scram");
        context.error(
            KafkaError::Global(RDKafkaErrorCode::Authentication),
            "SASL authentication error: Authentication failed",
        );
        context.error(
            KafkaError::Global(RDKafkaErrorCode::MessageTimedOut),
            "a timeout",
        );
        assert_eq!(crate::metrics::auth_failures("scram"), before + 1);

        let mut registry = prometheus_client::registry::Registry::with_prefix("hello");
        crate::metrics::register(&mut registry);
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
        assert!(
            text.contains("hello_kafka_auth_failures_total{mechanism=\"scram\"}"),
            "{text}"
        );
    }
}
