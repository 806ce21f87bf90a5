//! Apply: server-side apply of every desired child, one field manager, forced,
//! unless the watch shows the apiserver holds it as the last apply left it.
//! The children that do not depend on each other are applied at once (the
//! RoleBinding after its Role); the Deployments follow, because their pods
//! need the ServiceAccounts, the ConfigMap and the RBAC to start.

use std::collections::BTreeSet;
use std::fmt::{self, Display};
use std::hash::{Hash, Hasher};
use std::sync::Mutex;

use hello_crds::HelloApi;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::networking::v1::Ingress;
use kube::api::{GetParams, Patch, PatchParams};
use kube::{Api, ResourceExt};

use crate::build::Children;
use crate::context::FIELD_MANAGER;
use crate::owned::{ChildKey, LastApply, OwnedKind};
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
        target.current_optional(ingress.as_ref()),
        target.optional(pdb.as_ref()),
        target.optional(consumer_service_account.as_ref()),
        target.optional(network_policy.as_ref()),
        target.optional(consumer_network_policy.as_ref()),
    )?;
    let (deployment, consumer) = tokio::try_join!(
        target.current(&deployment),
        target.current_optional(consumer.as_ref())
    )?;
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

    async fn optional<K: OwnedKind>(&self, desired: Option<&K>) -> Result<(), Error> {
        match desired {
            Some(desired) => self.one(desired).await,
            None => Ok(()),
        }
    }

    async fn current_optional<K: OwnedKind>(
        &self,
        desired: Option<&K>,
    ) -> Result<Option<K>, Error> {
        match desired {
            Some(desired) => self.current(desired).await.map(Some),
            None => Ok(None),
        }
    }

    /// Applies one object unless the apiserver holds it as it is.
    async fn one<K: OwnedKind>(&self, desired: &K) -> Result<(), Error> {
        self.apply_if_changed(desired).await.map(|_| ())
    }

    /// Applies one object unless the apiserver holds it as it is, and
    /// returns it with its status: from the apply, or else as the watch last
    /// saw it (the event that woke this reconcile is in the cache before the
    /// reconcile starts). A kind whose cache keeps only metadata is read
    /// from the apiserver's watch cache at a version no older than that.
    async fn current<K: OwnedKind>(&self, desired: &K) -> Result<K, Error> {
        if let Some(applied) = self.apply_if_changed(desired).await? {
            return Ok(applied);
        }
        let kind = <K as k8s_openapi::Resource>::KIND;
        let name = desired.name_any();
        if let Some(seen) = self.ctx.owned.object::<K>(&self.namespace, &name) {
            return Ok(seen);
        }
        let seen = self.ctx.owned.resource_version::<K>(&self.namespace, &name);
        let params = seen.as_deref().map_or_else(GetParams::any, GetParams::at);
        Api::<K>::namespaced(self.ctx.client.clone(), &self.namespace)
            .get_with(&name, &params)
            .await
            .map_err(|source| Error::Read { kind, name, source })
    }

    /// Applies one object, unless the same object was applied before and
    /// the watch shows nobody changed it since (`None`): a reconcile that a
    /// child's creation or a Deployment's status woke writes nothing.
    /// Whether it was created or updated is told from the resourceVersion it
    /// had before, as this operator's last apply or the watch cache knows
    /// it, so no read precedes the write. An unchanged object keeps its
    /// resourceVersion, which is how an idle resync stays free of writes.
    async fn apply_if_changed<K: OwnedKind>(&self, desired: &K) -> Result<Option<K>, Error> {
        let kind = <K as k8s_openapi::Resource>::KIND;
        let name = desired.name_any();
        let key: ChildKey = (kind, name.clone());
        let sent = fingerprint(desired);
        let last = self.ctx.applied.get(&self.owner_uid, &key);
        if let Some(last) = &last
            && last.sent == sent
            && self
                .ctx
                .owned
                .holds_as_applied(&self.namespace, desired, last)
        {
            self.done(key, None);
            return Ok(None);
        }
        let api = Api::<K>::namespaced(self.ctx.client.clone(), &self.namespace);
        let before = match last {
            Some(last) => Known::Version(last.version),
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
        let last = after.map(|version| LastApply {
            sent,
            version,
            generation: applied.meta().generation,
        });
        self.ctx.applied.set(&self.owner_uid, key.clone(), last);
        self.done(key, change);
        Ok(Some(applied))
    }

    fn done(&self, key: ChildKey, change: Option<Change>) {
        let mut done = self.done.lock().unwrap_or_else(|e| e.into_inner());
        done.0.extend(change);
        done.1.insert(key);
    }
}

