//! Apply: server-side apply of every desired child, one field manager, forced.

use std::fmt::{self, Debug, Display};

use hello_crds::HelloApi;
use k8s_openapi::NamespaceResourceScope;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::networking::v1::Ingress;
use kube::api::{Patch, PatchParams};
use kube::{Api, Resource, ResourceExt};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::build::Children;
use crate::context::FIELD_MANAGER;
use crate::{Context, Error};

/// What an apply or prune did to one child, for logs and Events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Created { kind: &'static str, name: String },
    Updated { kind: &'static str, name: String },
    Deleted { kind: &'static str, name: String },
}

impl Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::Created { kind, name } => write!(f, "created {kind} {name}"),
            Change::Updated { kind, name } => write!(f, "updated {kind} {name}"),
            Change::Deleted { kind, name } => write!(f, "deleted {kind} {name}"),
        }
    }
}

/// The children as the apiserver returned them, with their status.
pub struct Applied {
    pub changes: Vec<Change>,
    pub deployment: Deployment,
    pub consumer: Option<Deployment>,
    pub ingress: Option<Ingress>,
}

pub async fn all(ctx: &Context, api: &HelloApi, children: &Children) -> Result<Applied, Error> {
    let namespace = api.namespace().unwrap_or_default();
    let mut changes = Vec::new();
    let mut track = |change: Option<Change>| changes.extend(change);
    // Dependencies first: the pods need their ServiceAccount and ConfigMap.
    track(one(ctx, &namespace, &children.service_account).await?.1);
    track(one(ctx, &namespace, &children.role).await?.1);
    track(one(ctx, &namespace, &children.role_binding).await?.1);
    track(one(ctx, &namespace, &children.config_map).await?.1);
    let (deployment, change) = one(ctx, &namespace, &children.deployment).await?;
    track(change);
    track(one(ctx, &namespace, &children.service).await?.1);
    let mut ingress = None;
    if let Some(desired) = &children.ingress {
        let (applied, change) = one(ctx, &namespace, desired).await?;
        track(change);
        ingress = Some(applied);
    }
    if let Some(desired) = &children.pdb {
        track(one(ctx, &namespace, desired).await?.1);
    }
    if let Some(desired) = &children.consumer_service_account {
        track(one(ctx, &namespace, desired).await?.1);
    }
    let mut consumer = None;
    if let Some(desired) = &children.consumer {
        let (applied, change) = one(ctx, &namespace, desired).await?;
        track(change);
        consumer = Some(applied);
    }
    Ok(Applied {
        changes,
        deployment,
        consumer,
        ingress,
    })
}

/// Applies one object; an unchanged object keeps its resourceVersion, which is
/// how an idle resync stays free of writes.
async fn one<K>(ctx: &Context, namespace: &str, desired: &K) -> Result<(K, Option<Change>), Error>
where
    K: k8s_openapi::Resource<Scope = NamespaceResourceScope>
        + Resource<Scope = NamespaceResourceScope, DynamicType = ()>
        + Clone
        + Debug
        + Serialize
        + DeserializeOwned,
{
    let kind = <K as k8s_openapi::Resource>::KIND;
    let name = desired.name_any();
    let api = Api::<K>::namespaced(ctx.client.clone(), namespace);
    let before = api
        .get_metadata_opt(&name)
        .await
        .map_err(|source| Error::Read {
            kind,
            name: name.clone(),
            source,
        })?;
    let applied = api
        .patch(
            &name,
            &PatchParams::apply(FIELD_MANAGER).force(),
            &Patch::Apply(desired),
        )
        .await
        .map_err(|source| Error::Apply {
            kind,
            name: name.clone(),
            source,
        })?;
    let change = match before {
        None => Some(Change::Created { kind, name }),
        Some(old) if old.resource_version() != applied.resource_version() => {
            Some(Change::Updated { kind, name })
        }
        Some(_) => None,
    };
    Ok((applied, change))
}
