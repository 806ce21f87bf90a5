//! The served configuration: `{greeting, responses}` YAML, its validation
//! (the same rules as the CRD), the atomically swapped current value, and
//! the two sources that feed it (a file, or a ConfigMap watched through the
//! Kubernetes API).

mod configmap_source;
mod file_source;
mod greeting;
mod parse;
mod store;

pub use configmap_source::{CONFIGMAP_KEY, resolve_namespace, watch_configmap};
pub use file_source::watch_file;
pub use greeting::Greeting;
pub use parse::{
    BUILTIN_PATHS, CannedResponse, Config, ConfigError, DEFAULT_GREETING, MAX_CONFIG_BYTES,
    MAX_MESSAGE_BYTES, MAX_RESPONSES, parse_config,
};
pub use store::ConfigStore;
