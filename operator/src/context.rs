//! State shared by every reconcile: the client, one event recorder, the
//! default images, the caches of what the operator owns, and the back-off of
//! failing HelloApis.

use kube::Client;
use kube::runtime::events::{Recorder, Reporter};

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::build::{ClusterEndpoints, DefaultImages};
use crate::fargate::FargateProfiles;
use crate::metrics::Metrics;
use crate::owned::{LastApplies, OwnedCaches, OwnedKind, OwnedWriters};
use crate::reconcile::apply::Known;

/// The field manager of every server-side apply; one owner for all fields.
pub const FIELD_MANAGER: &str = "hello-operator";

pub struct Context {
    pub client: Client,
    pub recorder: Recorder,
    pub images: DefaultImages,
    /// Where the apiserver and DNS are, for the NetworkPolicies.
    pub cluster: ClusterEndpoints,
    pub metrics: Arc<Metrics>,
    /// Set with `--eks-cluster-name`: checks Fargate profiles for `compute: fargate`.
    pub fargate: Option<FargateProfiles>,
    /// What exists of each owned kind, filled by the controller's watches.
    pub owned: OwnedCaches,
    /// Their writers, until `controller::run` takes them.
    writers: Mutex<Option<OwnedWriters>>,
    /// What this operator's last apply of each child sent and got back;
    /// shared with the watches, which drop the echoes of those applies.
    pub applied: Arc<LastApplies>,
    /// Failed reconciles in a row, per HelloApi uid.
    failures: Mutex<HashMap<String, u32>>,
    /// When this context was made: the operator's start.
    pub started: Instant,
}

/// The first retry of a failed reconcile; each further failure doubles it.
pub const FIRST_RETRY: Duration = Duration::from_secs(2);
/// The longest wait between retries.
pub const MAX_RETRY: Duration = Duration::from_secs(300);

impl Context {
    /// Adds the Fargate profile check.
    pub fn with_fargate(mut self, fargate: FargateProfiles) -> Context {
        self.fargate = Some(fargate);
        self
    }

    pub fn new(client: Client, images: DefaultImages, instance: Option<String>) -> Context {
        let reporter = Reporter {
            controller: FIELD_MANAGER.to_string(),
            instance,
        };
        let (owned, writers) = OwnedCaches::new();
        Context {
            recorder: Recorder::new(client.clone(), reporter),
            client,
            images,
            cluster: ClusterEndpoints::default(),
            metrics: Arc::default(),
            fargate: None,
            owned,
            writers: Mutex::new(Some(writers)),
            applied: Arc::default(),
            failures: Mutex::default(),
            started: Instant::now(),
        }
    }

    /// The writers of [`Context::owned`]; `None` once taken (one controller
    /// fills one context's caches).
    pub fn take_writers(&self) -> Option<OwnedWriters> {
        self.writers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }

    /// What the cache knows of a child, or `Unknown` while it fills.
    pub fn cached_version<K: OwnedKind>(&self, namespace: &str, name: &str) -> Known {
        if !self.owned.ready() {
            return Known::Unknown;
        }
        self.owned.resource_version::<K>(namespace, name).into()
    }

    /// Counts a failed reconcile of `uid` and returns how long to wait
    /// before the next: doubling from [`FIRST_RETRY`] up to [`MAX_RETRY`].
    pub fn retry_after_failure(&self, uid: &str) -> Duration {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let count = failures.entry(uid.to_string()).or_default();
        *count = count.saturating_add(1);
        backoff(*count)
    }

    /// Forgets what it holds of HelloApis that are gone (their children go
    /// with them).
    pub fn forget_all_but(&self, live: &std::collections::HashSet<String>) {
        self.applied.retain_owners(|uid| live.contains(uid));
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.retain(|uid, _| live.contains(uid));
    }

    /// Forgets the failures of `uid` after a reconcile that succeeded.
    pub fn succeeded(&self, uid: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.remove(uid);
    }
}

/// The wait after `failures` failures in a row.
fn backoff(failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1).min(16);
    FIRST_RETRY.saturating_mul(1 << doublings).min(MAX_RETRY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_double_from_two_seconds_up_to_five_minutes() {
        let waits: Vec<u64> = (1..=10).map(|n| backoff(n).as_secs()).collect();
        assert_eq!(waits, [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
        assert_eq!(backoff(u32::MAX), MAX_RETRY);
    }
}
