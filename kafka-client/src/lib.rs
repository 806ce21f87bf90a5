//! Kafka client settings shared by `hello-api` (producer) and
//! `hello-consumer`: one set of flags and environment variables, the four
//! auth mechanisms MSK offers (plaintext, TLS, SCRAM-SHA-512, IAM), the
//! OAUTHBEARER token callback for IAM, and topic creation.
//!
//! ```no_run
//! # async fn demo(args: hello_kafka::KafkaArgs) -> Result<(), hello_kafka::Error> {
//! let settings = args.settings()?.expect("Kafka configured");
//! let config = settings.client_config();
//! let context = hello_kafka::HelloContext::new(&settings, ());
//! let admin = hello_kafka::admin_client(&config, context)?;
//! hello_kafka::ensure_topic(&admin, &settings.topic, hello_kafka::TopicLayout::default()).await?;
//! # Ok(()) }
//! ```

mod args;
mod auth;
mod context;
mod error;
mod iam;
mod log_throttle;
pub mod metrics;
mod outage;
mod settings;
mod topic;

pub use args::{AuthMechanism, KafkaArgs};
pub use auth::Auth;
pub use context::{ClientObserver, ConsumerObserver, DeliveryObserver, HelloContext};
pub use error::Error;
pub use iam::IamTokenSource;
pub use log_throttle::LogThrottle;
pub use outage::Outage;
pub use settings::KafkaSettings;
pub use topic::{TopicLayout, TopicOutcome, admin_client, ensure_topic, spawn_ensure_topic};

/// The topic used when none is configured.
pub const DEFAULT_TOPIC: &str = "events";
