//! NetworkPolicies `<name>` (the API pods) and `<name>-consumer` (the
//! consumer pods), while `spec.networkPolicy.enabled` (the default).
//!
//! Each lists both `Ingress` and `Egress` in `policyTypes`, so its pods accept
//! and open only what a rule allows:
//!
//! | pods | ingress | egress |
//! |---|---|---|
//! | API | 8080 from anywhere; 9090 from `adminFrom` | apiserver, DNS, brokers, AWS APIs (`iam`) |
//! | consumer | 9090 from `adminFrom` | DNS, brokers, AWS APIs (`iam`) |
//!
//! The consumer never calls the Kubernetes API, so it has no apiserver rule.
//! The kubelet's probes come from the pod's node, which network policy
//! engines exempt, so `adminFrom` may stay empty.

use std::collections::BTreeMap;

use hello_crds::{HelloApi, KafkaAuthMechanism, KafkaSpec};
use k8s_openapi::api::networking::v1::{
    IPBlock, NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer,
    NetworkPolicyPort, NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::deployment::HTTP_PORT;
use super::metadata::{API_COMPONENT, CONSUMER_COMPONENT, Owner, consumer_name};
use super::pod::ADMIN_PORT;

/// Port of the AWS APIs (STS) that MSK IAM's credentials come from.
pub const AWS_API_PORT: i32 = 443;
/// EKS Pod Identity's agent, on every node at these link-local addresses: a
/// pod whose ServiceAccount has a Pod Identity association (instead of an
/// IRSA role) gets its AWS credentials there.
pub const POD_IDENTITY_AGENT: [&str; 2] = ["169.254.170.23/32", "fd00:ec2::23/128"];
/// The Pod Identity agent's port.
pub const POD_IDENTITY_AGENT_PORT: i32 = 80;

/// Where the cluster's own services are: the Kubernetes API and DNS. They are
/// facts of the cluster, not of a HelloApi, so the operator holds them (as it
/// holds [`super::DefaultImages`]) and every HelloApi's policies use them.
#[derive(Clone, Debug, PartialEq)]
pub struct ClusterEndpoints {
    /// The apiserver, as a NetworkPolicy sees it. The API pods reach it
    /// through the `kubernetes` Service's ClusterIP, but policies are matched
    /// after kube-proxy's DNAT, on the endpoints' addresses and port (`kubectl
    /// get endpointslices -n default -l kubernetes.io/service-name=kubernetes`):
    /// 443 on EKS, 6443 on kubeadm clusters and the test bed. Those addresses
    /// are outside the pod network and may change (EKS replaces its control
    /// plane ENIs), so the default is any address, on those two ports only.
    pub api_server_to: Vec<NetworkPolicyPeer>,
    /// The apiserver endpoints' ports (TCP).
    pub api_server_ports: Vec<i32>,
    /// The cluster DNS, on port 53 (UDP and TCP). Default: the pods labelled
    /// `k8s-app: kube-dns` in `kube-system`, the CoreDNS of EKS's add-on, of
    /// kubeadm and of the test bed. Empty: any address on port 53 (NodeLocal
    /// DNSCache answers on a link-local address no selector matches).
    pub dns_to: Vec<NetworkPolicyPeer>,
}

impl Default for ClusterEndpoints {
    fn default() -> Self {
        ClusterEndpoints {
            api_server_to: vec![ip_block("0.0.0.0/0")],
            api_server_ports: vec![443, 6443],
            dns_to: vec![NetworkPolicyPeer {
                namespace_selector: Some(match_labels(
                    "kubernetes.io/metadata.name",
                    "kube-system",
                )),
                pod_selector: Some(match_labels("k8s-app", "kube-dns")),
                ..NetworkPolicyPeer::default()
            }],
        }
    }
}

/// NetworkPolicy `<name>` of the API pods; None when disabled.
// Wired into Children by the reconcile branch.
pub(crate) fn api(
    api: &HelloApi,
    owner: &Owner,
    cluster: &ClusterEndpoints,
) -> Option<NetworkPolicy> {
    let settings = &api.spec.network_policy;
    if !settings.enabled {
        return None;
    }
    // The Service's target: the ALB (`ip` targets, so from the VPC's
    // addresses) and in-cluster clients, hence no `from`.
    let mut ingress = vec![NetworkPolicyIngressRule {
        ports: Some(vec![tcp(HTTP_PORT)]),
        from: None,
    }];
    ingress.extend(admin_ingress(&settings.admin_from));
    let mut egress = vec![
        // The ConfigMap watch.
        egress_rule(
            cluster.api_server_ports.iter().copied().map(tcp).collect(),
            &cluster.api_server_to,
        ),
        dns_egress(cluster),
    ];
    if let Some(kafka) = &api.spec.kafka {
        egress.extend(kafka_egress(api, kafka));
    }
    Some(policy(owner, &owner.name, API_COMPONENT, ingress, egress))
}

/// NetworkPolicy `<name>-consumer` of the consumer pods; None when disabled
/// or without Kafka (no consumer).
// Wired into Children by the reconcile branch.
pub(crate) fn consumer(
    api: &HelloApi,
    owner: &Owner,
    cluster: &ClusterEndpoints,
) -> Option<NetworkPolicy> {
    let settings = &api.spec.network_policy;
    let kafka = api.spec.kafka.as_ref().filter(|_| settings.enabled)?;
    let ingress = admin_ingress(&settings.admin_from).into_iter().collect();
    let mut egress = vec![dns_egress(cluster)];
    egress.extend(kafka_egress(api, kafka));
    Some(policy(
        owner,
        &consumer_name(&owner.name),
        CONSUMER_COMPONENT,
        ingress,
        egress,
    ))
}

fn policy(
    owner: &Owner,
    name: &str,
    component: &str,
    ingress: Vec<NetworkPolicyIngressRule>,
    egress: Vec<NetworkPolicyEgressRule>,
) -> NetworkPolicy {
    NetworkPolicy {
        metadata: owner.child_meta(name),
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(LabelSelector {
                match_labels: Some(owner.selector(component)),
                ..LabelSelector::default()
            }),
            // Both, always: a pod selected by a policy of a type denies what
            // no rule of that type allows, even with no rule at all.
            policy_types: Some(vec!["Ingress".to_string(), "Egress".to_string()]),
            ingress: Some(ingress),
            egress: Some(egress),
        }),
    }
}

