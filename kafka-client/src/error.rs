use std::path::PathBuf;

/// Why Kafka settings could not be built or a Kafka operation failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("--kafka-topic / HELLO_KAFKA_TOPIC must not be empty")]
    EmptyTopic,
    #[error(
        "--kafka-auth=scram needs a username: set HELLO_KAFKA_SCRAM_USERNAME or --kafka-scram-username"
    )]
    ScramUsernameMissing,
    #[error(
        "--kafka-auth=scram needs a password: set HELLO_KAFKA_SCRAM_PASSWORD or HELLO_KAFKA_SCRAM_PASSWORD_FILE"
    )]
    ScramPasswordMissing,
    #[error("reading the SCRAM password file {path}: {source}")]
    ScramPasswordFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the SCRAM password file {path} is empty")]
    ScramPasswordFileEmpty { path: PathBuf },
    #[error(
        "--kafka-auth=iam needs an AWS region: set HELLO_KAFKA_REGION (or AWS_REGION / AWS_DEFAULT_REGION)"
    )]
    IamRegionMissing,
    #[error("--kafka-partitions must be at least 1, got {0}")]
    Partitions(i32),
    #[error("--kafka-replication-factor must be -1 (the broker's default) or at least 1, got {0}")]
    ReplicationFactor(i32),
    #[error("creating the Kafka client: {0}")]
    Client(#[source] rdkafka::error::KafkaError),
    #[error("creating topic {topic}: {source}")]
    CreateTopic {
        topic: String,
        #[source]
        source: rdkafka::error::KafkaError,
    },
    #[error("the admin client's MSK IAM token: {0}")]
    AdminToken(String),
    #[error("creating topic {topic}: the broker answered {code}")]
    CreateTopicRefused {
        topic: String,
        code: rdkafka::types::RDKafkaErrorCode,
    },
}
