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
mod tests {
    use super::*;
    use crate::reconcile::fixtures::{
        api_deployment, applied, at, helloapi, pod, pods_of, revision_pod, rolled_to,
    };
    use crate::reconcile::rollout::PodsOf;

    fn get<'a>(status: &'a HelloApiStatus, type_: &str) -> &'a Condition {
        status.condition(type_).unwrap()
    }

    fn state(status: &HelloApiStatus, type_: &str) -> (String, String) {
        let c = get(status, type_);
        (c.status.clone(), c.reason.clone())
    }

    fn outcome<'a>(applied: &'a Applied, pods: Option<&PodsOf>) -> Outcome<'a> {
        Outcome::Applied(Box::new(Observed {
            applied,
            api: Rollout::of("API", &applied.deployment, pods),
            consumer: None,
        }))
    }

    fn t(s: &str, r: &str) -> (String, String) {
        (s.to_string(), r.to_string())
    }

    #[test]
    fn ready_when_every_pod_runs_the_current_spec() {
        let api = helloapi();
        let applied = applied(api_deployment(&api, 2, 2, 2));
        let status = desired(&api, &outcome(&applied, None), at(100));
        assert_eq!(state(&status, CONDITION_READY), t("True", "PodsReady"));
        assert_eq!(get(&status, CONDITION_READY).message, "API 2/2 ready");
        assert_eq!(
            state(&status, CONDITION_PROGRESSING),
            t("False", "Complete")
        );
        assert_eq!(state(&status, CONDITION_DEGRADED), t("False", "AsExpected"));
        assert_eq!(
            state(&status, CONDITION_RECONCILING),
            t("False", "Reconciled")
        );
        assert_eq!(state(&status, CONDITION_STALLED), t("False", "AsExpected"));
        assert_eq!((status.replicas, status.ready_replicas), (2, 2));
        assert_eq!(status.replica_summary, "2/2");
        assert_eq!(status.kafka_topic, "-");
        assert_eq!(status.observed_generation, Some(4));
        assert_eq!(get(&status, CONDITION_READY).observed_generation, Some(4));
        assert_eq!(
            status.selector, "app.kubernetes.io/instance=demo,app.kubernetes.io/name=api",
            "the scale subresource's selector"
        );
    }

    #[test]
    fn an_unchanged_outcome_gives_an_identical_status() {
        let mut api = helloapi();
        let applied = applied(api_deployment(&api, 2, 1, 2));
        let first = desired(&api, &outcome(&applied, None), at(100));
        api.status = Some(first.clone());
        let again = desired(&api, &outcome(&applied, None), at(200));
        assert_eq!(first, again, "a resync must not write the status");
    }

    #[test]
    fn last_transition_time_moves_only_on_a_transition() {
        let mut api = helloapi();
        let rolling = applied(api_deployment(&api, 2, 1, 2));
        api.status = Some(desired(&api, &outcome(&rolling, None), at(100)));
        let done = applied(api_deployment(&api, 2, 2, 2));
        let ready = desired(&api, &outcome(&done, None), at(200));
        assert_eq!(get(&ready, CONDITION_READY).last_transition_time, at(200));
        assert_eq!(
            get(&ready, CONDITION_DEGRADED).last_transition_time,
            at(100)
        );
    }

    #[test]
    fn a_rollout_is_not_ready_and_says_the_previous_pods_serve() {
        let api = helloapi();
        // Surge: 3 pods, 1 of them of the new revision and ready.
        let deployment = rolled_to(api_deployment(&api, 3, 3, 1), "2");
        let pods = pods_of(
            &deployment,
            vec![
                revision_pod(1, 'a', true),
                revision_pod(1, 'b', true),
                revision_pod(2, 'a', true),
            ],
        );
        let applied = applied(deployment);
        let status = desired(&api, &outcome(&applied, Some(&pods)), at(100));
        assert_eq!(state(&status, CONDITION_READY), t("False", "RollingOut"));
        assert_eq!(
            state(&status, CONDITION_PROGRESSING),
            t("True", "RollingOut")
        );
        assert_eq!(
            state(&status, CONDITION_RECONCILING),
            t("True", "RollingOut")
        );
        assert_eq!(state(&status, CONDITION_STALLED), t("False", "AsExpected"));
        assert_eq!(state(&status, CONDITION_DEGRADED), t("False", "AsExpected"));
        let message = &get(&status, CONDITION_READY).message;
        assert!(
            message.contains("API: 1/2 pods of the current spec ready"),
            "{message}"
        );
        assert!(
            message.contains("2 ready pod(s) of the previous spec keep serving"),
            "{message}"
        );
        let versions: Vec<_> = status
            .versions
            .api
            .iter()
            .map(|v| (v.image.as_str(), v.ready_replicas, v.current))
            .collect();
        assert_eq!(versions, [("api:2", 1, true), ("api:1", 2, false)]);
        assert_eq!(status.updated_replicas, 1);
    }

    #[test]
    fn an_image_that_does_not_pull_is_degraded_while_the_old_pods_serve() {
        let api = helloapi();
        let deployment = rolled_to(api_deployment(&api, 3, 2, 1), "2");
        let pods = pods_of(
            &deployment,
            vec![
                revision_pod(1, 'a', true),
                revision_pod(1, 'b', true),
                pod(
                    "demo-r2-a",
                    "demo-r2",
                    "nope:1",
                    false,
                    Some("ErrImagePull"),
                ),
            ],
        );
        let applied = applied(deployment);
        let status = desired(&api, &outcome(&applied, Some(&pods)), at(100));
        let degraded = get(&status, CONDITION_DEGRADED);
        assert_eq!(
            (degraded.status.as_str(), degraded.reason.as_str()),
            ("True", "ImagePullBackOff")
        );
        assert!(
            degraded
                .message
                .contains("pod demo-r2-a: container api: image nope:1 cannot be pulled"),
            "{}",
            degraded.message
        );
        assert!(
            degraded
                .message
                .contains("2 ready pod(s) of the previous spec keep serving"),
            "{}",
            degraded.message
        );
        assert_eq!(
            state(&status, CONDITION_RECONCILING),
            t("True", "RollingOut")
        );
        assert_eq!(state(&status, CONDITION_STALLED), t("False", "AsExpected"));
        assert_eq!(state(&status, CONDITION_READY), t("False", "RollingOut"));
    }

    #[test]
    fn past_the_progress_deadline_the_rollout_has_failed() {
        let api = helloapi();
        let mut deployment = rolled_to(api_deployment(&api, 3, 2, 1), "2");
        crate::reconcile::fixtures::deadline_exceeded(&mut deployment);
        let pods = pods_of(
            &deployment,
            vec![pod(
                "demo-r2-a",
                "demo-r2",
                "app:2",
                false,
                Some("CrashLoopBackOff"),
            )],
        );
        let applied = applied(deployment);
        let status = desired(&api, &outcome(&applied, Some(&pods)), at(100));
        assert_eq!(
            state(&status, CONDITION_STALLED),
            t("True", "ProgressDeadlineExceeded")
        );
        assert_eq!(
            state(&status, CONDITION_RECONCILING),
            t("False", "RolloutFailed")
        );
        assert_eq!(state(&status, CONDITION_READY), t("False", "RolloutFailed"));
        assert_eq!(
            state(&status, CONDITION_PROGRESSING),
            t("False", "ProgressDeadlineExceeded")
        );
        assert_eq!(
            state(&status, CONDITION_DEGRADED),
            t("True", "CrashLoopBackOff")
        );
        let stalled = &get(&status, CONDITION_STALLED).message;
        assert!(
            stalled
                .starts_with("CrashLoopBackOff: the rollout made no progress for 300 s: API: 0/2"),
            "{stalled}"
        );
    }

    #[test]
    fn an_invalid_spec_is_stalled_naming_the_field() {
        let api = helloapi();
        let status = desired(
            &api,
            &Outcome::Invalid("spec.responses: path \"x\" must start with '/'".into()),
            at(100),
        );
        assert_eq!(state(&status, CONDITION_STALLED), t("True", "InvalidSpec"));
        assert!(
            get(&status, CONDITION_STALLED)
                .message
                .contains("spec.responses")
        );
        assert_eq!(
            state(&status, CONDITION_RECONCILING),
            t("False", "InvalidSpec")
        );
        assert_eq!(state(&status, CONDITION_READY), t("False", "InvalidSpec"));
    }

    #[test]
    fn a_failed_apply_is_degraded_and_keeps_the_rest() {
        let mut api = helloapi();
        let done = applied(api_deployment(&api, 2, 2, 2));
        api.status = Some(desired(&api, &outcome(&done, None), at(100)));
        let failed = desired(
            &api,
            &Outcome::Failed("applying Deployment demo: forbidden".into()),
            at(200),
        );
        let degraded = get(&failed, CONDITION_DEGRADED);
        assert_eq!(
            (degraded.status.as_str(), degraded.reason.as_str()),
            ("True", "ApplyFailed")
        );
        assert!(degraded.message.contains("forbidden"));
        assert_eq!(
            state(&failed, CONDITION_RECONCILING),
            t("True", "ApplyFailed")
        );
        assert_eq!(get(&failed, CONDITION_READY).status, "True");
        assert_eq!(failed.ready_replicas, 2);
    }
}
