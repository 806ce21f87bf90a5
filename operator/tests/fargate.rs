//! The Fargate profile check against moto's EKS API on loopback: a profile that
//! selects the pods gives FargateProfileMatched=True naming it; none gives
//! False naming the namespace and labels; an unreachable EKS API gives
//! Unknown, and the rest of the reconcile still happens.

use std::net::TcpListener;
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_eks::types::{FargateProfileSelector, VpcConfigRequest};
use hello_operator::build::DefaultImages;
use hello_operator::fargate::FargateProfiles;
use hello_operator::{Context, controller};
use hello_testbed::TestBed;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Patch, PatchParams};
use kube::{Api, Client};
use serde_json::json;

struct Moto(Child);

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port")
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
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "moto_server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
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

async fn namespace(client: &Client) -> String {
    hello_testbed::install_crd(client, &hello_crds::crd())
        .await
        .expect("CRD");
    hello_testbed::create_namespace(client, "fargate", &[])
        .await
        .expect("namespace")
}

fn operator(client: &Client, ns: &str, profiles: FargateProfiles) -> tokio::task::JoinHandle<()> {
    let images = DefaultImages {
        api: "a:1".into(),
        consumer: "c:1".into(),
    };
    let ctx = Arc::new(Context::new(client.clone(), images, None).with_fargate(profiles));
    tokio::spawn(controller::run(
        client.clone(),
        controller::Options::namespace(Some(ns.to_string())),
        ctx,
    ))
}

/// Applies a HelloApi and returns its FargateProfileMatched condition.
async fn condition(client: &Client, ns: &str, spec: serde_json::Value) -> (String, String) {
    let api = Api::<hello_crds::HelloApi>::namespaced(client.clone(), ns);
    let object = json!({"apiVersion": "hello.dev/v1alpha1", "kind": "HelloApi", "metadata": {"name": "demo"}, "spec": spec});
    api.patch(
        "demo",
        &PatchParams::apply("test-user").force(),
        &Patch::Apply(object),
    )
    .await
    .expect("apply");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let found = api
            .get("demo")
            .await
            .expect("get")
            .status
            .and_then(|s| s.condition("FargateProfileMatched").cloned());
        if let Some(c) = found {
            return (c.status, c.message);
        }
        assert!(
            Instant::now() < deadline,
            "no FargateProfileMatched condition"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_selecting_profile_is_named_and_a_missing_one_is_reported() {
    let (_moto, endpoint) = start_moto().await;
    let eks = eks(&endpoint).await;
    let client = TestBed::get().client().await.expect("client");
    let matched_ns = namespace(&client).await;
    let unmatched_ns = namespace(&client).await;
    create_cluster_with_profile(&eks, "hello", &matched_ns).await;

    let a = operator(
        &client,
        &matched_ns,
        FargateProfiles::new(eks.clone(), "hello", Duration::ZERO),
    );
    let (status, message) = condition(&client, &matched_ns, json!({"compute": "fargate"})).await;
    assert_eq!(status, "True", "{message}");
    assert!(
        message.contains("hello-apis"),
        "names the profile: {message}"
    );

    let b = operator(
        &client,
        &unmatched_ns,
        FargateProfiles::new(eks.clone(), "hello", Duration::ZERO),
    );
    let (status, message) = condition(&client, &unmatched_ns, json!({"compute": "fargate"})).await;
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
    let client = TestBed::get().client().await.expect("client");
    let ns = namespace(&client).await;
    // Nothing listens on this port.
    let eks = eks(&format!("http://127.0.0.1:{}", free_port())).await;
    let op = operator(
        &client,
        &ns,
        FargateProfiles::new(eks, "hello", Duration::ZERO),
    );
    let (status, message) = condition(&client, &ns, json!({"compute": "fargate"})).await;
    assert_eq!(status, "Unknown", "{message}");
    assert!(message.contains("EKS cluster hello"), "{message}");
    let cm = Api::<ConfigMap>::namespaced(client.clone(), &ns)
        .get_opt("demo-responses")
        .await
        .expect("get");
    assert!(cm.is_some(), "an EKS outage must not stop the reconcile");
    op.abort();
}
