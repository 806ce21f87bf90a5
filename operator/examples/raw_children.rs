//! Bench only (`operator/bench/converge.sh`), not part of the product binary:
//! the raw side of the operator bench. Lists the HelloApis of a namespace
//! (created with no operator running), builds each one's children with the
//! operator's own `build::children`, and creates them (POST) with
//! `--concurrency` requests in flight on one client, as the controller runs
//! that many reconciles at once on one client. The owner references point at
//! the real HelloApis, so the garbage collector treats these children as the
//! operator's.
//!
//! With `--apply` it writes them with a forced server-side apply, the
//! operator's own write method, instead: the limit for that method.
//!
//! Prints `raw_children: helloapis=<n> objects=<m> method=<create|apply>
//! seconds=<s>`, where the seconds cover the writes only (not the list or the
//! build).
//!
//!   cargo run --release -p hello-operator --example raw_children -- --namespace NS

use std::time::Instant;

use anyhow::Context as _;
use clap::Parser;
use futures::{StreamExt, TryStreamExt, stream};
use hello_crds::HelloApi;
use hello_operator::build::{self, ClusterEndpoints, DefaultImages, EachChild};
use hello_operator::controller::DEFAULT_MAX_CONCURRENT_RECONCILES;
use kube::api::{Api, ApiResource, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kube::{Resource, ResourceExt};
use serde::Serialize;

#[derive(Parser)]
struct Args {
    /// Namespace whose HelloApis are rendered; the children are created there.
    #[arg(long)]
    namespace: String,
    /// Creations in flight at once (the operator's --max-concurrent-reconciles).
    #[arg(long, default_value_t = DEFAULT_MAX_CONCURRENT_RECONCILES, value_parser = clap::value_parser!(u16).range(1..))]
    concurrency: u16,
    /// Server-side apply (forced, one field manager) instead of create.
    #[arg(long)]
    apply: bool,
    /// The operator's default images (`hello-operator run`'s flags).
    #[command(flatten)]
    images: DefaultImages,
}

type Object = (ApiResource, DynamicObject);

/// Every child as the plain client creates it, in the order the operator
/// applies them (`Children::each` names every field, so a new kind of
/// child is never left out here).
#[derive(Default)]
struct Objects(Vec<Object>);

impl EachChild for Objects {
    type Error = serde_json::Error;
    fn child<K>(&mut self, child: &K) -> Result<(), Self::Error>
    where
        K: Resource<DynamicType = ()> + Serialize,
    {
        let dynamic = serde_json::from_value(serde_json::to_value(child)?)?;
        self.0.push((ApiResource::erase::<K>(&()), dynamic));
        Ok(())
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let client = kube::Client::try_default().await?;
    let images = args.images;
    let helloapis = Api::<HelloApi>::namespaced(client.clone(), &args.namespace)
        .list(&ListParams::default())
        .await?
        .items;
    let cluster = ClusterEndpoints::default();
    let mut all = Objects::default();
    for api in &helloapis {
        let children = build::children(api, &images, &cluster)
            .with_context(|| format!("building the children of {}", api.name_any()))?;
        children.each(&mut all)?;
    }
    let all = all.0;
    let count = all.len();
    let params = PostParams {
        field_manager: Some("hello-bench-raw".into()),
        ..PostParams::default()
    };
    let apply = PatchParams::apply("hello-bench-raw").force();
    let method = if args.apply { "apply" } else { "create" };
    let started = Instant::now();
    stream::iter(all)
        .map(|(resource, object)| {
            let api =
                Api::<DynamicObject>::namespaced_with(client.clone(), &args.namespace, &resource);
            let (params, apply) = (&params, &apply);
            async move {
                let written = if args.apply {
                    let name = object.name_any();
                    api.patch(&name, apply, &Patch::Apply(&object)).await
                } else {
                    api.create(params, &object).await
                };
                written
                    .with_context(|| format!("{method} of {} {}", resource.kind, object.name_any()))
            }
        })
        .buffer_unordered(args.concurrency.into())
        .try_for_each(|_| async { Ok(()) })
        .await?;
    println!(
        "raw_children: helloapis={} objects={count} method={method} seconds={:.3}",
        helloapis.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
