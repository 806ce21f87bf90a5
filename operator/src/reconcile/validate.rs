//! Validate: the rules the CRD's schema and CEL enforce, checked again before
//! anything is applied. A HelloApi stored before those rules existed (or with
//! a CRD that was not upgraded) is reported as Degraded instead of producing
//! an API that serves a shadowed or malformed path.

use hello_crds::{BUILTIN_PATHS, HelloApi, NetworkPolicySpec};

/// A spec the operator refuses; each names the field to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    #[error("spec.responses: path {0:?} must start with '/'")]
    RelativePath(String),
    #[error("spec.responses: path {0} shadows a built-in path")]
    ShadowsBuiltin(String),
    #[error("spec.responses[{path}].status: {status} is outside 200-599")]
    StatusOutOfRange { path: String, status: u16 },
    #[error("spec.replicas: {0} is negative")]
    NegativeReplicas(i32),
    #[error("spec.kafka.bootstrapServers: must not be empty")]
    NoBootstrapServers,
    /// An entry that is not host:port.
    #[error("spec.kafka.bootstrapServers: {0}")]
    BadBroker(String),
    #[error(
        "spec.networkPolicy.{list}[{index}]: a peer sets ipBlock alone, or namespaceSelector and/or podSelector"
    )]
    BadPeer { list: &'static str, index: usize },
}

impl SpecError {
    /// The field to change, as `kubectl explain` names it.
    pub fn field(&self) -> String {
        match self {
            SpecError::RelativePath(_) | SpecError::ShadowsBuiltin(_) => "spec.responses".into(),
            SpecError::StatusOutOfRange { path, .. } => format!("spec.responses[{path}].status"),
            SpecError::NegativeReplicas(_) => "spec.replicas".into(),
            SpecError::NoBootstrapServers | SpecError::BadBroker(_) => {
                "spec.kafka.bootstrapServers".into()
            }
            SpecError::BadPeer { list, index } => format!("spec.networkPolicy.{list}[{index}]"),
        }
    }
}

pub fn spec(api: &HelloApi) -> Result<(), SpecError> {
    for (path, response) in &api.spec.responses {
        if !path.starts_with('/') {
            return Err(SpecError::RelativePath(path.clone()));
        }
        if BUILTIN_PATHS.contains(&path.as_str()) {
            return Err(SpecError::ShadowsBuiltin(path.clone()));
        }
        if !(200..=599).contains(&response.status) {
            return Err(SpecError::StatusOutOfRange {
                path: path.clone(),
                status: response.status,
            });
        }
    }
    if api.spec.replicas < 0 {
        return Err(SpecError::NegativeReplicas(api.spec.replicas));
    }
    if let Some(kafka) = &api.spec.kafka {
        if kafka.bootstrap_servers.trim().is_empty() {
            return Err(SpecError::NoBootstrapServers);
        }
        // The NetworkPolicies open the brokers' ports; the clients would fail
        // on the same entry.
        kafka.broker_ports().map_err(SpecError::BadBroker)?;
    }
    let policy = &api.spec.network_policy;
    for (list, peers) in [
        ("adminFrom", &policy.admin_from),
        ("kafkaTo", &policy.kafka_to),
        ("awsApiTo", &policy.aws_api_to),
    ] {
        if let Some(index) = peers
            .iter()
            .position(|p| !NetworkPolicySpec::peer_is_valid(p))
        {
            return Err(SpecError::BadPeer { list, index });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(spec: serde_json::Value) -> HelloApi {
        serde_json::from_value(
            serde_json::json!({"apiVersion": "hello.dev/v1alpha1", "kind": "HelloApi",
            "metadata": {"name": "demo"}, "spec": spec}),
        )
        .unwrap()
    }

    #[test]
    fn accepts_the_defaults() {
        assert!(spec(&api(serde_json::json!({}))).is_ok());
    }

    #[test]
    fn accepts_a_broker_without_a_port_and_valid_peers() {
        let ok = serde_json::json!({
            "kafka": {"bootstrapServers": "kafka, b-2:9098"},
            "networkPolicy": {
                "adminFrom": [{"namespaceSelector": {}, "podSelector": {}}],
                "kafkaTo": [{"ipBlock": {"cidr": "10.0.0.0/8"}}],
                "awsApiTo": [{"podSelector": {}}]
            }
        });
        assert!(spec(&api(ok)).is_ok());
    }

    #[test]
    fn refuses_what_the_crd_refuses_naming_the_field() {
        for (bad, field) in [
            (
                serde_json::json!({"responses": {"x": {"message": "m"}}}),
                "spec.responses",
            ),
            (
                serde_json::json!({"responses": {"/healthcheck": {"message": "m"}}}),
                "spec.responses",
            ),
            (
                serde_json::json!({"responses": {"/a": {"status": 700, "message": "m"}}}),
                "spec.responses[/a].status",
            ),
            (serde_json::json!({"replicas": -1}), "spec.replicas"),
            (
                serde_json::json!({"kafka": {"bootstrapServers": " "}}),
                "spec.kafka.bootstrapServers",
            ),
            (
                serde_json::json!({"kafka": {"bootstrapServers": "b-1:9098,b-2:port"}}),
                "spec.kafka.bootstrapServers",
            ),
            (
                serde_json::json!({"kafka": {"bootstrapServers": "b-1:70000"}}),
                "spec.kafka.bootstrapServers",
            ),
            (
                serde_json::json!({"networkPolicy": {"adminFrom": [{}]}}),
                "spec.networkPolicy.adminFrom[0]",
            ),
            (
                serde_json::json!({"networkPolicy": {"kafkaTo": [{"ipBlock": {"cidr": "10.0.0.0/8"}},
                    {"ipBlock": {"cidr": "10.0.0.0/8"}, "namespaceSelector": {}}]}}),
                "spec.networkPolicy.kafkaTo[1]",
            ),
            (
                serde_json::json!({"networkPolicy": {"awsApiTo": [{}]}}),
                "spec.networkPolicy.awsApiTo[0]",
            ),
        ] {
            let err = spec(&api(bad.clone())).expect_err(&bad.to_string());
            assert_eq!(err.field(), field, "{bad}");
            assert!(err.to_string().starts_with(field), "{bad}: {err}");
        }
        let bad_entry = serde_json::json!({"kafka": {"bootstrapServers": "b-1:9098,b-2:port"}});
        let err = spec(&api(bad_entry)).unwrap_err().to_string();
        assert!(err.contains("\"b-2:port\""), "names the entry: {err}");
    }
}
