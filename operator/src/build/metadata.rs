//! Names, labels and the owner reference every child shares.

use std::collections::BTreeMap;

use hello_crds::HelloApi;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use kube::Resource;

use super::BuildError;

/// The label every object the operator makes carries, pods included: the
/// controller watches children and pods by it.
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
/// Its value.
pub const MANAGED_BY: &str = "hello-operator";
/// The label naming the HelloApi an object belongs to.
pub const INSTANCE_LABEL: &str = "app.kubernetes.io/instance";

/// `app.kubernetes.io/name` of the API pods.
pub const API_COMPONENT: &str = "api";
/// `app.kubernetes.io/name` of the consumer pods.
pub const CONSUMER_COMPONENT: &str = "consumer";

/// The HelloApi as seen by its children: name, namespace, owner reference.
pub struct Owner {
    pub name: String,
    pub namespace: String,
    reference: OwnerReference,
}

impl Owner {
    pub fn of(api: &HelloApi) -> Result<Owner, BuildError> {
        Ok(Owner {
            name: api
                .metadata
                .name
                .clone()
                .ok_or(BuildError::MissingMetadata("name"))?,
            namespace: api
                .metadata
                .namespace
                .clone()
                .ok_or(BuildError::MissingMetadata("namespace"))?,
            reference: api
                .controller_owner_ref(&())
                .ok_or(BuildError::MissingMetadata("uid"))?,
        })
    }

    /// Labels every child carries; `instance` ties them to this HelloApi.
    pub fn labels(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            (INSTANCE_LABEL.to_string(), self.name.clone()),
            (
                "app.kubernetes.io/part-of".to_string(),
                "helloapi".to_string(),
            ),
            (MANAGED_BY_LABEL.to_string(), MANAGED_BY.to_string()),
        ])
    }

    /// Selector labels of one set of pods (stable: a Deployment's selector is immutable).
    pub fn selector(&self, component: &str) -> BTreeMap<String, String> {
        BTreeMap::from([
            (INSTANCE_LABEL.to_string(), self.name.clone()),
            ("app.kubernetes.io/name".to_string(), component.to_string()),
        ])
    }

    /// Metadata of a child named `name`, with a controller owner reference.
    pub fn child_meta(&self, name: &str) -> ObjectMeta {
        ObjectMeta {
            name: Some(name.to_string()),
            namespace: Some(self.namespace.clone()),
            labels: Some(self.labels()),
            owner_references: Some(vec![self.reference.clone()]),
            ..ObjectMeta::default()
        }
    }
}

/// The ConfigMap holding the API's configuration.
pub fn responses_name(api_name: &str) -> String {
    format!("{api_name}-responses")
}

/// The consumer Deployment and its ServiceAccount.
pub fn consumer_name(api_name: &str) -> String {
    format!("{api_name}-consumer")
}
