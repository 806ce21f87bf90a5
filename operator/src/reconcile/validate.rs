//! Validate: the rules the CRD's schema and CEL enforce, checked again before
//! anything is applied. A HelloApi stored before those rules existed (or with
//! a CRD that was not upgraded) is reported as Degraded instead of producing
//! an API that serves a shadowed or malformed path.

use hello_crds::{BUILTIN_PATHS, HelloApi, NetworkPolicySpec};

use crate::Error;

pub fn spec(api: &HelloApi) -> Result<(), Error> {
    for (path, response) in &api.spec.responses {
        if !path.starts_with('/') {
            return invalid(format!("spec.responses: path {path:?} must start with '/'"));
        }
        if BUILTIN_PATHS.contains(&path.as_str()) {
            return invalid(format!(
                "spec.responses: path {path} shadows a built-in path"
            ));
        }
        if !(200..=599).contains(&response.status) {
            return invalid(format!(
                "spec.responses[{path}].status: {} is outside 200-599",
                response.status
            ));
        }
    }
    if api.spec.replicas < 0 {
        return invalid(format!("spec.replicas: {} is negative", api.spec.replicas));
    }
    if let Some(kafka) = &api.spec.kafka {
        if kafka.bootstrap_servers.trim().is_empty() {
            return invalid("spec.kafka.bootstrapServers: must not be empty".to_string());
        }
        // The NetworkPolicies open the brokers' ports; the clients would fail
        // on the same entry.
        if let Err(entry) = kafka.broker_ports() {
            return invalid(format!("spec.kafka.bootstrapServers: {entry}"));
        }
    }
    let policy = &api.spec.network_policy;
    for (field, peers) in [
        ("adminFrom", &policy.admin_from),
        ("kafkaTo", &policy.kafka_to),
        ("awsApiTo", &policy.aws_api_to),
    ] {
        if let Some(i) = peers
            .iter()
            .position(|p| !NetworkPolicySpec::peer_is_valid(p))
        {
            return invalid(format!(
                "spec.networkPolicy.{field}[{i}]: a peer sets ipBlock alone, or namespaceSelector and/or podSelector"
            ));
        }
    }
    Ok(())
}

fn invalid(message: String) -> Result<(), Error> {
    Err(Error::Invalid(message))
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
                "spec.kafka.bootstrapServers: \"b-2:port\"",
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
            let err = spec(&api(bad.clone()))
                .expect_err(&bad.to_string())
                .to_string();
            assert!(err.contains(field), "{bad}: {err}");
        }
    }
}
