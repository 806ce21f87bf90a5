//! Kubernetes Events on the HelloApi: what each reconcile created, updated or
//! deleted, and each failed reconcile. Publishing is best effort: a lost Event never
//! fails a reconcile.

use hello_crds::HelloApi;
use k8s_openapi::api::core::v1::ObjectReference;
use kube::Resource;
use kube::core::error_boundary::InvalidObject;
use kube::runtime::events::{Event, EventType};
use tracing::debug;

use super::apply::Change;
use crate::{Context, Error};

/// One Event per reconcile that changed something, naming every child it
/// created, updated or deleted (Events are writes too). Its reason is the
/// strongest change: Created, else Updated, else Deleted.
pub async fn changes(ctx: &Context, api: &HelloApi, changes: &[Change]) {
    let Some((reason, action)) = summary(changes) else {
        return;
    };
    let note = changes
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
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

/// The reason and action of the Event for `changes`; `None` for none.
fn summary(changes: &[Change]) -> Option<(&'static str, &'static str)> {
    let has = |f: fn(&Change) -> bool| changes.iter().any(f);
    if has(|c| matches!(c, Change::Created { .. })) {
        Some(("Created", "Apply"))
    } else if has(|c| matches!(c, Change::Updated { .. })) {
        Some(("Updated", "Apply"))
    } else if has(|c| matches!(c, Change::Deleted { .. })) {
        Some(("Deleted", "Prune"))
    } else {
        None
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

#[cfg(test)]
mod tests {
    use super::*;

    fn change(make: fn(&'static str, String) -> Change, kind: &'static str) -> Change {
        make(kind, "demo".into())
    }

    #[test]
    fn one_reason_per_reconcile_the_strongest_change() {
        let created = change(|kind, name| Change::Created { kind, name }, "Service");
        let updated = change(|kind, name| Change::Updated { kind, name }, "Deployment");
        let deleted = change(|kind, name| Change::Deleted { kind, name }, "Ingress");
        assert_eq!(summary(&[]), None);
        assert_eq!(
            summary(std::slice::from_ref(&deleted)),
            Some(("Deleted", "Prune"))
        );
        assert_eq!(
            summary(&[deleted.clone(), updated.clone()]),
            Some(("Updated", "Apply"))
        );
        assert_eq!(
            summary(&[deleted, updated, created]),
            Some(("Created", "Apply"))
        );
    }
}
