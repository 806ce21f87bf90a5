//! The ReplicaSets and pods of a Deployment, listed by its selector, for the
//! rollout's status. Listed only while the Deployment moves or the recorded
//! versions do not match it, so an idle resync reads nothing more.

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::ListParams;
use tracing::warn;

use super::rollout::PodsOf;
use crate::Context;

/// `None` when either list fails: the status then goes without what the
/// pods would have told, and the next reconcile tries again.
pub async fn of(
    ctx: &Context,
    namespace: &str,
    deployment: &Deployment,
    selector: &str,
) -> Option<PodsOf> {
    let params = ListParams::default().labels(selector);
    let replica_sets = Api::<ReplicaSet>::namespaced(ctx.client.clone(), namespace);
    let pods = Api::<Pod>::namespaced(ctx.client.clone(), namespace);
    match futures::try_join!(replica_sets.list(&params), pods.list(&params)) {
        Ok((replica_sets, pods)) => Some(PodsOf {
            replica_sets: replica_sets.items,
            pods: pods.items,
        }),
        Err(error) => {
            let name = deployment.metadata.name.as_deref().unwrap_or_default();
            warn!(%error, deployment = name, "cannot list the Deployment's ReplicaSets and pods");
            None
        }
    }
}
