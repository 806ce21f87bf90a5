//! The consumer's side of the group: writing records, storing their offsets
//! once written, committing on revoke, logging rebalances, and lag from
//! librdkafka's statistics. Rebalance hooks run inside `poll`, on the
//! consumer loop's thread, so they may flush and commit directly.

use std::io::Stdout;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use hello_kafka::{ClientObserver, ConsumerObserver, HelloContext, LogThrottle};
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, Rebalance};
use rdkafka::error::{KafkaError, KafkaResult, RDKafkaErrorCode};
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::{Offset, Statistics, TopicPartitionList};

use crate::health::Health;
use crate::lag;
use crate::line::{Outcome, Record};
use crate::metrics::Metrics;
use crate::output::Output;

pub type Context = HelloContext<ConsumerState>;
pub type HelloConsumer = BaseConsumer<Context>;

/// What the consumer loop and the group hooks share.
pub struct ConsumerState {
    topic: String,
    output: Mutex<Output<Stdout>>,
    metrics: Arc<Metrics>,
    health: Arc<Health>,
    assigned: Mutex<Vec<i32>>,
    stdout_broken: AtomicBool,
    undecodable_log: LogThrottle,
    commit_log: LogThrottle,
}

impl ConsumerState {
    pub fn new(topic: &str, max_bytes: usize, metrics: Arc<Metrics>, health: Arc<Health>) -> Self {
        Self {
            topic: topic.to_string(),
            output: Mutex::new(Output::new(std::io::stdout(), max_bytes)),
            metrics,
            health,
            assigned: Mutex::new(Vec::new()),
            stdout_broken: AtomicBool::new(false),
            undecodable_log: LogThrottle::new(Duration::from_secs(10)),
            commit_log: LogThrottle::new(Duration::from_secs(10)),
        }
    }

    fn output(&self) -> MutexGuard<'_, Output<Stdout>> {
        self.output.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Writes the line of `message` into the stdout buffer.
    pub fn write(&self, message: &BorrowedMessage<'_>) -> std::io::Result<()> {
        let record = Record {
            topic: message.topic(),
            partition: message.partition(),
            offset: message.offset(),
            timestamp_ms: message.timestamp().to_millis(),
            key: message.key(),
            payload: message.payload(),
        };
        let outcome = self.output().write(&record)?;
        self.metrics.records(1);
        if let Outcome::Undecodable(reason) = outcome {
            self.metrics.decode_failure(reason);
            // The record itself is on stdout; this only points at it.
            if let Some(suppressed) = self.undecodable_log.allow() {
                tracing::warn!(
                    topic = record.topic,
                    partition = record.partition,
                    offset = record.offset,
                    reason = reason.as_str(),
                    suppressed,
                    "a record is not JSON; logged on stdout as kind=undecodable"
                );
            }
        }
        Ok(())
    }

    /// Flushes stdout, then stores the offsets of the flushed lines (the
    /// next auto-commit, or an explicit commit, sends them to the broker).
    pub fn flush_and_store(&self, consumer: &HelloConsumer) -> std::io::Result<()> {
        let offsets = match self.output().flush() {
            Ok(offsets) => offsets,
            Err(error) => {
                self.stdout_broken.store(true, Ordering::SeqCst);
                return Err(error);
            }
        };
        if offsets.is_empty() {
            return Ok(());
        }
        let mut list = TopicPartitionList::with_capacity(offsets.len());
        for (partition, next) in offsets {
            if let Err(error) =
                list.add_partition_offset(&self.topic, partition, Offset::Offset(next))
            {
                tracing::warn!(%error, partition, next, "cannot note an offset to store");
            }
        }
        if let Err(error) = consumer.store_offsets(&list) {
            // A partition revoked meanwhile: its new owner reads the
            // records again (at least once).
            tracing::warn!(%error, "storing offsets failed; those records may be read again");
        }
        Ok(())
    }

    /// Commits the stored offsets now and waits for the answer.
    pub fn commit(&self, consumer: &HelloConsumer, why: &'static str) {
        match consumer.commit_consumer_state(CommitMode::Sync) {
            Ok(()) => tracing::debug!(why, "offsets committed"),
            Err(KafkaError::ConsumerCommit(RDKafkaErrorCode::NoOffset)) => {
                tracing::debug!(why, "no new offsets to commit")
            }
            // Counted by `committed`, which librdkafka calls for every commit.
            Err(error) => {
                tracing::warn!(%error, why, "committing offsets failed; those records may be read again")
            }
        }
    }

    /// Whether a write to stdout failed (the loop then stops with an error).
    pub fn stdout_broken(&self) -> bool {
        self.stdout_broken.load(Ordering::SeqCst)
    }

    /// The partitions assigned to this consumer.
    pub fn assigned(&self) -> Vec<i32> {
        self.assigned
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn set_assigned(&self, partitions: Vec<i32>) {
        self.metrics.set_assigned(partitions.len());
        *self.assigned.lock().unwrap_or_else(|e| e.into_inner()) = partitions;
    }
}

fn partitions(list: &TopicPartitionList) -> Vec<i32> {
    let mut partitions: Vec<i32> = list.elements().iter().map(|e| e.partition()).collect();
    partitions.sort_unstable();
    partitions
}

impl ClientObserver for ConsumerState {
    fn stats(&self, statistics: Statistics) {
        self.metrics
            .set_lag(&self.topic, &lag::topic_lags(&statistics, &self.topic));
    }
}

impl ConsumerObserver for ConsumerState {
    fn pre_rebalance(&self, consumer: &HelloConsumer, rebalance: &Rebalance<'_>) {
        if let Rebalance::Revoke(list) = rebalance {
            // Everything written so far is flushed and committed before the
            // partitions move, so their next owner starts after it.
            if let Err(error) = self.flush_and_store(consumer) {
                tracing::error!(%error, "writing to stdout failed during a revoke");
            }
            let lost = consumer.assignment_lost();
            if !lost {
                self.commit(consumer, "revoke");
            }
            self.metrics.rebalance("revoke");
            self.metrics.clear_lag();
            self.set_assigned(Vec::new());
            tracing::info!(
                topic = %self.topic,
                partitions = ?partitions(list),
                lost,
                "partitions revoked{}",
                if lost { " (assignment lost: not committed)" } else { "; offsets committed" }
            );
        }
    }

    fn post_rebalance(&self, _consumer: &HelloConsumer, rebalance: &Rebalance<'_>) {
        match rebalance {
            Rebalance::Assign(list) => {
                let assigned = partitions(list);
                self.metrics.rebalance("assign");
                tracing::info!(topic = %self.topic, partitions = ?assigned, "partitions assigned");
                self.set_assigned(assigned);
                self.health.joined();
            }
            Rebalance::Revoke(_) => {}
            Rebalance::Error(error) => {
                self.metrics.rebalance("error");
                tracing::warn!(%error, "rebalance failed");
            }
        }
    }

    fn committed(&self, result: &KafkaResult<()>, offsets: &TopicPartitionList) {
        match result {
            Ok(()) => self.metrics.commit(true),
            Err(KafkaError::ConsumerCommit(RDKafkaErrorCode::NoOffset)) => {}
            Err(error) => {
                self.metrics.commit(false);
                if let Some(suppressed) = self.commit_log.allow() {
                    tracing::warn!(%error, partitions = ?partitions(offsets), suppressed, "offset commit failed; those records may be read again");
                }
            }
        }
    }
}
