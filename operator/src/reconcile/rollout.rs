//! Rollout: how far a Deployment has come with the current spec, read from
//! its status and, while it moves, from its ReplicaSets and pods (which pods
//! run the current revision, why new ones do not start, which images serve).
//! Pure, so unit-tested; the listing is in `pods.rs`.

use std::collections::BTreeMap;

use hello_crds::OperandVersion;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::Pod;
use kube::ResourceExt;

/// The Deployment controller's annotation of the revision a ReplicaSet (and
/// the Deployment, for its newest) stands for.
pub const REVISION: &str = "deployment.kubernetes.io/revision";

/// Waiting reasons of a container that will not fix themselves.
const STUCK_WAITING: [&str; 7] = [
    "ImagePullBackOff",
    "ErrImagePull",
    "InvalidImageName",
    "CrashLoopBackOff",
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
];

/// A Deployment's ReplicaSets and pods, listed by its selector.
#[derive(Clone, Debug, Default)]
pub struct PodsOf {
    pub replica_sets: Vec<ReplicaSet>,
    pub pods: Vec<Pod>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Every pod runs the current spec and is ready.
    Settled,
    /// Pods of the current spec are being started, or old ones stopped.
    RollingOut,
    /// The Deployment reports `ProgressDeadlineExceeded`.
    DeadlineExceeded,
}

/// Why pods of the current spec do not become ready.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodProblem {
    /// `ImagePullBackOff`, `CrashLoopBackOff`, `Unschedulable`, ...
    pub reason: String,
    pub message: String,
}

#[derive(Clone, Debug)]
pub struct Rollout {
    /// "API" or "consumer", for messages.
    pub component: &'static str,
    pub desired: i32,
    pub current: i32,
    pub ready: i32,
    pub updated: i32,
    pub phase: Phase,
    pub problem: Option<PodProblem>,
    /// Ready pods of earlier revisions (known when the pods were listed).
    pub previous_ready: Option<i32>,
    /// Ready pods of the current revision (known when the pods were listed).
    pub current_ready: Option<i32>,
    /// What the ready pods run (known when the pods were listed).
    pub versions: Option<Vec<OperandVersion>>,
    /// The pods' label selector, `k=v,k=v`.
    pub selector: String,
}

impl Rollout {
    pub fn of(component: &'static str, deployment: &Deployment, pods: Option<&PodsOf>) -> Rollout {
        let counts = Counts::of(deployment);
        let phase = if counts.settled() {
            Phase::Settled
        } else if counts.observed && deadline_exceeded(deployment) {
            Phase::DeadlineExceeded
        } else {
            Phase::RollingOut
        };
        let revision = pods.and_then(|p| current_replica_set(deployment, &p.replica_sets));
        let (problem, previous_ready, current_ready, versions) = match pods {
            Some(p) => {
                let serving: Vec<&Pod> = p.pods.iter().filter(|pod| !terminating(pod)).collect();
                let is_current = |pod: &Pod| match &revision {
                    Some(rs) => controller_name(pod).as_deref() == Some(rs.as_str()),
                    // No ReplicaSet of the newest revision yet: none is current.
                    None => false,
                };
                let problem = (phase != Phase::Settled)
                    .then(|| {
                        let mut new: Vec<&Pod> = serving
                            .iter()
                            .copied()
                            .filter(|pod| is_current(pod) && !ready(pod))
                            .collect();
                        new.sort_by_key(|pod| pod.name_any());
                        new.into_iter().find_map(problem_of)
                    })
                    .flatten();
                let (current, previous): (Vec<&Pod>, Vec<&Pod>) = serving
                    .iter()
                    .copied()
                    .filter(|pod| ready(pod))
                    .partition(|pod| is_current(pod));
                let versions = versions(&serving, &is_current);
                (
                    problem,
                    Some(previous.len() as i32),
                    Some(current.len() as i32),
                    Some(versions),
                )
            }
            _ => (None, None, None, None),
        };
        Rollout {
            component,
            desired: counts.desired,
            current: counts.current,
            ready: counts.ready,
            updated: counts.updated,
            phase,
            problem,
            previous_ready,
            current_ready,
            versions,
            selector: selector(deployment),
        }
    }

