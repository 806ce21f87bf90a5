//! What every pod the operator makes has in common: Pod Security `restricted`,
//! resources (ephemeral storage included), placement by `compute`, and spread
//! across zones and hosts.

use std::collections::BTreeMap;

use hello_crds::{COMPUTE_LABEL, Compute};
use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec, DeploymentStrategy};
use k8s_openapi::api::core::v1::{
    Capabilities, Container, ContainerPort, EmptyDirVolumeSource, EnvVar, HTTPGetAction,
    PodSecurityContext, PodSpec, PodTemplateSpec, Probe, ResourceRequirements, SeccompProfile,
    SecurityContext, TopologySpreadConstraint, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::metadata::{MANAGED_BY, MANAGED_BY_LABEL, Owner};

/// The non-root uid and gid the images are built for (distroless `nonroot`).
pub const RUN_AS_USER: i64 = 65532;
/// Port of `/metrics`, `/healthz` and `/readyz` in both binaries.
pub const ADMIN_PORT: i32 = 9090;
/// Size limit of the `/tmp` emptyDir (the only writable path: the root
/// filesystem is read-only), and so the container's ephemeral-storage request.
pub const TMP_SIZE_LIMIT: &str = "16Mi";
/// The container's ephemeral-storage limit: `/tmp` plus the container's logs,
/// which the kubelet rotates at 5 files of 10Mi by default but checks only
/// every 10 s, so a burst of logs (the consumer writes a line per event) can
/// overshoot; twice that budget. Past it the kubelet evicts the pod rather
/// than let it fill the node's disk.
pub const EPHEMERAL_STORAGE_LIMIT: &str = "256Mi";
/// The resource name.
const EPHEMERAL_STORAGE: &str = "ephemeral-storage";

/// The log filter of a pod's binary: the HelloApi's `spec.logLevel`.
pub fn log_env(log_level: &str) -> EnvVar {
    EnvVar {
        name: "HELLO_LOG".to_string(),
        value: Some(log_level.to_string()),
        ..EnvVar::default()
    }
}

/// One component's pods, the API's or the consumer's, as a Deployment.
pub struct Workload<'a> {
    /// The Deployment's name, and its pods' ServiceAccount's.
    pub name: &'a str,
    /// `app.kubernetes.io/name` of its pods (with the instance, the selector).
    pub component: &'a str,
    pub replicas: i32,
    pub compute: Compute,
    /// Whether the ServiceAccount token is mounted (see [`template`]).
    pub automount_token: bool,
    pub container: Container,
    pub termination_grace_seconds: i64,
    /// `None`: the Deployment's default.
    pub strategy: Option<DeploymentStrategy>,
    pub progress_deadline_seconds: i32,
}

/// The Deployment of `workload`: its pods as [`template`] makes them.
pub fn deployment(owner: &Owner, workload: Workload) -> Deployment {
    let selector = owner.selector(workload.component);
    Deployment {
        metadata: owner.child_meta(workload.name),
        spec: Some(DeploymentSpec {
            replicas: Some(workload.replicas),
            selector: LabelSelector {
                match_labels: Some(selector.clone()),
                ..LabelSelector::default()
            },
            strategy: workload.strategy,
            template: template(
                selector,
                workload.compute,
                workload.name,
                workload.automount_token,
                workload.container,
                workload.termination_grace_seconds,
            ),
            progress_deadline_seconds: Some(workload.progress_deadline_seconds),
            ..DeploymentSpec::default()
        }),
        ..Deployment::default()
    }
}

