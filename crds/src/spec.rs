//! `HelloApi.spec`: what the API answers, where it runs, how it is reached.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ResourceRequirements;
use kube::{CustomResource, KubeSchema};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::compute::Compute;
use crate::kafka::KafkaSpec;
use crate::network_policy::NetworkPolicySpec;
use crate::status::HelloApiStatus;

/// Paths `hello-api` serves itself; a configured response may not shadow them.
pub const BUILTIN_PATHS: [&str; 3] = ["/healthcheck", "/current_time", "/api/v1/factorial"];

/// A configurable HTTP API and, when Kafka is set, a consumer of its events.
///
/// The operator turns a HelloApi into a ConfigMap `<name>-responses`, a
/// ServiceAccount with a Role that reads only that ConfigMap, the API
/// Deployment and Service `<name>`, an Ingress, a PodDisruptionBudget (more than
/// one replica), a consumer Deployment `<name>-consumer` (Kafka set) and
/// NetworkPolicies for both sets of pods.
// Each printcolumn repeats `type_`, which clippy mistakes for a duplicate.
#[allow(clippy::duplicated_attributes)]
#[derive(CustomResource, KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[kube(
    group = "hello.dev",
    version = "v1alpha1",
    kind = "HelloApi",
    plural = "helloapis",
    shortname = "hapi",
    category = "hello",
    namespaced,
    status = "HelloApiStatus",
    // `kubectl scale hapi` and a HorizontalPodAutoscaler: spec.replicas is the
    // API's; status.selector selects its pods (for the HPA's metrics).
    scale(
        spec_replicas_path = ".spec.replicas",
        status_replicas_path = ".status.replicas",
        label_selector_path = ".status.selector"
    ),
    doc = "A HelloApi: a configurable HTTP API on EKS and, with Kafka, a consumer of its events.",
    printcolumn(
        name = "Ready",
        type_ = "string",
        json_path = ".status.conditions[?(@.type==\"Ready\")].status"
    ),
    printcolumn(
        name = "Reason",
        type_ = "string",
        json_path = ".status.conditions[?(@.type==\"Ready\")].reason"
    ),
    printcolumn(
        name = "Replicas",
        type_ = "string",
        json_path = ".status.replicaSummary"
    ),
    printcolumn(
        name = "Up-to-date",
        type_ = "integer",
        json_path = ".status.updatedReplicas"
    ),
    printcolumn(
        name = "Image",
        type_ = "string",
        json_path = ".status.versions.api[0].image",
        priority = 1
    ),
    printcolumn(name = "Kafka", type_ = "string", json_path = ".status.kafkaTopic"),
    printcolumn(name = "URL", type_ = "string", json_path = ".status.url"),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    )
)]
#[serde(rename_all = "camelCase")]
pub struct HelloApiSpec {
    /// Number of API pods. More than one also gets a PodDisruptionBudget.
    #[serde(default = "default_replicas")]
    #[schemars(range(min = 0, max = 100))]
    pub replicas: i32,

    /// Container image of the API pods. Empty: the image the operator was
    /// installed with (Helm value `images.api`).
    #[serde(default)]
    #[schemars(length(max = 512))]
    pub image: String,

    /// Template of the `/current_time` message; `{name}` is replaced by the
    /// `name` query parameter.
    #[serde(default = "default_greeting")]
    #[schemars(length(min = 1, max = 4096))]
    pub greeting: String,

    /// Fixed responses, keyed by exact request path (so a merge patch can add,
    /// change or remove one path). Paths start with `/` and may not shadow
    /// `/healthcheck`, `/current_time` or `/api/v1/factorial`. At most 100.
    #[serde(default = "default_responses")]
    #[schemars(extend("maxProperties" = 100))]
    #[x_kube(validation = Rule::new("self.all(path, path.startsWith('/'))")
        .message("spec.responses: every path must start with '/'"))]
    #[x_kube(validation = Rule::new("self.all(path, !(path in ['/healthcheck', '/current_time', '/api/v1/factorial']))")
        .message("spec.responses: a path may not shadow the built-in paths /healthcheck, /current_time and /api/v1/factorial")
        )]
    pub responses: BTreeMap<String, ResponseSpec>,

    /// Where the API pods run: `fargate` (a Fargate profile selects them by
    /// the label `hello.dev/compute: fargate`) or `nodes` (the Bottlerocket
    /// node group, through a nodeSelector on the same key).
    #[serde(default)]
    pub compute: Compute,

    /// How the API is published outside the cluster.
    #[serde(default)]
    pub ingress: IngressSpec,

    /// NetworkPolicies of the API and consumer pods (on by default), and the
    /// peers they need that only you know: who scrapes the admin port, where
    /// the Kafka brokers and the AWS APIs are.
    #[serde(default)]
    pub network_policy: NetworkPolicySpec,

    /// ServiceAccount `<name>` of the API pods; its annotations carry the API's
    /// IRSA role. The consumer has its own: `spec.kafka.consumer.serviceAccount`.
    #[serde(default)]
    pub service_account: ServiceAccountSpec,

    /// CPU, memory and ephemeral storage of each API container. Unset:
    /// 50m/32Mi requested, 500m/128Mi limit. Ephemeral storage, unless named
    /// here: 16Mi requested (the `/tmp` volume's size), 256Mi limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceRequirements>,

    /// Seconds a rollout may go without progress before the HelloApi reports
    /// it failed (`Stalled`; the Deployments' `progressDeadlineSeconds`). The
    /// pods' reason (an image that does not pull, a crash loop) shows in
    /// `Degraded` long before.
    #[serde(default = "default_progress_deadline_seconds")]
    #[schemars(range(min = 30, max = 3600))]
    pub progress_deadline_seconds: i32,

    /// Kafka (MSK) settings. Absent: no events and no consumer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kafka: Option<KafkaSpec>,

    /// Log filter of the API and consumer pods: their `HELLO_LOG`, in
    /// tracing's EnvFilter syntax (`debug`, `info,hello_api=debug`). A change
    /// rolls the pods.
    #[serde(default = "default_log_level")]
    #[schemars(
        length(min = 1, max = 256),
        regex(pattern = r"^[-A-Za-z0-9_:=,.\[\]{}]+$")
    )]
    pub log_level: String,
}

