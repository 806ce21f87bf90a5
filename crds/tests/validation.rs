//! The CRD against the real apiserver: it is accepted, applies its defaults,
//! and refuses each invalid spec with a message naming the field.

use hello_testbed::{TestBed, unique_name};
use kube::api::{ApiResource, DeleteParams, DynamicObject, PostParams};
use kube::{Api, Client};
use serde_json::{Value, json};
use tokio::sync::OnceCell;

struct Fixture {
    client: Client,
    namespace: String,
}

/// One CRD install and namespace per test binary, and a client per test: a
/// kube Client lives on the runtime that made it, and each test has its own.
async fn fixture() -> Fixture {
    static NAMESPACE: OnceCell<String> = OnceCell::const_new();
    let namespace = NAMESPACE
        .get_or_init(|| async {
            let client = TestBed::get().client().await.expect("client");
            hello_testbed::install_crd(&client, &hello_crds::crd())
                .await
                .expect("the apiserver accepts the HelloApi CRD");
            hello_testbed::create_namespace(&client, "crd-validation", &[])
                .await
                .expect("namespace")
        })
        .await
        .clone();
    let client = TestBed::get().client().await.expect("client");
    Fixture { client, namespace }
}

fn api(f: &Fixture) -> Api<DynamicObject> {
    let resource = ApiResource::erase::<hello_crds::HelloApi>(&());
    Api::namespaced_with(f.client.clone(), &f.namespace, &resource)
}

async fn create(spec: Value) -> Result<DynamicObject, kube::Error> {
    let f = fixture().await;
    let object = json!({
        "apiVersion": "hello.dev/v1alpha1", "kind": "HelloApi",
        "metadata": {"name": unique_name("h")}, "spec": spec,
    });
    let created = api(&f)
        .create(
            &PostParams::default(),
            &serde_json::from_value(object).expect("object"),
        )
        .await;
    if let Ok(obj) = &created {
        let name = obj.metadata.name.clone().expect("name");
        api(&f)
            .delete(&name, &DeleteParams::default())
            .await
            .expect("cleanup");
    }
    created
}

/// Asserts the apiserver refuses `spec` and that its message names `field`.
async fn refused(spec: Value, field: &str) {
    match create(spec.clone()).await {
        Ok(_) => panic!("accepted an invalid spec: {spec}"),
        Err(err) => {
            let text = err.to_string();
            assert!(
                text.contains(field),
                "the error for {spec} does not name {field}: {text}"
            );
        }
    }
}

#[tokio::test]
async fn a_minimal_helloapi_gets_the_schema_defaults() {
    let created = create(json!({})).await.expect("an empty spec is valid");
    let spec = &created.data["spec"];
    assert_eq!(spec["replicas"], 2);
    assert_eq!(spec["greeting"], "Hello, {name}!");
    assert_eq!(
        spec["responses"],
        json!({"/hello": {"status": 200, "message": "Hello, World!"}})
    );
    assert_eq!(spec["compute"], "fargate");
    assert_eq!(spec["ingress"]["className"], "alb");
    assert_eq!(spec["ingress"]["scheme"], "internet-facing");
    assert_eq!(spec["ingress"]["enabled"], true);
    assert_eq!(spec["logLevel"], "info");
}

#[tokio::test]
async fn a_log_level_is_an_env_filter_or_refused() {
    let created = create(json!({"logLevel": "info,hello_api=debug,kube[reconcile]=trace"}))
        .await
        .expect("an EnvFilter with targets and spans is valid");
    assert_eq!(
        created.data["spec"]["logLevel"],
        "info,hello_api=debug,kube[reconcile]=trace"
    );
    refused(json!({"logLevel": "debug; rm -rf /"}), "spec.logLevel").await;
    refused(json!({"logLevel": ""}), "spec.logLevel").await;
}

