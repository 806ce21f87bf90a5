//! Start-up, the consumer loop, and shutdown: SIGTERM finishes the current
//! batch, flushes, stores and commits its offsets, leaves the group, and
//! exits 0.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use hello_kafka::{HelloContext, KafkaSettings, spawn_ensure_topic};
use rdkafka::config::FromClientConfigAndContext;
use rdkafka::consumer::Consumer;

use crate::cli::Cli;
use crate::error::Error;
use crate::health::Health;
use crate::metrics::Metrics;
use crate::observer::{ConsumerState, HelloConsumer};
use crate::{admin, consume};

/// How often librdkafka reports statistics (the lag metric's refresh).
const STATISTICS_INTERVAL: Duration = Duration::from_secs(5);
/// How long librdkafka pauses fetching a partition whose prefetched records
/// exceed the queue limits. Its default (1 s) leaves a fast consumer idle
/// most of the time once it has caught up with the queue; 10 ms keeps the
/// queue topped up at the cost of a few more fetch decisions.
const FETCH_QUEUE_BACKOFF: Duration = Duration::from_millis(10);
/// Most prefetched record bytes held in memory (librdkafka's default, 64 MiB,
/// would not fit the pod's 128 MiB limit).
const QUEUED_MAX_KBYTES: u32 = 16 * 1024;
/// How often topic metadata is refreshed: a topic created after the
/// consumer started is found within this time (librdkafka's default is 5 min).
const METADATA_REFRESH: Duration = Duration::from_secs(10);

/// Runs `hello-consumer` until SIGTERM/SIGINT; exit code 0 after a clean
/// stop, 2 for bad flags or environment, 1 for other failures.
pub fn run(cli: Cli) -> ExitCode {
    hello_process::log::init("hello-consumer", cli.log.log_format, std::io::stderr);
    hello_process::exit(
        "hello-consumer",
        consume_until_stopped(cli),
        Error::exit_code,
    )
}

fn consume_until_stopped(cli: Cli) -> Result<(), Error> {
    let settings = cli.kafka.settings()?.ok_or(Error::NoBootstrapServers)?;
    let group_id = cli.group_id.trim();
    if group_id.is_empty() {
        return Err(Error::EmptyGroupId);
    }
    let metrics = Arc::new(Metrics::new());
    let health = Arc::new(Health::new());
    health.beat();
    let stop = Arc::new(AtomicBool::new(false));
    let admin = admin::spawn(
        cli.admin_listen,
        metrics.clone(),
        health.clone(),
        stop.clone(),
        Duration::from_secs(cli.shutdown_timeout_seconds),
    )?;

    // The API creates the topic too; whoever starts first makes it.
    spawn_ensure_topic(settings.clone());
    let state = ConsumerState::new(
        &settings.topic,
        cli.undecodable_max_bytes as usize,
        metrics,
        health.clone(),
    );
    let consumer = create_consumer(&settings, &cli, group_id, state)?;
    consumer
        .subscribe(&[&settings.topic])
        .map_err(|source| Error::Subscribe {
            topic: settings.topic.clone(),
            source,
        })?;
    tracing::info!(
        bootstrap_servers = %settings.bootstrap_servers,
        topic = %settings.topic,
        group_id,
        auth = settings.auth.name(),
        start_from = cli.start_from.offset_reset(),
        admin_listen = %admin,
        "consuming"
    );

    let consumed = consume::run(&consumer, &stop, &health, cli.exit_at_end);
    health.begin_shutdown();
    let state = consumer.context().observer();
    state.commit(&consumer, "shutdown");
    consumed?;
    // Leaving the group revokes the partitions (flushed and committed
    // again, a no-op by now), so the others take them over at once.
    drop(consumer);
    Ok(())
}

fn create_consumer(
    settings: &KafkaSettings,
    cli: &Cli,
    group_id: &str,
    state: ConsumerState,
) -> Result<HelloConsumer, Error> {
    let mut config = settings.client_config();
    config
        .set("group.id", group_id)
        .set("client.id", "hello-consumer")
        // At least once: an offset is stored only after its line was
        // flushed; the periodic commit sends only stored offsets.
        .set("enable.auto.offset.store", "false")
        .set("enable.auto.commit", "true")
        .set(
            "auto.commit.interval.ms",
            cli.commit_interval_ms.to_string(),
        )
        .set("auto.offset.reset", cli.start_from.offset_reset())
        .set(
            "session.timeout.ms",
            (u64::from(cli.session_timeout_seconds) * 1000).to_string(),
        )
        .set(
            "heartbeat.interval.ms",
            (u64::from(cli.session_timeout_seconds) * 1000 / 3)
                .clamp(100, 3000)
                .to_string(),
        )
        .set(
            "statistics.interval.ms",
            STATISTICS_INTERVAL.as_millis().to_string(),
        )
        .set(
            "topic.metadata.refresh.interval.ms",
            METADATA_REFRESH.as_millis().to_string(),
        )
        .set(
            "fetch.queue.backoff.ms",
            FETCH_QUEUE_BACKOFF.as_millis().to_string(),
        )
        .set("queued.max.messages.kbytes", QUEUED_MAX_KBYTES.to_string())
        .set("enable.partition.eof", cli.exit_at_end.to_string());
    HelloConsumer::from_config_and_context(&config, HelloContext::new(settings, state))
        .map_err(Error::Consumer)
}
