use super::*;
use crate::reconcile::fixtures::{
    api_deployment, applied, at, helloapi, revision_pod, rolling_to_2, stuck_pod,
};
use crate::reconcile::rollout::PodsOf;
use k8s_openapi::api::apps::v1::Deployment;

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

/// The status at second 100 of the API Deployment with its pods listed.
fn listed(api: &HelloApi, (deployment, pods): (Deployment, PodsOf)) -> HelloApiStatus {
    let applied = applied(deployment);
    desired(api, &outcome(&applied, Some(&pods)), at(100))
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
    let status = listed(
        &api,
        rolling_to_2(
            &api,
            (3, 3, 1),
            vec![
                revision_pod(1, 'a', true),
                revision_pod(1, 'b', true),
                revision_pod(2, 'a', true),
            ],
        ),
    );
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
    let status = listed(
        &api,
        rolling_to_2(
            &api,
            (3, 2, 1),
            vec![
                revision_pod(1, 'a', true),
                revision_pod(1, 'b', true),
                stuck_pod("nope:1", "ErrImagePull"),
            ],
        ),
    );
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
    let (mut deployment, pods) = rolling_to_2(
        &api,
        (3, 2, 1),
        vec![stuck_pod("app:2", "CrashLoopBackOff")],
    );
    crate::reconcile::fixtures::deadline_exceeded(&mut deployment);
    let status = listed(&api, (deployment, pods));
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
        stalled.starts_with("CrashLoopBackOff: the rollout made no progress for 300 s: API: 0/2"),
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
