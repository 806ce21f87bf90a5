//! Test support for every crate of this workspace: a kube [`Client`] and a
//! Kafka bootstrap address from the local test bed, a dedicated [`Broker`]
//! a test may stop and start, waiting helpers, and the checks of the
//! binaries' JSON log lines ([`logs`]).
//!
//! [`TestBed::get`] runs `testbed/cluster.sh up`, which attaches to the test
//! bed that `make cluster` started or starts one (it is idempotent and holds a
//! lock, so parallel test binaries share one). Set `HELLO_TESTBED_DIR` to use
//! a test bed other than `<repo>/.testbed`.

mod broker;
mod env_file;
pub mod logs;
mod names;
mod wait;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::runtime::wait::{await_condition, conditions};
use kube::{Api, Client, Config};

pub use broker::Broker;
pub use names::unique_name;
pub use wait::{eventually, eventually_async, free_port};

/// Why the test bed could not be reached.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("testbed/cluster.sh up failed ({status}); see the logs in {dir}/logs")]
    Start { status: String, dir: String },
    #[error("could not run {script}: {source}")]
    Spawn {
        script: String,
        source: std::io::Error,
    },
    #[error("reading {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} does not set {key}")]
    MissingKey { path: String, key: &'static str },
    #[error("loading the kubeconfig {path}: {source}")]
    Kubeconfig {
        path: String,
        source: kube::config::KubeconfigError,
    },
    #[error("building a kube client: {0}")]
    Client(#[from] kube::Error),
}

/// A running test bed: where its kubeconfig is, where Kafka listens, and the
/// environment (`PATH` with the test bed's tools first) from its `env` file.
#[derive(Debug)]
pub struct TestBed {
    dir: PathBuf,
    vars: BTreeMap<String, String>,
    kubeconfig: PathBuf,
    kafka_bootstrap: String,
}

static TESTBED: OnceLock<Result<TestBed, String>> = OnceLock::new();

impl TestBed {
    /// The test bed of this test process, started on first use when needed.
    ///
    /// Panics with the test bed's own error message when it cannot start:
    /// a test without its test bed must fail, never pass vacuously.
    pub fn get() -> &'static TestBed {
        match TESTBED.get_or_init(|| Self::attach_or_start().map_err(|e| e.to_string())) {
            Ok(testbed) => testbed,
            Err(message) => panic!("the local test bed is not available: {message}"),
        }
    }

    /// Runs `cluster.sh up` (a no-op when it is already up) and reads `env`.
    pub fn attach_or_start() -> Result<TestBed, Error> {
        let repo = repo_root();
        let dir = std::env::var_os("HELLO_TESTBED_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| repo.join(".testbed"));
        let script = repo.join("testbed/cluster.sh");
        let status = Command::new(&script)
            .arg("up")
            .env("HELLO_TESTBED_DIR", &dir)
            .status()
            .map_err(|source| Error::Spawn {
                script: script.display().to_string(),
                source,
            })?;
        if !status.success() {
            return Err(Error::Start {
                status: status.to_string(),
                dir: dir.display().to_string(),
            });
        }
        Self::from_env_file(&dir)
    }

    /// Reads an already running test bed's `env` file without starting anything.
    pub fn from_env_file(dir: &Path) -> Result<TestBed, Error> {
        let path = dir.join("env");
        let text = std::fs::read_to_string(&path).map_err(|source| Error::Read {
            path: path.display().to_string(),
            source,
        })?;
        let vars = env_file::parse(&text);
        let require = |key: &'static str| {
            vars.get(key).cloned().ok_or_else(|| Error::MissingKey {
                path: path.display().to_string(),
                key,
            })
        };
        Ok(TestBed {
            dir: dir.to_path_buf(),
            kubeconfig: PathBuf::from(require("KUBECONFIG")?),
            kafka_bootstrap: require("HELLO_KAFKA_BOOTSTRAP_SERVERS")?,
            vars,
        })
    }

    /// A client authenticated as the test bed's cluster admin.
    pub async fn client(&self) -> Result<Client, Error> {
        let kubeconfig =
            Kubeconfig::read_from(&self.kubeconfig).map_err(|source| Error::Kubeconfig {
                path: self.kubeconfig.display().to_string(),
                source,
            })?;
        let config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
            .await
            .map_err(|source| Error::Kubeconfig {
                path: self.kubeconfig.display().to_string(),
                source,
            })?;
        Ok(Client::try_from(config)?)
    }

    /// `host:port` of the test bed's Kafka broker.
    pub fn kafka_bootstrap(&self) -> &str {
        &self.kafka_bootstrap
    }

    /// Path of the admin kubeconfig.
    pub fn kubeconfig(&self) -> &Path {
        &self.kubeconfig
    }

    /// The test bed's work directory (logs, pids, certificates).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A command with the test bed's environment applied: its `PATH` puts the
    /// pinned kubectl and helm first, and `KUBECONFIG` points at it.
    pub fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        for (key, value) in &self.vars {
            command.env(key, value);
        }
        command
    }
}

/// The workspace root, found from this crate's manifest directory.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the testbed crate lives one level below the workspace root")
        .to_path_buf()
}

/// Applies `crd` (server-side, forced) and waits until it is established.
pub async fn install_crd(
    client: &Client,
    crd: &CustomResourceDefinition,
) -> Result<(), kube::Error> {
    let name = crd.metadata.name.clone().unwrap_or_default();
    let crds = Api::<CustomResourceDefinition>::all(client.clone());
    crds.patch(
        &name,
        &PatchParams::apply("hello-testbed").force(),
        &Patch::Apply(crd),
    )
    .await?;
    let established = await_condition(crds, &name, conditions::is_crd_established());
    match tokio::time::timeout(std::time::Duration::from_secs(30), established).await {
        Ok(result) => result
            .map(|_| ())
            .map_err(|e| kube::Error::Service(Box::new(e))),
        Err(_) => panic!("CRD {name} was not established within 30 s"),
    }
}

/// Creates a namespace named `<prefix>-<unique>` with `labels`; returns its name.
pub async fn create_namespace(
    client: &Client,
    prefix: &str,
    labels: &[(&str, &str)],
) -> Result<String, kube::Error> {
    let name = unique_name(prefix);
    let namespace = Namespace {
        metadata: ObjectMeta {
            name: Some(name.clone()),
            labels: Some(
                labels
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
            ..ObjectMeta::default()
        },
        ..Namespace::default()
    };
    Api::<Namespace>::all(client.clone())
        .create(&PostParams::default(), &namespace)
        .await?;
    Ok(name)
}
