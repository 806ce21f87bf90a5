//! Liveness and readiness, as the admin port reports them.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A consumer loop silent this long is stuck (polls return every 100 ms;
/// the slowest legitimate pause is an MSK IAM token, bounded at 20 s).
pub const STALL: Duration = Duration::from_secs(120);

#[derive(Debug)]
pub struct Health {
    start: Instant,
    beat_ms: AtomicU64,
    joined: AtomicBool,
    shutting_down: AtomicBool,
}

impl Default for Health {
    fn default() -> Self {
        Self::new()
    }
}

impl Health {
    pub fn new() -> Self {
        Self {
            start: Instant::now(),
            beat_ms: AtomicU64::new(0),
            joined: AtomicBool::new(false),
            shutting_down: AtomicBool::new(false),
        }
    }

    /// The consumer loop is turning.
    pub fn beat(&self) {
        self.beat_ms
            .store(self.start.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    /// The group gave this consumer an assignment (possibly empty: more
    /// consumers than partitions).
    pub fn joined(&self) {
        self.joined.store(true, Ordering::Relaxed);
    }

    pub fn begin_shutdown(&self) {
        self.shutting_down.store(true, Ordering::Relaxed);
    }

    /// Alive unless the consumer loop stopped turning.
    pub fn liveness(&self) -> Result<(), String> {
        let now = self.start.elapsed().as_millis() as u64;
        let silent =
            Duration::from_millis(now.saturating_sub(self.beat_ms.load(Ordering::Relaxed)));
        if silent > STALL {
            Err(format!(
                "the consumer loop has been stuck for {} s",
                silent.as_secs()
            ))
        } else {
            Ok(())
        }
    }

    /// Ready once the consumer joined its group, until shutdown begins.
    pub fn readiness(&self) -> Result<(), &'static str> {
        if self.shutting_down.load(Ordering::Relaxed) {
            Err("shutting down")
        } else if !self.joined.load(Ordering::Relaxed) {
            Err("not in the consumer group yet")
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_after_joining_until_shutdown() {
        let health = Health::new();
        assert!(health.liveness().is_ok());
        assert_eq!(health.readiness(), Err("not in the consumer group yet"));
        health.joined();
        assert_eq!(health.readiness(), Ok(()));
        health.begin_shutdown();
        assert_eq!(health.readiness(), Err("shutting down"));
    }
}
