//! Deployment `<name>-consumer`, only when `spec.kafka` is set: `hello-consumer`
//! reading the topic the API writes to, as ServiceAccount `<name>-consumer`.

use hello_crds::HelloApi;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Container;

use super::metadata::{CONSUMER_COMPONENT, Owner, consumer_name};
use super::{kafka_env, pod};

/// Seconds SIGTERM gives hello-consumer to flush, store and commit; well
/// inside the pod's terminationGracePeriodSeconds (30), so the kubelet
/// never needs SIGKILL for a healthy consumer.
pub const SHUTDOWN_TIMEOUT_SECONDS: i64 = 20;
/// The consumer's grace period: its shutdown timeout and a margin.
pub const TERMINATION_GRACE_SECONDS: i64 = 30;

pub fn build(api: &HelloApi, owner: &Owner, default_image: &str) -> Option<Deployment> {
    let kafka = api.spec.kafka.as_ref()?;
    let consumer = &kafka.consumer;
    let image = if consumer.image.is_empty() {
        default_image
    } else {
        &consumer.image
    };
    let mut env = kafka_env::env(kafka);
    env.push(pod::log_env(&api.spec.log_level));
    env.push(kafka_env::plain("HELLO_GROUP_ID", &consumer.group_id));
    env.push(kafka_env::plain(
        "HELLO_SHUTDOWN_TIMEOUT_SECONDS",
        &SHUTDOWN_TIMEOUT_SECONDS.to_string(),
    ));
    let container = Container {
        name: "consumer".to_string(),
        image: Some(image.to_string()),
        ports: Some(vec![pod::port("admin", pod::ADMIN_PORT)]),
        env: Some(env),
        readiness_probe: Some(pod::admin_probe("/readyz", 5)),
        liveness_probe: Some(pod::admin_probe("/healthz", 10)),
        resources: Some(pod::resources(consumer.resources.as_ref())),
        ..Container::default()
    };
    // Its own ServiceAccount (service_account::consumer), its own IRSA
    // role, and no Kubernetes API token: it never calls the API, and IRSA's
    // webhook projects a token of its own.
    Some(pod::deployment(
        owner,
        pod::Workload {
            name: &consumer_name(&owner.name),
            component: CONSUMER_COMPONENT,
            replicas: consumer.replicas,
            compute: consumer.compute,
            automount_token: false,
            container,
            termination_grace_seconds: TERMINATION_GRACE_SECONDS,
            strategy: None,
            progress_deadline_seconds: api.spec.progress_deadline_seconds,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::fixtures::{FULL, MINIMAL, helloapi, images, owner_of};
    use hello_crds::COMPUTE_LABEL;

    #[test]
    fn exists_only_with_kafka() {
        let api = helloapi(MINIMAL);
        assert!(build(&api, &owner_of(&api), &images().consumer).is_none());
    }

    #[test]
    fn reads_the_topic_with_its_group_on_its_own_compute() {
        let api = helloapi(FULL);
        let d = build(&api, &owner_of(&api), &images().consumer).unwrap();
        assert_eq!(d.metadata.name.as_deref(), Some("demo-consumer"));
        let spec = d.spec.unwrap();
        let pod = spec.template.spec.as_ref().unwrap();
        assert_eq!(pod.service_account_name.as_deref(), Some("demo-consumer"));
        assert_eq!(spec.replicas, Some(2));
        assert_eq!(
            spec.template.metadata.unwrap().labels.unwrap()[COMPUTE_LABEL],
            "fargate"
        );
        let c = &spec.template.spec.unwrap().containers[0];
        assert_eq!(
            c.image.as_deref(),
            Some("registry.example/hello-consumer:1.0.0")
        );
        let env = c.env.as_ref().unwrap();
        let group = env.iter().find(|e| e.name == "HELLO_GROUP_ID").unwrap();
        assert_eq!(group.value.as_deref(), Some("hello-consumer"));
        assert!(
            env.iter()
                .any(|e| e.name == "HELLO_KAFKA_TOPIC" && e.value.as_deref() == Some("events"))
        );
    }

    /// The scanner's findings: no token in the pod spec itself, ephemeral
    /// storage requested and limited, spread across hosts as well as zones.
    #[test]
    fn mounts_no_token_and_bounds_its_ephemeral_storage() {
        let api = helloapi(FULL);
        let d = build(&api, &owner_of(&api), &images().consumer).unwrap();
        let pod = d.spec.unwrap().template.spec.unwrap();
        assert_eq!(pod.automount_service_account_token, Some(false));
        super::pod::assert_bounded_and_spread(&pod);
    }

    #[test]
    fn probes_the_admin_port_and_shuts_down_within_the_grace_period() {
        let api = helloapi(FULL);
        let d = build(&api, &owner_of(&api), &images().consumer).unwrap();
        let pod = d.spec.unwrap().template.spec.unwrap();
        let c = &pod.containers[0];
        let port = &c.ports.as_ref().unwrap()[0];
        assert_eq!(
            (port.name.as_deref(), port.container_port),
            (Some("admin"), pod::ADMIN_PORT)
        );
        let path = |probe: &Option<k8s_openapi::api::core::v1::Probe>| {
            probe
                .as_ref()
                .unwrap()
                .http_get
                .as_ref()
                .unwrap()
                .path
                .clone()
        };
        assert_eq!(path(&c.liveness_probe).as_deref(), Some("/healthz"));
        assert_eq!(path(&c.readiness_probe).as_deref(), Some("/readyz"));
        let env = c.env.as_ref().unwrap();
        let timeout: i64 = env
            .iter()
            .find(|e| e.name == "HELLO_SHUTDOWN_TIMEOUT_SECONDS")
            .and_then(|e| e.value.as_deref())
            .unwrap()
            .parse()
            .unwrap();
        assert!(timeout < pod.termination_grace_period_seconds.unwrap());
        assert_eq!(
            c.security_context
                .as_ref()
                .unwrap()
                .read_only_root_filesystem,
            Some(true)
        );
    }
}