/// A hash of the object an apply sends. Children are built from ordered
/// maps, so the same spec always serializes the same way.
fn fingerprint<K: serde::Serialize>(desired: &K) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    serde_json::to_vec(desired)
        .unwrap_or_default()
        .hash(&mut hasher);
    hasher.finish()
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
    use crate::reconcile::fixtures::{FakeApiserver, watched_context};
    use serde_json::json;

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
        let (ctx, _) = watched_context(&fake);
        let api = helloapi(FULL);

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

        // The same spec again, with no watch to show what the apiserver
        // holds: the same writes, and nothing changed.
        assert_eq!(apply(&ctx, &api).await, vec![]);
        let calls = fake.take_calls();
        assert_eq!(patches(&calls).len(), 12, "{calls:?}");
        assert_eq!(calls.len(), 12, "{calls:?}");
    }

    const DEPLOYMENT: &str = "/apis/apps/v1/namespaces/shop/deployments/demo";

    fn updated(kind: &'static str, name: &str) -> Vec<Change> {
        vec![Change::Updated {
            kind,
            name: name.into(),
        }]
    }

    fn patches(calls: &[String]) -> Vec<&str> {
        let mut patches: Vec<&str> = calls
            .iter()
            .filter(|c| c.starts_with("PATCH "))
            .map(String::as_str)
            .collect();
        patches.sort();
        patches
    }

    #[tokio::test]
    async fn a_child_the_watch_shows_as_last_applied_is_not_applied_again() {
        let fake = FakeApiserver::default();
        let (ctx, mut writers) = watched_context(&fake);
        let mut api = helloapi(FULL);
        assert_eq!(apply(&ctx, &api).await.len(), 12);
        fake.take_calls();
        fake.watched_by(&mut writers);

        // Woken with nothing changed: no call at all. The Deployments' and
        // the Ingress's status come from the watch.
        assert_eq!(apply(&ctx, &api).await, vec![]);
        assert_eq!(fake.take_calls(), Vec::<String>::new());

        // The Deployment controller writes its status: a new
        // resourceVersion, the same generation. Still no call, and the
        // status returned is the one the watch saw.
        fake.edit(DEPLOYMENT, false, |d| d["status"] = json!({"replicas": 2}));
        fake.watched_by(&mut writers);
        let children = crate::build::children(&api, &ctx.images, &ctx.cluster).unwrap();
        let applied = all(&ctx, &api, children).await.unwrap();
        assert_eq!(fake.take_calls(), Vec::<String>::new());
        let status = applied.deployment.status.unwrap_or_default();
        assert_eq!(status.replicas, Some(2));

        // Someone takes the operator's label off it: applied again.
        fake.edit(DEPLOYMENT, false, |d| {
            d["metadata"]["labels"]
                .as_object_mut()
                .unwrap()
                .remove("app.kubernetes.io/managed-by");
        });
        fake.watched_by(&mut writers);
        let updated_deployment = updated("Deployment", "demo");
        assert_eq!(apply(&ctx, &api).await, updated_deployment);
        assert_eq!(patches(&fake.take_calls()), [format!("PATCH {DEPLOYMENT}")]);

        // Someone scales it by hand, a spec edit: applied again.
        fake.watched_by(&mut writers);
        fake.edit(DEPLOYMENT, true, |d| d["spec"]["replicas"] = json!(5));
        fake.watched_by(&mut writers);
        assert_eq!(apply(&ctx, &api).await, updated_deployment);
        assert_eq!(patches(&fake.take_calls()), [format!("PATCH {DEPLOYMENT}")]);

        // A new response: only the ConfigMap is sent.
        fake.watched_by(&mut writers);
        api.spec.greeting = "Howdy, {name}!".into();
        assert_eq!(
            apply(&ctx, &api).await,
            updated("ConfigMap", "demo-responses")
        );
        assert_eq!(
            patches(&fake.take_calls()),
            ["PATCH /api/v1/namespaces/shop/configmaps/demo-responses"]
        );
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
