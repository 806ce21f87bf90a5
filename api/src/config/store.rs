use std::sync::{Arc, Mutex};

use arc_swap::ArcSwapOption;

use super::parse::{Config, ConfigError, parse_config};
use crate::metrics::Metrics;

/// The configuration being served. Requests take a snapshot with
/// [`ConfigStore::current`]; a reload swaps the whole value at once, so a
/// request sees the old or the new configuration, never a mix.
pub struct ConfigStore {
    current: ArcSwapOption<Config>,
    // The text of the last document applied, so unchanged reloads are no-ops.
    last_text: Mutex<Option<String>>,
    metrics: Arc<Metrics>,
}

impl ConfigStore {
    /// A store with nothing loaded yet (not ready).
    pub fn empty(metrics: Arc<Metrics>) -> Self {
        Self {
            current: ArcSwapOption::empty(),
            last_text: Mutex::new(None),
            metrics,
        }
    }

    /// A store serving `config` from the start.
    pub fn with(config: Config, metrics: Arc<Metrics>) -> Self {
        metrics.config_loaded(config.responses.len());
        Self {
            current: ArcSwapOption::from_pointee(config),
            last_text: Mutex::new(None),
            metrics,
        }
    }

    /// The served configuration, or `None` before the first good one.
    pub fn current(&self) -> Option<Arc<Config>> {
        self.current.load_full()
    }

    /// A cheap snapshot for the request path (no reference-count traffic).
    pub fn snapshot(&self) -> arc_swap::Guard<Option<Arc<Config>>> {
        self.current.load()
    }

    pub fn is_loaded(&self) -> bool {
        self.current.load().is_some()
    }

    /// Parses and validates `text`; serves it when good. A bad document is
    /// logged and counted, and the last good configuration keeps serving.
    /// Returns whether a new configuration is now served.
    pub fn apply(&self, text: &str, origin: &str) -> Result<bool, ConfigError> {
        let mut last = self
            .last_text
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if last.as_deref() == Some(text) && self.is_loaded() {
            return Ok(false);
        }
        match parse_config(text) {
            Ok(config) => {
                let responses = config.responses.len();
                self.current.store(Some(Arc::new(config)));
                *last = Some(text.to_string());
                self.metrics.config_loaded(responses);
                tracing::info!(origin, responses, "configuration loaded");
                Ok(true)
            }
            Err(error) => {
                // Remember the refused text too: it is not retried until it changes.
                *last = Some(text.to_string());
                self.refused(origin, &error.to_string());
                Err(error)
            }
        }
    }

    /// Records a configuration that could not even be read.
    pub fn refused(&self, origin: &str, reason: &str) {
        self.metrics.config_refused();
        tracing::error!(
            origin,
            error = reason,
            still_serving = if self.is_loaded() {
                "the last good configuration"
            } else {
                "nothing (not ready)"
            },
            "configuration refused"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_document_keeps_the_last_good_one() {
        let metrics = Arc::new(Metrics::new());
        let store = ConfigStore::empty(metrics.clone());
        assert!(!store.is_loaded());
        assert!(
            store
                .apply("responses: {/a: {message: one}}", "test")
                .unwrap()
        );
        assert!(
            store
                .apply("responses: {/a: {status: 9, message: two}}", "test")
                .is_err()
        );
        let served = store.current().unwrap();
        assert_eq!(&served.responses["/a"].body[..], br#"{"message":"one"}"#);
        let text = metrics.render();
        assert!(text.contains("hello_config_reloads_total 1"), "{text}");
        assert!(
            text.contains("hello_config_reload_failures_total 1"),
            "{text}"
        );
    }

    #[test]
    fn an_unchanged_document_is_not_reapplied() {
        let store = ConfigStore::empty(Arc::new(Metrics::new()));
        assert!(store.apply("greeting: hi", "test").unwrap());
        assert!(!store.apply("greeting: hi", "test").unwrap());
        assert!(store.apply("greeting: ho", "test").unwrap());
    }

    #[test]
    fn a_bad_first_document_leaves_the_store_not_ready() {
        let store = ConfigStore::empty(Arc::new(Metrics::new()));
        assert!(store.apply("", "test").is_err());
        assert!(!store.is_loaded());
        assert!(store.current().is_none());
    }

    #[test]
    fn a_snapshot_outlives_a_swap() {
        let store = ConfigStore::empty(Arc::new(Metrics::new()));
        store.apply("greeting: old {name}", "test").unwrap();
        let snapshot = store.current().unwrap();
        store.apply("greeting: new {name}", "test").unwrap();
        assert_eq!(snapshot.greeting.template(), "old {name}");
        assert_eq!(store.current().unwrap().greeting.template(), "new {name}");
    }
}
