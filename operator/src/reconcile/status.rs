//! Status: computed from what the apiserver returned, written only when it
//! differs from what is stored. A needless write would trigger another
//! reconcile, and so a hot loop.
//!
//! `Ready` means the current generation serves. `Reconciling` and `Stalled`
//! are the abnormal-true pair kstatus (Flux) reads: a HelloApi on its way is
//! `InProgress`, one that cannot get there without a change is `Failed`.

use hello_crds::{
    CONDITION_DEGRADED, CONDITION_FARGATE_PROFILE_MATCHED, CONDITION_PROGRESSING, CONDITION_READY,
    CONDITION_RECONCILING, CONDITION_STALLED, HelloApi, HelloApiStatus,
};
use k8s_openapi::api::networking::v1::Ingress;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use k8s_openapi::jiff::Timestamp;
use kube::Api;
use kube::api::{Patch, PatchParams};
use serde_json::json;

use super::apply::Applied;
use super::rollout::{Phase, Rollout};
use crate::{Context, Error};

/// How the reconcile went.
pub enum Outcome<'a> {
    /// Every child applied; how far their rollouts are.
    Applied(Box<Observed<'a>>),
    /// The spec breaks a rule: nothing was applied, and nothing will be
    /// until the spec changes.
    Invalid(String),
    /// Applying failed; the next attempt may succeed.
    Failed(String),
}

/// The applied children and their rollouts.
pub struct Observed<'a> {
    pub applied: &'a Applied,
    pub api: Rollout,
    pub consumer: Option<Rollout>,
}

pub async fn update(
    ctx: &Context,
    api: &HelloApi,
    namespace: &str,
    outcome: Outcome<'_>,
    fargate: Option<FargateCondition>,
) -> Result<(), Error> {
    // Whole seconds: what the apiserver stores, so a re-read status compares equal.
    let now = Time(
        Timestamp::from_second(Timestamp::now().as_second()).unwrap_or_else(|_| Timestamp::now()),
    );
    let mut desired = desired(api, &outcome, now.clone());
    apply_fargate(&mut desired, api, fargate, &now);
    if api.status.as_ref() == Some(&desired) {
        return Ok(());
    }
    let name = api.metadata.name.clone().unwrap_or_default();
    Api::<HelloApi>::namespaced(ctx.client.clone(), namespace)
        .patch_status(
            &name,
            &PatchParams::default(),
            &Patch::Merge(json!({ "status": desired })),
        )
        .await
        .map_err(Error::Status)?;
    Ok(())
}

/// The status `api` should have after `outcome`; pure, so it is unit-tested.
pub fn desired(api: &HelloApi, outcome: &Outcome<'_>, now: Time) -> HelloApiStatus {
    let previous = api.status.clone().unwrap_or_default();
    let generation = api.metadata.generation;
    let mut status = HelloApiStatus {
        observed_generation: generation,
        conditions: previous.conditions.clone(),
        kafka_topic: api
            .spec
            .kafka
            .as_ref()
            .map_or_else(|| "-".to_string(), |k| k.topic.clone()),
        ..previous.clone()
    };
    let mut set = |type_: &str, ok: bool, reason: &str, message: &str| {
        let condition = condition(
            &previous.conditions,
            type_,
            ok,
            reason,
            message.to_string(),
            generation,
            &now,
        );
        status.conditions.retain(|c| c.type_ != type_);
        status.conditions.push(condition);
    };
    match outcome {
        Outcome::Invalid(message) => {
            for type_ in [CONDITION_STALLED, CONDITION_DEGRADED] {
                set(type_, true, "InvalidSpec", message);
            }
            for type_ in [
                CONDITION_READY,
                CONDITION_RECONCILING,
                CONDITION_PROGRESSING,
            ] {
                set(type_, false, "InvalidSpec", message);
            }
        }
        Outcome::Failed(message) => {
            // Ready stays as it was: the pods that served still do.
            set(CONDITION_DEGRADED, true, "ApplyFailed", message);
            set(CONDITION_RECONCILING, true, "ApplyFailed", message);
            set(
                CONDITION_STALLED,
                false,
                "AsExpected",
                "the operator retries",
            );
        }
        Outcome::Applied(observed) => {
            let Observed {
                applied,
                api: api_rollout,
                consumer,
            } = observed.as_ref();
            let rollouts: Vec<&Rollout> = std::iter::once(api_rollout).chain(consumer).collect();
            let message = rollouts
                .iter()
                .map(|r| r.summary())
                .collect::<Vec<_>>()
                .join(", ");
            let failed = rollouts.iter().any(|r| r.phase == Phase::DeadlineExceeded);
            let settled = rollouts.iter().all(|r| r.phase == Phase::Settled);
            let problem = rollouts.iter().find_map(|r| r.problem.as_ref());
            let message = if failed && !settled {
                format!(
                    "the rollout made no progress for {} s: {message}",
                    api.spec.progress_deadline_seconds
                )
            } else {
                message
            };
            if settled {
                set(CONDITION_READY, true, "PodsReady", &message);
                set(CONDITION_PROGRESSING, false, "Complete", &message);
                set(CONDITION_RECONCILING, false, "Reconciled", &message);
            } else if failed {
                set(CONDITION_READY, false, "RolloutFailed", &message);
                set(
                    CONDITION_PROGRESSING,
                    false,
                    "ProgressDeadlineExceeded",
                    &message,
                );
                set(CONDITION_RECONCILING, false, "RolloutFailed", &message);
            } else {
                set(CONDITION_READY, false, "RollingOut", &message);
                set(CONDITION_PROGRESSING, true, "RollingOut", &message);
                set(CONDITION_RECONCILING, true, "RollingOut", &message);
            }
            match (problem, failed) {
                (Some(p), _) => set(
                    CONDITION_DEGRADED,
                    true,
                    &p.reason,
                    &format!("{}; {message}", p.message),
                ),
                (None, true) => set(
                    CONDITION_DEGRADED,
                    true,
                    "ProgressDeadlineExceeded",
                    &message,
                ),
                (None, false) => set(
                    CONDITION_DEGRADED,
                    false,
                    "AsExpected",
                    "every child object is applied",
                ),
            }
            if failed {
                let reason = problem.map_or("ProgressDeadlineExceeded", |p| p.reason.as_str());
                set(
                    CONDITION_STALLED,
                    true,
                    "ProgressDeadlineExceeded",
                    &format!("{reason}: {message}"),
                );
            } else {
                set(
                    CONDITION_STALLED,
                    false,
                    "AsExpected",
                    "no rollout is stuck",
                );
            }
            status.replicas = api_rollout.current;
            status.ready_replicas = api_rollout.ready;
            status.updated_replicas = api_rollout.updated;
            status.selector = api_rollout.selector.clone();
            status.replica_summary = format!("{}/{}", api_rollout.ready, api_rollout.desired);
            status.url = applied.ingress.as_ref().and_then(|i| url(api, i));
            if let Some(versions) = &api_rollout.versions {
                status.versions.api = versions.clone();
            }
            match consumer {
                Some(c) => {
                    if let Some(versions) = &c.versions {
                        status.versions.consumer = versions.clone();
                    }
                }
                None => status.versions.consumer.clear(),
            }
        }
    }
    status.conditions.sort_by(|a, b| a.type_.cmp(&b.type_));
    status
}

