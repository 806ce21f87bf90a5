//! `HelloApi.spec.networkPolicy`: the NetworkPolicies the operator gives the
//! API and consumer pods, and the peers only the user knows.

use k8s_openapi::api::networking::v1::NetworkPolicyPeer;
use kube::KubeSchema;
use serde::{Deserialize, Serialize};

/// NetworkPolicies `<name>` (API pods) and `<name>-consumer` (consumer pods),
/// on by default. Each lists both Ingress and Egress, so whatever it does not
/// allow is denied:
///
/// - API pods: the public port 8080 from anywhere (the ALB's `ip` targets and
///   in-cluster clients); the admin port 9090 from `adminFrom` only; egress to
///   the Kubernetes API (the ConfigMap watch), DNS, the Kafka brokers (ports
///   of `spec.kafka.bootstrapServers`) and, for `auth.mechanism: iam`, the AWS
///   APIs (STS) on 443 and EKS Pod Identity's agent.
/// - Consumer pods: the admin port from `adminFrom` only; egress to DNS, the
///   brokers and, for `iam`, the AWS APIs.
///
/// The kubelet's probes come from the pod's own node, which the network policy
/// engines exempt. EKS enforces NetworkPolicy on nodes (the VPC CNI's network
/// policy agent), not on Fargate pods: there, security groups for pods do.
#[derive(KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct NetworkPolicySpec {
    /// Create the NetworkPolicies. Disabled: the operator deletes them, and
    /// the pods accept and open any connection.
    #[serde(default = "default_true")]
    pub enabled: bool,

    /// Who may reach the admin port 9090 (`/metrics`, `/healthz`, `/readyz`)
    /// of the API and consumer pods, e.g. the monitoring namespace:
    /// `[{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]`.
    /// Empty: no one (the kubelet's probes still pass).
    #[serde(default)]
    #[schemars(length(max = 32))]
    #[x_kube(validation = Rule::new(PEER_RULE)
        .message("spec.networkPolicy.adminFrom: each peer sets ipBlock alone, or namespaceSelector and/or podSelector"))]
    pub admin_from: Vec<NetworkPolicyPeer>,

    /// Where the Kafka brokers are, on the ports of `bootstrapServers` (every
    /// broker of a cluster listens on the bootstrap port). MSK brokers live
    /// outside the cluster, so this is usually the MSK subnets' CIDRs:
    /// `[{ipBlock: {cidr: 10.0.16.0/20}}]`; a namespace selector for brokers in
    /// the cluster. Empty: any address, on those ports only.
    #[serde(default)]
    #[schemars(length(max = 32))]
    #[x_kube(validation = Rule::new(PEER_RULE)
        .message("spec.networkPolicy.kafkaTo: each peer sets ipBlock alone, or namespaceSelector and/or podSelector"))]
    pub kafka_to: Vec<NetworkPolicyPeer>,

    /// Where the AWS APIs that MSK IAM needs are (STS, for the IRSA role's
    /// credentials), on port 443; used with `spec.kafka.auth.mechanism: iam`
    /// only. With VPC interface endpoints, their subnets' CIDRs. Empty: any
    /// address on 443 (public STS endpoints have no fixed addresses). EKS Pod
    /// Identity's agent (169.254.170.23 and fd00:ec2::23, port 80, on the
    /// node) is allowed too, for a Pod Identity association instead of IRSA.
    #[serde(default)]
    #[schemars(length(max = 32))]
    #[x_kube(validation = Rule::new(PEER_RULE)
        .message("spec.networkPolicy.awsApiTo: each peer sets ipBlock alone, or namespaceSelector and/or podSelector"))]
    pub aws_api_to: Vec<NetworkPolicyPeer>,
}

/// What the apiserver's NetworkPolicy validation requires of a peer, checked
/// on the HelloApi instead, so a bad peer is refused naming its field.
const PEER_RULE: &str = "self.all(p, has(p.ipBlock) ? !has(p.namespaceSelector) && !has(p.podSelector) : has(p.namespaceSelector) || has(p.podSelector))";

impl NetworkPolicySpec {
    /// Whether `peer` is one the apiserver accepts in a NetworkPolicy: an
    /// `ipBlock` alone, or a namespace and/or pod selector (the CRD's CEL rule).
    pub fn peer_is_valid(peer: &NetworkPolicyPeer) -> bool {
        if peer.ip_block.is_some() {
            peer.namespace_selector.is_none() && peer.pod_selector.is_none()
        } else {
            peer.namespace_selector.is_some() || peer.pod_selector.is_some()
        }
    }
}

impl Default for NetworkPolicySpec {
    fn default() -> Self {
        NetworkPolicySpec {
            enabled: true,
            admin_from: Vec::new(),
            kafka_to: Vec::new(),
            aws_api_to: Vec::new(),
        }
    }
}

fn default_true() -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn on_by_default_with_no_extra_peers() {
        let spec: NetworkPolicySpec = serde_json::from_value(serde_json::json!({})).unwrap();
        assert_eq!(spec, NetworkPolicySpec::default());
        assert!(spec.enabled);
        assert!(spec.admin_from.is_empty() && spec.kafka_to.is_empty());
        assert!(spec.aws_api_to.is_empty());
    }

    #[test]
    fn peers_are_kubernetes_network_policy_peers() {
        let spec: NetworkPolicySpec = serde_json::from_value(serde_json::json!({
            "enabled": false,
            "adminFrom": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}],
            "kafkaTo": [{"ipBlock": {"cidr": "10.0.16.0/20"}}],
            "awsApiTo": [{"ipBlock": {"cidr": "10.0.32.0/24"}}]
        }))
        .unwrap();
        assert!(!spec.enabled);
        let ns = spec.admin_from[0].namespace_selector.as_ref().unwrap();
        assert_eq!(
            ns.match_labels.as_ref().unwrap()["kubernetes.io/metadata.name"],
            "monitoring"
        );
        assert_eq!(
            spec.kafka_to[0].ip_block.as_ref().unwrap().cidr,
            "10.0.16.0/20"
        );
        assert_eq!(
            spec.aws_api_to[0].ip_block.as_ref().unwrap().cidr,
            "10.0.32.0/24"
        );
    }

    #[test]
    fn a_peer_is_an_ip_block_alone_or_selectors() {
        let peer =
            |v: serde_json::Value| -> NetworkPolicyPeer { serde_json::from_value(v).unwrap() };
        assert!(NetworkPolicySpec::peer_is_valid(&peer(
            serde_json::json!({"ipBlock": {"cidr": "10.0.0.0/8"}})
        )));
        assert!(NetworkPolicySpec::peer_is_valid(&peer(
            serde_json::json!({"namespaceSelector": {}, "podSelector": {"matchLabels": {"a": "b"}}})
        )));
        assert!(!NetworkPolicySpec::peer_is_valid(&peer(serde_json::json!(
            {}
        ))));
        assert!(!NetworkPolicySpec::peer_is_valid(&peer(
            serde_json::json!({"ipBlock": {"cidr": "10.0.0.0/8"}, "podSelector": {}})
        )));
    }
}
