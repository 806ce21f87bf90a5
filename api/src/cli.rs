use std::net::SocketAddr;
use std::path::PathBuf;

use hello_kafka::KafkaArgs;
use hello_process::log::LogArgs;
pub use hello_process::log::LogFormat;

/// The configurable HTTP API of a HelloApi resource.
#[derive(Debug, Clone, clap::Parser)]
#[command(name = "hello-api", version, about)]
pub struct Cli {
    /// Public address: the API.
    #[arg(long, env = "HELLO_LISTEN", default_value = "0.0.0.0:8080")]
    pub listen: SocketAddr,

    /// Admin address: /metrics, /healthz, /readyz. Never expose it publicly.
    #[arg(long, env = "HELLO_ADMIN_LISTEN", default_value = "0.0.0.0:9090")]
    pub admin_listen: SocketAddr,

    /// YAML file `{greeting, responses}`, reloaded when it changes (including
    /// the `..data` symlink swap of a ConfigMap volume).
    #[arg(long, env = "HELLO_CONFIG", conflicts_with = "configmap")]
    pub config: Option<PathBuf>,

    /// ConfigMap to watch through the Kubernetes API; its `config.yaml` key
    /// holds the same YAML as --config.
    #[arg(long, env = "HELLO_CONFIGMAP")]
    pub configmap: Option<String>,

    /// Namespace of --configmap; the pod's own namespace by default.
    #[arg(long, env = "POD_NAMESPACE")]
    pub namespace: Option<String>,

    #[command(flatten)]
    pub log: LogArgs,

    /// Write one access log line per request.
    #[arg(long, env = "HELLO_ACCESS_LOG", default_value_t = true, action = clap::ArgAction::Set)]
    pub access_log: bool,

    /// HTTP worker threads (default: one per CPU).
    #[arg(long, env = "HELLO_WORKERS")]
    pub workers: Option<usize>,

    /// Seconds to keep serving, not ready, after SIGTERM before closing the
    /// listener (lets load balancers drop the pod first).
    #[arg(long, env = "HELLO_SHUTDOWN_DELAY_SECONDS", default_value_t = 0)]
    pub shutdown_delay_seconds: u64,

    /// Seconds in-flight requests get to finish after the listener closes.
    #[arg(long, env = "HELLO_SHUTDOWN_TIMEOUT_SECONDS", default_value_t = 30)]
    pub shutdown_timeout_seconds: u64,

    /// Most events waiting for Kafka; beyond it new events are dropped.
    #[arg(long, env = "HELLO_KAFKA_QUEUE_MESSAGES", default_value_t = 10_000)]
    pub kafka_queue_messages: u32,

    /// Milliseconds events wait to fill a batch. Longer batches cost the
    /// broker less CPU per event; the request never waits either way.
    #[arg(long, env = "HELLO_KAFKA_LINGER_MS", default_value_t = 5, value_parser = clap::value_parser!(u32).range(0..=10_000))]
    pub kafka_linger_ms: u32,

    /// Compression of event batches.
    #[arg(
        long,
        env = "HELLO_KAFKA_COMPRESSION",
        value_enum,
        default_value = "lz4"
    )]
    pub kafka_compression: Compression,

    #[command(flatten)]
    pub kafka: KafkaArgs,
}

/// librdkafka's `compression.type` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Compression {
    None,
    Lz4,
    Zstd,
    Snappy,
    Gzip,
}

impl Compression {
    pub fn as_str(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Lz4 => "lz4",
            Compression::Zstd => "zstd",
            Compression::Snappy => "snappy",
            Compression::Gzip => "gzip",
        }
    }
}
