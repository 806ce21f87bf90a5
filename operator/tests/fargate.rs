//! The Fargate profile check against moto's EKS API on loopback: a profile that
//! selects the pods gives FargateProfileMatched=True naming it; none gives
//! False naming the namespace and labels; an unreachable EKS API gives
//! Unknown, and the rest of the reconcile still happens.

use std::process::{Child, Stdio};
use std::time::Duration;

use crate::support::{apply_helloapi, context, spawn_operator};
use aws_sdk_eks::types::{FargateProfileSelector, VpcConfigRequest};
use hello_operator::fargate::FargateProfiles;
use hello_testbed::{TestBed, eventually_async, free_port};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::{Api, Client};
use serde_json::json;

struct Moto(Child);

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn start_moto() -> (Moto, String) {
    let port = free_port();
    let child = TestBed::get()
        .command("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("moto_server from the test bed PATH");
    let moto = Moto(child);
    eventually_async(Duration::from_secs(30), async || {
        std::net::TcpStream::connect(("127.0.0.1", port)).ok()
    })
    .await
    .expect("moto_server did not start");
    (moto, format!("http://127.0.0.1:{port}"))
}

async fn eks(endpoint: &str) -> aws_sdk_eks::Client {
    let config = aws_config::from_env()
        .region(aws_config::Region::new("eu-west-1"))
        .credentials_provider(aws_sdk_eks::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .endpoint_url(endpoint)
        .load()
        .await;
    aws_sdk_eks::Client::new(&config)
}

async fn create_cluster_with_profile(eks: &aws_sdk_eks::Client, cluster: &str, namespace: &str) {
    eks.create_cluster()
        .name(cluster)
        .role_arn("arn:aws:iam::123456789012:role/eks")
        .resources_vpc_config(VpcConfigRequest::builder().subnet_ids("subnet-1").build())
        .send()
        .await
        .expect("create cluster in moto");
    eks.create_fargate_profile()
        .cluster_name(cluster)
        .fargate_profile_name("hello-apis")
        .pod_execution_role_arn("arn:aws:iam::123456789012:role/fargate")
        .subnets("subnet-1")
        .selectors(
            FargateProfileSelector::builder()
                .namespace(namespace)
                .labels(hello_crds::COMPUTE_LABEL, "fargate")
                .build(),
        )
        .send()
        .await
        .expect("create Fargate profile in moto");
}

async fn namespace() -> (Client, String) {
    crate::support::namespace("fargate", &[]).await
}

/// Starts an operator that reads cluster hello's Fargate profiles from `eks`,
/// applies a HelloApi asking for Fargate and returns the operator's task and
/// the HelloApi's FargateProfileMatched condition (status, message).
async fn fargate_condition(
    client: &Client,
    ns: &str,
    eks: aws_sdk_eks::Client,
) -> (tokio::task::JoinHandle<()>, String, String) {
    let profiles = FargateProfiles::new(eks, "hello", Duration::ZERO);
    let operator = spawn_operator(client, ns, context(client, "test").with_fargate(profiles));
    apply_helloapi(client, ns, "demo", json!({"compute": "fargate"})).await;
    let api = Api::<hello_crds::HelloApi>::namespaced(client.clone(), ns);
    let (status, message) = eventually_async(Duration::from_secs(30), async || {
        let c = api
            .get("demo")
            .await
            .expect("get")
            .status?
            .condition("FargateProfileMatched")
            .cloned()?;
        Some((c.status, c.message))
    })
    .await
    .expect("no FargateProfileMatched condition");
    (operator, status, message)
}

#[tokio::test]
async fn a_selecting_profile_is_named_and_a_missing_one_is_reported() {
    let (_moto, endpoint) = start_moto().await;
    let eks = eks(&endpoint).await;
    let (client, matched_ns) = namespace().await;
    let (_, unmatched_ns) = namespace().await;
    create_cluster_with_profile(&eks, "hello", &matched_ns).await;

    let (a, status, message) = fargate_condition(&client, &matched_ns, eks.clone()).await;
    assert_eq!(status, "True", "{message}");
    assert!(
        message.contains("hello-apis"),
        "names the profile: {message}"
    );

    let (b, status, message) = fargate_condition(&client, &unmatched_ns, eks).await;
    assert_eq!(status, "False", "{message}");
    assert!(
        message.contains(&unmatched_ns),
        "names the namespace: {message}"
    );
    assert!(
        message.contains("hello.dev/compute=fargate"),
        "names the labels: {message}"
    );
    a.abort();
    b.abort();
}

#[tokio::test]
async fn an_unreachable_eks_api_gives_unknown_and_the_reconcile_goes_on() {
    let (client, ns) = namespace().await;
    // Nothing listens on this port.
    let eks = eks(&format!("http://127.0.0.1:{}", free_port())).await;
    let (op, status, message) = fargate_condition(&client, &ns, eks).await;
    assert_eq!(status, "Unknown", "{message}");
    assert!(message.contains("EKS cluster hello"), "{message}");
    let cm = Api::<ConfigMap>::namespaced(client.clone(), &ns)
        .get_opt("demo-responses")
        .await
        .expect("get");
    assert!(cm.is_some(), "an EKS outage must not stop the reconcile");
    op.abort();
}
