//! ServiceAccount `<name>`: the identity of the API and consumer pods; its
//! annotations carry the IRSA role.

use hello_crds::HelloApi;
use k8s_openapi::api::core::v1::ServiceAccount;

use super::metadata::Owner;

pub fn build(api: &HelloApi, owner: &Owner) -> ServiceAccount {
    let mut metadata = owner.child_meta(&owner.name);
    let annotations = &api.spec.service_account.annotations;
    metadata.annotations = (!annotations.is_empty()).then(|| annotations.clone());
    ServiceAccount {
        metadata,
        // Only the API talks to the Kubernetes API, through its projected token.
        automount_service_account_token: Some(true),
        ..ServiceAccount::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::fixtures::{FULL, MINIMAL, helloapi};

    #[test]
    fn carries_the_irsa_annotation() {
        let api = helloapi(FULL);
        let sa = build(&api, &Owner::of(&api).unwrap());
        assert_eq!(
            sa.metadata.annotations.unwrap()["eks.amazonaws.com/role-arn"],
            "arn:aws:iam::123456789012:role/hello"
        );
        let api = helloapi(MINIMAL);
        assert_eq!(
            build(&api, &Owner::of(&api).unwrap()).metadata.annotations,
            None
        );
    }
}
