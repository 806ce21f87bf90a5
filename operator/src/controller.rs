//! The controller: watches HelloApis and every kind they own, so a deleted or
//! hand-edited child is put back within seconds.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

use futures::{FutureExt, StreamExt};
use k8s_openapi::NamespaceResourceScope;
use k8s_openapi::api::core::v1::Pod;
use kube::core::{DeserializeGuard, PartialObjectMeta};
use kube::runtime::reflector::{self, ObjectRef};
use kube::runtime::{Controller, WatchStreamExt, controller, watcher};
use kube::{Api, Client, Resource};
use serde::de::DeserializeOwned;
use tracing::{debug, info, warn};

use hello_crds::HelloApi;

use crate::Context;
use crate::build::{INSTANCE_LABEL, MANAGED_BY, MANAGED_BY_LABEL};
use crate::leader::LeaderElector;
use crate::owned;
use crate::reconcile::{error_policy, helloapis, reconcile};

/// What the controller watches and how many resources it reconciles at once.
#[derive(Clone, Debug)]
pub struct Options {
    /// Only this namespace; `None` watches all.
    pub namespace: Option<String>,
    /// Reconciles in flight at once. Bounded, because after a restart every
    /// resource is due at the same moment, and each reconcile holds a
    /// connection and its buffers while it waits on the apiserver.
    pub max_concurrent_reconciles: u16,
}

/// The default of `--max-concurrent-reconciles`.
pub const DEFAULT_MAX_CONCURRENT_RECONCILES: u16 = 16;

impl Options {
    pub fn namespace(namespace: Option<String>) -> Options {
        Options {
            namespace,
            max_concurrent_reconciles: DEFAULT_MAX_CONCURRENT_RECONCILES,
        }
    }
}

/// Runs until SIGTERM or SIGINT, then lets the reconciles in flight finish.
pub async fn run(client: Client, options: Options, ctx: Arc<Context>) {
    let ns = options.namespace.as_deref();
    // Owned objects are watched by label, so the cache holds only ours.
    let managed = format!("{MANAGED_BY_LABEL}={MANAGED_BY}");
    let owned = listed_in_pages().labels(&managed);
    let stop = hello_process::wait_for_signal().shared();
    let writers = ctx
        .take_writers()
        .expect("one controller::run per Context: it fills the Context's caches");
    let (reader, writer) = reflector::store();
    let triggers = watcher(
        helloapis(client.clone(), ns),
        listed_in_pages().any_semantic(),
    )
    // Nothing reads a HelloApi's managed fields or annotations (kubectl's
    // and Argo CD's client-side apply leave the whole object in one), and at
    // thousands of HelloApis they would be a large share of the cache.
    .modify(|guard| {
        let meta = guard.meta_mut();
        meta.managed_fields = None;
        meta.annotations = None;
    })
    .reflect(writer)
    .applied_objects()
    .predicate_filter(acted_on, Default::default());
    let controller = Controller::for_stream(triggers, reader);
    let controller = owned::watch_all(controller, writers, &ctx.applied, &client, ns, &owned)
        // Pods only wake their HelloApi: a pod that cannot pull its image or
        // keeps crashing changes no field of its Deployment. Their metadata
        // says which HelloApi; the reconcile lists what it needs of them.
        .watches_stream(
            watcher(scoped::<PartialObjectMeta<Pod>>(&client, ns), owned).touched_objects(),
            |pod: PartialObjectMeta<Pod>| {
                let name = pod.metadata.labels.as_ref()?.get(INSTANCE_LABEL)?.clone();
                Some(ObjectRef::new(&name).within(pod.metadata.namespace.as_deref()?))
            },
        )
        .with_config(controller::Config::default().concurrency(options.max_concurrent_reconciles))
        .graceful_shutdown_on(stop.clone().map(|_| ()));
    // kube-runtime holds its runner until the HelloApi cache has its first
    // list, and a graceful shutdown stops the watches that would fill it: a
    // signal in that window would wait forever. Nothing reconciles before
    // that list, so then there is nothing to drain and it stops at once.
    let store = controller.store();
    let forget_the_gone = forget_the_gone(store.clone(), ctx.clone());
    let before_first_list = async move {
        let signal = stop.await;
        if store.wait_until_ready().now_or_never().is_none() {
            info!(signal, "stopping before the first list of HelloApis");
        } else {
            std::future::pending::<()>().await;
        }
    };
    let reconciles = controller
        .run(reconcile, error_policy, ctx)
        .for_each(|result| async move {
            match result {
                Ok((object, _)) => debug!(helloapi = %object.name, "reconciled"),
                Err(err) => warn!(error = %err, "reconcile error"),
            }
        });
    tokio::select! {
        () = reconciles => {}
        () = before_first_list => {}
        () = forget_the_gone => {}
    }
}

/// Objects per page of a watch's list. A page is held whole, decoded and
/// untrimmed, until its objects reach their caches: kube-runtime's default
/// of 500 full Deployments, one page for each kind listed at a start, was
/// the peak of the operator's memory after a restart.
const LIST_PAGE: u32 = 100;

fn listed_in_pages() -> watcher::Config {
    watcher::Config::default().page_size(LIST_PAGE)
}

/// What a reconcile acts on, hashed: a HelloApi's spec (its generation),
/// its deletion and its identity. The operator's own status writes change
/// none of these, so they wake nothing. One that does not deserialize wakes
/// on every change, so repairing its status is seen.
fn acted_on(guard: &DeserializeGuard<HelloApi>) -> Option<u64> {
    let meta = guard.meta();
    let mut hasher = DefaultHasher::new();
    match &guard.0 {
        Ok(_) => (
            &meta.uid,
            meta.generation,
            meta.deletion_timestamp.is_some(),
        )
            .hash(&mut hasher),
        Err(_) => (&meta.uid, &meta.resource_version).hash(&mut hasher),
    }
    Some(hasher.finish())
}

/// Every resync, drops what the context holds of HelloApis that are gone:
/// the controller does not reconcile a deleted object, so nothing else would.
async fn forget_the_gone(store: reflector::Store<DeserializeGuard<HelloApi>>, ctx: Arc<Context>) {
    let mut every = tokio::time::interval(crate::reconcile::RESYNC);
    loop {
        every.tick().await;
        let live = store
            .state()
            .iter()
            .filter_map(|guard| guard.0.as_ref().ok()?.metadata.uid.clone())
            .collect();
        ctx.forget_all_but(&live);
    }
}

fn scoped<K>(client: &Client, namespace: Option<&str>) -> Api<K>
where
    K: Resource<Scope = NamespaceResourceScope, DynamicType = ()>
        + Clone
        + DeserializeOwned
        + std::fmt::Debug,
{
    match namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    }
}

/// Runs the controller only while `elector` holds the Lease. Returns
/// `Ok(true)` after a clean shutdown (Lease released) and `Ok(false)` when
/// leadership was lost, in which case the process should exit and restart.
pub async fn run_as_leader(
    client: Client,
    options: Options,
    ctx: Arc<Context>,
    elector: &LeaderElector,
) -> Result<bool, kube::Error> {
    tokio::select! {
        acquired = elector.acquire() => acquired?,
        _ = hello_process::wait_for_signal() => return Ok(true),
    }
    info!("acquired the leader Lease; reconciling");
    let clean = tokio::select! {
        _ = run(client, options, ctx) => true,
        _ = elector.keep_renewing() => false,
    };
    if clean {
        elector.release().await?;
        info!("released the leader Lease");
    } else {
        warn!("lost the leader Lease; stopping");
    }
    Ok(clean)
}
