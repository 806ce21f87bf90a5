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
use hello_operator::build::{self, ClusterEndpoints, DefaultImages, EachChild};
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
    let children = build::children(&api, &images, &ClusterEndpoints::default())?;
    let mut stream = Stream(String::new());
    children.each(&mut stream)?;
    Ok(stream.0)
}

/// The YAML stream, one document per child, each with its `---` line.
struct Stream(String);

impl EachChild for Stream {
    type Error = serde_yaml_ng::Error;
    fn child<K>(&mut self, child: &K) -> Result<(), Self::Error>
    where
        K: kube::Resource<DynamicType = ()> + Serialize,
    {
        self.0.push_str("---\n");
        self.0.push_str(&serde_yaml_ng::to_string(child)?);
        Ok(())
    }
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.into())
}
