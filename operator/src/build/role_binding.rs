//! RoleBinding `<name>`: binds the Role to the pods' ServiceAccount.

use k8s_openapi::api::rbac::v1::{RoleBinding, RoleRef, Subject};

use super::metadata::Owner;

pub fn build(owner: &Owner) -> RoleBinding {
    RoleBinding {
        metadata: owner.child_meta(&owner.name),
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".to_string(),
            kind: "Role".to_string(),
            name: owner.name.clone(),
        },
        subjects: Some(vec![Subject {
            kind: "ServiceAccount".to_string(),
            name: owner.name.clone(),
            namespace: Some(owner.namespace.clone()),
            ..Subject::default()
        }]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::fixtures::{MINIMAL, helloapi, owner_of};

    #[test]
    fn binds_the_role_to_the_service_account() {
        let api = helloapi(MINIMAL);
        let binding = build(&owner_of(&api));
        assert_eq!(
            (
                binding.role_ref.kind.as_str(),
                binding.role_ref.name.as_str()
            ),
            ("Role", "demo")
        );
        let subject = &binding.subjects.unwrap()[0];
        assert_eq!(
            (
                subject.kind.as_str(),
                subject.name.as_str(),
                subject.namespace.as_deref()
            ),
            ("ServiceAccount", "demo", Some("shop"))
        );
    }
}
