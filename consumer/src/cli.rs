use std::net::SocketAddr;

use hello_kafka::KafkaArgs;
use hello_process::log::LogArgs;

/// Where a group without committed offsets starts reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StartFrom {
    /// The oldest record still on the topic.
    Earliest,
    /// Only records written after the group joined.
    Latest,
}

impl StartFrom {
    /// librdkafka's `auto.offset.reset` value.
    pub fn offset_reset(self) -> &'static str {
        match self {
            StartFrom::Earliest => "earliest",
            StartFrom::Latest => "latest",
        }
    }
}

/// Logs every record of a Kafka topic as one JSON line on stdout.
#[derive(Debug, Clone, clap::Parser)]
#[command(name = "hello-consumer", version, about)]
pub struct Cli {
    /// Consumer group; consumers sharing it split the partitions.
    #[arg(long, env = "HELLO_GROUP_ID", default_value = "hello-consumer")]
    pub group_id: String,

    /// Where a group without committed offsets starts; a group that has
    /// committed offsets always resumes from them.
    #[arg(long, env = "HELLO_START_FROM", value_enum, default_value = "earliest")]
    pub start_from: StartFrom,

    /// Admin address: /metrics, /healthz, /readyz. Never expose it publicly.
    #[arg(long, env = "HELLO_ADMIN_LISTEN", default_value = "0.0.0.0:9090")]
    pub admin_listen: SocketAddr,

    /// The operational logs, on stderr (stdout carries records only).
    #[command(flatten)]
    pub log: LogArgs,

    /// How often stored offsets are committed (also on revoke and shutdown).
    #[arg(long, env = "HELLO_COMMIT_INTERVAL_MS", default_value_t = 1000, value_parser = clap::value_parser!(u32).range(100..=60_000))]
    pub commit_interval_ms: u32,

    /// How long the group waits for a silent consumer before giving its
    /// partitions to the others (the broker allows 6 to 1800 by default).
    #[arg(long, env = "HELLO_SESSION_TIMEOUT_SECONDS", default_value_t = 45, value_parser = clap::value_parser!(u32).range(1..=3600))]
    pub session_timeout_seconds: u32,

    /// Time SIGTERM gives the consumer to write, store and commit before it
    /// exits anyway (keep it below the pod's terminationGracePeriodSeconds).
    #[arg(long, env = "HELLO_SHUTDOWN_TIMEOUT_SECONDS", default_value_t = 20)]
    pub shutdown_timeout_seconds: u64,

    /// Bytes of an undecodable record shown in its warning line.
    #[arg(long, env = "HELLO_UNDECODABLE_MAX_BYTES", default_value_t = 1024, value_parser = clap::value_parser!(u32).range(16..=1_048_576))]
    pub undecodable_max_bytes: u32,

    /// Exit (committing, code 0) once every assigned partition is read to
    /// its end, like `kcat -e`: for batch jobs and benchmarks.
    #[arg(long, env = "HELLO_EXIT_AT_END", default_value_t = false, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub exit_at_end: bool,

    #[command(flatten)]
    pub kafka: KafkaArgs,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        let mut argv = vec!["hello-consumer"];
        argv.extend_from_slice(args);
        Cli::try_parse_from(argv)
    }

    #[test]
    fn defaults() {
        let cli = parse(&[]).unwrap();
        assert_eq!(cli.group_id, "hello-consumer");
        assert_eq!(cli.start_from, StartFrom::Earliest);
        assert_eq!(cli.admin_listen.to_string(), "0.0.0.0:9090");
        assert_eq!(cli.kafka.topic, "events");
        assert!(!cli.exit_at_end);
    }

    #[test]
    fn unknown_values_name_the_flag() {
        let err = parse(&["--start-from", "middle"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("--start-from"), "{err}");
        assert!(parse(&["--commit-interval-ms", "5"]).is_err());
        assert_eq!(
            parse(&["--start-from", "latest"])
                .unwrap()
                .start_from
                .offset_reset(),
            "latest"
        );
        assert!(parse(&["--exit-at-end"]).unwrap().exit_at_end);
    }
}
