//! Validate: the rules the CRD's schema and CEL enforce, checked again before
//! anything is applied. A HelloApi stored before those rules existed (or with
//! a CRD that was not upgraded) is reported as Degraded instead of producing
//! an API that serves a shadowed or malformed path.

use hello_crds::{BUILTIN_PATHS, HelloApi};

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
    if let Some(kafka) = &api.spec.kafka
        && kafka.bootstrap_servers.trim().is_empty()
    {
        return invalid("spec.kafka.bootstrapServers: must not be empty".to_string());
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
        ] {
            let err = spec(&api(bad.clone()))
                .expect_err(&bad.to_string())
                .to_string();
            assert!(err.contains(field), "{bad}: {err}");
        }
    }
}
