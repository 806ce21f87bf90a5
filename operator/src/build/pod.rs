//! What every pod the operator makes has in common: Pod Security `restricted`,
//! resources, placement by `compute`, and spread across zones.

use std::collections::BTreeMap;

use hello_crds::{COMPUTE_LABEL, Compute};
use k8s_openapi::api::core::v1::{
    Capabilities, Container, ContainerPort, EmptyDirVolumeSource, EnvVar, HTTPGetAction,
    PodSecurityContext, PodSpec, PodTemplateSpec, Probe, ResourceRequirements, SeccompProfile,
    SecurityContext, TopologySpreadConstraint, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::metadata::{MANAGED_BY, MANAGED_BY_LABEL};

/// The non-root uid and gid the images are built for (distroless `nonroot`).
pub const RUN_AS_USER: i64 = 65532;
/// Port of `/metrics`, `/healthz` and `/readyz` in both binaries.
pub const ADMIN_PORT: i32 = 9090;

/// The log filter of a pod's binary: the HelloApi's `spec.logLevel`.
pub fn log_env(log_level: &str) -> EnvVar {
    EnvVar {
        name: "HELLO_LOG".to_string(),
        value: Some(log_level.to_string()),
        ..EnvVar::default()
    }
}

/// A pod template around `container`, labelled `selector` and placed by `compute`.
pub fn template(
    selector: BTreeMap<String, String>,
    compute: Compute,
    service_account: &str,
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
                    size_limit: Some(Quantity("16Mi".to_string())),
                    ..EmptyDirVolumeSource::default()
                }),
                ..Volume::default()
            }]),
            topology_spread_constraints: Some(vec![TopologySpreadConstraint {
                max_skew: 1,
                topology_key: "topology.kubernetes.io/zone".to_string(),
                // Prefer, do not require: a one-zone cluster must still schedule.
                when_unsatisfiable: "ScheduleAnyway".to_string(),
                label_selector: Some(LabelSelector {
                    match_labels: Some(selector),
                    ..LabelSelector::default()
                }),
                ..TopologySpreadConstraint::default()
            }]),
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

/// The spec's resources, or a small default that fits a Fargate 0.25 vCPU pod.
pub fn resources(custom: Option<&ResourceRequirements>) -> ResourceRequirements {
    custom.cloned().unwrap_or_else(|| {
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
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn selector() -> BTreeMap<String, String> {
        BTreeMap::from([("app.kubernetes.io/name".to_string(), "api".to_string())])
    }

    #[test]
    fn fargate_pods_carry_the_profile_label_and_no_node_selector() {
        let t = template(
            selector(),
            Compute::Fargate,
            "demo",
            Container::default(),
            30,
        );
        assert_eq!(
            t.metadata.unwrap().labels.unwrap()[COMPUTE_LABEL],
            "fargate"
        );
        assert_eq!(t.spec.unwrap().node_selector, None);
    }

    #[test]
    fn node_pods_select_the_node_group_label() {
        let t = template(selector(), Compute::Nodes, "demo", Container::default(), 30);
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
        let spec = template(
            selector(),
            Compute::Fargate,
            "demo",
            Container::default(),
            30,
        )
        .spec
        .unwrap();
        let pod = spec.security_context.unwrap();
        assert_eq!(pod.run_as_non_root, Some(true));
        assert_eq!(pod.run_as_user, Some(RUN_AS_USER));
        let c = spec.containers[0].security_context.clone().unwrap();
        assert_eq!(c.allow_privilege_escalation, Some(false));
        assert_eq!(c.read_only_root_filesystem, Some(true));
        assert_eq!(c.capabilities.unwrap().drop.unwrap(), ["ALL"]);
        assert_eq!(c.seccomp_profile.unwrap().type_, "RuntimeDefault");
    }

    #[test]
    fn custom_resources_replace_the_default() {
        let default = resources(None);
        assert_eq!(default.limits.unwrap()["memory"], Quantity("128Mi".into()));
        let custom = ResourceRequirements {
            limits: Some(BTreeMap::from([(
                "memory".to_string(),
                Quantity("1Gi".into()),
            )])),
            ..ResourceRequirements::default()
        };
        assert_eq!(resources(Some(&custom)), custom);
    }
}
