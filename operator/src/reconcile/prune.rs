//! Prune: delete the children the spec no longer asks for (no Kafka, so no
//! consumer and no consumer ServiceAccount; ingress disabled, so no Ingress;
//! one replica, so no PDB). Only objects this HelloApi controls are touched.

use std::fmt::Debug;

use hello_crds::HelloApi;
use k8s_openapi::NamespaceResourceScope;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::ServiceAccount;
use k8s_openapi::api::networking::v1::Ingress;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use kube::api::DeleteParams;
use kube::{Api, Resource, ResourceExt};
use serde::de::DeserializeOwned;

use super::apply::Change;
use crate::build::{Children, consumer_name};
use crate::{Context, Error};

pub async fn all(ctx: &Context, api: &HelloApi, children: &Children) -> Result<Vec<Change>, Error> {
    let name = api.name_any();
    let mut deleted = Vec::new();
    if children.consumer.is_none() {
        deleted.extend(unless_wanted::<Deployment>(ctx, api, &consumer_name(&name)).await?);
    }
    if children.consumer_service_account.is_none() {
        // After its Deployment, whose pods run as it.
        deleted.extend(unless_wanted::<ServiceAccount>(ctx, api, &consumer_name(&name)).await?);
    }
    if children.ingress.is_none() {
        deleted.extend(unless_wanted::<Ingress>(ctx, api, &name).await?);
    }
    if children.pdb.is_none() {
        deleted.extend(unless_wanted::<PodDisruptionBudget>(ctx, api, &name).await?);
    }
    Ok(deleted)
}

async fn unless_wanted<K>(
    ctx: &Context,
    owner: &HelloApi,
    name: &str,
) -> Result<Option<Change>, Error>
where
    K: k8s_openapi::Resource<Scope = NamespaceResourceScope>
        + Resource<Scope = NamespaceResourceScope, DynamicType = ()>
        + Clone
        + Debug
        + DeserializeOwned,
{
    let kind = <K as k8s_openapi::Resource>::KIND;
    let api = Api::<K>::namespaced(ctx.client.clone(), &owner.namespace().unwrap_or_default());
    let existing = api
        .get_metadata_opt(name)
        .await
        .map_err(|source| Error::Read {
            kind,
            name: name.to_string(),
            source,
        })?;
    let owner_uid = owner.uid();
    let controlled = existing.is_some_and(|meta| {
        meta.owner_references()
            .iter()
            .any(|o| o.controller == Some(true) && Some(&o.uid) == owner_uid.as_ref())
    });
    if !controlled {
        return Ok(None);
    }
    match api.delete(name, &DeleteParams::background()).await {
        Ok(_) => Ok(Some(Change::Deleted {
            kind,
            name: name.to_string(),
        })),
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(None),
        Err(source) => Err(Error::Prune {
            kind,
            name: name.to_string(),
            source,
        }),
    }
}
