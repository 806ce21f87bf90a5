use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use rdkafka::error::{KafkaError, RDKafkaErrorCode};

/// Tracks whether the brokers are reachable, so that an outage is logged
/// once when it starts and once when it ends, not once per reconnect
/// attempt (librdkafka retries every second or so).
#[derive(Debug, Default)]
pub struct Outage {
    down: AtomicBool,
    since: Mutex<Option<Instant>>,
    suppressed: AtomicU64,
}

impl Outage {
    /// Whether `error` says no broker can be reached (the start of an outage).
    pub fn is_outage_error(error: &KafkaError) -> bool {
        error.rdkafka_error_code() == Some(RDKafkaErrorCode::AllBrokersDown)
    }

    /// Whether `error` is a connection failure, expected during an outage.
    pub fn is_connection_error(error: &KafkaError) -> bool {
        matches!(
            error.rdkafka_error_code(),
            Some(
                RDKafkaErrorCode::AllBrokersDown
                    | RDKafkaErrorCode::BrokerTransportFailure
                    | RDKafkaErrorCode::Resolve
            )
        )
    }

    pub fn is_down(&self) -> bool {
        self.down.load(Ordering::Relaxed)
    }

    /// Marks the brokers unreachable; true only for the call that started
    /// the outage (the one that should log).
    pub fn begin(&self) -> bool {
        if self.down.swap(true, Ordering::Relaxed) {
            self.suppressed.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        *self.since.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
        true
    }

    /// Counts a log line held back during the outage.
    pub fn suppress(&self) {
        self.suppressed.fetch_add(1, Ordering::Relaxed);
    }

    /// Marks the brokers reachable again. Returns the outage's length and
    /// the lines held back when this call ended one; a cheap atomic load
    /// otherwise, so it may be called on every record or delivery.
    pub fn end(&self) -> Option<(std::time::Duration, u64)> {
        if !self.down.load(Ordering::Relaxed) || !self.down.swap(false, Ordering::Relaxed) {
            return None;
        }
        let since = self.since.lock().unwrap_or_else(|e| e.into_inner()).take();
        let lasted = since.map(|s| s.elapsed()).unwrap_or_default();
        Some((lasted, self.suppressed.swap(0, Ordering::Relaxed)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outage_starts_once_and_ends_once() {
        let outage = Outage::default();
        assert_eq!(outage.end(), None, "nothing to end while up");
        assert!(outage.begin());
        assert!(!outage.begin());
        outage.suppress();
        assert!(outage.is_down());
        let (_, suppressed) = outage.end().expect("the outage ends");
        assert_eq!(suppressed, 2);
        assert_eq!(outage.end(), None);
        assert!(outage.begin(), "a new outage logs again");
    }

    #[test]
    fn classifies_connection_errors() {
        let down = KafkaError::Global(RDKafkaErrorCode::AllBrokersDown);
        let transport = KafkaError::Global(RDKafkaErrorCode::BrokerTransportFailure);
        let other = KafkaError::Global(RDKafkaErrorCode::TopicAuthorizationFailed);
        assert!(Outage::is_outage_error(&down));
        assert!(!Outage::is_outage_error(&transport));
        assert!(Outage::is_connection_error(&transport));
        assert!(!Outage::is_connection_error(&other));
    }
}
