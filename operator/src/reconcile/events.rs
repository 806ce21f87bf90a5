//! Kubernetes Events on the HelloApi: each child created, updated or deleted,
//! and each failed reconcile. Publishing is best effort: a lost Event never
//! fails a reconcile.

use hello_crds::HelloApi;
use k8s_openapi::api::core::v1::ObjectReference;
use kube::Resource;
use kube::core::error_boundary::InvalidObject;
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
            publish(
                ctx,
                api.object_ref(&()),
                EventType::Normal,
                reason,
                action,
                note,
            )
            .await;
        }
    }
}

pub async fn error(ctx: &Context, api: &HelloApi, err: &Error) {
    publish(
        ctx,
        api.object_ref(&()),
        EventType::Warning,
        "ReconcileFailed",
        "Reconcile",
        err.to_string(),
    )
    .await;
}

/// A HelloApi the operator cannot read (for instance a status written by
/// another client with a value out of range): the user sees why in
/// `kubectl describe`, since its status cannot be written.
pub async fn undeserializable(ctx: &Context, invalid: &InvalidObject) {
    let meta = &invalid.metadata;
    let reference = ObjectReference {
        api_version: Some(HelloApi::api_version(&()).into_owned()),
        kind: Some(HelloApi::kind(&()).into_owned()),
        name: meta.name.clone(),
        namespace: meta.namespace.clone(),
        uid: meta.uid.clone(),
        resource_version: meta.resource_version.clone(),
        ..ObjectReference::default()
    };
    let note = format!("the operator cannot read this HelloApi: {}", invalid.error);
    publish(
        ctx,
        reference,
        EventType::Warning,
        "Unreadable",
        "Reconcile",
        note,
    )
    .await;
}

async fn publish(
    ctx: &Context,
    reference: ObjectReference,
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
    if let Err(err) = ctx.recorder.publish(&event, &reference).await {
        debug!(error = %err, "could not publish an Event");
    }
}
