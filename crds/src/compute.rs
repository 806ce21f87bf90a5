//! Where pods run, and the one label that says so.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The label the operator puts on every pod it makes, valued `fargate` or
/// `nodes`.
///
/// - `fargate` pods carry `hello.dev/compute: fargate`; the Terraform Fargate
///   profile selects the HelloApi namespace *and* this label.
/// - `nodes` pods get a nodeSelector `hello.dev/compute: nodes`; the Terraform
///   Bottlerocket node group labels its nodes so.
///
/// Terraform (`terraform-eks/`) names the same key; keep the two in step.
pub const COMPUTE_LABEL: &str = "hello.dev/compute";

/// Where a set of pods runs on EKS.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Compute {
    /// AWS Fargate: one micro-VM per pod, selected by a Fargate profile.
    #[default]
    Fargate,
    /// The Bottlerocket managed node group.
    Nodes,
}

impl Compute {
    /// The value of [`COMPUTE_LABEL`] for this choice.
    pub fn label_value(self) -> &'static str {
        match self {
            Compute::Fargate => "fargate",
            Compute::Nodes => "nodes",
        }
    }
}
