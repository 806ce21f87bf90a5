//! Kafka events: each successful `/current_time` body, produced without the
//! request ever waiting. Records go into librdkafka's bounded in-memory
//! queue (a non-blocking call); a background thread delivers them. When the
//! queue is full the event is dropped, counted and logged (throttled).

use std::sync::Arc;
use std::time::Duration;

use hello_kafka::{
    DeliveryObserver, HelloContext, KafkaSettings, LogThrottle, admin_client, ensure_topic,
};
use rdkafka::config::FromClientConfigAndContext;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ThreadedProducer};

use crate::cli::Compression;
use crate::metrics::Metrics;

/// How long a queued event may wait for the broker before it is failed.
const MESSAGE_TIMEOUT: Duration = Duration::from_secs(60);
/// Bytes the queue may hold, whatever the message count (bounds memory).
const QUEUE_MAX_KBYTES: u32 = 2 * 1024;
/// Largest produce batch per partition; events are small, and librdkafka's
/// 1 MB default only costs memory here.
const BATCH_BYTES: u32 = 128 * 1024;

/// The producer settings a user may tune (flags of the same names).
pub struct ProducerTuning {
    /// Most events waiting for the broker.
    pub queue_messages: u32,
    /// How long an event waits to fill a batch.
    pub linger_ms: u32,
    pub compression: Compression,
}

/// Counts deliveries and logs failures (throttled).
pub struct DeliveryMetrics {
    metrics: Arc<Metrics>,
    failures: LogThrottle,
}

impl DeliveryObserver for DeliveryMetrics {
    fn delivered(&self, result: &DeliveryResult<'_>) {
        match result {
            Ok(_) => self.metrics.kafka_produced(),
            Err((error, _)) => {
                self.metrics.kafka_failed();
                if let Some(suppressed) = self.failures.allow() {
                    tracing::warn!(%error, suppressed, "a Kafka event was not delivered");
                }
            }
        }
    }
}

/// Where `/current_time` events go.
pub struct EventSink {
    producer: ThreadedProducer<HelloContext<DeliveryMetrics>>,
    topic: String,
    metrics: Arc<Metrics>,
    drops: LogThrottle,
}

impl EventSink {
    /// Creates the producer (it connects in the background; a broker that is
    /// down does not delay start-up) and starts creating the topic.
    pub fn start(
        settings: &KafkaSettings,
        tuning: &ProducerTuning,
        metrics: Arc<Metrics>,
    ) -> Result<Self, hello_kafka::Error> {
        let mut config = settings.client_config();
        config
            .set(
                "queue.buffering.max.messages",
                tuning.queue_messages.max(1).to_string(),
            )
            .set("queue.buffering.max.kbytes", QUEUE_MAX_KBYTES.to_string())
            .set(
                "message.timeout.ms",
                MESSAGE_TIMEOUT.as_millis().to_string(),
            )
            .set("linger.ms", tuning.linger_ms.to_string())
            .set("batch.size", BATCH_BYTES.to_string())
            .set("compression.type", tuning.compression.as_str());
        let observer = DeliveryMetrics {
            metrics: metrics.clone(),
            failures: LogThrottle::new(Duration::from_secs(10)),
        };
        let producer = ThreadedProducer::from_config_and_context(
            &config,
            HelloContext::new(settings, observer),
        )
        .map_err(hello_kafka::Error::Client)?;
        spawn_topic_creation(settings.clone());
        tracing::info!(
            bootstrap_servers = %settings.bootstrap_servers,
            topic = %settings.topic,
            auth = settings.auth.name(),
            "Kafka events enabled"
        );
        Ok(Self {
            producer,
            topic: settings.topic.clone(),
            metrics,
            drops: LogThrottle::new(Duration::from_secs(10)),
        })
    }

    /// Queues `payload`; never blocks. A full queue drops the event.
    pub fn publish(&self, payload: &[u8]) {
        let record = BaseRecord::<(), [u8], ()>::to(&self.topic).payload(payload);
        if let Err((error, _)) = self.producer.send(record) {
            let reason = match error {
                KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull) => "queue_full",
                _ => "error",
            };
            self.metrics.kafka_dropped(reason);
            if let Some(suppressed) = self.drops.allow() {
                tracing::warn!(%error, reason, suppressed, "Kafka event dropped");
            }
        }
    }

    /// Waits up to `timeout` for queued events to be delivered (shutdown).
    pub fn flush(&self, timeout: Duration) {
        if let Err(error) = self.producer.flush(timeout) {
            let left = self.producer.in_flight_count();
            tracing::warn!(%error, left, "Kafka events still queued at shutdown");
        }
    }
}

/// Creates the topic when missing, retrying in the background until it
/// exists: MSK Serverless never auto-creates. Events produced meanwhile wait
/// in the queue.
fn spawn_topic_creation(settings: KafkaSettings) {
    let task = async move {
        let admin = match admin_client(&settings.client_config(), HelloContext::new(&settings, ()))
        {
            Ok(admin) => admin,
            Err(error) => {
                tracing::error!(%error, "cannot create the Kafka admin client; the topic is not created");
                return;
            }
        };
        let mut backoff = Duration::from_secs(1);
        loop {
            match ensure_topic(&admin, &settings.topic, settings.layout).await {
                Ok(outcome) => {
                    tracing::info!(topic = %settings.topic, ?outcome, partitions = settings.layout.partitions, replication_factor = settings.layout.replication_factor, "Kafka topic ready");
                    return;
                }
                Err(error) => {
                    tracing::warn!(%error, retry_in = ?backoff, "creating the Kafka topic failed");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                }
            }
        }
    };
    // The admin client's futures need a runtime of their own: the caller's
    // may be a single-threaded actix one that is busy serving.
    let spawned = std::thread::Builder::new()
        .name("kafka-topic".into())
        .spawn(move || {
            match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime.block_on(task),
                Err(error) => tracing::error!(%error, "cannot start the topic-creation runtime"),
            }
        });
    if let Err(error) = spawned {
        tracing::error!(%error, "cannot start the topic-creation thread");
    }
}
