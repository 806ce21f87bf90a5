//! The consumer loop: poll, write, and every batch flush stdout and store
//! the offsets of what was flushed. One thread does it all (BaseConsumer),
//! so the rebalance hooks run between two records, never during one.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use hello_kafka::{LogThrottle, Outage};
use rdkafka::consumer::Consumer;
use rdkafka::error::KafkaError;
use rdkafka::message::Message;

use crate::error::Error;
use crate::health::Health;
use crate::observer::HelloConsumer;

/// Longest wait for a record while idle: bounds how late a SIGTERM is seen.
const IDLE_POLL: Duration = Duration::from_millis(100);
/// Records written between two flushes at most. A flush also happens as
/// soon as no record is waiting, so a quiet topic is written at once.
const BATCH: usize = 2000;

/// Consumes until `stop` is set (or, with `exit_at_end`, until every
/// assigned partition was read to its end); the last batch is flushed and
/// stored, not yet committed.
pub fn run(
    consumer: &HelloConsumer,
    stop: &AtomicBool,
    health: &Health,
    exit_at_end: bool,
) -> Result<(), Error> {
    let state = consumer.context().observer();
    let errors = LogThrottle::new(Duration::from_secs(10));
    let mut at_end: BTreeSet<i32> = BTreeSet::new();
    let mut in_batch = 0usize;
    loop {
        if state.stdout_broken() {
            return Err(Error::Stdout(std::io::Error::from(
                std::io::ErrorKind::BrokenPipe,
            )));
        }
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let timeout = if in_batch > 0 {
            Duration::ZERO
        } else {
            IDLE_POLL
        };
        match consumer.poll(timeout) {
            Some(Ok(message)) => {
                if exit_at_end {
                    at_end.remove(&message.partition());
                }
                state.write(&message).map_err(Error::Stdout)?;
                in_batch += 1;
                if in_batch >= BATCH {
                    consumer.context().connected();
                    state.flush_and_store(consumer).map_err(Error::Stdout)?;
                    in_batch = 0;
                    health.beat();
                }
            }
            None => {
                if in_batch > 0 {
                    consumer.context().connected();
                    state.flush_and_store(consumer).map_err(Error::Stdout)?;
                    in_batch = 0;
                }
                health.beat();
            }
            Some(Err(KafkaError::PartitionEOF(partition))) => {
                if exit_at_end {
                    at_end.insert(partition);
                    let assigned = state.assigned();
                    if !assigned.is_empty() && assigned.iter().all(|p| at_end.contains(p)) {
                        tracing::info!(partitions = ?assigned, "every assigned partition read to its end; stopping");
                        break;
                    }
                }
            }
            Some(Err(error)) => {
                let outage = consumer.context().broker_outage();
                if outage && Outage::is_connection_error(&error) {
                    continue;
                }
                if let Some(suppressed) = errors.allow() {
                    tracing::warn!(%error, suppressed, "consumer error; retrying");
                }
            }
        }
    }
    state.flush_and_store(consumer).map_err(Error::Stdout)?;
    Ok(())
}
