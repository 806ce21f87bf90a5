//! The operator against the real apiserver: each test runs its own operator,
//! scoped to its own namespace, and checks what a user would see.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use crate::support::TIMEOUT;
use crate::support::harness::{Harness, owned_by};
use hello_testbed::eventually_async;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Service, ServiceAccount};
use k8s_openapi::api::networking::v1::Ingress;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use kube::api::{DeleteParams, Patch, PatchParams};
use kube::{Api, Resource, ResourceExt};
use serde_json::json;

fn kafka_spec() -> serde_json::Value {
    json!({"bootstrapServers": "127.0.0.1:9092", "topic": "events", "auth": {"mechanism": "plaintext"}})
}

#[tokio::test]
async fn a_helloapi_gets_every_child_with_an_owner_reference_and_a_status() {
    let h = Harness::start().await;
    h.apply("demo", json!({"replicas": 2, "kafka": kafka_spec()}))
        .await;
    let owner = h.exists::<hello_crds::HelloApi>("demo").await;
    assert!(owned_by(
        &h.exists::<ConfigMap>("demo-responses").await,
        &owner
    ));
    assert!(owned_by(&h.exists::<ServiceAccount>("demo").await, &owner));
    assert!(owned_by(&h.exists::<Role>("demo").await, &owner));
    assert!(owned_by(&h.exists::<RoleBinding>("demo").await, &owner));
    assert!(owned_by(&h.exists::<Deployment>("demo").await, &owner));
    assert!(owned_by(&h.exists::<Service>("demo").await, &owner));
    assert!(owned_by(&h.exists::<Ingress>("demo").await, &owner));
    assert!(owned_by(
        &h.exists::<PodDisruptionBudget>("demo").await,
        &owner
    ));
    assert!(owned_by(
        &h.exists::<Deployment>("demo-consumer").await,
        &owner
    ));
    let consumer_sa = h.exists::<ServiceAccount>("demo-consumer").await;
    assert!(owned_by(&consumer_sa, &owner));
    assert_eq!(consumer_sa.automount_service_account_token, Some(false));

    // No node runs the pods here, so the resource is reconciled but not Ready.
    let with_status = h
        .until::<hello_crds::HelloApi, _>("demo", "a status", |o| {
            o.and_then(|o| o.status.as_ref())
                .is_some_and(|s| s.observed_generation.is_some())
        })
        .await
        .expect("status");
    let status = with_status.status.expect("status");
    assert_eq!(status.kafka_topic, "events");
    assert_eq!(
        status.condition("Degraded").map(|c| c.status.as_str()),
        Some("False")
    );
    assert_eq!(
        status.condition("Ready").map(|c| c.status.as_str()),
        Some("False")
    );
    assert_eq!(status.replica_summary, "0/2");

    // The namespace enforces Pod Security `restricted`, so a pod that exists
    // passed it (the ReplicaSet would report FailedCreate otherwise).
    let pods = Api::<k8s_openapi::api::core::v1::Pod>::namespaced(h.client.clone(), &h.namespace);
    eventually_async(TIMEOUT, async || {
        let list = pods
            .list(&kube::api::ListParams::default().labels("app.kubernetes.io/instance=demo"))
            .await
            .expect("pods");
        (list.items.len() >= 3).then_some(())
    })
    .await
    .expect("the API and consumer pods were not admitted");

    let events =
        Api::<k8s_openapi::api::events::v1::Event>::namespaced(h.client.clone(), &h.namespace);
    let notes: Vec<String> = events
        .list(&Default::default())
        .await
        .expect("events")
        .items
        .into_iter()
        .filter(|e| e.reason.as_deref() == Some("Created"))
        .filter_map(|e| e.note)
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("Deployment demo-consumer")
                && n.contains("ConfigMap demo-responses")),
        "a Created event lists the children: {notes:?}"
    );
}

#[tokio::test]
async fn editing_the_responses_changes_the_configmap_without_a_rollout() {
    let h = Harness::start().await;
    h.apply(
        "demo",
        json!({"responses": {"/hello": {"message": "Hello, World!"}}}),
    )
    .await;
    h.exists::<ConfigMap>("demo-responses").await;
    let before = h.exists::<Deployment>("demo").await;
    h.apply("demo", json!({"responses": {"/hello": {"message": "Bonjour"}, "/teapot": {"status": 418, "message": "I'm a teapot"}}}))
        .await;
    let cm = h
        .until::<ConfigMap, _>("demo-responses", "the new responses", |cm| {
            cm.and_then(|cm| cm.data.as_ref())
                .is_some_and(|d| d["config.yaml"].contains("Bonjour"))
        })
        .await
        .expect("configmap");
    let config: serde_json::Value =
        serde_yaml_ng::from_str(&cm.data.expect("data")["config.yaml"]).expect("yaml");
    assert_eq!(
        config["responses"]["/teapot"],
        json!({"status": 418, "message": "I'm a teapot"})
    );
    let after = h.exists::<Deployment>("demo").await;
    assert_eq!(
        before.metadata.generation, after.metadata.generation,
        "a responses edit must not change the pod template"
    );
}

