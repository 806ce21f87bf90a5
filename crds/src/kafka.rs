//! `HelloApi.spec.kafka`: where events go and who reads them.

use k8s_openapi::api::core::v1::ResourceRequirements;
use kube::KubeSchema;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::compute::Compute;
use crate::spec::ServiceAccountSpec;

/// Kafka (MSK) settings: every successful `/current_time` becomes an event on
/// `topic`, and a consumer Deployment logs each one.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct KafkaSpec {
    /// Comma-separated `host:port` list, e.g. the MSK IAM bootstrap brokers
    /// (`b-1.example.kafka.eu-west-1.amazonaws.com:9098`).
    #[schemars(length(min = 1, max = 2048))]
    pub bootstrap_servers: String,

    /// Topic the API writes to and the consumer reads. Created when missing.
    #[serde(default = "default_topic")]
    #[schemars(length(min = 1, max = 249), regex(pattern = r"^[a-zA-Z0-9._-]+$"))]
    pub topic: String,

    /// How clients authenticate to the brokers.
    #[serde(default)]
    pub auth: KafkaAuth,

    /// The consumer Deployment `<name>-consumer`.
    #[serde(default)]
    pub consumer: KafkaConsumerSpec,
}

/// Client authentication.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("self.mechanism != 'scram' || has(self.secretRef)")
    .message("spec.kafka.auth.secretRef: required when mechanism is scram"))]
pub struct KafkaAuth {
    /// `iam` (MSK IAM: SASL OAUTHBEARER over TLS, credentials from the pod's
    /// IRSA role), `scram` (SASL SCRAM-SHA-512 over TLS, credentials from
    /// `secretRef`), `tls` (TLS, no SASL) or `plaintext`.
    #[serde(default)]
    pub mechanism: KafkaAuthMechanism,

    /// AWS region for `iam` tokens. Empty: the pod's default AWS region.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[schemars(length(max = 32))]
    pub region: String,

    /// Secret with keys `username` and `password`, for `scram`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<SecretReference>,
}

/// Authentication mechanism.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum KafkaAuthMechanism {
    /// MSK IAM (SASL OAUTHBEARER over TLS).
    #[default]
    Iam,
    /// SASL SCRAM-SHA-512 over TLS.
    Scram,
    /// TLS without SASL.
    Tls,
    /// No TLS, no SASL (local brokers only).
    Plaintext,
}

impl KafkaAuthMechanism {
    /// The spelling the API and consumer read from `HELLO_KAFKA_AUTH`.
    pub fn as_str(self) -> &'static str {
        match self {
            KafkaAuthMechanism::Iam => "iam",
            KafkaAuthMechanism::Scram => "scram",
            KafkaAuthMechanism::Tls => "tls",
            KafkaAuthMechanism::Plaintext => "plaintext",
        }
    }
}

/// A Secret in the HelloApi's namespace.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
pub struct SecretReference {
    /// Name of the Secret.
    #[schemars(length(min = 1, max = 253))]
    pub name: String,
}

/// The consumer Deployment.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct KafkaConsumerSpec {
    /// Consumer pods; they share the topic's partitions through `groupId`.
    #[serde(default = "default_consumer_replicas")]
    #[schemars(range(min = 0, max = 100))]
    pub replicas: i32,

    /// Consumer group id.
    #[serde(default = "default_group_id")]
    #[schemars(length(min = 1, max = 255))]
    pub group_id: String,

    /// Where consumer pods run (see `spec.compute`).
    #[serde(default = "default_consumer_compute")]
    pub compute: Compute,

    /// Container image. Empty: the operator's default consumer image.
    #[serde(default)]
    #[schemars(length(max = 512))]
    pub image: String,

    /// CPU and memory of each consumer container. Unset: 50m/32Mi requested,
    /// 500m/128Mi limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceRequirements>,

    /// ServiceAccount `<name>-consumer` of the consumer pods; its annotations
    /// carry the consumer's IRSA role (`eks.amazonaws.com/role-arn`), separate
    /// from the API's (`spec.serviceAccount`).
    #[serde(default)]
    pub service_account: ServiceAccountSpec,
}

impl Default for KafkaConsumerSpec {
    fn default() -> Self {
        KafkaConsumerSpec {
            replicas: default_consumer_replicas(),
            group_id: default_group_id(),
            compute: default_consumer_compute(),
            image: String::new(),
            resources: None,
            service_account: ServiceAccountSpec::default(),
        }
    }
}

fn default_topic() -> String {
    "events".to_string()
}

fn default_consumer_replicas() -> i32 {
    1
}

fn default_group_id() -> String {
    "hello-consumer".to_string()
}

/// Consumers are long-running and steady, which suits the node group.
fn default_consumer_compute() -> Compute {
    Compute::Nodes
}
