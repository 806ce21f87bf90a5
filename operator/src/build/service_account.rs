//! The pods' ServiceAccounts: `<name>` for the API pods and, only when
//! `spec.kafka` is set, `<name>-consumer` for the consumer pods. Each one's
//! annotations carry its own IRSA role, so each role can trust only its
//! ServiceAccount.

use std::collections::BTreeMap;

use hello_crds::HelloApi;
use k8s_openapi::api::core::v1::ServiceAccount;

use super::metadata::{Owner, consumer_name};

/// ServiceAccount `<name>` of the API pods.
pub fn build(api: &HelloApi, owner: &Owner) -> ServiceAccount {
    // The API reads its ConfigMap through the Kubernetes API (see role.rs), so
    // it needs the projected token.
    service_account(
        owner,
        &owner.name,
        &api.spec.service_account.annotations,
        true,
    )
}

/// ServiceAccount `<name>-consumer` of the consumer pods, only with Kafka.
pub fn consumer(api: &HelloApi, owner: &Owner) -> Option<ServiceAccount> {
    let kafka = api.spec.kafka.as_ref()?;
    // The consumer never calls the Kubernetes API. IRSA does not need the
    // automounted token: EKS's webhook projects its own.
    Some(service_account(
        owner,
        &consumer_name(&owner.name),
        &kafka.consumer.service_account.annotations,
        false,
    ))
}

fn service_account(
    owner: &Owner,
    name: &str,
    annotations: &BTreeMap<String, String>,
    automount: bool,
) -> ServiceAccount {
    let mut metadata = owner.child_meta(name);
    metadata.annotations = (!annotations.is_empty()).then(|| annotations.clone());
    ServiceAccount {
        metadata,
        automount_service_account_token: Some(automount),
        ..ServiceAccount::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::fixtures::{FULL, MINIMAL, helloapi, owner_of};

    const ROLE_ARN: &str = "eks.amazonaws.com/role-arn";

    #[test]
    fn carries_the_irsa_annotation() {
        let api = helloapi(FULL);
        let sa = build(&api, &owner_of(&api));
        assert_eq!(sa.metadata.name.as_deref(), Some("demo"));
        assert_eq!(
            sa.metadata.annotations.unwrap()[ROLE_ARN],
            "arn:aws:iam::123456789012:role/hello"
        );
        assert_eq!(sa.automount_service_account_token, Some(true));
        let api = helloapi(MINIMAL);
        assert_eq!(build(&api, &owner_of(&api)).metadata.annotations, None);
    }

    #[test]
    fn the_consumer_has_its_own_role_and_no_token() {
        let api = helloapi(FULL);
        let sa = consumer(&api, &owner_of(&api)).unwrap();
        assert_eq!(sa.metadata.name.as_deref(), Some("demo-consumer"));
        assert_eq!(sa.metadata.namespace.as_deref(), Some("shop"));
        assert_eq!(
            sa.metadata.annotations.unwrap()[ROLE_ARN],
            "arn:aws:iam::123456789012:role/hello-consumer"
        );
        assert_eq!(sa.automount_service_account_token, Some(false));
        let controller = &sa.metadata.owner_references.unwrap()[0];
        assert_eq!(controller.controller, Some(true));
    }

    #[test]
    fn the_consumer_has_one_only_with_kafka() {
        let api = helloapi(MINIMAL);
        assert!(consumer(&api, &owner_of(&api)).is_none());
        let api = helloapi(
            "
apiVersion: hello.dev/v1alpha1
kind: HelloApi
metadata: {name: demo, namespace: shop}
spec:
  kafka: {bootstrapServers: 'b:9092'}
",
        );
        let sa = consumer(&api, &owner_of(&api)).unwrap();
        assert_eq!(sa.metadata.annotations, None);
        assert_eq!(sa.automount_service_account_token, Some(false));
    }
}
