//! Objects for the reconcile unit tests: a HelloApi, its API Deployment with
//! a given status, ReplicaSets and pods as the controllers would report them.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

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
    let mut deployment = children(api, &images, &Default::default())
        .unwrap()
        .deployment;
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

/// Pod `demo-r<revision>-<suffix>` of the fixture's API Deployment at
/// `revision`, running `api:<revision>`, not waiting on anything.
pub fn revision_pod(revision: u32, suffix: char, ready: bool) -> Pod {
    pod(
        &format!("demo-r{revision}-{suffix}"),
        &format!("demo-r{revision}"),
        &format!("api:{revision}"),
        ready,
        None,
    )
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
/// The fixture's API Deployment rolling out revision 2 with these pod
/// counts (current, ready, updated), and its ReplicaSets with `pods`.
pub fn rolling_to_2(
    api: &HelloApi,
    counts: (i32, i32, i32),
    pods: Vec<Pod>,
) -> (Deployment, PodsOf) {
    let (current, ready, updated) = counts;
    let deployment = rolled_to(api_deployment(api, current, ready, updated), "2");
    let pods = pods_of(&deployment, pods);
    (deployment, pods)
}

/// The first pod of revision 2, running `image`, not ready, waiting for `reason`.
pub fn stuck_pod(image: &str, reason: &str) -> Pod {
    pod("demo-r2-a", "demo-r2", image, false, Some(reason))
}

pub fn pods_of(deployment: &Deployment, pods: Vec<Pod>) -> PodsOf {
    PodsOf {
        replica_sets: replica_sets(deployment, &["1", "2"]),
        pods,
    }
}

pub fn applied(deployment: Deployment) -> Applied {
    Applied {
        changes: vec![],
        kept: Default::default(),
        deployment,
        consumer: None,
        ingress: None,
    }
}

/// A context on `fake` whose watch caches have had their (empty) first
/// list, and the writers that fill them.
pub fn watched_context(fake: &FakeApiserver) -> (crate::Context, crate::owned::OwnedWriters) {
    let ctx = crate::Context::new(fake.client(), crate::build::fixtures::images(), None);
    let mut writers = ctx.take_writers().unwrap();
    writers.listed();
    (ctx, writers)
}

/// A recording stand-in for the apiserver's object endpoints, for the unit
/// tests that assert the exact calls a reconcile makes. It keeps what is
/// applied by path: a server-side apply creates (201) or replaces the object,
/// and bumps its resourceVersion (and generation) only when the object
/// changes, as the apiserver does; GET reads it; DELETE removes it; an Event
/// POST is echoed.
#[derive(Clone, Default)]
pub struct FakeApiserver {
    pub calls: Arc<Mutex<Vec<String>>>,
    objects: Arc<Mutex<BTreeMap<String, serde_json::Value>>>,
    version: Arc<Mutex<u64>>,
}

impl FakeApiserver {
    pub fn client(&self) -> kube::Client {
        let fake = self.clone();
        let service = tower::service_fn(move |request: http::Request<kube::client::Body>| {
            let fake = fake.clone();
            async move { Ok::<_, std::convert::Infallible>(fake.answer(request).await) }
        });
        kube::Client::new(service, "default")
    }

    /// Holds an object at `path`, as if someone had created it.
    pub fn holds(&self, path: &str) {
        let object = serde_json::json!({"metadata": {"resourceVersion": self.next_version()}});
        self.objects.lock().unwrap().insert(path.into(), object);
    }

    /// Changes the object at `path` as another client would: a new
    /// resourceVersion, and a new generation if `spec_edit`.
    pub fn edit(&self, path: &str, spec_edit: bool, change: impl FnOnce(&mut serde_json::Value)) {
        let version = self.next_version();
        let mut objects = self.objects.lock().unwrap();
        let object = objects.get_mut(path).expect("the fake holds it");
        change(object);
        object["metadata"]["resourceVersion"] = version.into();
        if spec_edit {
            let generation = object["metadata"]["generation"].as_i64().unwrap_or(0);
            object["metadata"]["generation"] = (generation + 1).into();
        }
    }

    /// Shows every object the fake holds to the operator's watch caches, as
    /// their watch events would.
    pub fn watched_by(&self, writers: &mut crate::owned::OwnedWriters) {
        for (path, object) in self.objects.lock().unwrap().iter() {
            let plural = path.rsplit('/').nth(1).unwrap();
            writers.saw(plural, object.clone());
        }
    }

    /// The calls so far, as `METHOD path`, and forgets them.
    pub fn take_calls(&self) -> Vec<String> {
        std::mem::take(&mut *self.calls.lock().unwrap())
    }

    async fn answer(
        &self,
        request: http::Request<kube::client::Body>,
    ) -> http::Response<kube::client::Body> {
        use http_body_util::BodyExt;
        let method = request.method().clone();
        let path = request.uri().path().to_string();
        self.calls.lock().unwrap().push(format!("{method} {path}"));
        let body = request.into_body().collect().await.unwrap().to_bytes();
        let (status, reply) = match method.as_str() {
            // As the apiserver's RBAC check does for a binder without the
            // `bind` verb: a RoleBinding to a Role that does not exist is a 404.
            "PATCH" if path.contains("/rolebindings/") && !self.holds_role_of(&path, &body) => {
                (404, not_found())
            }
            "PATCH" => {
                if path.contains("/roles/") {
                    // A Role takes a while, so a RoleBinding sent beside it
                    // would arrive first.
                    for _ in 0..10 {
                        tokio::task::yield_now().await;
                    }
                }
                let mut object: serde_json::Value = serde_json::from_slice(&body).unwrap();
                let mut objects = self.objects.lock().unwrap();
                let status = match objects.get(&path) {
                    Some(old) => {
                        let mut unversioned = old.clone();
                        let meta = unversioned["metadata"].as_object_mut().unwrap();
                        meta.remove("resourceVersion");
                        let generation = meta.remove("generation").and_then(|g| g.as_i64());
                        if unversioned == object {
                            object = old.clone();
                        } else {
                            object["metadata"]["resourceVersion"] = self.next_version().into();
                            object["metadata"]["generation"] = (generation.unwrap_or(0) + 1).into();
                        }
                        200
                    }
                    None => {
                        object["metadata"]["resourceVersion"] = self.next_version().into();
                        object["metadata"]["generation"] = 1.into();
                        201
                    }
                };
                objects.insert(path, object.clone());
                (status, object)
            }
            "GET" => match self.objects.lock().unwrap().get(&path) {
                Some(object) => (200, object.clone()),
                None => (404, not_found()),
            },
            "DELETE" => match self.objects.lock().unwrap().remove(&path) {
                Some(_) => (
                    200,
                    serde_json::json!({"kind": "Status", "status": "Success"}),
                ),
                None => (404, not_found()),
            },
            "POST" => (201, serde_json::from_slice(&body).unwrap()),
            _ => (404, not_found()),
        };
        http::Response::builder()
            .status(status)
            .body(kube::client::Body::from(
                serde_json::to_vec(&reply).unwrap(),
            ))
            .unwrap()
    }

    /// Whether the Role a RoleBinding (`body`, at `path`) refers to exists.
    fn holds_role_of(&self, path: &str, body: &[u8]) -> bool {
        let binding: serde_json::Value = serde_json::from_slice(body).unwrap();
        let role = binding["roleRef"]["name"].as_str().unwrap_or_default();
        let namespace_path = &path[..path.find("/rolebindings/").unwrap()];
        let role_path = format!("{namespace_path}/roles/{role}");
        self.objects.lock().unwrap().contains_key(&role_path)
    }

    fn next_version(&self) -> String {
        let mut version = self.version.lock().unwrap();
        *version += 1;
        version.to_string()
    }
}

fn not_found() -> serde_json::Value {
    serde_json::json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404, "message": "not found"})
}
