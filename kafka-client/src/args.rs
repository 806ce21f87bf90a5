use std::path::PathBuf;

use crate::auth::Auth;
use crate::error::Error;
use crate::settings::KafkaSettings;
use crate::{DEFAULT_TOPIC, topic::TopicLayout};

/// How the client authenticates to the brokers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuthMechanism {
    /// No TLS, no SASL (local brokers, tests).
    Plaintext,
    /// TLS, no client authentication (MSK port 9094).
    Tls,
    /// SASL/SCRAM-SHA-512 over TLS (MSK port 9096).
    Scram,
    /// SASL/OAUTHBEARER over TLS with MSK IAM tokens (MSK port 9098).
    Iam,
}

/// The Kafka flags, shared by every binary that talks to Kafka; flatten it
/// into a clap `Parser` with `#[command(flatten)]`.
#[derive(Debug, Clone, clap::Args)]
pub struct KafkaArgs {
    /// Comma-separated bootstrap brokers; Kafka is off when unset.
    #[arg(
        long = "kafka-bootstrap-servers",
        env = "HELLO_KAFKA_BOOTSTRAP_SERVERS"
    )]
    pub bootstrap_servers: Option<String>,

    /// The topic events are written to / read from.
    #[arg(long = "kafka-topic", env = "HELLO_KAFKA_TOPIC", default_value = DEFAULT_TOPIC)]
    pub topic: String,

    /// Authentication mechanism.
    #[arg(
        long = "kafka-auth",
        env = "HELLO_KAFKA_AUTH",
        value_enum,
        default_value = "plaintext"
    )]
    pub auth: AuthMechanism,

    /// AWS region for IAM tokens (falls back to AWS_REGION, then AWS_DEFAULT_REGION).
    #[arg(long = "kafka-region", env = "HELLO_KAFKA_REGION")]
    pub region: Option<String>,

    /// SCRAM username.
    #[arg(long = "kafka-scram-username", env = "HELLO_KAFKA_SCRAM_USERNAME")]
    pub scram_username: Option<String>,

    /// SCRAM password (prefer the file variant, so it stays out of `ps`).
    #[arg(
        long = "kafka-scram-password",
        env = "HELLO_KAFKA_SCRAM_PASSWORD",
        hide_env_values = true
    )]
    pub scram_password: Option<String>,

    /// File holding the SCRAM password (a mounted Secret); read at start.
    #[arg(
        long = "kafka-scram-password-file",
        env = "HELLO_KAFKA_SCRAM_PASSWORD_FILE"
    )]
    pub scram_password_file: Option<PathBuf>,

    /// PEM file of CA certificates for TLS; the system store is probed otherwise.
    #[arg(long = "kafka-ca-file", env = "HELLO_KAFKA_CA_FILE")]
    pub ca_file: Option<PathBuf>,

    /// Partitions of the topic when it has to be created.
    #[arg(long = "kafka-partitions", env = "HELLO_KAFKA_PARTITIONS", default_value_t = TopicLayout::default().partitions)]
    pub partitions: i32,

    /// Replication factor of the topic when it has to be created; -1 takes the
    /// broker's default (MSK Serverless manages replication itself).
    #[arg(long = "kafka-replication-factor", env = "HELLO_KAFKA_REPLICATION_FACTOR", default_value_t = TopicLayout::default().replication_factor, allow_hyphen_values = true)]
    pub replication_factor: i32,
}

impl KafkaArgs {
    /// The settings, or `None` when no bootstrap servers are configured.
    pub fn settings(&self) -> Result<Option<KafkaSettings>, Error> {
        self.settings_with_env(|key| std::env::var(key).ok())
    }