#[tokio::test]
async fn removing_kafka_ingress_and_replicas_prunes_their_children() {
    let h = Harness::start().await;
    h.apply("demo", json!({"replicas": 2, "kafka": kafka_spec()}))
        .await;
    h.exists::<Deployment>("demo-consumer").await;
    h.exists::<ServiceAccount>("demo-consumer").await;
    h.exists::<Ingress>("demo").await;
    h.exists::<PodDisruptionBudget>("demo").await;
    h.apply(
        "demo",
        json!({"replicas": 1, "ingress": {"enabled": false}}),
    )
    .await;
    h.gone::<Deployment>("demo-consumer").await;
    h.gone::<ServiceAccount>("demo-consumer").await;
    h.gone::<Ingress>("demo").await;
    h.gone::<PodDisruptionBudget>("demo").await;
    h.exists::<Deployment>("demo").await;
    // The API keeps its own ServiceAccount.
    h.exists::<ServiceAccount>("demo").await;
}

#[tokio::test]
async fn a_child_under_a_name_the_spec_no_longer_gives_is_pruned_by_its_owner() {
    let h = Harness::start().await;
    h.apply("demo", json!({})).await;
    let cm = h.exists::<ConfigMap>("demo-responses").await;
    let owner = h
        .api::<hello_crds::HelloApi>()
        .get("demo")
        .await
        .expect("get");
    // What an older operator, naming it differently, would have left: the
    // operator's labels and this HelloApi as its controller.
    let mut stale = cm.clone();
    stale.metadata = kube::api::ObjectMeta {
        name: Some("demo-old-responses".into()),
        labels: cm.metadata.labels.clone(),
        owner_references: Some(vec![owner.controller_owner_ref(&()).expect("owner ref")]),
        ..Default::default()
    };
    // And one with the same labels whose controller is another object.
    let mut foreign = stale.clone();
    foreign.metadata.name = Some("demo-foreign".into());
    foreign.metadata.owner_references = None;
    let cms = h.api::<ConfigMap>();
    for object in [&foreign, &stale] {
        cms.create(&Default::default(), object)
            .await
            .expect("create");
    }
    h.gone::<ConfigMap>("demo-old-responses").await;
    h.exists::<ConfigMap>("demo-responses").await;
    h.exists::<ConfigMap>("demo-foreign").await;
}

#[tokio::test]
async fn a_deleted_or_edited_child_is_restored() {
    let h = Harness::start().await;
    h.apply("demo", json!({})).await;
    let service = h.exists::<Service>("demo").await;
    h.api::<Service>()
        .delete("demo", &DeleteParams::default())
        .await
        .expect("delete");
    h.until::<Service, _>("demo", "the Service back", |s| {
        s.is_some_and(|s| s.uid() != service.uid())
    })
    .await;
    h.api::<Deployment>()
        .patch(
            "demo",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 7}})),
        )
        .await
        .expect("hand edit");
    h.until::<Deployment, _>("demo", "replicas put back to 2", |d| {
        d.and_then(|d| d.spec.as_ref()).and_then(|s| s.replicas) == Some(2)
    })
    .await;
}

#[tokio::test]
async fn an_idle_resource_and_a_restarted_operator_write_nothing() {
    let mut h = Harness::start().await;
    h.apply("demo", json!({"replicas": 2, "kafka": kafka_spec()}))
        .await;
    h.exists::<Deployment>("demo-consumer").await;
    let versions = |h: &Harness| {
        let (cms, deps, hapis) = (
            h.api::<ConfigMap>(),
            h.api::<Deployment>(),
            h.api::<hello_crds::HelloApi>(),
        );
        let (svcs, ings, pdbs) = (
            h.api::<Service>(),
            h.api::<Ingress>(),
            h.api::<PodDisruptionBudget>(),
        );
        async move {
            let mut all = BTreeMap::new();
            for cm in cms.list(&Default::default()).await.expect("list").items {
                all.insert(format!("cm/{}", cm.name_any()), cm.resource_version());
            }
            for d in deps.list(&Default::default()).await.expect("list").items {
                all.insert(format!("deploy/{}", d.name_any()), d.resource_version());
            }
            for x in svcs.list(&Default::default()).await.expect("list").items {
                all.insert(format!("svc/{}", x.name_any()), x.resource_version());
            }
            for x in ings.list(&Default::default()).await.expect("list").items {
                all.insert(format!("ing/{}", x.name_any()), x.resource_version());
            }
            for x in pdbs.list(&Default::default()).await.expect("list").items {
                all.insert(format!("pdb/{}", x.name_any()), x.resource_version());
            }
            for x in hapis.list(&Default::default()).await.expect("list").items {
                all.insert(format!("helloapi/{}", x.name_any()), x.resource_version());
            }
            all
        }
    };
    // Let the operator and controller-manager settle, then watch for writes.
    let mut settled = versions(&h).await;
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = versions(&h).await;
        if now == settled {
            break;
        }
        settled = now;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        versions(&h).await,
        settled,
        "an idle resource was written to"
    );
    h.stop_operator();
    h.start_operator();
    // The restarted operator's first reconcile of the one HelloApi.
    let metrics = Arc::clone(&h.metrics);
    crate::support::wait_for("the restarted operator's first reconcile", async || {
        metrics
            .render()
            .contains(r#"hello_operator_reconciles_total{result="ok",error=""} "#)
    })
    .await;
    assert_eq!(
        versions(&h).await,
        settled,
        "a restarted operator wrote to unchanged objects"
    );
}

