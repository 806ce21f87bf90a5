use std::path::PathBuf;

use rdkafka::ClientConfig;

use crate::auth::Auth;
use crate::topic::TopicLayout;

/// Everything needed to build a Kafka client, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KafkaSettings {
    pub bootstrap_servers: String,
    pub topic: String,
    pub auth: Auth,
    pub ca_file: Option<PathBuf>,
    pub layout: TopicLayout,
}

impl KafkaSettings {
    /// A client configuration with the brokers, TLS and SASL set; callers add
    /// their role's own properties (queue sizes, group id, ...).
    pub fn client_config(&self) -> ClientConfig {
        let mut config = ClientConfig::new();
        config.set("bootstrap.servers", &self.bootstrap_servers);
        self.auth.apply(&mut config);
        if self.auth.uses_tls() {
            // The vendored OpenSSL does not know the system's CA directory;
            // "probe" makes librdkafka look in the usual places.
            let ca = self
                .ca_file
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "probe".to_string());
            config.set("ssl.ca.location", ca);
        }
        config
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(auth: Auth, ca_file: Option<PathBuf>) -> KafkaSettings {
        KafkaSettings {
            bootstrap_servers: "b-1:9098,b-2:9098".into(),
            topic: "events".into(),
            auth,
            ca_file,
            layout: TopicLayout::default(),
        }
    }

    #[test]
    fn plaintext_sets_no_ca() {
        let config = settings(Auth::Plaintext, None).client_config();
        assert_eq!(config.get("bootstrap.servers"), Some("b-1:9098,b-2:9098"));
        assert_eq!(config.get("ssl.ca.location"), None);
    }

    #[test]
    fn tls_probes_the_system_store_unless_a_ca_file_is_given() {
        let probe = settings(Auth::Tls, None).client_config();
        assert_eq!(probe.get("ssl.ca.location"), Some("probe"));
        let file = settings(
            Auth::Iam {
                region: "eu-west-1".into(),
            },
            Some(PathBuf::from("/etc/ca.pem")),
        )
        .client_config();
        assert_eq!(file.get("ssl.ca.location"), Some("/etc/ca.pem"));
    }

    #[test]
    fn every_mechanism_yields_a_config_librdkafka_accepts() {
        for auth in [
            Auth::Plaintext,
            Auth::Tls,
            Auth::Scram {
                username: "u".into(),
                password: "p".into(),
            },
            Auth::Iam {
                region: "eu-west-1".into(),
            },
        ] {
            let name = auth.name();
            let native = settings(auth, None).client_config().create_native_config();
            assert!(native.is_ok(), "{name}: {:?}", native.err());
        }
    }
}
