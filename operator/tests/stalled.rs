//! An invalid spec stored before a CRD rule existed: the operator says so
//! once (one Warning Event, `Stalled` naming the field) and does not retry
//! until the resource changes. Its own test binary, because it swaps the
//! cluster-wide CRD for a moment.

mod support;

use std::sync::Arc;
use std::time::Duration;

use hello_operator::metrics::Metrics;
use k8s_openapi::api::events::v1::Event;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::JSONSchemaProps;
use kube::Api;
use serde_json::json;
use support::{apply_helloapi, context, spawn_operator, wait_for};

/// Reconciles counted with `labels` (`result="...",error="..."`).
fn reconciles(metrics: &Metrics, labels: &str) -> u64 {
    let prefix = format!("hello_operator_reconciles_total{{{labels}}} ");
    metrics
        .render()
        .lines()
        .find_map(|line| line.strip_prefix(&prefix)?.parse().ok())
        .unwrap_or(0)
}

const INVALID: &str = r#"result="error",error="invalid_spec""#;

#[tokio::test]
async fn an_invalid_spec_stalls_once_naming_the_field_and_waits_for_a_change() {
    let (client, ns) = support::namespace("stalled", &[]).await;
    // The CRD as it was before its rules: the spec unchecked.
    let mut unchecked = hello_crds::crd();
    let root = unchecked.spec.versions[0]
        .schema
        .as_mut()
        .and_then(|s| s.open_api_v3_schema.as_mut())
        .expect("schema");
    root.properties.as_mut().expect("properties").insert(
        "spec".into(),
        JSONSchemaProps {
            type_: Some("object".into()),
            x_kubernetes_preserve_unknown_fields: Some(true),
            ..JSONSchemaProps::default()
        },
    );
    hello_testbed::install_crd(&client, &unchecked)
        .await
        .expect("unchecked CRD");
    // A response path without its leading '/', which a CEL rule refuses now.
    let invalid = json!({"responses": {"hello": {"message": "Hello"}}});
    apply_helloapi(&client, &ns, "demo", invalid).await;
    hello_testbed::install_crd(&client, &hello_crds::crd())
        .await
        .expect("the CRD with its rules again");

    let ctx = context(&client, "test");
    let metrics = Arc::clone(&ctx.metrics);
    let operator = spawn_operator(&client, &ns, ctx);
    let helloapis = Api::<hello_crds::HelloApi>::namespaced(client.clone(), &ns);
    let stalled = async || {
        let api = helloapis.get("demo").await.expect("get");
        let status = api.status.unwrap_or_default();
        status
            .condition(hello_crds::CONDITION_STALLED)
            .is_some_and(|c| {
                c.status == "True"
                    && c.reason == "InvalidSpec"
                    && c.message == "spec.responses: path \"hello\" must start with '/'"
            })
    };
    wait_for("Stalled=True InvalidSpec naming spec.responses", stalled).await;
    // The status write wakes the HelloApi once more (it is a change of the
    // resource, if only of its status); that reconcile finds the same error,
    // writes and records nothing, and nothing wakes it again.
    let mut settled = reconciles(&metrics, INVALID);
    assert!(settled >= 1, "{}", metrics.render());
    tokio::time::sleep(Duration::from_secs(2)).await;
    settled = settled.max(reconciles(&metrics, INVALID));
    assert!(settled <= 2, "{}", metrics.render());
    // No retry: the old policy retried every 5 s, a transient error's first
    // retry is after 2 s. Nothing changes the resource in this window.
    tokio::time::sleep(Duration::from_secs(7)).await;
    assert_eq!(
        reconciles(&metrics, INVALID),
        settled,
        "retried an invalid spec: {}",
        metrics.render()
    );
    let events = Api::<Event>::namespaced(client.clone(), &ns)
        .list(&Default::default())
        .await
        .expect("events")
        .items;
    let warnings: Vec<_> = events
        .iter()
        .filter(|e| e.reason.as_deref() == Some("ReconcileFailed"))
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].series, None, "the Warning was repeated");
    assert!(
        warnings[0]
            .note
            .as_deref()
            .is_some_and(|n| n.contains("spec.responses")),
        "{warnings:?}"
    );

    // The fix is a change: reconciled at once, no longer stalled.
    let fixed = json!({"responses": {"/hello": {"message": "Hello"}}});
    apply_helloapi(&client, &ns, "demo", fixed).await;
    wait_for("the fixed spec reconciled", async || {
        !stalled().await && reconciles(&metrics, r#"result="ok",error="""#) >= 1
    })
    .await;
    operator.abort();
}
