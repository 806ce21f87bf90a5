//! Deployment `<name>`: the API pods. They watch their ConfigMap through the
//! Kubernetes API, so an edit of the responses needs no rollout; the pod
//! template changes (and the pods roll) only with the image or the env.

use hello_crds::HelloApi;
use k8s_openapi::api::apps::v1::{Deployment, DeploymentStrategy, RollingUpdateDeployment};
use k8s_openapi::api::core::v1::{Container, EnvVar, EnvVarSource, ObjectFieldSelector};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::metadata::{API_COMPONENT, Owner, responses_name};
use super::{kafka_env, pod};

/// The API's main port (the Service's target).
pub const HTTP_PORT: i32 = 8080;

/// Seconds an API pod keeps serving, not ready, after SIGTERM: longer than
/// kube-proxy (about a second) and the AWS Load Balancer Controller with the
/// ALB (several seconds) take to stop sending it new connections.
pub const DRAIN_SECONDS: i64 = 15;
/// Seconds in-flight requests then get to finish.
pub const IN_FLIGHT_SECONDS: i64 = 10;
/// Drain, in-flight requests and the Kafka flush (5 s) fit inside it, so a
/// healthy pod never gets SIGKILL.
pub const TERMINATION_GRACE_SECONDS: i64 = DRAIN_SECONDS + IN_FLIGHT_SECONDS + 10;

pub fn build(api: &HelloApi, owner: &Owner, default_image: &str) -> Deployment {
    let image = if api.spec.image.is_empty() {
        default_image
    } else {
        &api.spec.image
    };
    let mut env = vec![EnvVar {
        name: "POD_NAMESPACE".to_string(),
        value_from: Some(EnvVarSource {
            field_ref: Some(ObjectFieldSelector {
                field_path: "metadata.namespace".to_string(),
                ..ObjectFieldSelector::default()
            }),
            ..EnvVarSource::default()
        }),
        ..EnvVar::default()
    }];
    env.push(pod::log_env(&api.spec.log_level));
    if let Some(kafka) = &api.spec.kafka {
        env.extend(kafka_env::env(kafka));
    }
    let container = Container {
        name: "api".to_string(),
        image: Some(image.to_string()),
        args: Some(vec![
            "--configmap".to_string(),
            responses_name(&owner.name),
            format!("--shutdown-delay-seconds={DRAIN_SECONDS}"),
            format!("--shutdown-timeout-seconds={IN_FLIGHT_SECONDS}"),
        ]),
        ports: Some(vec![
            pod::port("http", HTTP_PORT),
            pod::port("admin", pod::ADMIN_PORT),
        ]),
        env: Some(env),
        readiness_probe: Some(pod::admin_probe("/readyz", 2)),
        liveness_probe: Some(pod::admin_probe("/healthz", 10)),
        resources: Some(pod::resources(api.spec.resources.as_ref())),
        ..Container::default()
    };
    pod::deployment(
        owner,
        pod::Workload {
            name: &owner.name,
            component: API_COMPONENT,
            replicas: api.spec.replicas,
            compute: api.spec.compute,
            // The API watches its ConfigMap with the ServiceAccount's token.
            automount_token: true,
            container,
            termination_grace_seconds: TERMINATION_GRACE_SECONDS,
            // Surge first: a rollout never lowers the number of serving pods.
            strategy: Some(DeploymentStrategy {
                type_: Some("RollingUpdate".to_string()),
                rolling_update: Some(RollingUpdateDeployment {
                    max_surge: Some(IntOrString::Int(1)),
                    max_unavailable: Some(IntOrString::Int(0)),
                }),
            }),
            progress_deadline_seconds: api.spec.progress_deadline_seconds,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::fixtures::{FULL, MINIMAL, helloapi, images, owner_of};

    fn container(d: &Deployment) -> Container {
        d.spec
            .as_ref()
            .unwrap()
            .template
            .spec
            .as_ref()
            .unwrap()
            .containers[0]
            .clone()
    }

    #[test]
    fn runs_the_default_image_against_its_configmap() {
        let api = helloapi(MINIMAL);
        let d = build(&api, &owner_of(&api), &images().api);
        assert_eq!(d.spec.as_ref().unwrap().replicas, Some(2));
        let c = container(&d);
        assert_eq!(c.image.as_deref(), Some("registry.example/hello-api:1.0.0"));
        assert_eq!(
            c.args.unwrap(),
            [
                "--configmap",
                "demo-responses",
                "--shutdown-delay-seconds=15",
                "--shutdown-timeout-seconds=10"
            ]
        );
        let probe = c.readiness_probe.unwrap().http_get.unwrap();
        assert_eq!(
            (probe.path.as_deref(), probe.port),
            (Some("/readyz"), IntOrString::String("admin".into()))
        );
        assert_eq!(
            c.liveness_probe.unwrap().http_get.unwrap().path.as_deref(),
            Some("/healthz")
        );
        assert!(
            !c.env
                .unwrap()
                .iter()
                .any(|e| e.name.starts_with("HELLO_KAFKA"))
        );
    }

    /// Readiness off, then a drain longer than endpoint propagation, then a
    /// graceful stop: all inside the grace period.
    #[test]
    fn a_pod_drains_before_it_stops_inside_its_grace_period() {
        let api = helloapi(MINIMAL);
        let d = build(&api, &owner_of(&api), &images().api);
        let spec = d.spec.unwrap();
        let grace = spec
            .template
            .spec
            .unwrap()
            .termination_grace_period_seconds
            .unwrap();
        assert!(DRAIN_SECONDS + IN_FLIGHT_SECONDS < grace, "{grace}");
        assert_eq!(spec.progress_deadline_seconds, Some(300));
        let strategy = spec.strategy.unwrap().rolling_update.unwrap();
        assert_eq!(strategy.max_unavailable, Some(IntOrString::Int(0)));
    }

    /// The API watches its ConfigMap, so it keeps its token; its ephemeral
    /// storage is requested and limited, its pods spread across hosts too.
    #[test]
    fn keeps_its_token_and_bounds_its_ephemeral_storage() {
        let api = helloapi(MINIMAL);
        let d = build(&api, &owner_of(&api), &images().api);
        let pod = d.spec.unwrap().template.spec.unwrap();
        assert_eq!(pod.automount_service_account_token, Some(true));
        super::pod::assert_bounded_and_spread(&pod);
    }

    #[test]
    fn the_spec_image_and_kafka_reach_the_container() {
        let api = helloapi(FULL);
        let d = build(&api, &owner_of(&api), &images().api);
        let c = container(&d);
        assert_eq!(c.image.as_deref(), Some("registry.example/custom-api:2"));
        let env = c.env.unwrap();
        let servers = env
            .iter()
            .find(|e| e.name == "HELLO_KAFKA_BOOTSTRAP_SERVERS")
            .unwrap();
        assert_eq!(servers.value.as_deref(), Some("b-1.example:9098"));
    }

    #[test]
    fn responses_do_not_change_the_pod_template() {
        let a = helloapi(FULL);
        let mut b = a.clone();
        b.spec.greeting = "Howdy, {name}!".into();
        b.spec.responses.clear();
        let template = |api: &HelloApi| {
            build(api, &Owner::of(api).unwrap(), "img")
                .spec
                .unwrap()
                .template
        };
        assert_eq!(
            template(&a),
            template(&b),
            "a responses edit must not roll the pods"
        );
    }
}
