//! What every request handler shares.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::access_log::AccessLog;
use crate::config::ConfigStore;
use crate::events::EventSink;
use crate::metrics::Metrics;

/// The state of the running API.
pub struct AppState {
    pub config: Arc<ConfigStore>,
    pub metrics: Arc<Metrics>,
    pub events: Option<Arc<EventSink>>,
    pub access_log: Option<Arc<AccessLog>>,
    pub request_ids: RequestIds,
    shutting_down: AtomicBool,
}

impl AppState {
    pub fn new(
        config: Arc<ConfigStore>,
        metrics: Arc<Metrics>,
        events: Option<Arc<EventSink>>,
        access_log: Option<Arc<AccessLog>>,
    ) -> Self {
        Self {
            config,
            metrics,
            events,
            access_log,
            request_ids: RequestIds::new(),
            shutting_down: AtomicBool::new(false),
        }
    }

    /// Ready: a configuration is loaded and no shutdown has begun.
    pub fn readiness(&self) -> Result<(), &'static str> {
        if self.shutting_down.load(Ordering::Relaxed) {
            Err("shutting down")
        } else if !self.config.is_loaded() {
            Err("no configuration loaded yet")
        } else {
            Ok(())
        }
    }

    pub fn begin_shutdown(&self) {
        self.shutting_down.store(true, Ordering::Relaxed);
    }
}

/// Request ids: the caller's `X-Request-Id` when it is sane, else
/// `<process prefix>-<counter>`, unique per process and cheap to make.
pub struct RequestIds {
    prefix: String,
    counter: AtomicU64,
}

/// The longest caller-supplied request id that is kept.
pub const MAX_REQUEST_ID_LEN: usize = 128;

impl Default for RequestIds {
    fn default() -> Self {
        Self::new()
    }
}

impl RequestIds {
    pub fn new() -> Self {
        // RandomState is seeded from the OS: a random prefix without a crate.
        let seed = RandomState::new().build_hasher().finish();
        Self {
            prefix: format!("{:08x}", seed as u32),
            counter: AtomicU64::new(1),
        }
    }

    /// The id for a request that carried `incoming` (the header's bytes).
    pub fn for_request(&self, incoming: Option<&[u8]>) -> String {
        match incoming {
            Some(id) if is_sane_request_id(id) => String::from_utf8_lossy(id).into_owned(),
            _ => {
                let n = self.counter.fetch_add(1, Ordering::Relaxed);
                format!("{}-{n:x}", self.prefix)
            }
        }
    }
}

fn is_sane_request_id(id: &[u8]) -> bool {
    (1..=MAX_REQUEST_ID_LEN).contains(&id.len()) && id.iter().all(|b| b.is_ascii_graphic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_callers_ids_are_kept_when_sane() {
        let ids = RequestIds::new();
        let a = ids.for_request(None);
        let b = ids.for_request(None);
        assert_ne!(a, b);
        assert_eq!(ids.for_request(Some(b"abc-123")), "abc-123");
        assert_ne!(ids.for_request(Some(b"has space")), "has space");
        assert_ne!(ids.for_request(Some(&[b'x'; 129])).len(), 129);
        assert_ne!(ids.for_request(Some(b"")), "");
    }
}