/// A pod template around `container`, labelled `selector` and placed by
/// `compute`. `automount_token`: whether the ServiceAccount token is mounted,
/// set on the pod too (not only its ServiceAccount), so the pod spec alone
/// shows it and a changed ServiceAccount cannot turn it on.
fn template(
    selector: BTreeMap<String, String>,
    compute: Compute,
    service_account: &str,
    automount_token: bool,
    mut container: Container,
    termination_grace_seconds: i64,
) -> PodTemplateSpec {
    let mut labels = selector.clone();
    // Not in the selector (immutable): the controller watches pods by it.
    labels.insert(MANAGED_BY_LABEL.to_string(), MANAGED_BY.to_string());
    let mut node_selector = None;
    match compute {
        // The Fargate profile selects pods by this label.
        Compute::Fargate => {
            labels.insert(COMPUTE_LABEL.to_string(), compute.label_value().to_string());
        }
        // The Bottlerocket node group labels its nodes with it.
        Compute::Nodes => {
            node_selector = Some(BTreeMap::from([(
                COMPUTE_LABEL.to_string(),
                compute.label_value().to_string(),
            )]));
        }
    }
    container.security_context = Some(restricted_container());
    container.volume_mounts = Some(vec![VolumeMount {
        name: "tmp".to_string(),
        mount_path: "/tmp".to_string(),
        ..VolumeMount::default()
    }]);
    PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: Some(labels),
            ..ObjectMeta::default()
        }),
        spec: Some(PodSpec {
            service_account_name: Some(service_account.to_string()),
            automount_service_account_token: Some(automount_token),
            containers: vec![container],
            node_selector,
            security_context: Some(PodSecurityContext {
                run_as_non_root: Some(true),
                run_as_user: Some(RUN_AS_USER),
                run_as_group: Some(RUN_AS_USER),
                seccomp_profile: Some(runtime_default()),
                ..PodSecurityContext::default()
            }),
            // A read-only root filesystem still needs a scratch directory.
            volumes: Some(vec![Volume {
                name: "tmp".to_string(),
                empty_dir: Some(EmptyDirVolumeSource {
                    size_limit: Some(Quantity(TMP_SIZE_LIMIT.to_string())),
                    ..EmptyDirVolumeSource::default()
                }),
                ..Volume::default()
            }]),
            // Zones first (a zone outage), then hosts (a node's loss or
            // drain). Prefer, do not require: a one-zone cluster or a single
            // node must still schedule. (Fargate gives each pod its own host.)
            topology_spread_constraints: Some(
                ["topology.kubernetes.io/zone", "kubernetes.io/hostname"]
                    .into_iter()
                    .map(|key| TopologySpreadConstraint {
                        max_skew: 1,
                        topology_key: key.to_string(),
                        when_unsatisfiable: "ScheduleAnyway".to_string(),
                        label_selector: Some(LabelSelector {
                            match_labels: Some(selector.clone()),
                            ..LabelSelector::default()
                        }),
                        ..TopologySpreadConstraint::default()
                    })
                    .collect(),
            ),
            termination_grace_period_seconds: Some(termination_grace_seconds),
            ..PodSpec::default()
        }),
    }
}

fn restricted_container() -> SecurityContext {
    SecurityContext {
        allow_privilege_escalation: Some(false),
        read_only_root_filesystem: Some(true),
        run_as_non_root: Some(true),
        capabilities: Some(Capabilities {
            drop: Some(vec!["ALL".to_string()]),
            ..Capabilities::default()
        }),
        seccomp_profile: Some(runtime_default()),
        ..SecurityContext::default()
    }
}

fn runtime_default() -> SeccompProfile {
    SeccompProfile {
        type_: "RuntimeDefault".to_string(),
        ..SeccompProfile::default()
    }
}

