//! Bench only (`operator/bench/converge.sh`), not part of the product binary:
//! the raw side of the operator bench. Lists the HelloApis of a namespace
//! (created with no operator running), builds each one's children with the
//! operator's own `build::children`, and creates them (POST) with
//! `--concurrency` requests in flight on one client, as the controller runs
//! that many reconciles at once on one client. The owner references point at
//! the real HelloApis, so the garbage collector treats these children as the
//! operator's.
//!
//! Prints `raw_children: helloapis=<n> objects=<m> seconds=<s>`, where the
//! seconds cover the creations only (not the list or the build).
//!
//!   cargo run --release -p hello-operator --example raw_children -- --namespace NS

use std::time::Instant;

use anyhow::Context as _;
use clap::Parser;
use futures::{StreamExt, TryStreamExt, stream};
use hello_crds::HelloApi;
use hello_operator::build::{self, Children, DefaultImages};
use hello_operator::controller::DEFAULT_MAX_CONCURRENT_RECONCILES;
use kube::api::{Api, ApiResource, DynamicObject, ListParams, PostParams};
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
    /// The operator's default images (`hello-operator run` flags of the same name).
    #[arg(long, env = "HELLO_API_IMAGE", default_value = "hello-api:latest")]
    api_image: String,
    #[arg(
        long,
        env = "HELLO_CONSUMER_IMAGE",
        default_value = "hello-consumer:latest"
    )]
    consumer_image: String,
}

type Object = (ApiResource, DynamicObject);

fn erase<K>(object: &K) -> anyhow::Result<Object>
where
    K: Resource<DynamicType = ()> + Serialize,
{
    let dynamic = serde_json::from_value(serde_json::to_value(object)?)?;
    Ok((ApiResource::erase::<K>(&()), dynamic))
}

/// Every child, in the order the operator applies them. The destructuring is
/// exhaustive on purpose: a new kind of child fails this build until it is
/// added here, so the raw side never silently creates less than the operator.
fn objects(children: Children) -> anyhow::Result<Vec<Object>> {
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
    } = children;
    let mut out = vec![
        erase(&service_account)?,
        erase(&role)?,
        erase(&role_binding)?,
        erase(&config_map)?,
        erase(&deployment)?,
        erase(&service)?,
    ];
    if let Some(o) = &ingress {
        out.push(erase(o)?);
    }
    if let Some(o) = &pdb {
        out.push(erase(o)?);
    }
    if let Some(o) = &consumer_service_account {
        out.push(erase(o)?);
    }
    if let Some(o) = &consumer {
        out.push(erase(o)?);
    }
    Ok(out)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let client = kube::Client::try_default().await?;
    let images = DefaultImages {
        api: args.api_image,
        consumer: args.consumer_image,
    };
    let helloapis = Api::<HelloApi>::namespaced(client.clone(), &args.namespace)
        .list(&ListParams::default())
        .await?
        .items;
    let mut all = Vec::new();
    for api in &helloapis {
        let children = build::children(api, &images)
            .with_context(|| format!("building the children of {}", api.name_any()))?;
        all.extend(objects(children)?);
    }
    let count = all.len();
    let params = PostParams {
        field_manager: Some("hello-bench-raw".into()),
        ..PostParams::default()
    };
    let started = Instant::now();
    stream::iter(all)
        .map(|(resource, object)| {
            let api =
                Api::<DynamicObject>::namespaced_with(client.clone(), &args.namespace, &resource);
            let params = &params;
            async move {
                api.create(params, &object)
                    .await
                    .with_context(|| format!("creating {} {}", resource.kind, object.name_any()))
            }
        })
        .buffer_unordered(args.concurrency.into())
        .try_for_each(|_| async { Ok(()) })
        .await?;
    println!(
        "raw_children: helloapis={} objects={count} seconds={:.3}",
        helloapis.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
