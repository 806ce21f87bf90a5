//! The `HelloApi` custom resource (`hello.dev/v1alpha1`): its Rust types, the
//! label shared with Terraform, and the CRD generated from the types.
//!
//! `crds/helloapi.yaml` is the output of [`crd_yaml`]; a test fails when the
//! two drift.

mod compute;
mod crd;
mod kafka;
mod network_policy;
mod spec;
mod status;

pub use compute::{COMPUTE_LABEL, Compute};
pub use crd::{crd, crd_yaml};
pub use kafka::{KafkaAuth, KafkaAuthMechanism, KafkaConsumerSpec, KafkaSpec, SecretReference};
pub use network_policy::NetworkPolicySpec;
pub use spec::{
    BUILTIN_PATHS, DEFAULT_PROGRESS_DEADLINE_SECONDS, HelloApi, HelloApiSpec, IngressScheme,
    IngressSpec, ResponseSpec, ServiceAccountSpec,
};
pub use status::{
    CONDITION_DEGRADED, CONDITION_FARGATE_PROFILE_MATCHED, CONDITION_PROGRESSING, CONDITION_READY,
    CONDITION_RECONCILING, CONDITION_STALLED, HelloApiStatus, OperandVersion, Versions,
};