#[tokio::test]
async fn deleting_the_helloapi_removes_what_it_created() {
    let h = Harness::start().await;
    h.apply("demo", json!({"kafka": kafka_spec()})).await;
    h.exists::<Deployment>("demo-consumer").await;
    h.exists::<ConfigMap>("demo-responses").await;
    h.api::<hello_crds::HelloApi>()
        .delete("demo", &DeleteParams::foreground())
        .await
        .expect("delete");
    h.gone::<hello_crds::HelloApi>("demo").await;
    h.gone::<Deployment>("demo").await;
    h.gone::<Deployment>("demo-consumer").await;
    h.gone::<ConfigMap>("demo-responses").await;
    h.gone::<Service>("demo").await;
    h.gone::<ServiceAccount>("demo").await;
    h.gone::<Role>("demo").await;
}

#[tokio::test]
async fn a_helloapi_that_does_not_deserialize_does_not_stop_the_watch() {
    let mut h = Harness::start().await;
    // The apiserver accepts a status.readyReplicas beyond i32 (the schema's
    // `format: int32` is not enforced; it is for status.replicas, the scale
    // subresource's path), which the operator cannot read: a value another
    // client or an older operator might have written.
    h.apply("unreadable", json!({"replicas": 1})).await;
    h.exists::<Deployment>("unreadable").await;
    h.stop_operator();
    // The reply does not deserialize as a HelloApi either, hence the guard.
    h.api::<kube::core::DeserializeGuard<hello_crds::HelloApi>>()
        .patch_status(
            "unreadable",
            &PatchParams::default(),
            &Patch::Merge(json!({"status": {"readyReplicas": 5_000_000_000_i64}})),
        )
        .await
        .expect("write an unreadable status");
    h.start_operator();

    // Others are still reconciled, and the unreadable one is reported.
    h.apply("readable", json!({"replicas": 1})).await;
    h.exists::<Deployment>("readable").await;
    let events: Api<k8s_openapi::api::events::v1::Event> = h.api();
    let note = eventually_async(TIMEOUT, async || {
        let found = events.list(&Default::default()).await.expect("events");
        found
            .items
            .into_iter()
            .find(|e| {
                e.reason.as_deref() == Some("Unreadable")
                    && e.regarding.as_ref().and_then(|r| r.name.as_deref()) == Some("unreadable")
            })
            .map(|event| event.note.unwrap_or_default())
    })
    .await
    .expect("no Unreadable event for the HelloApi the operator cannot read");
    assert!(note.contains("cannot read"), "{note}");

    // Repairing it is picked up by the same watch: its status is rewritten.
    h.api::<kube::core::DeserializeGuard<hello_crds::HelloApi>>()
        .patch_status(
            "unreadable",
            &PatchParams::default(),
            &Patch::Merge(json!({"status": {"readyReplicas": 0}})),
        )
        .await
        .expect("repair the status");
    h.until::<hello_crds::HelloApi, _>("unreadable", "the repaired HelloApi's status", |o| {
        o.and_then(|a| a.status.as_ref())
            .is_some_and(|s| s.observed_generation.is_some() && s.replicas == 1)
    })
    .await;
}

/// `kubectl scale hapi` writes the scale subresource; the operator carries
/// it to the Deployment, and the subresource shows the pods' selector.
#[tokio::test]
async fn the_scale_subresource_scales_the_deployment_through_the_operator() {
    let h = Harness::start().await;
    h.apply("demo", json!({"replicas": 2})).await;
    h.exists::<Deployment>("demo").await;
    let helloapis = h.api::<hello_crds::HelloApi>();
    helloapis
        .patch_scale(
            "demo",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 4}})),
        )
        .await
        .expect("patch the scale subresource");
    h.until::<Deployment, _>("demo", "the Deployment at 4 replicas", |d| {
        d.and_then(|d| d.spec.as_ref()?.replicas) == Some(4)
    })
    .await;
    let selector = "app.kubernetes.io/instance=demo,app.kubernetes.io/name=api";
    let mut last = None;
    eventually_async(TIMEOUT, async || {
        let scale = helloapis.get_scale("demo").await.expect("get scale");
        let status = scale.status.unwrap_or_default();
        let done = scale.spec.and_then(|s| s.replicas) == Some(4)
            && status.selector.as_deref() == Some(selector);
        last = Some(status);
        done.then_some(())
    })
    .await
    .unwrap_or_else(|| panic!("the scale subresource shows 4 replicas and the selector: {last:?}"));
}
