//! The `FargateProfileMatched` condition for `compute: fargate` pod sets,
//! when the operator runs with `--eks-cluster-name`.

use std::collections::BTreeMap;

use hello_crds::{COMPUTE_LABEL, Compute, HelloApi};
use kube::ResourceExt;

use super::status::FargateCondition;
use crate::Context;
use crate::fargate::Verdict;

pub async fn verdict(ctx: &Context, api: &HelloApi, namespace: &str) -> Option<FargateCondition> {
    let profiles = ctx.fargate.as_ref()?;
    let name = api.name_any();
    let mut on_fargate = Vec::new();
    if api.spec.compute == Compute::Fargate {
        on_fargate.push(("API", pod_labels(&name, "api")));
    }
    if api
        .spec
        .kafka
        .as_ref()
        .is_some_and(|k| k.consumer.compute == Compute::Fargate)
    {
        on_fargate.push(("consumer", pod_labels(&name, "consumer")));
    }
    if on_fargate.is_empty() {
        return None;
    }
    let mut matched = Vec::new();
    for (what, labels) in on_fargate {
        match profiles.check(namespace, &labels).await {
            Verdict::Matched(profile) => matched.push(format!("{what} pods by profile {profile}")),
            Verdict::Unmatched => {
                return Some(FargateCondition {
                    status: "False",
                    reason: "NoProfileMatches",
                    message: format!(
                        "no Fargate profile selects namespace {namespace} with labels {}: the {what} pods would stay Pending",
                        show(&labels)
                    ),
                });
            }
            Verdict::Unknown(error) => {
                return Some(FargateCondition {
                    status: "Unknown",
                    reason: "EksApiError",
                    message: error,
                });
            }
        }
    }
    Some(FargateCondition {
        status: "True",
        reason: "ProfileMatches",
        message: format!("selected in namespace {namespace}: {}", matched.join(", ")),
    })
}

/// The labels the pod template gives the pods (see `build::pod`).
fn pod_labels(instance: &str, component: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (
            "app.kubernetes.io/instance".to_string(),
            instance.to_string(),
        ),
        ("app.kubernetes.io/name".to_string(), component.to_string()),
        (
            COMPUTE_LABEL.to_string(),
            Compute::Fargate.label_value().to_string(),
        ),
    ])
}

fn show(labels: &BTreeMap<String, String>) -> String {
    let pairs: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    pairs.join(",")
}