/// One fixed response.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ResponseSpec {
    /// HTTP status code, 200 to 599.
    #[serde(default = "default_status")]
    #[schemars(range(min = 200, max = 599))]
    pub status: u16,

    /// Returned as `{"message": ...}`. At most 4 KiB of UTF-8.
    #[schemars(length(max = 4096))]
    #[x_kube(validation = Rule::new("size(bytes(self)) <= 4096")
        .message("spec.responses[].message: must be at most 4096 bytes"))]
    pub message: String,
}

/// The Ingress in front of the API's Service (AWS Load Balancer Controller).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct IngressSpec {
    /// Create the Ingress. Disabled: the API is reachable inside the cluster only.
    #[serde(default = "default_true")]
    pub enabled: bool,

    /// IngressClass that serves it.
    #[serde(default = "default_ingress_class")]
    #[schemars(length(min = 1, max = 253))]
    pub class_name: String,

    /// Load balancer scheme: `internet-facing` or `internal`.
    #[serde(default)]
    pub scheme: IngressScheme,

    /// Host name to match. Empty: any host.
    #[serde(default)]
    #[schemars(length(max = 253))]
    pub host: String,

    /// ACM certificate ARN. Set: the load balancer listens on 80 and 443 and
    /// redirects HTTP to HTTPS.
    #[serde(default)]
    #[schemars(length(max = 2048))]
    pub certificate_arn: String,

    /// Extra annotations, merged over the operator's (e.g. WAF, access logs).
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

/// Load balancer scheme.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum IngressScheme {
    /// A public load balancer.
    #[default]
    InternetFacing,
    /// A load balancer reachable from the VPC only.
    Internal,
}

impl IngressScheme {
    /// The AWS Load Balancer Controller's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            IngressScheme::InternetFacing => "internet-facing",
            IngressScheme::Internal => "internal",
        }
    }
}

/// A ServiceAccount the operator creates for a set of pods.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
pub struct ServiceAccountSpec {
    /// Annotations, e.g. `eks.amazonaws.com/role-arn` for IRSA (which Fargate
    /// pods need: they cannot use EKS Pod Identity).
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

impl Default for IngressSpec {
    fn default() -> Self {
        IngressSpec {
            enabled: true,
            class_name: default_ingress_class(),
            scheme: IngressScheme::default(),
            host: String::new(),
            certificate_arn: String::new(),
            annotations: BTreeMap::new(),
        }
    }
}

fn default_replicas() -> i32 {
    2
}

/// Five minutes: a Fargate pod's start (capacity, image pull, readiness)
/// takes one to two minutes, so a healthy rollout never trips it, and a
/// broken one is reported failed in half the Deployment default (600 s).
pub const DEFAULT_PROGRESS_DEADLINE_SECONDS: i32 = 300;

fn default_progress_deadline_seconds() -> i32 {
    DEFAULT_PROGRESS_DEADLINE_SECONDS
}

fn default_log_level() -> String {
    "info".to_string()
}

fn default_greeting() -> String {
    "Hello, {name}!".to_string()
}

/// `/hello` answers "Hello, World!" unless the resource lists its own responses.
fn default_responses() -> BTreeMap<String, ResponseSpec> {
    BTreeMap::from([(
        "/hello".to_string(),
        ResponseSpec {
            status: 200,
            message: "Hello, World!".to_string(),
        },
    )])
}

fn default_status() -> u16 {
    200
}

fn default_true() -> bool {
    true
}

fn default_ingress_class() -> String {
    "alb".to_string()
}
