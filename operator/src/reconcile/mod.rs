//! One reconcile of a HelloApi: validate, build, apply, prune, then status.

pub mod apply;
mod events;
mod fargate_check;
#[cfg(test)]
mod fixtures;
mod pods;
mod prune;
pub(crate) mod rollout;
pub mod status;
mod validate;

pub use validate::SpecError;

use std::sync::Arc;
use std::time::Duration;

use hello_crds::{CONDITION_STALLED, HelloApi, OperandVersion};
use k8s_openapi::api::apps::v1::Deployment;
use kube::core::DeserializeGuard;
use kube::runtime::controller::Action;
use kube::{Api, ResourceExt};
use tracing::{info, warn};

use crate::build;
use crate::{Context, Error};

/// Resync interval: drift that no watch event reports is caught this often.
pub const RESYNC: Duration = Duration::from_secs(300);

/// How long after a start reconciles wait for the children's caches.
const CACHE_GRACE: Duration = Duration::from_secs(10);
/// How soon a reconcile that found them unfilled comes back.
const CACHE_RETRY: Duration = Duration::from_millis(200);

/// Reconciles one HelloApi. A resource that does not deserialize is reported
/// and skipped, so it never stops the watch of the others.
pub async fn reconcile(
    guard: Arc<DeserializeGuard<HelloApi>>,
    ctx: Arc<Context>,
) -> Result<Action, Error> {
    let api = match &guard.0 {
        Ok(api) => api,
        Err(invalid) => {
            warn!(name = %invalid.metadata.name.clone().unwrap_or_default(), error = %invalid.error, "HelloApi does not deserialize; skipped");
            events::undeserializable(&ctx, invalid).await;
            return Ok(Action::await_change());
        }
    };
    if api.metadata.deletion_timestamp.is_some() {
        // Owner references let the garbage collector remove the children.
        return Ok(Action::await_change());
    }
    // Right after a start the children's caches are still listing; without
    // them a reconcile reads each child before it applies it. They fill from
    // the controller's own streams, which it polls only while a reconcile
    // slot is free, so waiting here would hold the slot they need: come back
    // in a moment instead. A cache that cannot list (a kind the operator may
    // not read) delays the reconciles by `CACHE_GRACE` once.
    if !ctx.owned.ready() && ctx.started.elapsed() < CACHE_GRACE {
        return Ok(Action::requeue(CACHE_RETRY));
    }
    let namespace = api.namespace().unwrap_or_default();
    let uid = api.uid().unwrap_or_default();
    let started = std::time::Instant::now();
    let result = apply_and_prune(api, &ctx).await;
    let fargate = fargate_check::verdict(&ctx, api, &namespace).await;
    let recorded = api.status.clone().unwrap_or_default().versions;
    let outcome = match &result {
        Ok(applied) => {
            let api_rollout =
                observe(&ctx, &namespace, "API", &applied.deployment, &recorded.api).await;
            let consumer_rollout = match &applied.consumer {
                Some(d) => Some(observe(&ctx, &namespace, "consumer", d, &recorded.consumer).await),
                None => None,
            };
            status::Outcome::Applied(Box::new(status::Observed {
                applied,
                api: api_rollout,
                consumer: consumer_rollout,
            }))
        }
        Err(err) => match err.needs_a_change() {
            // Retrying cannot help: say so once per generation, not once per
            // attempt, and wait for the next change of the resource.
            Some(message) => {
                if !already_stalled(api, &message) {
                    events::error(&ctx, api, err).await;
                }
                status::Outcome::Invalid(message)
            }
            None => {
                events::error(&ctx, api, err).await;
                status::Outcome::Failed(err.to_string())
            }
        },
    };
    let written = status::update(&ctx, api, &namespace, outcome, fargate).await;
    // A status that could not be written is retried, even for an invalid spec.
    let result = match (result, written) {
        (Err(err), _) if err.needs_a_change().is_none() => Err(err),
        (_, Err(err)) => Err(err),
        (result, Ok(())) => result.map(|_| ()),
    };
    ctx.metrics.observe(
        result.as_ref().err().map(Error::metric_label),
        started.elapsed(),
    );
    match result {
        // Pods and Deployments wake the HelloApi as a rollout moves.
        Ok(_) => {
            ctx.succeeded(&uid);
            Ok(Action::requeue(RESYNC))
        }
        Err(err) if err.needs_a_change().is_some() => {
            ctx.succeeded(&uid);
            Ok(Action::await_change())
        }
        // error_policy backs off.
        Err(err) => Err(err),
    }
}

/// How far a Deployment's rollout is; its pods are listed only when the
/// status cannot be told without them.
async fn observe(
    ctx: &Context,
    namespace: &str,
    component: &'static str,
    deployment: &Deployment,
    recorded: &[OperandVersion],
) -> rollout::Rollout {
    let pods = if rollout::needs_pods(deployment, recorded) {
        pods::of(ctx, namespace, deployment, &rollout::selector(deployment)).await
    } else {
        None
    };
    rollout::Rollout::of(component, deployment, pods.as_ref())
}

/// Whether the status already reports this invalid spec for this generation.
fn already_stalled(api: &HelloApi, message: &str) -> bool {
    api.status
        .as_ref()
        .and_then(|s| s.condition(CONDITION_STALLED))
        .is_some_and(|c| {
            c.status == "True"
                && c.reason == "InvalidSpec"
                && c.message == message
                && c.observed_generation == api.metadata.generation
        })
}

async fn apply_and_prune(api: &HelloApi, ctx: &Context) -> Result<apply::Applied, Error> {
    validate::spec(api)?;
    let children = build::children(api, &ctx.images, &ctx.cluster)?;
    let mut applied = apply::all(ctx, api, children).await?;
    let pruned = prune::orphans(ctx, api, &applied).await?;
    applied.changes.extend(pruned);
    for change in &applied.changes {
        info!(helloapi = %api.name_any(), "{change}");
    }
    events::changes(ctx, api, &applied.changes).await;
    Ok(applied)
}

/// Retries a reconcile that failed on the apiserver (unavailable, a
/// conflict) after a back-off that doubles with each failure in a row, up to
/// a cap; the error is already in the status and the events.
pub fn error_policy(
    guard: Arc<DeserializeGuard<HelloApi>>,
    err: &Error,
    ctx: Arc<Context>,
) -> Action {
    let uid = match &guard.0 {
        Ok(api) => api.uid(),
        Err(invalid) => invalid.metadata.uid.clone(),
    };
    let wait = ctx.retry_after_failure(&uid.unwrap_or_default());
    warn!(error = %err, retry_in_s = wait.as_secs(), "reconcile failed");
    Action::requeue(wait)
}

/// HelloApis of one namespace, or of all.
pub fn helloapis(client: kube::Client, namespace: Option<&str>) -> Api<DeserializeGuard<HelloApi>> {
    match namespace {
        Some(ns) => Api::namespaced(client, ns),
        None => Api::all(client),
    }
}
