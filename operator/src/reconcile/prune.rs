//! Prune: delete what this HelloApi controls and its spec no longer asks for
//! (no Kafka, so no consumer and no consumer ServiceAccount; ingress disabled,
//! so no Ingress; one replica, so no PDB; a child under an old name). Found
//! in the watch caches by the operator's label and the controller owner
//! reference, never by a name computed from today's spec.

use hello_crds::HelloApi;
use kube::ResourceExt;
use tracing::debug;

use super::apply::{Applied, Change};
use crate::{Context, Error};

pub async fn orphans(
    ctx: &Context,
    api: &HelloApi,
    applied: &Applied,
) -> Result<Vec<Change>, Error> {
    if !ctx.owned.ready() {
        // A missing object proves nothing yet; the next reconcile prunes.
        debug!(helloapi = %api.name_any(), "caches not filled yet: prune skipped");
        return Ok(Vec::new());
    }
    let namespace = api.namespace().unwrap_or_default();
    let owner_uid = api.uid().unwrap_or_default();
    let orphans = ctx
        .owned
        .orphans(&ctx.client, &namespace, &owner_uid, &applied.kept);
    let owner_uid = owner_uid.as_str();
    let deletions = orphans.into_iter().map(|orphan| async move {
        match orphan.delete.await {
            Ok(true) => {
                let key = (orphan.kind, orphan.name.clone());
                ctx.applied.set(owner_uid, key, None);
                Ok(Some(Change::Deleted {
                    kind: orphan.kind,
                    name: orphan.name,
                }))
            }
            Ok(false) => Ok(None),
            Err(source) => Err(Error::Prune {
                kind: orphan.kind,
                name: orphan.name,
                source,
            }),
        }
    });
    let deleted = futures::future::try_join_all(deletions).await?;
    let mut deleted: Vec<Change> = deleted.into_iter().flatten().collect();
    deleted.sort();
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::fixtures::{FULL, helloapi};
    use crate::reconcile::apply;
    use crate::reconcile::fixtures::{FakeApiserver, watched_context};
    use serde_json::json;

    /// An object named `name` in `shop` whose controller has `uid`,
    /// as its watch event shows it.
    fn controlled(name: &str, uid: &str) -> serde_json::Value {
        json!({
            "metadata": {
                "name": name,
                "namespace": "shop",
                "ownerReferences": [{
                    "apiVersion": "hello.dev/v1", "kind": "HelloApi", "name": "x",
                    "uid": uid, "controller": true,
                }],
            },
        })
    }

    #[tokio::test]
    async fn deletes_what_it_controls_and_no_longer_wants_by_owner_not_by_name() {
        let fake = FakeApiserver::default();
        let (ctx, mut writers) = watched_context(&fake);
        let mut api = helloapi(FULL);
        api.spec.ingress.enabled = false;
        let uid = api.metadata.uid.clone().unwrap();
        // Its Ingress, a ConfigMap under a name it no longer uses, and one
        // that another HelloApi controls.
        writers.saw("ingresses", controlled("demo", &uid));
        writers.saw("configmaps", controlled("demo-old-responses", &uid));
        writers.saw("configmaps", controlled("other-responses", "other-uid"));
        // Its current ConfigMap, which the apply keeps.
        writers.saw("configmaps", controlled("demo-responses", &uid));

        fake.holds("/api/v1/namespaces/shop/configmaps/demo-old-responses");
        fake.holds("/apis/networking.k8s.io/v1/namespaces/shop/ingresses/demo");
        let children = crate::build::children(&api, &ctx.images, &ctx.cluster).unwrap();
        let applied = apply::all(&ctx, &api, children).await.unwrap();
        fake.take_calls();
        let deleted = orphans(&ctx, &api, &applied).await.unwrap();
        let mut calls = fake.take_calls();
        calls.sort();
        assert_eq!(
            calls,
            [
                "DELETE /api/v1/namespaces/shop/configmaps/demo-old-responses",
                "DELETE /apis/networking.k8s.io/v1/namespaces/shop/ingresses/demo",
            ]
        );
        assert_eq!(
            deleted,
            [
                Change::Deleted {
                    kind: "ConfigMap",
                    name: "demo-old-responses".into()
                },
                Change::Deleted {
                    kind: "Ingress",
                    name: "demo".into()
                },
            ]
        );
        // A second prune finds them gone (the watch has not said so yet).
        assert_eq!(orphans(&ctx, &api, &applied).await.unwrap(), vec![]);
    }
}
