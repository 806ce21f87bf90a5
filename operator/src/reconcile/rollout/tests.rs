use super::*;
use crate::reconcile::fixtures::{api_deployment, helloapi, revision_pod, rolling_to_2, stuck_pod};

#[test]
fn a_settled_deployment_with_matching_versions_needs_no_listing() {
    let api = helloapi();
    let settled = api_deployment(&api, 2, 2, 2);
    let recorded = [OperandVersion {
        image: "api:1".into(),
        image_id: Some("docker.io/library/api@sha256:1".into()),
        ready_replicas: 2,
        current: true,
    }];
    assert!(
        !needs_pods(&settled, &recorded),
        "an idle resync reads nothing more"
    );
    assert!(needs_pods(&settled, &[]), "no versions recorded yet");
    let other_image = [OperandVersion {
        image: "api:0".into(),
        ..recorded[0].clone()
    }];
    assert!(needs_pods(&settled, &other_image));
    assert!(
        needs_pods(&api_deployment(&api, 3, 2, 1), &recorded),
        "a rollout moves"
    );
    let mut created = api_deployment(&api, 0, 0, 0);
    created.status = Some(Default::default());
    assert!(
        !needs_pods(&created, &[]),
        "a Deployment its controller has not seen has no pods to list"
    );
}

#[test]
fn versions_name_the_digest_and_put_the_current_spec_first() {
    let api = helloapi();
    let (deployment, pods) = rolling_to_2(
        &api,
        (3, 3, 1),
        vec![
            revision_pod(1, 'a', true),
            revision_pod(2, 'a', true),
            revision_pod(2, 'b', false),
        ],
    );
    let rollout = Rollout::of("API", &deployment, Some(&pods));
    let versions = rollout.versions.unwrap();
    assert_eq!(versions[0].image, "api:2");
    assert!(versions[0].current);
    assert_eq!(versions[0].ready_replicas, 1, "only ready pods count");
    assert!(
        versions[0]
            .image_id
            .as_deref()
            .unwrap()
            .contains("@sha256:")
    );
    assert_eq!(
        (versions[1].image.as_str(), versions[1].current),
        ("api:1", false)
    );
    assert_eq!(rollout.previous_ready, Some(1));
    assert_eq!(
        rollout.problem, None,
        "a pod that is only starting is no problem"
    );
}

#[test]
fn a_crash_loop_names_the_container_and_its_exit_code() {
    let api = helloapi();
    let (deployment, pods) = rolling_to_2(
        &api,
        (3, 2, 1),
        vec![stuck_pod("api:2", "CrashLoopBackOff")],
    );
    let problem = Rollout::of("API", &deployment, Some(&pods))
        .problem
        .unwrap();
    assert_eq!(problem.reason, "CrashLoopBackOff");
    assert_eq!(
        problem.message,
        "pod demo-r2-a: container api keeps crashing (last exit code 1)"
    );
}

#[test]
fn a_terminating_pod_does_not_count_as_serving() {
    let api = helloapi();
    let mut leaving = revision_pod(1, 'a', true);
    leaving.metadata.deletion_timestamp = Some(crate::reconcile::fixtures::at(1));
    let (deployment, pods) = rolling_to_2(
        &api,
        (2, 2, 2),
        vec![
            leaving,
            revision_pod(2, 'a', true),
            revision_pod(2, 'b', true),
        ],
    );
    let rollout = Rollout::of("API", &deployment, Some(&pods));
    assert_eq!(rollout.phase, Phase::Settled);
    let versions = rollout.versions.unwrap();
    assert_eq!(versions.len(), 1, "{versions:?}");
    assert_eq!(versions[0].ready_replicas, 2);
}
