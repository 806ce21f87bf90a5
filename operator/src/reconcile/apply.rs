//! Apply: server-side apply of every desired child, one field manager, forced.
//! The children that do not depend on each other are applied at once (the
//! RoleBinding after its Role); the Deployments follow, because their pods
//! need the ServiceAccounts, the ConfigMap and the RBAC to start.

use std::collections::BTreeSet;
use std::fmt::{self, Display};
use std::sync::Mutex;

use hello_crds::HelloApi;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::networking::v1::Ingress;
use kube::api::{Patch, PatchParams};
use kube::{Api, ResourceExt};

use crate::build::Children;
use crate::context::FIELD_MANAGER;
use crate::owned::{ChildKey, OwnedKind};
use crate::{Context, Error};

/// What an apply or prune did to one child, for logs and Events.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
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
    /// Every child applied, by kind and name: prune deletes the rest.
    pub kept: BTreeSet<ChildKey>,
    pub deployment: Deployment,
    pub consumer: Option<Deployment>,
    pub ingress: Option<Ingress>,
}

pub async fn all(ctx: &Context, api: &HelloApi, children: Children) -> Result<Applied, Error> {
    // Every field, by name: a new child cannot be left out of the apply.
    let Children {
        config_map,
        service_account,
        role,
        role_binding,
        deployment,
        service,
        ingress,
        pdb,
        consumer_service_account,
        consumer,
        network_policy,
        consumer_network_policy,
    } = children;
    let target = Target::of(ctx, api);
    let (_, _, _, _, ingress, _, _, _, _) = tokio::try_join!(
        target.one(&service_account),
        // The apiserver lets the operator bind a Role only once that Role
        // exists: without the `bind` verb, it checks the operator holds every
        // permission the Role grants, and a missing Role is a 404.
        async {
            target.one(&role).await?;
            target.one(&role_binding).await
        },
        target.one(&config_map),
        target.one(&service),
        target.optional(ingress.as_ref()),
        target.optional(pdb.as_ref()),
        target.optional(consumer_service_account.as_ref()),
        target.optional(network_policy.as_ref()),
        target.optional(consumer_network_policy.as_ref()),
    )?;
    let (deployment, consumer) =
        tokio::try_join!(target.one(&deployment), target.optional(consumer.as_ref()))?;
    let (mut changes, kept) = target.into_parts();
    changes.sort();
    Ok(Applied {
        changes,
        kept,
        deployment,
        consumer,
        ingress,
    })
}

/// One HelloApi's namespace and owner, and what its applies did so far.
struct Target<'a> {
    ctx: &'a Context,
    namespace: String,
    owner_uid: String,
    done: Mutex<(Vec<Change>, BTreeSet<ChildKey>)>,
}

impl<'a> Target<'a> {
    fn of(ctx: &'a Context, api: &HelloApi) -> Target<'a> {
        Target {
            ctx,
            namespace: api.namespace().unwrap_or_default(),
            owner_uid: api.uid().unwrap_or_default(),
            done: Mutex::default(),
        }
    }

    fn into_parts(self) -> (Vec<Change>, BTreeSet<ChildKey>) {
        self.done.into_inner().unwrap_or_else(|e| e.into_inner())
    }

    async fn optional<K: OwnedKind>(&self, desired: Option<&K>) -> Result<Option<K>, Error> {
        match desired {
            Some(desired) => self.one(desired).await.map(Some),
            None => Ok(None),
        }
    }

    /// Applies one object. Whether it was created or updated is told from
    /// the resourceVersion it had before, as this operator's last apply or
    /// the watch cache knows it, so no read precedes the write. An unchanged
    /// object keeps its resourceVersion, which is how an idle resync stays
    /// free of writes.
    async fn one<K: OwnedKind>(&self, desired: &K) -> Result<K, Error> {
        let kind = <K as k8s_openapi::Resource>::KIND;
        let name = desired.name_any();
        let key: ChildKey = (kind, name.clone());
        let api = Api::<K>::namespaced(self.ctx.client.clone(), &self.namespace);
        let before = match self.ctx.applied.get(&self.owner_uid, &key) {
            Some(version) => Known::Version(version),
            None => self.ctx.cached_version::<K>(&self.namespace, &name),
        };
        let before = match before {
            // Only while the caches fill after a start: read it.
            Known::Unknown => match api.get_metadata_opt(&name).await {
                Ok(meta) => meta.and_then(|m| m.resource_version()).into(),
                Err(source) => return Err(Error::Read { kind, name, source }),
            },
            known => known,
        };
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
        let after = applied.resource_version();
        let change = match before {
            Known::Absent => Some(Change::Created { kind, name }),
            Known::Version(old) if Some(&old) != after.as_ref() => {
                Some(Change::Updated { kind, name })
            }
            _ => None,
        };
        self.ctx.applied.set(&self.owner_uid, key.clone(), after);
        let mut done = self.done.lock().unwrap_or_else(|e| e.into_inner());
        done.0.extend(change);
        done.1.insert(key);
        Ok(applied)
    }
}

/// What the operator knows of a child before it applies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Known {
    /// It does not exist.
    Absent,
    /// It exists at this resourceVersion.
    Version(String),
    /// The caches are not filled yet.
    Unknown,
}

