use std::error::Error as StdError;
use std::time::Duration;

use rdkafka::client::{ClientContext, OAuthToken};
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::consumer::ConsumerContext;
use rdkafka::error::KafkaError;
use rdkafka::producer::{DeliveryResult, ProducerContext};

use crate::auth::Auth;
use crate::iam::IamTokenSource;
use crate::log_throttle::LogThrottle;
use crate::settings::KafkaSettings;

/// Receives the outcome of every produced record (on librdkafka's polling
/// thread: keep it short).
pub trait DeliveryObserver: Send + Sync + 'static {
    fn delivered(&self, result: &DeliveryResult<'_>);
}

/// Consumers and admin clients have no deliveries to observe.
impl DeliveryObserver for () {
    fn delivered(&self, _result: &DeliveryResult<'_>) {}
}

/// The rdkafka client context for every HelloApi client: librdkafka's logs
/// and errors go to `tracing` (throttled), IAM tokens come from
/// [`IamTokenSource`], and deliveries go to the observer `D`.
pub struct HelloContext<D = ()> {
    iam: Option<IamTokenSource>,
    observer: D,
    errors: LogThrottle,
}

impl<D> HelloContext<D> {
    pub fn new(settings: &KafkaSettings, observer: D) -> Self {
        let iam = match &settings.auth {
            Auth::Iam { region } => Some(IamTokenSource::new(region.clone())),
            _ => None,
        };
        Self {
            iam,
            observer,
            errors: LogThrottle::new(Duration::from_secs(10)),
        }
    }

    pub fn observer(&self) -> &D {
        &self.observer
    }
}

impl<D: Send + Sync> ClientContext for HelloContext<D> {
    // librdkafka only calls the refresh callback for sasl.mechanism=OAUTHBEARER.
    const ENABLE_REFRESH_OAUTH_TOKEN: bool = true;

    fn log(&self, level: RDKafkaLogLevel, facility: &str, message: &str) {
        match level {
            RDKafkaLogLevel::Emerg
            | RDKafkaLogLevel::Alert
            | RDKafkaLogLevel::Critical
            | RDKafkaLogLevel::Error
            | RDKafkaLogLevel::Warning => {
                if let Some(suppressed) = self.errors.allow() {
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
}

impl<D: DeliveryObserver> ProducerContext for HelloContext<D> {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _opaque: ()) {
        self.observer.delivered(result);
    }
}

impl<D: Send + Sync> ConsumerContext for HelloContext<D> {}
