//! What each kind's cache keeps of a child: trimmed before it is cached.

use std::fmt::Debug;

use k8s_openapi::NamespaceResourceScope;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Container, PodSpec, PodTemplateSpec};
use k8s_openapi::api::networking::v1::Ingress;
use kube::Resource;
use kube::api::PartialObjectMeta;
use serde::de::DeserializeOwned;

use super::last_apply::generation_counts_spec;
use crate::reconcile::rollout::REVISION;

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
        // At 5000 HelloApis a cache holds 45,000 of these, and the store
        // copies the uid into each key: what nothing reads goes. Kept:
        // name, namespace, resourceVersion, generation, owner references
        // (prune, and the trigger that wakes the owner), deletion.
        self.types = None;
        self.metadata.managed_fields = None;
        self.metadata.annotations = None;
        self.metadata.uid = None;
        self.metadata.creation_timestamp = None;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::fixtures::{FULL, helloapi, images};
    use k8s_openapi::api::core::v1::ConfigMap;
    use k8s_openapi::api::policy::v1::PodDisruptionBudget;
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
                "name": "demo", "namespace": "ns", "resourceVersion": "7", "generation": 2, "uid": "u-1",
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
            assert_eq!(meta.uid, None);
            assert_eq!(meta.name.as_deref(), Some("demo"));
            assert_eq!(meta.generation, Some(2));
        }
        assert_eq!(config_map.types, None);
    }
}
