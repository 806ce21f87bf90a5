//! Kubernetes Events on the HelloApi: each child created, updated or deleted,
//! and each failed reconcile. Publishing is best effort: a lost Event never
//! fails a reconcile.

use hello_crds::HelloApi;
use kube::Resource;
use kube::runtime::events::{Event, EventType};
use tracing::debug;

use super::apply::Change;
use crate::{Context, Error};

/// One Event per kind of change in a reconcile, listing the objects: the
/// recorder folds repeated Events of one reason into a series, which would
/// hide every object after the first.
pub async fn changes(ctx: &Context, api: &HelloApi, changes: &[Change]) {
    for (reason, action) in [
        ("Created", "Apply"),
        ("Updated", "Apply"),
        ("Deleted", "Prune"),
    ] {
        let objects: Vec<String> = changes
            .iter()
            .filter_map(|change| match change {
                Change::Created { kind, name } if reason == "Created" => {
                    Some(format!("{kind} {name}"))
                }
                Change::Updated { kind, name } if reason == "Updated" => {
                    Some(format!("{kind} {name}"))
                }
                Change::Deleted { kind, name } if reason == "Deleted" => {
                    Some(format!("{kind} {name}"))
                }
                _ => None,
            })
            .collect();
        if !objects.is_empty() {
            let note = format!("{} {}", reason.to_lowercase(), objects.join(", "));
            publish(ctx, api, EventType::Normal, reason, action, note).await;
        }
    }
}

pub async fn error(ctx: &Context, api: &HelloApi, err: &Error) {
    publish(
        ctx,
        api,
        EventType::Warning,
        "ReconcileFailed",
        "Reconcile",
        err.to_string(),
    )
    .await;
}

async fn publish(
    ctx: &Context,
    api: &HelloApi,
    type_: EventType,
    reason: &str,
    action: &str,
    note: String,
) {
    let event = Event {
        type_,
        reason: reason.to_string(),
        note: Some(note),
        action: action.to_string(),
        secondary: None,
    };
    if let Err(err) = ctx.recorder.publish(&event, &api.object_ref(&())).await {
        debug!(error = %err, "could not publish an Event");
    }
}
