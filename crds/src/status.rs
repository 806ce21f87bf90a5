//! `HelloApi.status`: what the operator observed, written only when it changes.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// True when the current generation serves: every pod of the API (and of the
/// consumer, with Kafka) runs the current spec and is ready.
pub const CONDITION_READY: &str = "Ready";
/// True while a rollout of the current generation is under way; False with
/// `ProgressDeadlineExceeded` when it stopped progressing.
pub const CONDITION_PROGRESSING: &str = "Progressing";
/// True when something needs a person: the spec could not be applied, or the
/// new pods cannot start (the reason names it: `ImagePullBackOff`, ...).
pub const CONDITION_DEGRADED: &str = "Degraded";
/// Abnormal-true, for kstatus (Flux): True while the operator is still
/// working toward the current generation.
pub const CONDITION_RECONCILING: &str = "Reconciling";
/// Abnormal-true, for kstatus (Flux): True when no progress is possible
/// without a change of the spec (invalid spec, rollout past its deadline).
pub const CONDITION_STALLED: &str = "Stalled";
/// For `compute: fargate` with `--eks-cluster-name`: whether a Fargate profile
/// selects the pods' namespace and labels.
pub const CONDITION_FARGATE_PROFILE_MATCHED: &str = "FargateProfileMatched";

/// Observed state of a HelloApi.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HelloApiStatus {
    /// The `metadata.generation` this status describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,

    /// `Ready`, `Progressing`, `Degraded`, `Reconciling`, `Stalled` and, on
    /// EKS, `FargateProfileMatched`.
    #[serde(default)]
    pub conditions: Vec<Condition>,

    /// API pods the Deployment has (the scale subresource's current count).
    #[serde(default)]
    pub replicas: i32,

    /// API pods that are ready.
    #[serde(default)]
    pub ready_replicas: i32,

    /// API pods that run the current spec.
    #[serde(default)]
    pub updated_replicas: i32,

    /// Label selector of the API pods, in its string form (the scale
    /// subresource's, for a HorizontalPodAutoscaler).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub selector: String,

    /// `ready/desired`, for `kubectl get`.
    #[serde(default)]
    pub replica_summary: String,

    /// The Kafka topic, or `-` without Kafka, for `kubectl get`.
    #[serde(default)]
    pub kafka_topic: String,

    /// Base URL of the API, from the Ingress load balancer address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,

    /// What the ready pods run: the operand's version.
    #[serde(default, skip_serializing_if = "Versions::is_empty")]
    pub versions: Versions,
}

/// The images the ready pods of each Deployment run, the current spec's first.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
pub struct Versions {
    /// The API pods.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub api: Vec<OperandVersion>,
    /// The consumer pods (with Kafka).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consumer: Vec<OperandVersion>,
}

impl Versions {
    pub fn is_empty(&self) -> bool {
        self.api.is_empty() && self.consumer.is_empty()
    }
}

/// One image and how many ready pods run it.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OperandVersion {
    /// The image as the pod spec names it.
    pub image: String,
    /// The image by digest, as the kubelet reports it (the pod's
    /// `containerStatuses[].imageID`, and spelled the same), when it does.
    #[serde(default, rename = "imageID", skip_serializing_if = "Option::is_none")]
    pub image_id: Option<String>,
    /// Ready pods that run it.
    pub ready_replicas: i32,
    /// Whether these pods run the current spec (false: a previous revision
    /// still serving during a rollout).
    pub current: bool,
}

impl HelloApiStatus {
    /// The condition of the given type, if present.
    pub fn condition(&self, type_: &str) -> Option<&Condition> {
        self.conditions.iter().find(|c| c.type_ == type_)
    }
}
