//! One operator against the real apiserver in its own namespace (Pod
//! Security `restricted` enforced), and the waits a reconcile test needs.

use std::sync::Arc;

use hello_operator::metrics::Metrics;
use hello_testbed::eventually_async;
use kube::{Api, Client, Resource, ResourceExt};
use tokio::task::JoinHandle;

use super::{TIMEOUT, apply_helloapi, context, spawn_operator};

/// A namespaced object the harness can read (every child kind).
pub trait Namespaced:
    Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>
    + Clone
    + serde::de::DeserializeOwned
    + std::fmt::Debug
{
}
impl<K> Namespaced for K where
    K: Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>
        + Clone
        + serde::de::DeserializeOwned
        + std::fmt::Debug
{
}

pub struct Harness {
    pub client: Client,
    pub namespace: String,
    operator: Option<JoinHandle<()>>,
    /// The running operator's metrics.
    pub metrics: Arc<Metrics>,
}

impl Harness {
    pub async fn start() -> Harness {
        // Pod Security `restricted` is enforced: pods that break it are refused.
        let (client, namespace) = super::namespace(
            "operator",
            &[("pod-security.kubernetes.io/enforce", "restricted")],
        )
        .await;
        let mut harness = Harness {
            client,
            namespace,
            operator: None,
            metrics: Arc::default(),
        };
        harness.start_operator();
        harness
    }

    pub fn start_operator(&mut self) {
        let ctx = context(&self.client, "test");
        self.metrics = Arc::clone(&ctx.metrics);
        self.operator = Some(spawn_operator(&self.client, &self.namespace, ctx));
    }

    pub fn stop_operator(&mut self) {
        if let Some(task) = self.operator.take() {
            task.abort();
        }
    }

    pub fn api<K: Namespaced>(&self) -> Api<K> {
        Api::namespaced(self.client.clone(), &self.namespace)
    }

    pub async fn apply(&self, name: &str, spec: serde_json::Value) {
        apply_helloapi(&self.client, &self.namespace, name, spec).await;
    }

    /// Polls `get` until `done` holds.
    pub async fn until<K, F>(&self, name: &str, what: &str, done: F) -> Option<K>
    where
        K: Namespaced,
        F: Fn(Option<&K>) -> bool,
    {
        let api = self.api::<K>();
        eventually_async(TIMEOUT, async || {
            let current = api.get_opt(name).await.expect("get");
            done(current.as_ref()).then_some(current)
        })
        .await
        .unwrap_or_else(|| panic!("timed out waiting for {what}"))
    }

    pub async fn exists<K: Namespaced>(&self, name: &str) -> K {
        self.until::<K, _>(name, &format!("{} {name}", K::kind(&())), |o| o.is_some())
            .await
            .expect("exists")
    }

    pub async fn gone<K: Namespaced>(&self, name: &str) {
        self.until::<K, _>(name, &format!("{} {name} to go", K::kind(&())), |o| {
            o.is_none()
        })
        .await;
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.stop_operator();
    }
}

/// `object` has `owner` as its controller owner reference.
pub fn owned_by(object: &impl Resource, owner: &hello_crds::HelloApi) -> bool {
    object.owner_references().iter().any(|o| {
        o.controller == Some(true) && Some(&o.uid) == owner.uid().as_ref() && o.kind == "HelloApi"
    })
}