/// The admin port from `adminFrom`; no rule at all when it is empty (a rule
/// without `from` would admit everyone).
fn admin_ingress(admin_from: &[NetworkPolicyPeer]) -> Option<NetworkPolicyIngressRule> {
    (!admin_from.is_empty()).then(|| NetworkPolicyIngressRule {
        ports: Some(vec![tcp(ADMIN_PORT)]),
        from: Some(admin_from.to_vec()),
    })
}

fn dns_egress(cluster: &ClusterEndpoints) -> NetworkPolicyEgressRule {
    egress_rule(vec![port(53, "UDP"), port(53, "TCP")], &cluster.dns_to)
}

/// The brokers on the ports of `bootstrapServers` and, for `iam`, the AWS
/// APIs on 443 and the Pod Identity agent. An unparsable `bootstrapServers`
/// (which validation refuses before build) opens no broker port.
fn kafka_egress(api: &HelloApi, kafka: &KafkaSpec) -> Vec<NetworkPolicyEgressRule> {
    let settings = &api.spec.network_policy;
    let mut rules = Vec::new();
    let ports: Vec<_> = kafka
        .broker_ports()
        .unwrap_or_default()
        .into_iter()
        .map(|p| tcp(i32::from(p)))
        .collect();
    if !ports.is_empty() {
        rules.push(egress_rule(ports, &settings.kafka_to));
    }
    if kafka.auth.mechanism == KafkaAuthMechanism::Iam {
        rules.push(egress_rule(vec![tcp(AWS_API_PORT)], &settings.aws_api_to));
        rules.push(egress_rule(
            vec![tcp(POD_IDENTITY_AGENT_PORT)],
            &POD_IDENTITY_AGENT.map(ip_block),
        ));
    }
    rules
}

/// A rule to `to` on `ports`; an empty `to` means any address (on those ports).
fn egress_rule(ports: Vec<NetworkPolicyPort>, to: &[NetworkPolicyPeer]) -> NetworkPolicyEgressRule {
    NetworkPolicyEgressRule {
        ports: Some(ports),
        to: (!to.is_empty()).then(|| to.to_vec()),
    }
}

fn tcp(number: i32) -> NetworkPolicyPort {
    port(number, "TCP")
}

fn port(number: i32, protocol: &str) -> NetworkPolicyPort {
    NetworkPolicyPort {
        port: Some(IntOrString::Int(number)),
        protocol: Some(protocol.to_string()),
        end_port: None,
    }
}

