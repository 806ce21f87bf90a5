//! What the operator owns, as one table of child kinds. The table drives the
//! controller's watches, a cache per kind (what exists, so apply can tell a
//! create from an update without a GET, and skip a child nobody changed
//! since its last apply; for Deployments and Ingresses also their status, so
//! a reconcile woken by a status reads it without a GET), and prune (what
//! this HelloApi controls that the spec no longer asks for).
//!
//! Apply takes only kinds of this table ([`OwnedKind`]), so a new field of
//! `Children` of a new kind does not compile until the kind is listed here,
//! and then it is watched and pruned like the others.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Debug;
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt, TryStreamExt};
use k8s_openapi::NamespaceResourceScope;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{
    ConfigMap, Container, PodSpec, PodTemplateSpec, Service, ServiceAccount,
};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use kube::api::{DeleteParams, PartialObjectMeta};
use kube::runtime::reflector::{self, ObjectRef, Store};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, Client, Resource, ResourceExt};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::reconcile::rollout::REVISION;

/// A child kind of the table: namespaced, typed, and with its own cache.
pub trait OwnedKind:
    k8s_openapi::Resource<Scope = NamespaceResourceScope>
    + Resource<Scope = NamespaceResourceScope, DynamicType = ()>
    + Clone
    + Debug
    + Serialize
    + DeserializeOwned
    + Send
    + Sync
    + 'static
{
    /// What its cache keeps of each object.
    type Cached: CachedChild<Self>;
    fn cache(caches: &OwnedCaches) -> &Store<Self::Cached>;
}

/// What a cache keeps of one child of kind `K`: its metadata, or, for the
/// kinds whose status a reconcile reads, the object, trimmed.
pub trait CachedChild<K>:
    Resource<Scope = NamespaceResourceScope, DynamicType = ()>
    + Clone
    + Debug
    + DeserializeOwned
    + Send
    + Sync
    + 'static
{
    /// Drops what nothing reads before it is cached: at thousands of
    /// children, managed fields and pod templates would be most of the
    /// memory.
    fn trim(&mut self);

    /// The child, status included, as the watch last saw it; `None` where
    /// the cache keeps only metadata.
    fn object(&self) -> Option<K>;
}

impl<K> CachedChild<K> for PartialObjectMeta<K>
where
    K: Resource<Scope = NamespaceResourceScope, DynamicType = ()>
        + Clone
        + Debug
        + DeserializeOwned
        + Send
        + Sync
        + 'static,
{
    fn trim(&mut self) {
        self.metadata.managed_fields = None;
        self.metadata.annotations = None;
        // Only kinds whose generation counts spec edits compare labels
        // (`holds_as_applied`); the others compare resourceVersions.
        if !generation_counts_spec(&K::kind(&())) {
            self.metadata.labels = None;
        }
    }

    fn object(&self) -> Option<K> {
        None
    }
}

/// What the rollout status reads of a Deployment: its metadata (the
/// revision annotation among them), replicas, selector, the first
/// container's image, and the status.
impl CachedChild<Deployment> for Deployment {
    fn trim(&mut self) {
        self.metadata.managed_fields = None;
        if let Some(annotations) = self.metadata.annotations.as_mut() {
            annotations.retain(|key, _| key == REVISION);
        }
        if let Some(spec) = self.spec.as_mut() {
            let first = spec
                .template
                .spec
                .as_mut()
                .and_then(|pod| pod.containers.drain(..).next());
            spec.template = PodTemplateSpec {
                metadata: None,
                spec: first.map(|container| PodSpec {
                    containers: vec![Container {
                        name: container.name,
                        image: container.image,
                        ..Container::default()
                    }],
                    ..PodSpec::default()
                }),
            };
        }
    }

    fn object(&self) -> Option<Deployment> {
        Some(self.clone())
    }
}

/// What the status reads of an Ingress: its load balancer's address.
impl CachedChild<Ingress> for Ingress {
    fn trim(&mut self) {
        self.metadata.managed_fields = None;
        self.metadata.annotations = None;
    }

    fn object(&self) -> Option<Ingress> {
        Some(self.clone())
    }
}

