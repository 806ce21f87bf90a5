//! Smoke tests of the control plane: the apiserver serves CRDs and RBAC-checked
//! requests, controller-manager runs its controllers, and namespaces and owner
//! references are garbage-collected.

use std::time::Duration;

use hello_testbed::{TestBed, unique_name};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Pod};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{
    ApiResource, DeleteParams, DynamicObject, ListParams, ObjectMeta, Patch, PatchParams,
    PostParams,
};
use kube::runtime::wait::{await_condition, conditions};
use kube::{Api, Client, CustomResource, CustomResourceExt, Resource, ResourceExt};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

const TIMEOUT: Duration = Duration::from_secs(60);

#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(group = "smoke.hello.dev", version = "v1", kind = "Widget", namespaced)]
struct WidgetSpec {
    size: u32,
    colour: String,
}

async fn client() -> Client {
    TestBed::get()
        .client()
        .await
        .expect("kube client for the test bed")
}

async fn namespace(client: &Client, prefix: &str) -> String {
    let name = unique_name(prefix);
    let ns = Namespace {
        metadata: ObjectMeta {
            name: Some(name.clone()),
            ..Default::default()
        },
        ..Default::default()
    };
    Api::<Namespace>::all(client.clone())
        .create(&PostParams::default(), &ns)
        .await
        .expect("create namespace");
    name
}

/// Waits until a list call returns at least one object matching `pred`.
async fn eventually<K, F>(api: &Api<K>, what: &str, mut pred: F) -> Vec<K>
where
    K: Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug,
    F: FnMut(&K) -> bool,
{
    let deadline = tokio::time::Instant::now() + TIMEOUT;
    loop {
        let found: Vec<K> = api
            .list(&ListParams::default())
            .await
            .expect("list")
            .items
            .into_iter()
            .filter(|o| pred(o))
            .collect();
        if !found.is_empty() {
            return found;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_crd_is_established_and_serves_typed_objects() {
    let client = client().await;
    let crds = Api::<CustomResourceDefinition>::all(client.clone());
    let crd = Widget::crd();
    let crd_name = crd.name_any();
    crds.patch(
        &crd_name,
        &PatchParams::apply("hello-testbed-smoke").force(),
        &Patch::Apply(&crd),
    )
    .await
    .expect("apply the Widget CRD");
    tokio::time::timeout(
        TIMEOUT,
        await_condition(crds, &crd_name, conditions::is_crd_established()),
    )
    .await
    .expect("CRD established in time")
    .expect("watch the CRD");

    let ns = namespace(&client, "smoke-crd").await;
    let widgets = Api::<Widget>::namespaced(client.clone(), &ns);
    let spec = WidgetSpec {
        size: 3,
        colour: "teal".into(),
    };
    widgets
        .create(&PostParams::default(), &Widget::new("w1", spec.clone()))
        .await
        .expect("create a Widget");
    let read = widgets.get("w1").await.expect("read the Widget back");
    assert_eq!(read.spec, spec);
    assert!(read.metadata.uid.is_some(), "the apiserver assigns a uid");

    // The schema is enforced by the real apiserver: a string where the CRD
    // says integer is refused, naming the field.
    let bad = json!({"apiVersion": "smoke.hello.dev/v1", "kind": "Widget",
        "metadata": {"name": "bad"}, "spec": {"size": "big", "colour": "red"}});
    let untyped = Api::<DynamicObject>::namespaced_with(
        client.clone(),
        &ns,
        &ApiResource::erase::<Widget>(&()),
    );
    let refused = untyped
        .create(
            &PostParams::default(),
            &serde_json::from_value(bad).expect("widget json"),
        )
        .await
        .expect_err("a Widget with a string size must be refused");
    assert!(
        refused.to_string().contains("spec.size"),
        "the error names the field: {refused}"
    );
    Api::<Namespace>::all(client)
        .delete(&ns, &DeleteParams::default())
        .await
        .expect("delete namespace");
}

#[tokio::test]
async fn a_deployment_gets_a_replicaset_and_pods_from_controller_manager() {
    let client = client().await;
    let ns = namespace(&client, "smoke-deploy").await;
    let deployment: Deployment = serde_json::from_value(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "web", "image": "example.invalid/web:1"}]}}}
    }))
    .expect("deployment json");
    let created = Api::<Deployment>::namespaced(client.clone(), &ns)
        .create(&PostParams::default(), &deployment)
        .await
        .expect("create Deployment");
    let uid = created.uid().expect("deployment uid");

    let owned_by_deployment = |rs: &ReplicaSet| {
        rs.owner_references()
            .iter()
            .any(|o| o.uid == uid && o.controller == Some(true))
    };
    let replicasets = eventually(
        &Api::<ReplicaSet>::namespaced(client.clone(), &ns),
        "the ReplicaSet",
        owned_by_deployment,
    )
    .await;
    assert_eq!(replicasets.len(), 1);
    let rs_uid = replicasets[0].uid().expect("rs uid");

    // The replicaset controller creates the pods (they stay Pending: this
    // tier has no node).
    let pods = Api::<Pod>::namespaced(client.clone(), &ns);
    let deadline = tokio::time::Instant::now() + TIMEOUT;
    loop {
        let owned = pods
            .list(&ListParams::default())
            .await
            .expect("list pods")
            .items
            .into_iter()
            .filter(|p| p.owner_references().iter().any(|o| o.uid == rs_uid))
            .count();
        if owned == 2 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "ReplicaSet made {owned} of 2 pods"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Api::<Namespace>::all(client)
        .delete(&ns, &DeleteParams::default())
        .await
        .expect("delete namespace");
}