/// The spec's resources, or a small default that fits a Fargate 0.25 vCPU
/// pod; either way with an ephemeral-storage request ([`TMP_SIZE_LIMIT`]) and
/// limit ([`EPHEMERAL_STORAGE_LIMIT`]), unless the spec names
/// ephemeral-storage itself (then as written: adding the other half could
/// put the request above the limit).
pub fn resources(custom: Option<&ResourceRequirements>) -> ResourceRequirements {
    let mut resources = custom.cloned().unwrap_or_else(|| {
        let quantities = |cpu: &str, memory: &str| {
            BTreeMap::from([
                ("cpu".to_string(), Quantity(cpu.to_string())),
                ("memory".to_string(), Quantity(memory.to_string())),
            ])
        };
        ResourceRequirements {
            requests: Some(quantities("50m", "32Mi")),
            limits: Some(quantities("500m", "128Mi")),
            ..ResourceRequirements::default()
        }
    });
    let names_it = |list: &Option<BTreeMap<String, Quantity>>| {
        list.as_ref()
            .is_some_and(|l| l.contains_key(EPHEMERAL_STORAGE))
    };
    if !names_it(&resources.requests) && !names_it(&resources.limits) {
        for (list, quantity) in [
            (&mut resources.requests, TMP_SIZE_LIMIT),
            (&mut resources.limits, EPHEMERAL_STORAGE_LIMIT),
        ] {
            list.get_or_insert_with(BTreeMap::new).insert(
                EPHEMERAL_STORAGE.to_string(),
                Quantity(quantity.to_string()),
            );
        }
    }
    resources
}

pub fn port(name: &str, port: i32) -> ContainerPort {
    ContainerPort {
        name: Some(name.to_string()),
        container_port: port,
        protocol: Some("TCP".to_string()),
        ..ContainerPort::default()
    }
}

/// An HTTP probe on the admin port.
pub fn admin_probe(path: &str, period_seconds: i32) -> Probe {
    Probe {
        http_get: Some(HTTPGetAction {
            path: Some(path.to_string()),
            port: IntOrString::String("admin".to_string()),
            ..HTTPGetAction::default()
        }),
        period_seconds: Some(period_seconds),
        failure_threshold: Some(3),
        ..Probe::default()
    }
}

