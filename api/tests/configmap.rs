//! `--configmap NAME` against the test bed's real API server, running as a
//! ServiceAccount that may only get/list/watch that one ConfigMap.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::support::api::Api;
use crate::support::eventually;
use hello_testbed::{TestBed, unique_name};
use k8s_openapi::api::authentication::v1::{TokenRequest, TokenRequestSpec};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, ServiceAccount};
use k8s_openapi::api::rbac::v1::{PolicyRule, Role, RoleBinding, RoleRef, Subject};
use kube::api::{DeleteParams, ObjectMeta, Patch, PatchParams, PostParams};
use kube::config::Kubeconfig;
use kube::{Api as KubeApi, Client};

const CONFIGMAP: &str = "demo-responses";

fn meta(name: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_string()),
        ..Default::default()
    }
}

fn configmap_with(key: &str, text: &str) -> ConfigMap {
    ConfigMap {
        metadata: meta(CONFIGMAP),
        data: Some(BTreeMap::from([(key.to_string(), text.to_string())])),
        ..Default::default()
    }
}

fn config(message: &str) -> String {
    format!(
        "greeting: \"{message}, {{name}}!\"\nresponses:\n  /hello: {{message: \"{message}\"}}\n"
    )
}

/// Creates `object` in `namespace`, or fails the test naming its kind.
async fn create<K>(client: &Client, namespace: &str, object: &K)
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>
        + Clone
        + std::fmt::Debug
        + serde::de::DeserializeOwned
        + serde::Serialize,
{
    KubeApi::<K>::namespaced(client.clone(), namespace)
        .create(&PostParams::default(), object)
        .await
        .unwrap_or_else(|e| panic!("create {}: {e}", K::kind(&())));
}

/// A namespace with the ConfigMap and a ServiceAccount allowed only
/// get/list/watch on it; returns a kubeconfig file for that account.
async fn least_privilege_kubeconfig(client: &Client, namespace: &str) -> std::path::PathBuf {
    let testbed = TestBed::get();
    KubeApi::<Namespace>::all(client.clone())
        .create(
            &PostParams::default(),
            &Namespace {
                metadata: meta(namespace),
                ..Default::default()
            },
        )
        .await
        .expect("namespace");
    let configmap = configmap_with("config.yaml", &config("Hello"));
    create(client, namespace, &configmap).await;
    let account = ServiceAccount {
        metadata: meta("hello-api"),
        ..Default::default()
    };
    create(client, namespace, &account).await;
    let role = Role {
        metadata: meta("hello-api"),
        rules: Some(vec![PolicyRule {
            api_groups: Some(vec![String::new()]),
            resources: Some(vec!["configmaps".into()]),
            resource_names: Some(vec![CONFIGMAP.into()]),
            verbs: vec!["get".into(), "list".into(), "watch".into()],
            ..Default::default()
        }]),
    };
    create(client, namespace, &role).await;
    let binding = RoleBinding {
        metadata: meta("hello-api"),
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".into(),
            kind: "Role".into(),
            name: "hello-api".into(),
        },
        subjects: Some(vec![Subject {
            kind: "ServiceAccount".into(),
            name: "hello-api".into(),
            namespace: Some(namespace.into()),
            ..Default::default()
        }]),
    };
    create(client, namespace, &binding).await;
    let request = TokenRequest {
        spec: TokenRequestSpec {
            audiences: vec![],
            expiration_seconds: Some(3600),
            ..Default::default()
        },
        ..Default::default()
    };
    let token = KubeApi::<ServiceAccount>::namespaced(client.clone(), namespace)
        .create_token_request("hello-api", &PostParams::default(), &request)
        .await
        .expect("token request")
        .status
        .expect("token status")
        .token;

    let admin = Kubeconfig::read_from(testbed.kubeconfig()).expect("admin kubeconfig");
    let server = admin.clusters[0]
        .cluster
        .as_ref()
        .and_then(|c| c.server.clone())
        .expect("server");
    let ca = testbed.dir().join("pki/ca.crt");
    let path = std::env::temp_dir().join(format!("{namespace}.kubeconfig"));
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: t\n  cluster: {{server: \"{server}\", certificate-authority: \"{}\"}}\nusers:\n- name: sa\n  user: {{token: \"{token}\"}}\ncontexts:\n- name: t\n  context: {{cluster: t, user: sa, namespace: {namespace}}}\ncurrent-context: t\n",
            ca.display()
        ),
    )
    .expect("write kubeconfig");
    path
}

#[tokio::test]
async fn the_configmap_is_served_and_followed_with_least_privilege() {
    let client = TestBed::get().client().await.expect("client");
    let namespace = unique_name("api-configmap");
    let kubeconfig = least_privilege_kubeconfig(&client, &namespace).await;
    let api = Api::builder()
        .env("KUBECONFIG", kubeconfig.display().to_string())
        .env("POD_NAMESPACE", &namespace)
        .arg("--configmap")
        .arg(CONFIGMAP)
        .start();
    assert_eq!(api.get("/hello").text(), r#"{"message":"Hello"}"#);

    let configmaps = KubeApi::<ConfigMap>::namespaced(client.clone(), &namespace);
    let patch = |cm: ConfigMap| async {
        configmaps
            .patch(CONFIGMAP, &PatchParams::default(), &Patch::Merge(cm))
            .await
            .expect("patch")
    };

    patch(configmap_with("config.yaml", &config("Ahoy"))).await;
    let patched = Instant::now();
    let served = eventually(Duration::from_secs(5), || {
        (api.get("/hello").text() == r#"{"message":"Ahoy"}"#).then(Instant::now)
    })
    .expect("the change is served");
    assert!(
        served - patched < Duration::from_secs(1),
        "took {:?}",
        served - patched
    );
    assert_eq!(
        api.get("/current_time?name=Paul").json()["message"],
        "Ahoy, Paul!"
    );

    // An invalid document, then a ConfigMap without the key: both refused.
    patch(configmap_with(
        "config.yaml",
        "responses: {/a: {status: 99, message: x}}",
    ))
    .await;
    let refused = eventually(Duration::from_secs(5), || {
        api.metric("hello_config_reload_failures_total")
            .filter(|n| *n >= 1.0)
    });
    assert!(refused.is_some(), "{}", api.logs());
    let replace_data = ConfigMap {
        metadata: meta(CONFIGMAP),
        data: Some(BTreeMap::from([("other.yaml".to_string(), config("Nope"))])),
        ..Default::default()
    };
    configmaps
        .replace(CONFIGMAP, &PostParams::default(), &{
            let mut current = configmaps.get(CONFIGMAP).await.expect("get");
            current.data = replace_data.data;
            current
        })
        .await
        .expect("replace");
    let refused = eventually(Duration::from_secs(5), || {
        api.metric("hello_config_reload_failures_total")
            .filter(|n| *n >= 2.0)
    });
    assert!(refused.is_some(), "{}", api.logs());
    assert!(api.logs().contains("config.yaml"));
    assert_eq!(api.get("/hello").text(), r#"{"message":"Ahoy"}"#);
    assert!(api.is_ready());

    KubeApi::<Namespace>::all(client)
        .delete(&namespace, &DeleteParams::default())
        .await
        .expect("delete namespace");
    let _ = std::fs::remove_file(kubeconfig);
}
