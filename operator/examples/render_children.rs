//! Prints the children the operator would create for one HelloApi, as a
//! multi-document YAML stream, without a cluster: what the scanners of
//! `make test-scan` (testbed/tests/scan.sh) read.
//!
//!     cargo run -p hello-operator --example render_children -- FILE.yaml
//!
//! The HelloApi gets namespace `default` and a fixed uid when it has none
//! (the apiserver would set them). Images it leaves empty are
//! `HELLO_API_IMAGE` / `HELLO_CONSUMER_IMAGE` (the operator's `--api-image` /
//! `--consumer-image`), else `hello-api:0.0.0` / `hello-consumer:0.0.0`. The
//! cluster endpoints are the operator's defaults.

use std::process::ExitCode;

use hello_crds::HelloApi;
use hello_operator::build::{self, Children, ClusterEndpoints, DefaultImages};
use serde::Serialize;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(path), None) = (args.next(), args.next()) else {
        eprintln!("usage: render_children FILE.yaml");
        return ExitCode::from(2);
    };
    match render(&path) {
        Ok(stream) => {
            print!("{stream}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("render_children: {path}: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn render(path: &str) -> anyhow::Result<String> {
    let mut api: HelloApi = serde_yaml_ng::from_str(&std::fs::read_to_string(path)?)?;
    let meta = &mut api.metadata;
    meta.namespace.get_or_insert_with(|| "default".into());
    meta.uid
        .get_or_insert_with(|| "00000000-0000-4000-8000-000000000000".into());
    let images = DefaultImages {
        api: env_or("HELLO_API_IMAGE", "hello-api:0.0.0"),
        consumer: env_or("HELLO_CONSUMER_IMAGE", "hello-consumer:0.0.0"),
    };
    // Destructured without `..`: a new kind of child fails to compile here
    // instead of going unscanned.
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
    } = build::children(&api, &images, &ClusterEndpoints::default())?;
    let documents = [
        Some(document(&config_map)?),
        Some(document(&service_account)?),
        Some(document(&role)?),
        Some(document(&role_binding)?),
        Some(document(&deployment)?),
        Some(document(&service)?),
        ingress.as_ref().map(document).transpose()?,
        pdb.as_ref().map(document).transpose()?,
        consumer_service_account
            .as_ref()
            .map(document)
            .transpose()?,
        consumer.as_ref().map(document).transpose()?,
        network_policy.as_ref().map(document).transpose()?,
        consumer_network_policy.as_ref().map(document).transpose()?,
    ];
    Ok(documents.into_iter().flatten().collect())
}

/// One document of the stream, with its `---` line.
fn document(object: &impl Serialize) -> anyhow::Result<String> {
    Ok(format!("---\n{}", serde_yaml_ng::to_string(object)?))
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.into())
}
