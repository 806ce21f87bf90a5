use std::ffi::{CStr, CString, c_char};
use std::time::Duration;

use rdkafka::ClientConfig;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::config::FromClientConfigAndContext;
use rdkafka::types::RDKafkaErrorCode;

use crate::context::HelloContext;
use crate::error::Error;
use crate::settings::KafkaSettings;

/// Partitions and replication of a topic this project creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopicLayout {
    pub partitions: i32,
    /// -1: the broker's default (what MSK Serverless expects).
    pub replication_factor: i32,
}

impl Default for TopicLayout {
    fn default() -> Self {
        Self {
            partitions: 3,
            replication_factor: -1,
        }
    }
}

impl TopicLayout {
    pub fn new(partitions: i32, replication_factor: i32) -> Result<Self, Error> {
        if partitions < 1 {
            return Err(Error::Partitions(partitions));
        }
        if replication_factor == 0 || replication_factor < -1 {
            return Err(Error::ReplicationFactor(replication_factor));
        }
        Ok(Self {
            partitions,
            replication_factor,
        })
    }
}

/// Whether [`ensure_topic`] made the topic or found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopicOutcome {
    Created,
    AlreadyExisted,
}

/// An admin client with the HelloApi context (logs, IAM tokens).
pub fn admin_client(
    config: &ClientConfig,
    context: HelloContext<()>,
) -> Result<AdminClient<HelloContext<()>>, Error> {
    let admin = AdminClient::from_config_and_context(config, context).map_err(Error::Client)?;
    set_iam_token(&admin)?;
    Ok(admin)
}

/// Gives an IAM admin client a fresh token. rust-rdkafka's `AdminClient`
/// never polls the queue on which librdkafka asks for OAUTHBEARER tokens
/// (fede1024/rust-rdkafka#757), so without this it never authenticates and
/// every admin call times out: found against the test bed's MSK IAM
/// listener. Set at creation and before each topic creation, so a client
/// that retries for longer than a token lives still has a valid one.
fn set_iam_token(admin: &AdminClient<HelloContext<()>>) -> Result<(), Error> {
    let Some(iam) = admin.inner().context().iam() else {
        return Ok(());
    };
    let token = iam.token().map_err(|e| Error::AdminToken(e.to_string()))?;
    let value = CString::new(token.token).map_err(|e| Error::AdminToken(e.to_string()))?;
    let principal =
        CString::new(token.principal_name).map_err(|e| Error::AdminToken(e.to_string()))?;
    let mut errstr = [0 as c_char; 512];
    // SAFETY: the handle is the admin client's own and outlives the call;
    // the strings are NUL-terminated and librdkafka copies them; no
    // extensions; errstr is writable for its length.
    let code = unsafe {
        rdkafka::bindings::rd_kafka_oauthbearer_set_token(
            admin.inner().native_ptr(),
            value.as_ptr(),
            token.lifetime_ms,
            principal.as_ptr(),
            std::ptr::null_mut(),
            0,
            errstr.as_mut_ptr(),
            errstr.len(),
        )
    };
    if code == rdkafka::bindings::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
        return Ok(());
    }
    // SAFETY: librdkafka wrote a NUL-terminated message into errstr.
    let message = unsafe { CStr::from_ptr(errstr.as_ptr()) };
    Err(Error::AdminToken(message.to_string_lossy().into_owned()))
}

/// Creates `topic` unless it exists: MSK Serverless (and the test bed's
/// broker) never auto-create topics.
pub async fn ensure_topic(
    admin: &AdminClient<HelloContext<()>>,
    topic: &str,
    layout: TopicLayout,
) -> Result<TopicOutcome, Error> {
    let new_topic = NewTopic::new(
        topic,
        layout.partitions,
        TopicReplication::Fixed(layout.replication_factor),
    );
    set_iam_token(admin)?;
    let options = AdminOptions::new()
        .operation_timeout(Some(Duration::from_secs(30)))
        .request_timeout(Some(Duration::from_secs(30)));
    let results = admin
        .create_topics([&new_topic], &options)
        .await
        .map_err(|source| Error::CreateTopic {
            topic: topic.to_string(),
            source,
        })?;
    match results.into_iter().next() {
        Some(Ok(_)) => Ok(TopicOutcome::Created),
        Some(Err((_, RDKafkaErrorCode::TopicAlreadyExists))) => Ok(TopicOutcome::AlreadyExisted),
        Some(Err((_, code))) => Err(Error::CreateTopicRefused {
            topic: topic.to_string(),
            code,
        }),
        None => Ok(TopicOutcome::AlreadyExisted),
    }
}

/// Creates the topic when missing, retrying in the background (on a thread
/// of its own) until it exists: MSK Serverless never auto-creates. Stops
/// early when the principal may not create topics; someone else must then.
pub fn spawn_ensure_topic(settings: KafkaSettings) {
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
                Err(Error::CreateTopicRefused { code, .. })
                    if matches!(
                        code,
                        RDKafkaErrorCode::TopicAuthorizationFailed
                            | RDKafkaErrorCode::ClusterAuthorizationFailed
                    ) =>
                {
                    tracing::warn!(topic = %settings.topic, %code, "not allowed to create the Kafka topic; it must be created elsewhere");
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
    // may be a single-threaded one that is busy serving, or none at all.
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