    /// One line for the conditions' messages.
    pub fn summary(&self) -> String {
        let Rollout {
            component,
            desired,
            ready,
            updated,
            ..
        } = self;
        match self.phase {
            Phase::Settled => format!("{component} {ready}/{desired} ready"),
            _ => {
                let mut line = match self.current_ready {
                    Some(current) => {
                        format!("{component}: {current}/{desired} pods of the current spec ready")
                    }
                    None => format!("{component}: {updated}/{desired} pods updated, {ready} ready"),
                };
                if let Some(previous) = self.previous_ready.filter(|n| *n > 0) {
                    line.push_str(&format!(
                        "; {previous} ready pod(s) of the previous spec keep serving"
                    ));
                }
                line
            }
        }
    }
}

/// Whether the versions recorded in the status can stand for a Deployment
/// without listing its pods: it is settled and they say so, or its
/// controller has not seen it yet, so it has no ReplicaSet and no pod.
pub fn needs_pods(deployment: &Deployment, recorded: &[OperandVersion]) -> bool {
    let seen = deployment
        .status
        .as_ref()
        .and_then(|s| s.observed_generation);
    if seen.is_none() {
        return false;
    }
    let counts = Counts::of(deployment);
    if !counts.settled() {
        return true;
    }
    let image = template_image(deployment);
    match recorded {
        [] => counts.desired > 0,
        [only] => {
            !(only.current
                && only.ready_replicas == counts.desired
                && Some(&only.image) == image.as_ref())
        }
        _ => true,
    }
}

struct Counts {
    desired: i32,
    current: i32,
    ready: i32,
    updated: i32,
    observed: bool,
}

impl Counts {
    fn of(deployment: &Deployment) -> Counts {
        let desired = deployment
            .spec
            .as_ref()
            .and_then(|s| s.replicas)
            .unwrap_or(1);
        let status = deployment.status.clone().unwrap_or_default();
        Counts {
            desired,
            current: status.replicas.unwrap_or(0),
            ready: status.ready_replicas.unwrap_or(0),
            updated: status.updated_replicas.unwrap_or(0),
            observed: status.observed_generation >= deployment.metadata.generation,
        }
    }

    fn settled(&self) -> bool {
        self.observed
            && self.updated == self.desired
            && self.current == self.desired
            && self.ready >= self.desired
    }
}

fn deadline_exceeded(deployment: &Deployment) -> bool {
    deployment
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .into_iter()
        .flatten()
        .any(|c| {
            c.type_ == "Progressing"
                && c.status == "False"
                && c.reason.as_deref() == Some("ProgressDeadlineExceeded")
        })
}

/// The name of the ReplicaSet of the Deployment's newest revision.
fn current_replica_set(deployment: &Deployment, replica_sets: &[ReplicaSet]) -> Option<String> {
    let revision = deployment.annotations().get(REVISION)?;
    let uid = deployment.metadata.uid.as_deref();
    replica_sets
        .iter()
        .filter(|rs| {
            rs.owner_references()
                .iter()
                .any(|o| o.controller == Some(true) && Some(o.uid.as_str()) == uid)
        })
        .find(|rs| rs.annotations().get(REVISION) == Some(revision))
        .map(ResourceExt::name_any)
}

fn controller_name(pod: &Pod) -> Option<String> {
    pod.owner_references()
        .iter()
        .find(|o| o.controller == Some(true))
        .map(|o| o.name.clone())
}

fn terminating(pod: &Pod) -> bool {
    pod.metadata.deletion_timestamp.is_some()
}

fn ready(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .into_iter()
        .flatten()
        .any(|c| c.type_ == "Ready" && c.status == "True")
}

