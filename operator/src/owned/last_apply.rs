//! What the operator's last apply of each child sent and got back, and
//! whether the apiserver, as the watches show it, still holds that.

use std::collections::HashMap;
use std::sync::Mutex;

use kube::runtime::reflector::ObjectRef;
use kube::{Resource, ResourceExt};

use super::{ChildKey, OwnedCaches, OwnedKind};

/// What this operator's last apply of one child sent and got back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LastApply {
    /// A hash of the object sent: a new spec sends a new object.
    pub sent: u64,
    /// The resourceVersion it returned. The caches trail the apiserver by a
    /// watch event, so right after an apply they may still hold the one
    /// before it.
    pub version: String,
    /// The `metadata.generation` it returned.
    pub generation: Option<i64>,
}

/// Kinds whose generation counts every change of their spec while another
/// controller writes their status: the Deployment controller, the
/// disruption controller, an ingress controller. A new resourceVersion at the
/// same generation is a status (or someone else's metadata), not a spec edit.
pub(super) fn generation_counts_spec(kind: &str) -> bool {
    matches!(
        kind,
        "Deployment" | "PodDisruptionBudget" | "Ingress" | "NetworkPolicy"
    )
}

impl OwnedCaches {
    /// Whether the apiserver, as the watch last saw it, still holds what the
    /// last apply of `desired` wrote: the same resourceVersion, or the same
    /// generation of a kind whose generation counts spec edits, with the
    /// operator's labels and owner reference in place. Then applying
    /// `desired` again would change nothing. Annotations are not cached, so
    /// a child with annotations of its own needs the same resourceVersion.
    pub fn holds_as_applied<K: OwnedKind>(
        &self,
        namespace: &str,
        desired: &K,
        last: &LastApply,
    ) -> bool {
        let key = ObjectRef::new(&desired.name_any()).within(namespace);
        let Some(cached) = K::cache(self).get(&key) else {
            return false;
        };
        let seen = cached.meta();
        if seen.resource_version.as_ref() == Some(&last.version) {
            return true;
        }
        let wanted = desired.meta();
        let labels = seen.labels.clone().unwrap_or_default();
        let owners = seen.owner_references.as_deref().unwrap_or_default();
        generation_counts_spec(<K as k8s_openapi::Resource>::KIND)
            && last.generation.is_some()
            && seen.generation == last.generation
            && wanted.annotations.as_ref().is_none_or(|a| a.is_empty())
            && wanted
                .labels
                .iter()
                .flatten()
                .all(|(k, v)| labels.get(k) == Some(v))
            && wanted
                .owner_references
                .iter()
                .flatten()
                .all(|o| owners.contains(o))
    }
}

/// What the last apply of each child did, per HelloApi uid.
#[derive(Default)]
pub struct LastApplies {
    by_owner: Mutex<HashMap<String, HashMap<ChildKey, LastApply>>>,
}

impl LastApplies {
    pub fn get(&self, owner_uid: &str, child: &ChildKey) -> Option<LastApply> {
        let by_owner = self.by_owner.lock().unwrap_or_else(|e| e.into_inner());
        by_owner.get(owner_uid)?.get(child).cloned()
    }

    pub fn set(&self, owner_uid: &str, child: ChildKey, last: Option<LastApply>) {
        let mut by_owner = self.by_owner.lock().unwrap_or_else(|e| e.into_inner());
        let children = by_owner.entry(owner_uid.to_string()).or_default();
        match last {
            Some(last) => children.insert(child, last),
            None => children.remove(&child),
        };
    }

    /// Whether `seen` is the object as this operator's last apply of it
    /// returned it, by the resourceVersion.
    pub fn wrote<K: OwnedKind>(&self, seen: &K::Cached) -> bool {
        let Some(owner) = seen
            .owner_references()
            .iter()
            .find(|o| o.controller == Some(true))
        else {
            return false;
        };
        let child = (<K as k8s_openapi::Resource>::KIND, seen.name_any());
        let by_owner = self.by_owner.lock().unwrap_or_else(|e| e.into_inner());
        by_owner
            .get(&owner.uid)
            .and_then(|children| children.get(&child))
            .is_some_and(|last| seen.meta().resource_version.as_ref() == Some(&last.version))
    }

    /// Forgets the HelloApis that are gone (their children go with them).
    pub fn retain_owners(&self, live: impl Fn(&str) -> bool) {
        let mut by_owner = self.by_owner.lock().unwrap_or_else(|e| e.into_inner());
        by_owner.retain(|uid, _| live(uid));
    }
}