/// The `FargateProfileMatched` condition: status ("True", "False",
/// "Unknown"), reason and message.
pub struct FargateCondition {
    pub status: &'static str,
    pub reason: &'static str,
    pub message: String,
}

/// Sets or clears `FargateProfileMatched` (absent when not checked).
pub fn apply_fargate(
    status: &mut HelloApiStatus,
    api: &HelloApi,
    fargate: Option<FargateCondition>,
    now: &Time,
) {
    let previous = api
        .status
        .as_ref()
        .map(|s| s.conditions.clone())
        .unwrap_or_default();
    status
        .conditions
        .retain(|c| c.type_ != CONDITION_FARGATE_PROFILE_MATCHED);
    if let Some(f) = fargate {
        status.conditions.push(condition_with(
            &previous,
            CONDITION_FARGATE_PROFILE_MATCHED,
            f.status,
            f.reason,
            f.message,
            api.metadata.generation,
            now,
        ));
        status.conditions.sort_by(|a, b| a.type_.cmp(&b.type_));
    }
}

/// A condition whose lastTransitionTime moves only when its status does.
fn condition(
    previous: &[Condition],
    type_: &str,
    ok: bool,
    reason: &str,
    message: String,
    generation: Option<i64>,
    now: &Time,
) -> Condition {
    let status = if ok { "True" } else { "False" };
    condition_with(previous, type_, status, reason, message, generation, now)
}

fn condition_with(
    previous: &[Condition],
    type_: &str,
    status: &str,
    reason: &str,
    message: String,
    generation: Option<i64>,
    now: &Time,
) -> Condition {
    let last_transition_time = previous
        .iter()
        .find(|c| c.type_ == type_ && c.status == status)
        .map_or_else(|| now.clone(), |c| c.last_transition_time.clone());
    Condition {
        type_: type_.to_string(),
        status: status.to_string(),
        reason: reason.to_string(),
        message,
        observed_generation: generation,
        last_transition_time,
    }
}

/// `http(s)://<load balancer address>` once the Ingress has one.
fn url(api: &HelloApi, ingress: &Ingress) -> Option<String> {
    let address = ingress
        .status
        .as_ref()?
        .load_balancer
        .as_ref()?
        .ingress
        .as_ref()?
        .iter()
        .find_map(|i| i.hostname.clone().or_else(|| i.ip.clone()))?;
    let scheme = if api.spec.ingress.certificate_arn.is_empty() {
        "http"
    } else {
        "https"
    };
    Some(format!("{scheme}://{address}"))
}

#[cfg(test)]
mod tests;