/// One child the apply step wrote: its kind and name.
pub type ChildKey = (&'static str, String);

/// An object a HelloApi controls that the spec no longer asks for, and the
/// call that deletes it (`Ok(false)`: it was already gone).
pub struct Orphan {
    pub kind: &'static str,
    pub name: String,
    pub delete: BoxFuture<'static, Result<bool, kube::Error>>,
}

macro_rules! owned_kinds {
    ($($kind:ty => $field:ident: $cached:ty),+ $(,)?) => {
        /// Every object of each owned kind that carries the operator's
        /// label, as the watches last saw it ([`CachedChild`]).
        pub struct OwnedCaches {
            $($field: Store<$cached>,)+
        }

        /// The writing halves of [`OwnedCaches`], moved into the watches.
        pub struct OwnedWriters {
            $(pub $field: reflector::store::Writer<$cached>,)+
        }

        $(impl OwnedKind for $kind {
            type Cached = $cached;
            fn cache(caches: &OwnedCaches) -> &Store<$cached> {
                &caches.$field
            }
        })+

        #[cfg(test)]
        impl OwnedWriters {
            /// Marks every cache listed, as the watches' first list would.
            pub fn listed(&mut self) {
                $(self.$field.apply_watcher_event(&watcher::Event::InitDone);)+
            }

            /// Puts `object`, of the kind named `plural`, into its cache, as
            /// its watch event would.
            pub fn saw(&mut self, plural: &str, object: serde_json::Value) {
                $(if plural == <$kind as Resource>::plural(&()) {
                    let mut cached: $cached = serde_json::from_value(object).unwrap();
                    cached.trim();
                    self.$field.apply_watcher_event(&watcher::Event::Apply(cached));
                    return;
                })+
                panic!("not an owned kind: {plural}");
            }
        }

        impl OwnedCaches {
            pub fn new() -> (OwnedCaches, OwnedWriters) {
                $(let $field = reflector::store();)+
                (
                    OwnedCaches { $($field: $field.0,)+ },
                    OwnedWriters { $($field: $field.1,)+ },
                )
            }

            /// Whether every cache has had its first list: only then does a
            /// missing object mean it does not exist.
            pub fn ready(&self) -> bool {
                true $(&& matches!(self.$field.wait_until_ready().now_or_never(), Some(Ok(()))))+
            }

            /// Objects in `namespace` whose controller is `owner_uid` and that
            /// are not in `kept`.
            pub fn orphans(
                &self,
                client: &Client,
                namespace: &str,
                owner_uid: &str,
                kept: &BTreeSet<ChildKey>,
            ) -> Vec<Orphan> {
                let mut orphans = Vec::new();
                $(orphans.extend(orphans_of::<$kind>(&self.$field, client, namespace, owner_uid, kept));)+
                orphans
            }
        }

        /// Adds a trigger for every owned kind to `controller`: a change of a
        /// child wakes the HelloApi that controls it, and lands in its cache.
        /// The echo of the operator's own apply lands in the cache but wakes
        /// nothing: the reconcile that applied it saw the same object.
        pub fn watch_all<K>(
            mut controller: kube::runtime::Controller<K>,
            writers: OwnedWriters,
            applied: &Arc<LastApplies>,
            client: &Client,
            namespace: Option<&str>,
            config: &watcher::Config,
        ) -> kube::runtime::Controller<K>
        where
            K: Resource<DynamicType = ()> + Clone + Debug + DeserializeOwned + Send + Sync + 'static,
        {
            $(controller = controller.owns_stream(cached::<$kind>(writers.$field, applied.clone(), client, namespace, config));)+
            controller
        }
    };
}

// The table: each kind, its cache, and what the cache keeps. ServiceAccounts
// are the API's and the consumer's; Deployments likewise.
owned_kinds! {
    ConfigMap => config_maps: PartialObjectMeta<ConfigMap>,
    ServiceAccount => service_accounts: PartialObjectMeta<ServiceAccount>,
    Role => roles: PartialObjectMeta<Role>,
    RoleBinding => role_bindings: PartialObjectMeta<RoleBinding>,
    Deployment => deployments: Deployment,
    Service => services: PartialObjectMeta<Service>,
    Ingress => ingresses: Ingress,
    PodDisruptionBudget => pod_disruption_budgets: PartialObjectMeta<PodDisruptionBudget>,
    NetworkPolicy => network_policies: PartialObjectMeta<NetworkPolicy>,
}

impl OwnedCaches {
    /// The resourceVersion the cache holds for `name`, if it has the object.
    pub fn resource_version<K: OwnedKind>(&self, namespace: &str, name: &str) -> Option<String> {
        let key = ObjectRef::new(name).within(namespace);
        K::cache(self).get(&key)?.resource_version()
    }

    /// The child with its status, where its kind's cache keeps objects.
    pub fn object<K: OwnedKind>(&self, namespace: &str, name: &str) -> Option<K> {
        let key = ObjectRef::new(name).within(namespace);
        K::cache(self).get(&key)?.object()
    }
}

/// The watch of one kind, filling `writer`, trimmed before it is cached.
fn cached<K: OwnedKind>(
    writer: reflector::store::Writer<K::Cached>,
    applied: Arc<LastApplies>,
    client: &Client,
    namespace: Option<&str>,
    config: &watcher::Config,
) -> impl futures::Stream<Item = Result<K::Cached, watcher::Error>> + Send + 'static {
    // An Api of PartialObjectMeta<K> makes metadata-only requests; an Api
    // of K (Deployments, Ingresses) whole objects.
    let api: Api<K::Cached> = match namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    };
    watcher(api, config.clone())
        .default_backoff()
        .modify(|cached: &mut K::Cached| CachedChild::<K>::trim(cached))
        .reflect(writer)
        .touched_objects()
        .try_filter(move |seen| futures::future::ready(!applied.wrote::<K>(seen)))
        .boxed()
}

