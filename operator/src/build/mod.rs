//! Build: pure functions from a HelloApi to the objects it should own. No
//! client here; each child kind has its own file and its own unit tests.

mod configmap;
mod consumer_deployment;
mod deployment;
mod ingress;
mod kafka_env;
mod metadata;
mod network_policy;
mod pdb;
mod pod;
mod role;
mod role_binding;
mod service;
mod service_account;

use hello_crds::HelloApi;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Service, ServiceAccount};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};

pub use configmap::CONFIG_KEY;
pub use metadata::{INSTANCE_LABEL, MANAGED_BY, MANAGED_BY_LABEL, consumer_name, responses_name};
pub use network_policy::ClusterEndpoints;

/// Images used when a HelloApi leaves `image` empty (Helm values `images.*`).
/// Also the flags that set them, flattened into `hello-operator run` and the
/// bench's `raw_children`, which must build the same children.
#[derive(Clone, Debug, clap::Args)]
pub struct DefaultImages {
    /// Image of the API pods when a HelloApi sets none.
    #[arg(long = "api-image", env = "HELLO_API_IMAGE")]
    #[arg(default_value = "hello-api:latest")]
    pub api: String,
    /// Image of the consumer pods when a HelloApi sets none.
    #[arg(long = "consumer-image", env = "HELLO_CONSUMER_IMAGE")]
    #[arg(default_value = "hello-consumer:latest")]
    pub consumer: String,
}

/// Everything a HelloApi should own. `None` means "must not exist", which the
/// prune step enforces.
#[derive(Clone, Debug)]
pub struct Children {
    pub config_map: ConfigMap,
    pub service_account: ServiceAccount,
    pub role: Role,
    pub role_binding: RoleBinding,
    pub deployment: Deployment,
    pub service: Service,
    pub ingress: Option<Ingress>,
    pub pdb: Option<PodDisruptionBudget>,
    pub consumer_service_account: Option<ServiceAccount>,
    pub consumer: Option<Deployment>,
    pub network_policy: Option<NetworkPolicy>,
    pub consumer_network_policy: Option<NetworkPolicy>,
}

/// What is done to each child in turn by [`Children::each`]: printing them,
/// creating them as a plain client would.
pub trait EachChild {
    type Error;
    fn child<K>(&mut self, child: &K) -> Result<(), Self::Error>
    where
        K: kube::Resource<DynamicType = ()> + serde::Serialize;
}

impl Children {
    /// Calls `f` on every child that should exist, in the order apply writes
    /// them. Every field is named, so a new child is never left out.
    pub fn each<F: EachChild>(&self, f: &mut F) -> Result<(), F::Error> {
        let Children {
            config_map,
            service_account,
            role,
            role_binding,
            deployment,
            service,
            ingress,
            pdb,
            consumer_service_account,
            consumer,
            network_policy,
            consumer_network_policy,
        } = self;
        f.child(service_account)?;
        f.child(role)?;
        f.child(role_binding)?;
        f.child(config_map)?;
        f.child(service)?;
        ingress.as_ref().map(|c| f.child(c)).transpose()?;
        pdb.as_ref().map(|c| f.child(c)).transpose()?;
        consumer_service_account
            .as_ref()
            .map(|c| f.child(c))
            .transpose()?;
        network_policy.as_ref().map(|c| f.child(c)).transpose()?;
        consumer_network_policy
            .as_ref()
            .map(|c| f.child(c))
            .transpose()?;
        f.child(deployment)?;
        consumer.as_ref().map(|c| f.child(c)).transpose()?;
        Ok(())
    }
}

