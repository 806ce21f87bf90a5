use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use kube::{Api, Client};

use super::store::ConfigStore;
use crate::error::Error;

/// The ConfigMap data key that holds the configuration YAML (the operator
/// writes this key).
pub const CONFIGMAP_KEY: &str = "config.yaml";

const SERVICE_ACCOUNT_NAMESPACE: &str = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

/// The namespace to watch: the flag, else the pod's own.
pub fn resolve_namespace(flag: Option<&str>) -> Result<String, Error> {
    if let Some(namespace) = flag.map(str::trim).filter(|n| !n.is_empty()) {
        return Ok(namespace.to_string());
    }
    let path = Path::new(SERVICE_ACCOUNT_NAMESPACE);
    std::fs::read_to_string(path)
        .map(|n| n.trim().to_string())
        .map_err(|source| Error::Namespace {
            path: path.to_path_buf(),
            source,
        })
}

/// Serves the ConfigMap `name` and follows its changes through the API
/// server, until the process ends. Only get/list/watch on that one object
/// are needed: the watch is narrowed by a field selector on its name.
pub async fn watch_configmap(
    client: Client,
    namespace: String,
    name: String,
    store: Arc<ConfigStore>,
) {
    let api: Api<ConfigMap> = Api::namespaced(client, &namespace);
    let config = watcher::Config::default().fields(&format!("metadata.name={name}"));
    let origin = format!("configmap {namespace}/{name} key {CONFIGMAP_KEY}");
    let errors = hello_kafka::LogThrottle::new(Duration::from_secs(10));
    let mut events = watcher::watcher(api, config).default_backoff().boxed();
    while let Some(event) = events.next().await {
        match event {
            Ok(Event::Apply(configmap) | Event::InitApply(configmap)) => {
                apply(&configmap, &origin, &store)
            }
            Ok(Event::Delete(_)) => store.refused(&origin, "the ConfigMap was deleted"),
            Ok(Event::Init | Event::InitDone) => {}
            Err(error) => {
                if let Some(suppressed) = errors.allow() {
                    tracing::warn!(origin, %error, suppressed, "watching the ConfigMap failed; retrying");
                }
            }
        }
    }
}

fn apply(configmap: &ConfigMap, origin: &str, store: &ConfigStore) {
    match configmap
        .data
        .as_ref()
        .and_then(|data| data.get(CONFIGMAP_KEY))
    {
        Some(text) => {
            let _ = store.apply(text, origin);
        }
        None => store.refused(
            origin,
            &format!("the ConfigMap has no data key {CONFIGMAP_KEY:?}"),
        ),
    }
}
