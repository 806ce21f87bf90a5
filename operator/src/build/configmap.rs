//! ConfigMap `<name>-responses`: the greeting and responses in `hello-api`'s
//! configuration format, which the API watches through the Kubernetes API.

use std::collections::BTreeMap;

use hello_crds::{HelloApi, ResponseSpec};
use k8s_openapi::api::core::v1::ConfigMap;
use serde::Serialize;

use super::BuildError;
use super::metadata::{Owner, responses_name};

/// The data key `hello-api --configmap` reads.
pub const CONFIG_KEY: &str = "config.yaml";

/// `hello-api`'s configuration file: `{greeting, responses}`.
#[derive(Serialize)]
struct ApiConfig<'a> {
    greeting: &'a str,
    responses: &'a BTreeMap<String, ResponseSpec>,
}

pub fn build(api: &HelloApi, owner: &Owner) -> Result<ConfigMap, BuildError> {
    let config = serde_yaml_ng::to_string(&ApiConfig {
        greeting: &api.spec.greeting,
        responses: &api.spec.responses,
    })?;
    Ok(ConfigMap {
        metadata: owner.child_meta(&responses_name(&owner.name)),
        data: Some(BTreeMap::from([(CONFIG_KEY.to_string(), config)])),
        ..ConfigMap::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::fixtures::{FULL, helloapi, owner_of};

    #[test]
    fn holds_greeting_and_responses_in_the_api_config_format() {
        let api = helloapi(FULL);
        let cm = build(&api, &owner_of(&api)).unwrap();
        assert_eq!(cm.metadata.name.as_deref(), Some("demo-responses"));
        let config: serde_json::Value =
            serde_yaml_ng::from_str(&cm.data.unwrap()[CONFIG_KEY]).unwrap();
        assert_eq!(
            config,
            serde_json::json!({
                "greeting": "Hi, {name}!",
                "responses": {
                    "/": {"status": 200, "message": "Welcome to ReaQta"},
                    "/teapot": {"status": 418, "message": "I'm a teapot"}
                }
            })
        );
    }

    #[test]
    fn is_owned_by_its_helloapi_as_controller() {
        let api = helloapi(FULL);
        let cm = build(&api, &owner_of(&api)).unwrap();
        let owner = &cm.metadata.owner_references.unwrap()[0];
        assert_eq!(
            (owner.kind.as_str(), owner.name.as_str()),
            ("HelloApi", "demo")
        );
        assert_eq!(owner.controller, Some(true));
        assert_eq!(cm.metadata.namespace.as_deref(), Some("shop"));
    }
}
