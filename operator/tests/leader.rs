//! Two operators, one leader: only the Lease holder reconciles, and the other
//! takes over when the leader dies or hands over.

use std::sync::Arc;
use std::time::Duration;

use crate::support::{apply_helloapi, context, wait_for};
use hello_operator::controller;
use hello_operator::leader::{LeaderElector, LeaseTiming};
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::api::events::v1::Event;
use kube::{Api, Client};
use tokio::task::JoinHandle;

const TIMING: LeaseTiming = LeaseTiming {
    duration: Duration::from_secs(3),
    retry: Duration::from_millis(200),
};

async fn setup() -> (Client, String) {
    crate::support::namespace("leader", &[]).await
}

fn operator(client: &Client, ns: &str, identity: &str) -> JoinHandle<Result<bool, kube::Error>> {
    let ctx = Arc::new(context(client, identity));
    let elector = LeaderElector::new(client.clone(), ns, "hello-operator", identity, TIMING);
    let (client, ns) = (client.clone(), ns.to_string());
    tokio::spawn(async move {
        controller::run_as_leader(
            client,
            controller::Options::namespace(Some(ns)),
            ctx,
            &elector,
        )
        .await
    })
}

async fn holder(client: &Client, ns: &str) -> Option<String> {
    Api::<Lease>::namespaced(client.clone(), ns)
        .get_opt("hello-operator")
        .await
        .expect("lease")
        .and_then(|l| l.spec)
        .and_then(|s| s.holder_identity)
}

async fn set_message(client: &Client, ns: &str, message: &str) {
    let spec = serde_json::json!({"responses": {"/hello": {"message": message}}});
    apply_helloapi(client, ns, "demo", spec).await;
    let cms = Api::<ConfigMap>::namespaced(client.clone(), ns);
    wait_for(&format!("the ConfigMap to say {message}"), async || {
        cms.get_opt("demo-responses")
            .await
            .expect("get")
            .and_then(|cm| cm.data)
            .is_some_and(|d| d["config.yaml"].contains(message))
    })
    .await;
}

/// Instances that reported Events on the HelloApi.
async fn reporters(client: &Client, ns: &str) -> Vec<String> {
    let mut instances: Vec<String> = Api::<Event>::namespaced(client.clone(), ns)
        .list(&Default::default())
        .await
        .expect("events")
        .items
        .into_iter()
        .filter(|e| e.regarding.as_ref().and_then(|r| r.kind.as_deref()) == Some("HelloApi"))
        .filter_map(|e| e.reporting_instance)
        .collect();
    instances.sort();
    instances.dedup();
    instances
}

#[tokio::test]
async fn only_the_leader_reconciles_and_the_other_takes_over() {
    let (client, ns) = setup().await;
    let a = operator(&client, &ns, "operator-a");
    wait_for("operator-a to lead", async || {
        holder(&client, &ns).await.as_deref() == Some("operator-a")
    })
    .await;
    let b = operator(&client, &ns, "operator-b");

    set_message(&client, &ns, "first").await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        holder(&client, &ns).await.as_deref(),
        Some("operator-a"),
        "the leader keeps its Lease"
    );
    assert_eq!(
        reporters(&client, &ns).await,
        ["operator-a"],
        "only the leader reconciles"
    );

    // The leader dies without releasing: the other waits out the Lease.
    a.abort();
    wait_for("operator-b to take over", async || {
        holder(&client, &ns).await.as_deref() == Some("operator-b")
    })
    .await;
    set_message(&client, &ns, "second").await;
    // The Event follows the ConfigMap write, so wait for it too.
    wait_for("operator-b to report the change", async || {
        reporters(&client, &ns).await == ["operator-a", "operator-b"]
    })
    .await;
    b.abort();
}

#[tokio::test]
async fn a_released_lease_is_taken_over_at_once() {
    let (client, ns) = setup().await;
    let first = LeaderElector::new(client.clone(), &ns, "hello-operator", "first", TIMING);
    let second = LeaderElector::new(client.clone(), &ns, "hello-operator", "second", TIMING);
    assert!(first.try_acquire_or_renew().await.expect("acquire"));
    assert!(
        !second.try_acquire_or_renew().await.expect("try"),
        "two leaders at once"
    );
    assert!(
        first.try_acquire_or_renew().await.expect("renew"),
        "the leader renews"
    );
    first.release().await.expect("release");
    assert!(
        second.try_acquire_or_renew().await.expect("take over"),
        "a released Lease is free at once"
    );
    assert!(
        !first.try_acquire_or_renew().await.expect("try"),
        "the old leader is now a follower"
    );
}
