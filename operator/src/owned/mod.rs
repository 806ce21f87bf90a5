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

mod cached;
mod last_apply;

pub use cached::CachedChild;
pub use last_apply::{LastApplies, LastApply};

use std::collections::BTreeSet;
use std::fmt::Debug;
use std::sync::Arc;

use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt, TryStreamExt};
use k8s_openapi::NamespaceResourceScope;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Service, ServiceAccount};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use kube::api::{DeleteParams, PartialObjectMeta};
use kube::runtime::reflector::{self, ObjectRef, Store};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, Client, Resource, ResourceExt};
use serde::Serialize;
use serde::de::DeserializeOwned;

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