/// What the tests of both pods check of the scanners' findings: ephemeral
/// storage requested and limited, and the spread across zones and hosts.
#[cfg(test)]
pub(super) fn assert_bounded_and_spread(pod: &k8s_openapi::api::core::v1::PodSpec) {
    let resources = pod.containers[0].resources.clone().unwrap();
    let storage = |list: Option<BTreeMap<String, Quantity>>| {
        list.unwrap().remove("ephemeral-storage").map(|q| q.0)
    };
    assert_eq!(storage(resources.requests).as_deref(), Some("16Mi"));
    assert_eq!(storage(resources.limits).as_deref(), Some("256Mi"));
    let keys: Vec<_> = pod
        .topology_spread_constraints
        .iter()
        .flatten()
        .map(|c| c.topology_key.as_str())
        .collect();
    assert_eq!(
        keys,
        ["topology.kubernetes.io/zone", "kubernetes.io/hostname"]
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn selector() -> BTreeMap<String, String> {
        BTreeMap::from([("app.kubernetes.io/name".to_string(), "api".to_string())])
    }

    /// An API pod template on `compute`.
    fn template_for(compute: Compute) -> PodTemplateSpec {
        template(selector(), compute, "demo", true, Container::default(), 30)
    }

    #[test]
    fn fargate_pods_carry_the_profile_label_and_no_node_selector() {
        let t = template_for(Compute::Fargate);
        assert_eq!(
            t.metadata.unwrap().labels.unwrap()[COMPUTE_LABEL],
            "fargate"
        );
        assert_eq!(t.spec.unwrap().node_selector, None);
    }

    #[test]
    fn node_pods_select_the_node_group_label() {
        let t = template_for(Compute::Nodes);
        assert!(
            !t.metadata
                .unwrap()
                .labels
                .unwrap()
                .contains_key(COMPUTE_LABEL)
        );
        assert_eq!(
            t.spec.unwrap().node_selector.unwrap()[COMPUTE_LABEL],
            "nodes"
        );
    }

    #[test]
    fn pods_meet_pod_security_restricted() {
        let spec = fargate_pod();
        let pod = spec.security_context.unwrap();
        assert_eq!(pod.run_as_non_root, Some(true));
        assert_eq!(pod.run_as_user, Some(RUN_AS_USER));
        let c = spec.containers[0].security_context.clone().unwrap();
        assert_eq!(c.allow_privilege_escalation, Some(false));
        assert_eq!(c.read_only_root_filesystem, Some(true));
        assert_eq!(c.capabilities.unwrap().drop.unwrap(), ["ALL"]);
        assert_eq!(c.seccomp_profile.unwrap().type_, "RuntimeDefault");
    }

    fn fargate_pod() -> k8s_openapi::api::core::v1::PodSpec {
        template_for(Compute::Fargate).spec.unwrap()
    }

    fn quantities(pairs: &[(&str, &str)]) -> Option<BTreeMap<String, Quantity>> {
        Some(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), Quantity(v.to_string())))
                .collect(),
        )
    }

    #[test]
    fn custom_resources_replace_the_default_but_keep_the_ephemeral_storage() {
        let default = resources(None);
        assert_eq!(
            default,
            ResourceRequirements {
                requests: quantities(&[
                    ("cpu", "50m"),
                    ("memory", "32Mi"),
                    ("ephemeral-storage", "16Mi")
                ]),
                limits: quantities(&[
                    ("cpu", "500m"),
                    ("memory", "128Mi"),
                    ("ephemeral-storage", "256Mi")
                ]),
                ..ResourceRequirements::default()
            }
        );
        let custom = ResourceRequirements {
            limits: quantities(&[("memory", "1Gi")]),
            ..ResourceRequirements::default()
        };
        assert_eq!(
            resources(Some(&custom)),
            ResourceRequirements {
                requests: quantities(&[("ephemeral-storage", "16Mi")]),
                limits: quantities(&[("memory", "1Gi"), ("ephemeral-storage", "256Mi")]),
                ..ResourceRequirements::default()
            }
        );
    }

    /// A spec that names ephemeral-storage keeps exactly its own quantities:
    /// a request of 1Gi with the default 256Mi limit would be refused.
    #[test]
    fn a_spec_naming_ephemeral_storage_is_left_as_written() {
        let custom = ResourceRequirements {
            requests: quantities(&[("ephemeral-storage", "1Gi")]),
            ..ResourceRequirements::default()
        };
        assert_eq!(resources(Some(&custom)), custom);
    }

    /// The ephemeral-storage request is the `/tmp` volume's size limit.
    #[test]
    fn the_tmp_volume_sizes_the_ephemeral_storage_request() {
        let spec = fargate_pod();
        let tmp = spec.volumes.unwrap()[0].empty_dir.clone().unwrap();
        assert_eq!(
            tmp.size_limit,
            resources(None)
                .requests
                .unwrap()
                .remove("ephemeral-storage")
        );
    }

    #[test]
    fn pods_spread_across_zones_then_hosts_preferably() {
        let spec = template(
            selector(),
            Compute::Nodes,
            "demo",
            true,
            Container::default(),
            30,
        )
        .spec
        .unwrap();
        let spread: Vec<_> = spec
            .topology_spread_constraints
            .unwrap()
            .into_iter()
            .map(|c| {
                (
                    c.topology_key,
                    c.max_skew,
                    c.when_unsatisfiable,
                    c.label_selector.unwrap().match_labels.unwrap(),
                )
            })
            .collect();
        let rule = |key: &str| (key.to_string(), 1, "ScheduleAnyway".to_string(), selector());
        assert_eq!(
            spread,
            [
                rule("topology.kubernetes.io/zone"),
                rule("kubernetes.io/hostname")
            ]
        );
    }

    #[test]
    fn the_pod_spec_says_whether_the_token_is_mounted() {
        for automount in [true, false] {
            let spec = template(
                selector(),
                Compute::Nodes,
                "demo",
                automount,
                Container::default(),
                30,
            )
            .spec
            .unwrap();
            assert_eq!(spec.automount_service_account_token, Some(automount));
        }
    }
}
