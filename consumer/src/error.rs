use std::net::SocketAddr;

/// Why `hello-consumer` could not start or had to stop.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no Kafka brokers: set --kafka-bootstrap-servers or HELLO_KAFKA_BOOTSTRAP_SERVERS")]
    NoBootstrapServers,
    #[error("--group-id / HELLO_GROUP_ID must not be empty")]
    EmptyGroupId,
    #[error("{0}")]
    Kafka(#[from] hello_kafka::Error),
    #[error("creating the Kafka consumer: {0}")]
    Consumer(#[source] rdkafka::error::KafkaError),
    #[error("subscribing to {topic}: {source}")]
    Subscribe {
        topic: String,
        #[source]
        source: rdkafka::error::KafkaError,
    },
    #[error("binding the admin port on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("writing records to stdout: {0}")]
    Stdout(#[source] std::io::Error),
    #[error("starting a thread: {0}")]
    Thread(#[source] std::io::Error),
}

impl Error {
    /// 2 for bad flags or environment (like clap's own errors), 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::NoBootstrapServers | Error::EmptyGroupId | Error::Kafka(_) => 2,
            _ => 1,
        }
    }
}