#[tokio::test]
async fn the_contract_example_is_accepted_with_kafka_defaults() {
    let created = create(json!({
        "replicas": 2, "image": "", "greeting": "Hello, {name}!",
        "responses": {"/": {"message": "Welcome to ReaQta"}, "/api": {"message": "Welcome to ReaQta API"},
                      "/hello": {"message": "Hello, World!"}, "/teapot": {"status": 418, "message": "I'm a teapot"}},
        "compute": "fargate",
        "ingress": {"enabled": true, "className": "alb", "scheme": "internet-facing", "host": "",
                    "certificateArn": "", "annotations": {}},
        "serviceAccount": {"annotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/hello"}},
        "kafka": {"bootstrapServers": "b-1.example:9098", "topic": "events",
                  "auth": {"mechanism": "iam", "region": "eu-west-1"},
                  "consumer": {"replicas": 1, "groupId": "hello-consumer", "compute": "nodes"}}
    }))
    .await
    .expect("the contract's example is valid");
    assert_eq!(created.data["spec"]["responses"]["/"]["status"], 200);
    let minimal_kafka = create(json!({"kafka": {"bootstrapServers": "b:9092"}}))
        .await
        .expect("valid");
    let kafka = &minimal_kafka.data["spec"]["kafka"];
    assert_eq!(kafka["topic"], "events");
    assert_eq!(kafka["auth"]["mechanism"], "iam");
    assert_eq!(kafka["consumer"]["groupId"], "hello-consumer");
    assert_eq!(kafka["consumer"]["compute"], "nodes");
}

#[tokio::test]
async fn a_response_path_must_start_with_a_slash() {
    refused(
        json!({"responses": {"hello": {"message": "x"}}}),
        "spec.responses",
    )
    .await;
}

#[tokio::test]
async fn a_response_may_not_shadow_a_builtin_path() {
    for path in hello_crds::BUILTIN_PATHS {
        refused(
            json!({"responses": {path: {"message": "x"}}}),
            "spec.responses",
        )
        .await;
    }
}

#[tokio::test]
async fn a_status_outside_200_to_599_is_refused() {
    refused(
        json!({"responses": {"/a": {"status": 600, "message": "x"}}}),
        "spec.responses./a.status",
    )
    .await;
    refused(
        json!({"responses": {"/a": {"status": 199, "message": "x"}}}),
        "spec.responses./a.status",
    )
    .await;
    create(json!({"responses": {"/a": {"status": 599, "message": "x"}}}))
        .await
        .expect("599 is valid");
}

#[tokio::test]
async fn negative_replicas_are_refused() {
    refused(json!({"replicas": -1}), "spec.replicas").await;
    refused(
        json!({"kafka": {"bootstrapServers": "b:9092", "consumer": {"replicas": -1}}}),
        "spec.kafka.consumer.replicas",
    )
    .await;
}

#[tokio::test]
async fn more_than_100_responses_are_refused() {
    let many: serde_json::Map<String, Value> = (0..101)
        .map(|i| (format!("/r{i}"), json!({"message": "x"})))
        .collect();
    refused(json!({"responses": many}), "spec.responses").await;
    let hundred: serde_json::Map<String, Value> = (0..100)
        .map(|i| (format!("/r{i}"), json!({"message": "x"})))
        .collect();
    create(json!({"responses": hundred}))
        .await
        .expect("100 responses are valid");
}

#[tokio::test]
async fn a_message_over_4_kib_is_refused() {
    refused(
        json!({"responses": {"/a": {"message": "x".repeat(4097)}}}),
        "spec.responses./a.message",
    )
    .await;
    // 4 KiB counts bytes (a CEL rule; the schema can only count characters):
    // 1366 three-byte characters are 4098 bytes.
    refused(
        json!({"responses": {"/a": {"message": "€".repeat(1366)}}}),
        "spec.responses[/a].message",
    )
    .await;
    create(json!({"responses": {"/a": {"message": "x".repeat(4096)}}}))
        .await
        .expect("4096 bytes are valid");
}

#[tokio::test]
async fn kafka_without_bootstrap_servers_is_refused() {
    refused(
        json!({"kafka": {"topic": "events"}}),
        "spec.kafka.bootstrapServers",
    )
    .await;
    refused(
        json!({"kafka": {"bootstrapServers": ""}}),
        "spec.kafka.bootstrapServers",
    )
    .await;
}

#[tokio::test]
async fn an_unknown_auth_mechanism_is_refused() {
    refused(
        json!({"kafka": {"bootstrapServers": "b:9092", "auth": {"mechanism": "kerberos"}}}),
        "spec.kafka.auth.mechanism",
    )
    .await;
}

#[tokio::test]
async fn scram_needs_a_secret_reference() {
    refused(
        json!({"kafka": {"bootstrapServers": "b:9092", "auth": {"mechanism": "scram"}}}),
        "spec.kafka.auth.secretRef",
    )
    .await;
    create(json!({"kafka": {"bootstrapServers": "b:9092", "auth": {"mechanism": "scram", "secretRef": {"name": "kafka-creds"}}}}))
        .await
        .expect("scram with a secretRef is valid");
}
