//! What the operator's integration tests share: a namespace with the CRD
//! installed, an operator scoped to it, applying a HelloApi as a user, and
//! the reconcile tests' [`harness::Harness`].

#![allow(dead_code)] // each test binary uses its own part of it

pub mod harness;

use std::sync::Arc;
use std::time::Duration;

use hello_operator::build::DefaultImages;
use hello_operator::{Context, controller};
use hello_testbed::{TestBed, eventually_async};
use kube::api::{Patch, PatchParams};
use kube::{Api, Client};
use serde_json::json;
use tokio::task::JoinHandle;

/// A client and a new namespace `<prefix>-...` labelled `labels`, with the
/// HelloApi CRD installed.
pub async fn namespace(prefix: &str, labels: &[(&str, &str)]) -> (Client, String) {
    let client = TestBed::get().client().await.expect("client");
    hello_testbed::install_crd(&client, &hello_crds::crd())
        .await
        .expect("install the CRD");
    let ns = hello_testbed::create_namespace(&client, prefix, labels)
        .await
        .expect("namespace");
    (client, ns)
}

/// The operator's context with the test images and `instance` as its name.
pub fn context(client: &Client, instance: &str) -> Context {
    let images = DefaultImages {
        api: "hello-api:test".into(),
        consumer: "hello-consumer:test".into(),
    };
    Context::new(client.clone(), images, Some(instance.to_string()))
}

/// `controller::run` on `ns` only, until the task is aborted.
pub fn spawn_operator(client: &Client, ns: &str, ctx: Context) -> JoinHandle<()> {
    tokio::spawn(controller::run(
        client.clone(),
        controller::Options::namespace(Some(ns.to_string())),
        Arc::new(ctx),
    ))
}

/// Server-side apply of HelloApi `name` with `spec`, as `kubectl apply` would.
pub async fn apply_helloapi(client: &Client, ns: &str, name: &str, spec: serde_json::Value) {
    let object = json!({"apiVersion": "hello.dev/v1alpha1", "kind": "HelloApi", "metadata": {"name": name}, "spec": spec});
    Api::<hello_crds::HelloApi>::namespaced(client.clone(), ns)
        .patch(
            name,
            &PatchParams::apply("test-user").force(),
            &Patch::Apply(object),
        )
        .await
        .expect("apply HelloApi");
}

/// How long a test waits for the operator to act.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// Waits up to [`TIMEOUT`] for `check`; panics naming `what` if it never holds.
pub async fn wait_for(what: &str, check: impl AsyncFn() -> bool) {
    eventually_async(TIMEOUT, async || check().await.then_some(()))
        .await
        .unwrap_or_else(|| panic!("timed out waiting for {what}"));
}