impl From<Option<String>> for Known {
    fn from(version: Option<String>) -> Known {
        version.map_or(Known::Absent, Known::Version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::fixtures::{FULL, helloapi, images};
    use crate::reconcile::fixtures::FakeApiserver;

    /// A context on `fake`, its caches listed and empty.
    pub(crate) fn context(fake: &FakeApiserver) -> Context {
        let ctx = Context::new(fake.client(), images(), None);
        ctx.take_writers().unwrap().listed();
        ctx
    }

    const FULL_CHILDREN: [&str; 12] = [
        "PATCH /api/v1/namespaces/shop/configmaps/demo-responses",
        "PATCH /api/v1/namespaces/shop/serviceaccounts/demo",
        "PATCH /api/v1/namespaces/shop/serviceaccounts/demo-consumer",
        "PATCH /api/v1/namespaces/shop/services/demo",
        "PATCH /apis/apps/v1/namespaces/shop/deployments/demo",
        "PATCH /apis/apps/v1/namespaces/shop/deployments/demo-consumer",
        "PATCH /apis/networking.k8s.io/v1/namespaces/shop/ingresses/demo",
        "PATCH /apis/networking.k8s.io/v1/namespaces/shop/networkpolicies/demo",
        "PATCH /apis/networking.k8s.io/v1/namespaces/shop/networkpolicies/demo-consumer",
        "PATCH /apis/policy/v1/namespaces/shop/poddisruptionbudgets/demo",
        "PATCH /apis/rbac.authorization.k8s.io/v1/namespaces/shop/rolebindings/demo",
        "PATCH /apis/rbac.authorization.k8s.io/v1/namespaces/shop/roles/demo",
    ];

    async fn apply(ctx: &Context, api: &HelloApi) -> Vec<Change> {
        let children = crate::build::children(api, &ctx.images, &ctx.cluster).unwrap();
        all(ctx, api, children).await.unwrap().changes
    }

    #[tokio::test]
    async fn one_write_per_child_and_no_read_tells_created_updated_and_unchanged() {
        let fake = FakeApiserver::default();
        let ctx = context(&fake);
        let mut api = helloapi(FULL);

        let changes = apply(&ctx, &api).await;
        let mut calls = fake.take_calls();
        // The Deployments come last, after what their pods need.
        let last_two: BTreeSet<_> = calls[10..].iter().cloned().collect();
        assert!(
            last_two.iter().all(|c| c.contains("/deployments/")),
            "{calls:?}"
        );
        calls.sort();
        assert_eq!(calls, FULL_CHILDREN);
        assert_eq!(changes.len(), 12);
        assert!(
            changes.iter().all(|c| matches!(c, Change::Created { .. })),
            "{changes:?}"
        );

        // The same spec again: the same writes, and nothing changed.
        assert_eq!(apply(&ctx, &api).await, vec![]);
        assert_eq!(fake.take_calls().len(), 12);

        // A new response changes the ConfigMap only.
        api.spec.greeting = "Howdy, {name}!".into();
        assert_eq!(
            apply(&ctx, &api).await,
            vec![Change::Updated {
                kind: "ConfigMap",
                name: "demo-responses".into()
            }]
        );
        assert!(fake.take_calls().iter().all(|c| c.starts_with("PATCH ")));
    }

    #[tokio::test]
    async fn before_the_caches_are_filled_it_reads_each_child_first() {
        let fake = FakeApiserver::default();
        // Writers never listed: the caches cannot tell what exists.
        let ctx = Context::new(fake.client(), images(), None);
        let changes = apply(&ctx, &helloapi(FULL)).await;
        let calls = fake.take_calls();
        assert_eq!(calls.iter().filter(|c| c.starts_with("GET ")).count(), 12);
        assert_eq!(calls.iter().filter(|c| c.starts_with("PATCH ")).count(), 12);
        assert_eq!(changes.len(), 12, "{changes:?}");
    }
}