#[tokio::test]
async fn a_deleted_namespace_takes_its_objects_with_it() {
    let client = client().await;
    let ns = namespace(&client, "smoke-gc").await;
    let configmaps = Api::<ConfigMap>::namespaced(client.clone(), &ns);
    let owner = configmaps
        .create(&PostParams::default(), &config_map("owner", None))
        .await
        .expect("create owner");
    let owner_ref = owner.controller_owner_ref(&()).expect("owner reference");
    configmaps
        .create(
            &PostParams::default(),
            &config_map("dependent", Some(owner_ref.clone())),
        )
        .await
        .expect("create dependent");
    configmaps
        .create(&PostParams::default(), &config_map("kept", Some(owner_ref)))
        .await
        .expect("create second dependent");

    // Owner references: the garbage collector removes dependents of a deleted owner.
    configmaps
        .delete("owner", &DeleteParams::default())
        .await
        .expect("delete owner");
    let gone = |name: &'static str| {
        let api = configmaps.clone();
        async move {
            let deadline = tokio::time::Instant::now() + TIMEOUT;
            while api.get_opt(name).await.expect("get").is_some() {
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "{name} was not garbage-collected"
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    };
    gone("dependent").await;
    gone("kept").await;

    // Namespace deletion: the namespace controller empties it, then it goes.
    configmaps
        .create(&PostParams::default(), &config_map("leftover", None))
        .await
        .expect("create leftover");
    let namespaces = Api::<Namespace>::all(client.clone());
    namespaces
        .delete(&ns, &DeleteParams::default())
        .await
        .expect("delete namespace");
    let deadline = tokio::time::Instant::now() + TIMEOUT;
    while namespaces
        .get_opt(&ns)
        .await
        .expect("get namespace")
        .is_some()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "namespace {ns} was not removed"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let all_cms = Api::<ConfigMap>::all(client);
    let left: Vec<_> = all_cms
        .list(&ListParams::default().fields(&format!("metadata.namespace={ns}")))
        .await
        .expect("list configmaps")
        .items;
    assert!(
        left.is_empty(),
        "objects survived their namespace: {left:?}"
    );
}

fn config_map(
    name: &str,
    owner: Option<k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference>,
) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.into()),
            owner_references: owner.map(|o| vec![o]),
            ..Default::default()
        },
        data: Some([("k".to_string(), "v".to_string())].into()),
        ..Default::default()
    }
}