/// Why a HelloApi cannot be built into children.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("metadata.{0} is missing")]
    MissingMetadata(&'static str),
    #[error("spec.responses cannot be rendered as the API's configuration: {0}")]
    Config(#[from] serde_yaml_ng::Error),
}

/// Builds every child of `api`.
pub fn children(
    api: &HelloApi,
    images: &DefaultImages,
    cluster: &ClusterEndpoints,
) -> Result<Children, BuildError> {
    let owner = metadata::Owner::of(api)?;
    Ok(Children {
        config_map: configmap::build(api, &owner)?,
        service_account: service_account::build(api, &owner),
        role: role::build(&owner),
        role_binding: role_binding::build(&owner),
        deployment: deployment::build(api, &owner, &images.api),
        service: service::build(&owner),
        ingress: ingress::build(api, &owner),
        pdb: pdb::build(api, &owner),
        consumer_service_account: service_account::consumer(api, &owner),
        consumer: consumer_deployment::build(api, &owner, &images.consumer),
        network_policy: network_policy::api(api, &owner, cluster),
        consumer_network_policy: network_policy::consumer(api, &owner, cluster),
    })
}

#[cfg(test)]
pub(crate) mod fixtures {
    use hello_crds::HelloApi;

    /// A HelloApi from YAML, as the apiserver would hand it over (defaults applied
    /// by serde, uid and generation set).
    pub fn helloapi(yaml: &str) -> HelloApi {
        let mut api: HelloApi = serde_yaml_ng::from_str(yaml).expect("fixture YAML");
        api.metadata.uid = Some("0b8a0f64-1111-2222-3333-444455556666".into());
        api.metadata.generation = Some(3);
        api
    }

    /// The fixture's owner: it has a name, a namespace and a uid.
    pub fn owner_of(api: &HelloApi) -> super::metadata::Owner {
        super::metadata::Owner::of(api).expect("fixture with name, namespace and uid")
    }

    pub fn images() -> super::DefaultImages {
        super::DefaultImages {
            api: "registry.example/hello-api:1.0.0".into(),
            consumer: "registry.example/hello-consumer:1.0.0".into(),
        }
    }

    pub const MINIMAL: &str = "
apiVersion: hello.dev/v1alpha1
kind: HelloApi
metadata: {name: demo, namespace: shop}
spec: {}
";

    pub const FULL: &str = "
apiVersion: hello.dev/v1alpha1
kind: HelloApi
metadata: {name: demo, namespace: shop}
spec:
  replicas: 3
  image: registry.example/custom-api:2
  greeting: 'Hi, {name}!'
  responses:
    /: {message: Welcome to ReaQta}
    /teapot: {status: 418, message: I'm a teapot}
  compute: nodes
  logLevel: 'info,hello_api=debug'
  ingress: {enabled: true, className: alb, scheme: internal, host: api.example.com,
            certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc',
            annotations: {alb.ingress.kubernetes.io/wafv2-acl-arn: waf}}
  serviceAccount: {annotations: {eks.amazonaws.com/role-arn: 'arn:aws:iam::123456789012:role/hello'}}
  kafka:
    bootstrapServers: b-1.example:9098
    topic: events
    auth: {mechanism: iam, region: eu-west-1}
    consumer:
      replicas: 2
      groupId: hello-consumer
      compute: fargate
      serviceAccount: {annotations: {eks.amazonaws.com/role-arn: 'arn:aws:iam::123456789012:role/hello-consumer'}}
";
}

#[cfg(test)]
mod tests {
    use super::fixtures::{FULL, helloapi, images};
    use super::*;
    use std::collections::BTreeMap;

    /// What the EKS pod identity webhook injects for IRSA, and the static keys
    /// that IRSA replaces: the operator must set none of them, or it would
    /// shadow (or fight) the webhook's.
    const LEFT_TO_THE_CHAIN: [&str; 6] = [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_ROLE_ARN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_PROFILE",
    ];

    fn role_arn(sa: &ServiceAccount) -> BTreeMap<String, String> {
        sa.metadata.annotations.clone().unwrap_or_default()
    }

    /// `HELLO_LOG` of each of a resource's pods (API, then consumer if any).
    fn pods_log_filter(api: &HelloApi) -> Vec<Option<String>> {
        let children = children(api, &images(), &ClusterEndpoints::default()).unwrap();
        [Some(&children.deployment), children.consumer.as_ref()]
            .into_iter()
            .flatten()
            .map(|deployment| {
                let pod = deployment.spec.as_ref()?.template.spec.as_ref()?;
                let env = pod.containers[0].env.as_ref()?;
                let log = env.iter().find(|e| e.name == "HELLO_LOG")?;
                log.value.clone()
            })
            .collect()
    }

    /// Collects `Kind/name` of each child.
    struct Names(Vec<String>);

    impl EachChild for Names {
        type Error = std::convert::Infallible;
        fn child<K>(&mut self, child: &K) -> Result<(), Self::Error>
        where
            K: kube::Resource<DynamicType = ()> + serde::Serialize,
        {
            let name = child.meta().name.clone().unwrap_or_default();
            self.0.push(format!("{}/{name}", K::kind(&())));
            Ok(())
        }
    }

    #[test]
    fn each_visits_every_child_that_should_exist_deployments_last() {
        let full = children(&helloapi(FULL), &images(), &ClusterEndpoints::default()).unwrap();
        let mut names = Names(vec![]);
        full.each(&mut names).unwrap();
        assert_eq!(
            names.0,
            [
                "ServiceAccount/demo",
                "Role/demo",
                "RoleBinding/demo",
                "ConfigMap/demo-responses",
                "Service/demo",
                "Ingress/demo",
                "PodDisruptionBudget/demo",
                "ServiceAccount/demo-consumer",
                "NetworkPolicy/demo",
                "NetworkPolicy/demo-consumer",
                "Deployment/demo",
                "Deployment/demo-consumer",
            ]
        );
        let minimal = children(
            &helloapi(super::fixtures::MINIMAL),
            &images(),
            &ClusterEndpoints::default(),
        )
        .unwrap();
        let mut names = Names(vec![]);
        minimal.each(&mut names).unwrap();
        assert_eq!(
            names.0.len(),
            9,
            "no consumer, no consumer SA or policy: {:?}",
            names.0
        );
    }

    #[test]
    fn both_pods_log_at_the_spec_log_level_and_info_by_default() {
        assert_eq!(
            pods_log_filter(&helloapi(FULL)),
            vec![Some("info,hello_api=debug".to_string()); 2]
        );
        assert_eq!(
            pods_log_filter(&helloapi(super::fixtures::MINIMAL)),
            vec![Some("info".to_string())]
        );
    }

    #[test]
    fn iam_pods_carry_the_region_and_their_own_irsa_service_account_and_no_keys() {
        let children = children(&helloapi(FULL), &images(), &ClusterEndpoints::default()).unwrap();
        let consumer = children.consumer.as_ref().unwrap();
        let consumer_sa = children.consumer_service_account.as_ref().unwrap();
        let pods = [
            (
                &children.deployment,
                &children.service_account,
                "demo",
                "hello",
            ),
            (consumer, consumer_sa, "demo-consumer", "hello-consumer"),
        ];
        for (deployment, sa, sa_name, role) in pods {
            let pod = deployment
                .spec
                .as_ref()
                .unwrap()
                .template
                .spec
                .as_ref()
                .unwrap();
            assert_eq!(pod.service_account_name.as_deref(), Some(sa_name));
            assert_eq!(sa.metadata.name.as_deref(), Some(sa_name));
            assert_eq!(
                role_arn(sa),
                BTreeMap::from([(
                    "eks.amazonaws.com/role-arn".to_string(),
                    format!("arn:aws:iam::123456789012:role/{role}")
                )]),
                "{sa_name}: exactly the spec's annotations"
            );
            let container = &pod.containers[0];
            assert_eq!(container.env_from, None, "{sa_name}: no envFrom");
            let env = container.env.as_ref().unwrap();
            let value = |name: &str| {
                env.iter()
                    .find(|e| e.name == name)
                    .and_then(|e| e.value.as_deref())
            };
            assert_eq!(value("HELLO_KAFKA_AUTH"), Some("iam"));
            assert_eq!(value("HELLO_KAFKA_REGION"), Some("eu-west-1"));
            for e in env {
                assert!(
                    !LEFT_TO_THE_CHAIN.contains(&e.name.as_str()),
                    "{sa_name}: {} is the credential chain's",
                    e.name
                );
                let from = e.value_from.as_ref();
                assert!(
                    from.is_none_or(|f| f.secret_key_ref.is_none()),
                    "{sa_name}: {} comes from a Secret, none is needed for iam",
                    e.name
                );
            }
            // Only the scratch volume: the webhook adds the token's.
            let volumes: Vec<_> = pod.volumes.iter().flatten().map(|v| &v.name).collect();
            assert_eq!(volumes, ["tmp"], "{sa_name}");
            // The projected token is owned by the pod's runAsUser, so the
            // non-root container can read it.
            let run_as = pod.security_context.as_ref().unwrap().run_as_user;
            assert_eq!(run_as, Some(pod::RUN_AS_USER), "{sa_name}");
        }
    }
}
