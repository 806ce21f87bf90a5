//! Status: computed from what the apiserver returned, written only when it
//! differs from what is stored. A needless write would trigger another
//! reconcile, and so a hot loop.

use hello_crds::{
    CONDITION_DEGRADED, CONDITION_FARGATE_PROFILE_MATCHED, CONDITION_PROGRESSING, CONDITION_READY,
    HelloApi, HelloApiStatus,
};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::networking::v1::Ingress;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use k8s_openapi::jiff::Timestamp;
use kube::Api;
use kube::api::{Patch, PatchParams};
use serde_json::json;

use super::apply::Applied;
use crate::{Context, Error};

/// How the apply went.
pub enum Outcome<'a> {
    Applied(&'a Applied),
    Failed(String),
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
    let mut set = |type_: &str, ok: bool, reason: &str, message: String| {
        let condition = condition(
            &previous.conditions,
            type_,
            ok,
            reason,
            message,
            generation,
            &now,
        );
        status.conditions.retain(|c| c.type_ != type_);
        status.conditions.push(condition);
    };
    match outcome {
        Outcome::Failed(message) => {
            set(CONDITION_DEGRADED, true, "ApplyFailed", message.clone());
        }
        Outcome::Applied(applied) => {
            set(
                CONDITION_DEGRADED,
                false,
                "Applied",
                "every child object is applied".to_string(),
            );
            let api_pods = Pods::of(&applied.deployment);
            let consumer_pods = applied.consumer.as_ref().map(Pods::of);
            let ready = api_pods.ready() && consumer_pods.as_ref().is_none_or(Pods::ready);
            let message = match &consumer_pods {
                Some(c) => format!(
                    "API {}/{} ready, consumer {}/{} ready",
                    api_pods.ready, api_pods.desired, c.ready, c.desired
                ),
                None => format!("API {}/{} ready", api_pods.ready, api_pods.desired),
            };
            set(
                CONDITION_READY,
                ready,
                if ready { "PodsReady" } else { "PodsNotReady" },
                message.clone(),
            );
            let rolling =
                !api_pods.settled() || consumer_pods.as_ref().is_some_and(|c| !c.settled());
            set(
                CONDITION_PROGRESSING,
                rolling,
                if rolling { "RollingOut" } else { "Complete" },
                message,
            );
            status.replicas = api_pods.current;
            status.ready_replicas = api_pods.ready;
            status.replica_summary = format!("{}/{}", api_pods.ready, api_pods.desired);
            status.url = applied.ingress.as_ref().and_then(|i| url(api, i));
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

/// Pod counts of a Deployment, as its controller reports them.
struct Pods {
    desired: i32,
    current: i32,
    ready: i32,
    updated: i32,
    observed: bool,
}

impl Pods {
    fn of(deployment: &Deployment) -> Pods {
        let desired = deployment
            .spec
            .as_ref()
            .and_then(|s| s.replicas)
            .unwrap_or(1);
        let status = deployment.status.clone().unwrap_or_default();
        Pods {
            desired,
            current: status.replicas.unwrap_or(0),
            ready: status.ready_replicas.unwrap_or(0),
            updated: status.updated_replicas.unwrap_or(0),
            observed: status.observed_generation >= deployment.metadata.generation,
        }
    }

    fn ready(&self) -> bool {
        self.ready >= self.desired
    }

    fn settled(&self) -> bool {
        self.observed
            && self.updated == self.desired
            && self.current == self.desired
            && self.ready()
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
    use crate::build::{DefaultImages, children};
    use k8s_openapi::api::apps::v1::DeploymentStatus;

    fn helloapi() -> HelloApi {
        let mut api: HelloApi = serde_yaml_ng::from_str(
            "{apiVersion: hello.dev/v1alpha1, kind: HelloApi, metadata: {name: demo, namespace: shop, uid: u1, generation: 4}, spec: {replicas: 2}}",
        )
        .unwrap();
        api.metadata.generation = Some(4);
        api
    }

    fn applied(api: &HelloApi, ready: i32) -> Applied {
        let images = DefaultImages {
            api: "a".into(),
            consumer: "c".into(),
        };
        let mut deployment = children(api, &images).unwrap().deployment;
        deployment.metadata.generation = Some(1);
        deployment.status = Some(DeploymentStatus {
            observed_generation: Some(1),
            replicas: Some(2),
            updated_replicas: Some(2),
            ready_replicas: Some(ready),
            ..DeploymentStatus::default()
        });
        Applied {
            changes: vec![],
            deployment,
            consumer: None,
            ingress: None,
        }
    }

    fn at(second: i64) -> Time {
        Time(Timestamp::from_second(second).unwrap())
    }

    fn get<'a>(status: &'a HelloApiStatus, type_: &str) -> &'a Condition {
        status.condition(type_).unwrap()
    }

    #[test]
    fn ready_when_every_replica_is_ready() {
        let api = helloapi();
        let status = desired(&api, &Outcome::Applied(&applied(&api, 2)), at(100));
        assert_eq!(get(&status, CONDITION_READY).status, "True");
        assert_eq!(get(&status, CONDITION_PROGRESSING).status, "False");
        assert_eq!(get(&status, CONDITION_DEGRADED).status, "False");
        assert_eq!((status.replicas, status.ready_replicas), (2, 2));
        assert_eq!(status.replica_summary, "2/2");
        assert_eq!(status.kafka_topic, "-");
        assert_eq!(status.observed_generation, Some(4));
        assert_eq!(get(&status, CONDITION_READY).observed_generation, Some(4));
    }

    #[test]
    fn an_unchanged_outcome_gives_an_identical_status() {
        let mut api = helloapi();
        let first = desired(&api, &Outcome::Applied(&applied(&api, 1)), at(100));
        api.status = Some(first.clone());
        let again = desired(&api, &Outcome::Applied(&applied(&api, 1)), at(200));
        assert_eq!(first, again, "a resync must not write the status");
    }

    #[test]
    fn last_transition_time_moves_only_on_a_transition() {
        let mut api = helloapi();
        api.status = Some(desired(&api, &Outcome::Applied(&applied(&api, 1)), at(100)));
        let ready = desired(&api, &Outcome::Applied(&applied(&api, 2)), at(200));
        assert_eq!(get(&ready, CONDITION_READY).last_transition_time, at(200));
        assert_eq!(
            get(&ready, CONDITION_DEGRADED).last_transition_time,
            at(100)
        );
    }

    #[test]
    fn a_failed_apply_is_degraded_and_keeps_the_rest() {
        let mut api = helloapi();
        api.status = Some(desired(&api, &Outcome::Applied(&applied(&api, 2)), at(100)));
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
        assert_eq!(get(&failed, CONDITION_READY).status, "True");
        assert_eq!(failed.ready_replicas, 2);
    }
}
