//! Objects for the reconcile unit tests: a HelloApi, its API Deployment with
//! a given status, ReplicaSets and pods as the controllers would report them.

use std::collections::BTreeMap;

use hello_crds::HelloApi;
use k8s_openapi::api::apps::v1::{Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet};
use k8s_openapi::api::core::v1::{
    Container, ContainerState, ContainerStateTerminated, ContainerStateWaiting, ContainerStatus,
    Pod, PodCondition, PodSpec, PodStatus,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference, Time};
use k8s_openapi::jiff::Timestamp;

use super::apply::Applied;
use super::rollout::PodsOf;
use crate::build::{DefaultImages, children};

const DEPLOYMENT_UID: &str = "d-uid";

pub fn helloapi() -> HelloApi {
    let mut api: HelloApi = serde_yaml_ng::from_str(
        "{apiVersion: hello.dev/v1alpha1, kind: HelloApi, metadata: {name: demo, namespace: shop, uid: u1}, spec: {replicas: 2}}",
    )
    .unwrap();
    api.metadata.generation = Some(4);
    api
}

pub fn at(second: i64) -> Time {
    Time(Timestamp::from_second(second).unwrap())
}

/// The API Deployment the operator builds for `api`, observed by its
/// controller, with these pod counts.
pub fn api_deployment(api: &HelloApi, current: i32, ready: i32, updated: i32) -> Deployment {
    let images = DefaultImages {
        api: "api:1".into(),
        consumer: "consumer:1".into(),
    };
    let mut deployment = children(api, &images).unwrap().deployment;
    deployment.metadata.generation = Some(1);
    deployment.metadata.uid = Some(DEPLOYMENT_UID.into());
    deployment.status = Some(DeploymentStatus {
        observed_generation: Some(1),
        replicas: Some(current),
        updated_replicas: Some(updated),
        ready_replicas: Some(ready),
        ..DeploymentStatus::default()
    });
    deployment
}

/// The Deployment at `revision`, as its controller annotates it.
pub fn rolled_to(mut deployment: Deployment, revision: &str) -> Deployment {
    deployment.metadata.annotations = Some(BTreeMap::from([(
        "deployment.kubernetes.io/revision".to_string(),
        revision.to_string(),
    )]));
    deployment
}

pub fn deadline_exceeded(deployment: &mut Deployment) {
    let status = deployment.status.get_or_insert_with(Default::default);
    status.conditions = Some(vec![DeploymentCondition {
        type_: "Progressing".into(),
        status: "False".into(),
        reason: Some("ProgressDeadlineExceeded".into()),
        ..DeploymentCondition::default()
    }]);
}

/// ReplicaSets `demo-r<revision>` of the Deployment.
pub fn replica_sets(deployment: &Deployment, revisions: &[&str]) -> Vec<ReplicaSet> {
    let owner = OwnerReference {
        api_version: "apps/v1".into(),
        kind: "Deployment".into(),
        name: deployment.metadata.name.clone().unwrap_or_default(),
        uid: DEPLOYMENT_UID.into(),
        controller: Some(true),
        ..OwnerReference::default()
    };
    revisions
        .iter()
        .map(|revision| ReplicaSet {
            metadata: ObjectMeta {
                name: Some(format!("demo-r{revision}")),
                owner_references: Some(vec![owner.clone()]),
                annotations: Some(BTreeMap::from([(
                    "deployment.kubernetes.io/revision".to_string(),
                    revision.to_string(),
                )])),
                ..ObjectMeta::default()
            },
            ..ReplicaSet::default()
        })
        .collect()
}

/// A pod of ReplicaSet `replica_set` running `image` in container `api`;
/// `waiting` is its container's waiting reason (a crash loop also gets a
/// last exit code of 1).
pub fn pod(name: &str, replica_set: &str, image: &str, ready: bool, waiting: Option<&str>) -> Pod {
    let state = waiting.map(|reason| ContainerState {
        waiting: Some(ContainerStateWaiting {
            reason: Some(reason.into()),
            message: Some("back-off 40s".into()),
        }),
        ..ContainerState::default()
    });
    let last_state = (waiting == Some("CrashLoopBackOff")).then(|| ContainerState {
        terminated: Some(ContainerStateTerminated {
            exit_code: 1,
            ..ContainerStateTerminated::default()
        }),
        ..ContainerState::default()
    });
    Pod {
        metadata: ObjectMeta {
            name: Some(name.into()),
            owner_references: Some(vec![OwnerReference {
                api_version: "apps/v1".into(),
                kind: "ReplicaSet".into(),
                name: replica_set.into(),
                uid: format!("{replica_set}-uid"),
                controller: Some(true),
                ..OwnerReference::default()
            }]),
            ..ObjectMeta::default()
        },
        spec: Some(PodSpec {
            containers: vec![Container {
                name: "api".into(),
                image: Some(image.into()),
                ..Container::default()
            }],
            ..PodSpec::default()
        }),
        status: Some(PodStatus {
            conditions: Some(vec![PodCondition {
                type_: "Ready".into(),
                status: if ready { "True" } else { "False" }.into(),
                ..PodCondition::default()
            }]),
            container_statuses: Some(vec![ContainerStatus {
                name: "api".into(),
                image: format!("docker.io/library/{image}"),
                image_id: if ready {
                    format!("docker.io/library/{image}@sha256:{:0>64}", image.len())
                } else {
                    String::new()
                },
                ready,
                state,
                last_state,
                ..ContainerStatus::default()
            }]),
            ..PodStatus::default()
        }),
    }
}

/// The pods of a Deployment at revision 2, whose ReplicaSets are `demo-r1`
/// (the previous spec) and `demo-r2` (the current one).
pub fn pods_of(deployment: &Deployment, pods: Vec<Pod>) -> PodsOf {
    PodsOf {
        replica_sets: replica_sets(deployment, &["1", "2"]),
        pods,
    }
}

pub fn applied(deployment: Deployment) -> Applied {
    Applied {
        changes: vec![],
        deployment,
        consumer: None,
        ingress: None,
    }
}