fn ip_block(cidr: &str) -> NetworkPolicyPeer {
    NetworkPolicyPeer {
        ip_block: Some(IPBlock {
            cidr: cidr.to_string(),
            except: None,
        }),
        ..NetworkPolicyPeer::default()
    }
}

fn match_labels(key: &str, value: &str) -> LabelSelector {
    LabelSelector {
        match_labels: Some(BTreeMap::from([(key.to_string(), value.to_string())])),
        ..LabelSelector::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::fixtures::{FULL, MINIMAL, helloapi};
    use serde_json::{Value, json};

    /// The policy as the apiserver would receive it.
    fn yaml(policy: &NetworkPolicy) -> Value {
        serde_json::to_value(policy).unwrap()
    }

    fn build_api(yaml_spec: &str) -> Option<NetworkPolicy> {
        let hello = helloapi(yaml_spec);
        api(
            &hello,
            &Owner::of(&hello).unwrap(),
            &ClusterEndpoints::default(),
        )
    }

    fn build_consumer(yaml_spec: &str) -> Option<NetworkPolicy> {
        let hello = helloapi(yaml_spec);
        consumer(
            &hello,
            &Owner::of(&hello).unwrap(),
            &ClusterEndpoints::default(),
        )
    }

    fn with_spec(spec: &str) -> String {
        format!(
            "
apiVersion: hello.dev/v1alpha1
kind: HelloApi
metadata: {{name: demo, namespace: shop}}
spec: {spec}
"
        )
    }

    fn apiserver_rule() -> Value {
        json!({"ports": [{"port": 443, "protocol": "TCP"}, {"port": 6443, "protocol": "TCP"}],
               "to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]})
    }

    fn dns_rule() -> Value {
        json!({"ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}],
               "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                       "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}]})
    }

    fn iam_rules() -> [Value; 2] {
        [
            json!({"ports": [{"port": 443, "protocol": "TCP"}]}),
            json!({"ports": [{"port": 80, "protocol": "TCP"}],
                   "to": [{"ipBlock": {"cidr": "169.254.170.23/32"}},
                          {"ipBlock": {"cidr": "fd00:ec2::23/128"}}]}),
        ]
    }

    #[test]
    fn the_api_policy_without_kafka_is_exactly_public_port_in_apiserver_and_dns_out() {
        let policy = build_api(MINIMAL).expect("on by default");
        let v = yaml(&policy);
        assert_eq!(v["metadata"]["name"], "demo");
        assert_eq!(v["metadata"]["namespace"], "shop");
        assert_eq!(
            v["metadata"]["labels"]["app.kubernetes.io/managed-by"],
            "hello-operator"
        );
        assert_eq!(
            v["metadata"]["labels"]["app.kubernetes.io/instance"],
            "demo"
        );
        let owner = &v["metadata"]["ownerReferences"][0];
        assert_eq!(
            (&owner["kind"], &owner["name"], &owner["controller"]),
            (&json!("HelloApi"), &json!("demo"), &json!(true))
        );
        assert_eq!(
            v["spec"],
            json!({
                "podSelector": {"matchLabels": {"app.kubernetes.io/instance": "demo",
                                                "app.kubernetes.io/name": "api"}},
                "policyTypes": ["Ingress", "Egress"],
                "ingress": [{"ports": [{"port": 8080, "protocol": "TCP"}]}],
                "egress": [apiserver_rule(), dns_rule()],
            })
        );
    }

    #[test]
    fn the_api_policy_with_iam_kafka_adds_the_broker_ports_sts_and_pod_identity() {
        let v = yaml(&build_api(FULL).unwrap());
        let [sts, pod_identity] = iam_rules();
        assert_eq!(
            v["spec"]["egress"],
            json!([
                apiserver_rule(),
                dns_rule(),
                {"ports": [{"port": 9098, "protocol": "TCP"}]},
                sts,
                pod_identity,
            ])
        );
        // Kafka changes nothing inbound.
        assert_eq!(
            v["spec"]["ingress"],
            json!([{"ports": [{"port": 8080, "protocol": "TCP"}]}])
        );
    }

    #[test]
    fn the_user_peers_reach_the_admin_broker_and_aws_rules() {
        let spec = with_spec(
            "
  kafka: {bootstrapServers: 'b-1:9098,b-2:9096,b-3:9098', auth: {mechanism: iam}}
  networkPolicy:
    adminFrom: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]
    kafkaTo: [{ipBlock: {cidr: 10.0.16.0/20}}, {ipBlock: {cidr: 10.0.32.0/20}}]
    awsApiTo: [{ipBlock: {cidr: 10.0.48.0/24}}]
",
        );
        let monitoring = json!([{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}]);
        let admin = json!({"ports": [{"port": 9090, "protocol": "TCP"}], "from": monitoring});
        let brokers = json!({"ports": [{"port": 9096, "protocol": "TCP"}, {"port": 9098, "protocol": "TCP"}],
                             "to": [{"ipBlock": {"cidr": "10.0.16.0/20"}}, {"ipBlock": {"cidr": "10.0.32.0/20"}}]});
        let sts = json!({"ports": [{"port": 443, "protocol": "TCP"}],
                         "to": [{"ipBlock": {"cidr": "10.0.48.0/24"}}]});
        let [_, pod_identity] = iam_rules();

        let api = yaml(&build_api(&spec).unwrap());
        assert_eq!(
            api["spec"]["ingress"],
            json!([{"ports": [{"port": 8080, "protocol": "TCP"}]}, admin])
        );
        assert_eq!(
            api["spec"]["egress"],
            json!([apiserver_rule(), dns_rule(), brokers, sts, pod_identity])
        );

        let consumer = yaml(&build_consumer(&spec).unwrap());
        assert_eq!(consumer["spec"]["ingress"], json!([admin]));
        assert_eq!(
            consumer["spec"]["egress"],
            json!([dns_rule(), brokers, sts, pod_identity])
        );
    }

    #[test]
    fn the_consumer_policy_admits_nothing_and_reaches_dns_and_the_brokers_only() {
        let spec = with_spec(
            "{kafka: {bootstrapServers: 'kafka.kafka:9092', auth: {mechanism: plaintext}}}",
        );
        let policy = build_consumer(&spec).expect("a consumer, so a policy");
        let v = yaml(&policy);
        assert_eq!(v["metadata"]["name"], "demo-consumer");
        assert_eq!(v["metadata"]["ownerReferences"][0]["controller"], true);
        assert_eq!(
            v["spec"],
            json!({
                "podSelector": {"matchLabels": {"app.kubernetes.io/instance": "demo",
                                                "app.kubernetes.io/name": "consumer"}},
                "policyTypes": ["Ingress", "Egress"],
                "ingress": [],
                "egress": [dns_rule(), {"ports": [{"port": 9092, "protocol": "TCP"}]}],
            })
        );
        // The API's policy has the same broker rule and no AWS rule either.
        let api = yaml(&build_api(&spec).unwrap());
        assert_eq!(
            api["spec"]["egress"],
            json!([apiserver_rule(), dns_rule(), {"ports": [{"port": 9092, "protocol": "TCP"}]}])
        );
    }

    #[test]
    fn the_consumer_with_iam_gets_the_aws_rules_too() {
        let v = yaml(&build_consumer(FULL).unwrap());
        let [sts, pod_identity] = iam_rules();
        assert_eq!(
            v["spec"]["egress"],
            json!([dns_rule(), {"ports": [{"port": 9098, "protocol": "TCP"}]}, sts, pod_identity])
        );
    }

    #[test]
    fn none_when_disabled_and_no_consumer_policy_without_kafka() {
        assert!(build_consumer(MINIMAL).is_none());
        let disabled =
            with_spec("{networkPolicy: {enabled: false}, kafka: {bootstrapServers: 'b-1:9098'}}");
        assert!(build_api(&disabled).is_none());
        assert!(build_consumer(&disabled).is_none());
    }

    #[test]
    fn an_unparsable_bootstrap_list_opens_no_broker_port_and_does_not_panic() {
        let spec = with_spec("{kafka: {bootstrapServers: 'b-1:nine', auth: {mechanism: tls}}}");
        let v = yaml(&build_consumer(&spec).unwrap());
        assert_eq!(v["spec"]["egress"], json!([dns_rule()]));
    }

    #[test]
    fn the_cluster_endpoints_reach_the_api_policy() {
        let hello = helloapi(MINIMAL);
        let cluster = ClusterEndpoints {
            api_server_to: vec![ip_block("10.0.0.0/24")],
            api_server_ports: vec![443],
            dns_to: Vec::new(),
        };
        let v = yaml(&api(&hello, &Owner::of(&hello).unwrap(), &cluster).unwrap());
        assert_eq!(
            v["spec"]["egress"],
            json!([
                {"ports": [{"port": 443, "protocol": "TCP"}], "to": [{"ipBlock": {"cidr": "10.0.0.0/24"}}]},
                {"ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]},
            ])
        );
    }
}
