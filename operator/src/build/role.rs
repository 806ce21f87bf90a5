//! Role `<name>`: get, list and watch on the one ConfigMap the API reads.

use k8s_openapi::api::rbac::v1::{PolicyRule, Role};

use super::metadata::{Owner, responses_name};

pub fn build(owner: &Owner) -> Role {
    Role {
        metadata: owner.child_meta(&owner.name),
        rules: Some(vec![PolicyRule {
            api_groups: Some(vec![String::new()]),
            resources: Some(vec!["configmaps".to_string()]),
            // resourceNames limits get and watch to this object; a list or
            // watch must then select it with metadata.name, as the API does.
            resource_names: Some(vec![responses_name(&owner.name)]),
            verbs: ["get", "list", "watch"].map(String::from).to_vec(),
            ..PolicyRule::default()
        }]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::fixtures::{MINIMAL, helloapi, owner_of};

    #[test]
    fn reads_only_its_own_configmap() {
        let api = helloapi(MINIMAL);
        let role = build(&owner_of(&api));
        let rules = role.rules.unwrap();
        assert_eq!(rules.len(), 1);
        assert_eq!(
            rules[0].resources.as_deref(),
            Some(&["configmaps".to_string()][..])
        );
        assert_eq!(
            rules[0].resource_names.as_deref(),
            Some(&["demo-responses".to_string()][..])
        );
        assert_eq!(rules[0].verbs, ["get", "list", "watch"]);
    }
}