/// The first reason a pod of the current spec does not start. The message
/// leaves out what changes from one retry to the next (back-off times,
/// restart counts), so the status is not rewritten on every retry.
fn problem_of(pod: &Pod) -> Option<PodProblem> {
    let name = pod.name_any();
    let status = pod.status.as_ref()?;
    let spec_images: BTreeMap<&str, &str> = pod
        .spec
        .iter()
        .flat_map(|s| s.init_containers.iter().flatten().chain(&s.containers))
        .map(|c| (c.name.as_str(), c.image.as_deref().unwrap_or("")))
        .collect();
    let containers = status
        .init_container_statuses
        .iter()
        .flatten()
        .chain(status.container_statuses.iter().flatten());
    for c in containers {
        let Some(reason) = c
            .state
            .as_ref()
            .and_then(|s| s.waiting.as_ref())
            .and_then(|w| w.reason.as_deref())
            .filter(|r| STUCK_WAITING.contains(r))
        else {
            continue;
        };
        let image = spec_images
            .get(c.name.as_str())
            .copied()
            .unwrap_or(&c.image);
        let container = &c.name;
        let (reason, message) = match reason {
            // The kubelet alternates the two while it backs off.
            "ImagePullBackOff" | "ErrImagePull" => (
                "ImagePullBackOff",
                format!("pod {name}: container {container}: image {image} cannot be pulled"),
            ),
            "CrashLoopBackOff" => {
                let exit = c
                    .last_state
                    .as_ref()
                    .and_then(|s| s.terminated.as_ref())
                    .map(|t| format!(" (last exit code {})", t.exit_code))
                    .unwrap_or_default();
                (
                    "CrashLoopBackOff",
                    format!("pod {name}: container {container} keeps crashing{exit}"),
                )
            }
            other => (
                other,
                format!("pod {name}: container {container} (image {image}) cannot start: {other}"),
            ),
        };
        return Some(PodProblem {
            reason: reason.to_string(),
            message,
        });
    }
    // A pending pod is not a problem here: a node may be on its way
    // (Karpenter, Fargate); the progress deadline tells when it is not.
    None
}

/// Images of the ready pods, by digest where the kubelet reports one; the
/// current spec's first, then the most pods.
fn versions(serving: &[&Pod], is_current: &dyn Fn(&Pod) -> bool) -> Vec<OperandVersion> {
    let mut counted: BTreeMap<(bool, String, Option<String>), i32> = BTreeMap::new();
    for pod in serving.iter().filter(|pod| ready(pod)) {
        let image = pod
            .spec
            .as_ref()
            .and_then(|s| s.containers.first())
            .and_then(|c| c.image.clone())
            .unwrap_or_default();
        let image_id = pod
            .status
            .as_ref()
            .and_then(|s| s.container_statuses.as_ref())
            .and_then(|cs| cs.first())
            .map(|c| c.image_id.clone())
            .filter(|id| !id.is_empty());
        *counted
            .entry((is_current(pod), image, image_id))
            .or_default() += 1;
    }
    let mut versions: Vec<OperandVersion> = counted
        .into_iter()
        .map(
            |((current, image, image_id), ready_replicas)| OperandVersion {
                image,
                image_id,
                ready_replicas,
                current,
            },
        )
        .collect();
    versions.sort_by(|a, b| {
        (b.current, b.ready_replicas, &a.image).cmp(&(a.current, a.ready_replicas, &b.image))
    });
    versions
}

fn template_image(deployment: &Deployment) -> Option<String> {
    deployment
        .spec
        .as_ref()?
        .template
        .spec
        .as_ref()?
        .containers
        .first()?
        .image
        .clone()
}

/// The Deployment's pod selector, `k=v,k=v`.
pub fn selector(deployment: &Deployment) -> String {
    deployment
        .spec
        .as_ref()
        .and_then(|s| s.selector.match_labels.as_ref())
        .map(|labels| {
            labels
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
