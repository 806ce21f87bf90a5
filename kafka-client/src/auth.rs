use std::fmt;

use rdkafka::ClientConfig;

/// The authentication a client uses, with the secrets it needs.
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    Plaintext,
    Tls,
    Scram { username: String, password: String },
    Iam { region: String },
}

// Never print the SCRAM password, even in debug logs.
impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::Plaintext => f.write_str("Plaintext"),
            Auth::Tls => f.write_str("Tls"),
            Auth::Scram { username, .. } => f
                .debug_struct("Scram")
                .field("username", username)
                .field("password", &"<redacted>")
                .finish(),
            Auth::Iam { region } => f.debug_struct("Iam").field("region", region).finish(),
        }
    }
}

impl Auth {
    /// The name used in flags, logs and metrics.
    pub fn name(&self) -> &'static str {
        match self {
            Auth::Plaintext => "plaintext",
            Auth::Tls => "tls",
            Auth::Scram { .. } => "scram",
            Auth::Iam { .. } => "iam",
        }
    }

    /// Whether the connection uses TLS.
    pub fn uses_tls(&self) -> bool {
        !matches!(self, Auth::Plaintext)
    }

    /// Sets `security.protocol` and the SASL properties for this mechanism.
    pub fn apply(&self, config: &mut ClientConfig) {
        match self {
            Auth::Plaintext => {
                config.set("security.protocol", "plaintext");
            }
            Auth::Tls => {
                config.set("security.protocol", "ssl");
            }
            Auth::Scram { username, password } => {
                config
                    .set("security.protocol", "sasl_ssl")
                    .set("sasl.mechanism", "SCRAM-SHA-512")
                    .set("sasl.username", username)
                    .set("sasl.password", password);
            }
            Auth::Iam { .. } => {
                // Tokens come from HelloContext::generate_oauth_token;
                // librdkafka asks for a new one at 80% of its lifetime.
                config
                    .set("security.protocol", "sasl_ssl")
                    .set("sasl.mechanism", "OAUTHBEARER");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn applied(auth: &Auth) -> ClientConfig {
        let mut config = ClientConfig::new();
        auth.apply(&mut config);
        config
    }

    #[test]
    fn each_mechanism_sets_its_protocol() {
        assert_eq!(
            applied(&Auth::Plaintext).get("security.protocol"),
            Some("plaintext")
        );
        assert_eq!(applied(&Auth::Tls).get("security.protocol"), Some("ssl"));
        let iam = applied(&Auth::Iam {
            region: "eu-west-1".into(),
        });
        assert_eq!(iam.get("security.protocol"), Some("sasl_ssl"));
        assert_eq!(iam.get("sasl.mechanism"), Some("OAUTHBEARER"));
    }

    #[test]
    fn scram_uses_sha_512_with_the_credentials() {
        let config = applied(&Auth::Scram {
            username: "alice".into(),
            password: "s3cret".into(),
        });
        assert_eq!(config.get("security.protocol"), Some("sasl_ssl"));
        assert_eq!(config.get("sasl.mechanism"), Some("SCRAM-SHA-512"));
        assert_eq!(config.get("sasl.username"), Some("alice"));
        assert_eq!(config.get("sasl.password"), Some("s3cret"));
    }

    #[test]
    fn debug_output_hides_the_password() {
        let auth = Auth::Scram {
            username: "alice".into(),
            password: "s3cret".into(),
        };
        let shown = format!("{auth:?}");
        assert!(
            shown.contains("alice") && !shown.contains("s3cret"),
            "{shown}"
        );
    }
}
