//! `HelloApi.status`: what the operator observed, written only when it changes.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// True when the API Deployment has all its replicas ready (and the consumer
/// too, when Kafka is set).
pub const CONDITION_READY: &str = "Ready";
/// True while a rollout of the generation the operator last applied is under way.
pub const CONDITION_PROGRESSING: &str = "Progressing";
/// True when the operator could not apply the spec.
pub const CONDITION_DEGRADED: &str = "Degraded";
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

    /// `Ready`, `Progressing`, `Degraded` and, on EKS, `FargateProfileMatched`.
    #[serde(default)]
    pub conditions: Vec<Condition>,

    /// API pods the Deployment has.
    #[serde(default)]
    pub replicas: i32,

    /// API pods that are ready.
    #[serde(default)]
    pub ready_replicas: i32,

    /// `ready/desired`, for `kubectl get`.
    #[serde(default)]
    pub replica_summary: String,

    /// The Kafka topic, or `-` without Kafka, for `kubectl get`.
    #[serde(default)]
    pub kafka_topic: String,

    /// Base URL of the API, from the Ingress load balancer address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl HelloApiStatus {
    /// The condition of the given type, if present.
    pub fn condition(&self, type_: &str) -> Option<&Condition> {
        self.conditions.iter().find(|c| c.type_ == type_)
    }
}
