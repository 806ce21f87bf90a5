use std::net::SocketAddr;
use std::path::PathBuf;

/// Why `hello-api` could not start.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("binding {what} on {addr}: {source}")]
    Bind {
        what: &'static str,
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("{0}")]
    Kafka(#[from] hello_kafka::Error),
    #[error("connecting to the Kubernetes API: {0}")]
    Kube(#[from] kube::Error),
    #[error(
        "--configmap needs a namespace: pass --namespace or POD_NAMESPACE, or run in a pod ({path} was unreadable: {source})"
    )]
    Namespace {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("starting the runtime: {0}")]
    Runtime(std::io::Error),
    #[error("serving HTTP: {0}")]
    Serve(std::io::Error),
}