fn orphans_of<K: OwnedKind>(
    cache: &Store<K::Cached>,
    client: &Client,
    namespace: &str,
    owner_uid: &str,
    kept: &BTreeSet<ChildKey>,
) -> Vec<Orphan> {
    let kind = <K as k8s_openapi::Resource>::KIND;
    cache
        .state()
        .into_iter()
        .filter(|meta| meta.meta().namespace.as_deref() == Some(namespace))
        .filter(|meta| meta.meta().deletion_timestamp.is_none())
        .filter(|meta| {
            meta.owner_references()
                .iter()
                .any(|o| o.controller == Some(true) && o.uid == owner_uid)
        })
        .filter(|meta| !kept.contains(&(kind, meta.name_any())))
        .map(|meta| {
            let name = meta.name_any();
            let api = Api::<K>::namespaced(client.clone(), namespace);
            let target = name.clone();
            let delete = async move {
                match api.delete(&target, &DeleteParams::background()).await {
                    Ok(_) => Ok(true),
                    Err(kube::Error::Api(status)) if status.code == 404 => Ok(false),
                    Err(err) => Err(err),
                }
            }
            .boxed();
            Orphan { kind, name, delete }
        })
        .collect()
}

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
fn generation_counts_spec(kind: &str) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::fixtures::{FULL, helloapi, images};
    use serde_json::json;

    #[test]
    fn a_cached_deployment_keeps_what_the_rollout_status_reads_and_no_pod_template() {
        let api = helloapi(FULL);
        let built = crate::build::children(&api, &images(), &Default::default())
            .unwrap()
            .deployment;
        let mut seen = serde_json::to_value(&built).unwrap();
        seen["metadata"]["annotations"] = json!({REVISION: "3", "other": "x"});
        seen["metadata"]["managedFields"] = json!([{"manager": "hello-operator"}]);
        seen["status"] = json!({"observedGeneration": 2, "replicas": 2, "readyReplicas": 1});
        let full: Deployment = serde_json::from_value(seen).unwrap();
        let mut cached = full.clone();
        cached.trim();

        assert_eq!(cached.status, full.status);
        assert_eq!(cached.metadata.generation, full.metadata.generation);
        assert_eq!(cached.metadata.managed_fields, None);
        assert_eq!(
            cached.metadata.annotations,
            Some([(REVISION.to_string(), "3".to_string())].into())
        );
        let (spec, full_spec) = (cached.spec.unwrap(), full.spec.unwrap());
        assert_eq!(spec.replicas, full_spec.replicas);
        assert_eq!(spec.selector, full_spec.selector);
        let template_bytes = serde_json::to_vec(&spec.template).unwrap().len();
        let pod = spec.template.spec.unwrap();
        let full_pod = full_spec.template.spec.unwrap();
        assert_eq!(pod.containers.len(), 1);
        assert_eq!(pod.containers[0].image, full_pod.containers[0].image);
        assert_eq!(pod.containers[0].env, None);
        assert!(full_pod.containers[0].env.is_some());
        assert_eq!(pod.volumes, None);
        assert!(template_bytes < 200, "{template_bytes} bytes");
    }

    #[test]
    fn cached_metadata_keeps_labels_only_where_a_generation_is_compared() {
        let seen = |kind: &str| {
            json!({"apiVersion": "v1", "kind": kind, "metadata": {
                "name": "demo", "namespace": "ns", "resourceVersion": "7", "generation": 2,
                "labels": {"app.kubernetes.io/managed-by": "hello-operator"},
                "annotations": {"a": "b"}, "managedFields": [{"manager": "hello-operator"}]}})
        };
        let mut config_map: PartialObjectMeta<ConfigMap> =
            serde_json::from_value(seen("ConfigMap")).unwrap();
        config_map.trim();
        let mut pdb: PartialObjectMeta<PodDisruptionBudget> =
            serde_json::from_value(seen("PodDisruptionBudget")).unwrap();
        pdb.trim();

        assert_eq!(config_map.metadata.labels, None);
        assert_eq!(config_map.metadata.resource_version.as_deref(), Some("7"));
        let labels = pdb
            .metadata
            .labels
            .as_ref()
            .expect("a PDB's labels are compared");
        assert_eq!(labels["app.kubernetes.io/managed-by"], "hello-operator");
        for meta in [&config_map.metadata, &pdb.metadata] {
            assert_eq!(meta.managed_fields, None);
            assert_eq!(meta.annotations, None);
        }
    }
}