    /// Like [`Self::settings`], reading the AWS region fallbacks through `env`.
    pub fn settings_with_env(
        &self,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<KafkaSettings>, Error> {
        let Some(bootstrap_servers) = self
            .bootstrap_servers
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        else {
            return Ok(None);
        };
        let topic = self.topic.trim();
        if topic.is_empty() {
            return Err(Error::EmptyTopic);
        }
        let layout = TopicLayout::new(self.partitions, self.replication_factor)?;
        let auth = match self.auth {
            AuthMechanism::Plaintext => Auth::Plaintext,
            AuthMechanism::Tls => Auth::Tls,
            AuthMechanism::Scram => Auth::Scram {
                username: self
                    .scram_username
                    .clone()
                    .filter(|u| !u.is_empty())
                    .ok_or(Error::ScramUsernameMissing)?,
                password: self.scram_password()?,
            },
            AuthMechanism::Iam => Auth::Iam {
                region: self
                    .region
                    .clone()
                    .or_else(|| env("AWS_REGION"))
                    .or_else(|| env("AWS_DEFAULT_REGION"))
                    .filter(|r| !r.trim().is_empty())
                    .ok_or(Error::IamRegionMissing)?,
            },
        };
        Ok(Some(KafkaSettings {
            bootstrap_servers: bootstrap_servers.to_string(),
            topic: topic.to_string(),
            auth,
            ca_file: self.ca_file.clone(),
            layout,
        }))
    }

    fn scram_password(&self) -> Result<String, Error> {
        if let Some(path) = &self.scram_password_file {
            let text =
                std::fs::read_to_string(path).map_err(|source| Error::ScramPasswordFile {
                    path: path.clone(),
                    source,
                })?;
            // Secret files often end with a newline the password does not have.
            let password = text.trim_end_matches(['\r', '\n']);
            if password.is_empty() {
                return Err(Error::ScramPasswordFileEmpty { path: path.clone() });
            }
            return Ok(password.to_string());
        }
        self.scram_password
            .clone()
            .filter(|p| !p.is_empty())
            .ok_or(Error::ScramPasswordMissing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        kafka: KafkaArgs,
    }

    fn parse(args: &[&str]) -> KafkaArgs {
        let mut argv = vec!["test"];
        argv.extend_from_slice(args);
        Cli::try_parse_from(argv).expect("valid flags").kafka
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    /// SCRAM to `b:9096`, with `extra` flags.
    fn scram(extra: &[&str]) -> KafkaArgs {
        let mut argv = vec![
            "--kafka-bootstrap-servers",
            "b:9096",
            "--kafka-auth",
            "scram",
        ];
        argv.extend_from_slice(extra);
        parse(&argv)
    }

    #[test]
    fn no_bootstrap_servers_means_kafka_is_off() {
        assert!(parse(&[]).settings_with_env(no_env).unwrap().is_none());
        let blank = parse(&["--kafka-bootstrap-servers", " "]);
        assert!(blank.settings_with_env(no_env).unwrap().is_none());
    }

    #[test]
    fn defaults_are_plaintext_on_topic_events() {
        let settings = parse(&["--kafka-bootstrap-servers", "b:9092"])
            .settings_with_env(no_env)
            .unwrap()
            .unwrap();
        assert_eq!(settings.topic, "events");
        assert_eq!(settings.auth, Auth::Plaintext);
        assert_eq!(settings.layout, TopicLayout::default());
    }

    #[test]
    fn scram_needs_username_and_password() {
        let args = scram(&[]);
        let err = args.settings_with_env(no_env).unwrap_err();
        assert!(matches!(err, Error::ScramUsernameMissing), "{err}");
        let args = scram(&["--kafka-scram-username", "alice"]);
        let err = args.settings_with_env(no_env).unwrap_err();
        assert!(
            err.to_string().contains("HELLO_KAFKA_SCRAM_PASSWORD"),
            "{err}"
        );
    }

    #[test]
    fn scram_password_file_wins_and_loses_its_trailing_newline() {
        let dir = std::env::temp_dir().join(format!("hello-kafka-args-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("password");
        std::fs::write(&file, "s3cret\n").unwrap();
        let args = scram(&[
            "--kafka-scram-username",
            "alice",
            "--kafka-scram-password",
            "ignored",
            "--kafka-scram-password-file",
            file.to_str().unwrap(),
        ]);
        let settings = args.settings_with_env(no_env).unwrap().unwrap();
        assert_eq!(
            settings.auth,
            Auth::Scram {
                username: "alice".into(),
                password: "s3cret".into()
            }
        );
        std::fs::write(&file, "\n").unwrap();
        let err = args.settings_with_env(no_env).unwrap_err();
        assert!(matches!(err, Error::ScramPasswordFileEmpty { .. }), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn iam_region_falls_back_to_aws_region() {
        let args = parse(&["--kafka-bootstrap-servers", "b:9098", "--kafka-auth", "iam"]);
        let err = args.settings_with_env(no_env).unwrap_err();
        assert!(matches!(err, Error::IamRegionMissing), "{err}");
        let settings = args
            .settings_with_env(|k| (k == "AWS_DEFAULT_REGION").then(|| "eu-west-1".to_string()))
            .unwrap()
            .unwrap();
        assert_eq!(
            settings.auth,
            Auth::Iam {
                region: "eu-west-1".into()
            }
        );
    }

    #[test]
    fn topic_layout_is_validated() {
        let args = parse(&[
            "--kafka-bootstrap-servers",
            "b:9092",
            "--kafka-partitions",
            "0",
        ]);
        assert!(matches!(
            args.settings_with_env(no_env),
            Err(Error::Partitions(0))
        ));
        let args = parse(&[
            "--kafka-bootstrap-servers",
            "b:9092",
            "--kafka-replication-factor",
            "-2",
        ]);
        assert!(matches!(
            args.settings_with_env(no_env),
            Err(Error::ReplicationFactor(-2))
        ));
    }
}
