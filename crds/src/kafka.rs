//! `HelloApi.spec.kafka`: where events go and who reads them.

use std::collections::BTreeSet;

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

/// The port librdkafka (the API's and consumer's Kafka client) uses for a
/// bootstrap server given without one.
pub const DEFAULT_BROKER_PORT: u16 = 9092;

impl KafkaSpec {
    /// The distinct ports of `bootstrapServers`, which the NetworkPolicies
    /// open to the brokers. Entries are `host:port`, `[ipv6]:port` or, as
    /// librdkafka allows, a host alone (port 9092) and an optional
    /// `protocol://` prefix; empty entries are skipped.
    ///
    /// Err names the first entry whose host is empty or whose port is not a
    /// number from 1 to 65535.
    pub fn broker_ports(&self) -> Result<BTreeSet<u16>, String> {
        let mut ports = BTreeSet::new();
        for entry in self.bootstrap_servers.split(',').map(str::trim) {
            if entry.is_empty() {
                continue;
            }
            let address = entry.split_once("://").map_or(entry, |(_, rest)| rest);
            let (host, port) = if let Some(bracketed) = address.strip_prefix('[') {
                match bracketed.split_once(']') {
                    Some((host, "")) => (host, None),
                    Some((host, rest)) => (host, Some(rest.strip_prefix(':').unwrap_or(rest))),
                    None => ("", None),
                }
            } else {
                match address.split_once(':') {
                    // One colon: host and port. More: a bare IPv6 address.
                    Some((host, port)) if !port.contains(':') => (host, Some(port)),
                    _ => (address, None),
                }
            };
            let port = match port {
                None => Some(DEFAULT_BROKER_PORT),
                Some(port) => port.parse::<u16>().ok().filter(|p| *p != 0),
            };
            match port {
                Some(port) if !host.is_empty() => {
                    ports.insert(port);
                }
                _ => {
                    return Err(format!(
                        "{entry:?} is not host:port with a port from 1 to 65535"
                    ));
                }
            }
        }
        Ok(ports)
    }
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

    /// CPU, memory and ephemeral storage of each consumer container. Unset:
    /// 50m/32Mi requested, 500m/128Mi limit. Ephemeral storage, unless named
    /// here: 16Mi requested (the `/tmp` volume's size), 256Mi limit.
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ports(servers: &str) -> Result<Vec<u16>, String> {
        let kafka: KafkaSpec =
            serde_json::from_value(serde_json::json!({"bootstrapServers": servers})).unwrap();
        kafka.broker_ports().map(|p| p.into_iter().collect())
    }

    #[test]
    fn broker_ports_are_the_distinct_ports_of_the_list() {
        assert_eq!(ports("b-1.example:9098"), Ok(vec![9098]));
        assert_eq!(ports("b-1:9098, b-2:9096,b-3:9098,"), Ok(vec![9096, 9098]));
        assert_eq!(ports("[fd00::1]:9094,[fd00::2]"), Ok(vec![9092, 9094]));
        assert_eq!(ports("SSL://b-1:9094"), Ok(vec![9094]));
        // librdkafka's default port for a host alone, bare IPv6 included.
        assert_eq!(ports("kafka"), Ok(vec![DEFAULT_BROKER_PORT]));
        assert_eq!(ports("fd00::1"), Ok(vec![DEFAULT_BROKER_PORT]));
    }

    #[test]
    fn a_bad_port_or_empty_host_names_the_entry() {
        for bad in [
            "b-1:x",
            "b-1:0",
            "b-1:65536",
            "b-1:",
            ":9092",
            "b-1:9092,b-2:-1",
            "[::1",
        ] {
            let err = ports(bad).expect_err(bad);
            assert!(err.contains("is not host:port"), "{bad}: {err}");
        }
        assert!(
            ports("b-1:9092,b-2:nine")
                .unwrap_err()
                .contains("\"b-2:nine\"")
        );
    }
}
