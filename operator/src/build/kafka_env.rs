//! The Kafka environment both the API and the consumer read (the contract's
//! `HELLO_KAFKA_*` variables).

use hello_crds::{KafkaAuthMechanism, KafkaSpec};
use k8s_openapi::api::core::v1::{EnvVar, EnvVarSource, SecretKeySelector};

pub fn env(kafka: &KafkaSpec) -> Vec<EnvVar> {
    let mut env = vec![
        plain("HELLO_KAFKA_BOOTSTRAP_SERVERS", &kafka.bootstrap_servers),
        plain("HELLO_KAFKA_TOPIC", &kafka.topic),
        plain("HELLO_KAFKA_AUTH", kafka.auth.mechanism.as_str()),
    ];
    if !kafka.auth.region.is_empty() {
        env.push(plain("HELLO_KAFKA_REGION", &kafka.auth.region));
    }
    if let (KafkaAuthMechanism::Scram, Some(secret)) =
        (kafka.auth.mechanism, &kafka.auth.secret_ref)
    {
        env.push(from_secret(
            "HELLO_KAFKA_SCRAM_USERNAME",
            &secret.name,
            "username",
        ));
        env.push(from_secret(
            "HELLO_KAFKA_SCRAM_PASSWORD",
            &secret.name,
            "password",
        ));
    }
    env
}

pub fn plain(name: &str, value: &str) -> EnvVar {
    EnvVar {
        name: name.to_string(),
        value: Some(value.to_string()),
        ..EnvVar::default()
    }
}

fn from_secret(name: &str, secret: &str, key: &str) -> EnvVar {
    EnvVar {
        name: name.to_string(),
        value_from: Some(EnvVarSource {
            secret_key_ref: Some(SecretKeySelector {
                name: secret.to_string(),
                key: key.to_string(),
                optional: Some(false),
            }),
            ..EnvVarSource::default()
        }),
        ..EnvVar::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hello_crds::{KafkaAuth, SecretReference};

    fn names(env: &[EnvVar]) -> Vec<&str> {
        env.iter().map(|e| e.name.as_str()).collect()
    }

    #[test]
    fn iam_passes_servers_topic_mechanism_and_region() {
        let kafka: KafkaSpec = serde_json::from_value(serde_json::json!({
            "bootstrapServers": "b-1:9098", "auth": {"mechanism": "iam", "region": "eu-west-1"}
        }))
        .unwrap();
        let env = env(&kafka);
        assert_eq!(
            names(&env),
            [
                "HELLO_KAFKA_BOOTSTRAP_SERVERS",
                "HELLO_KAFKA_TOPIC",
                "HELLO_KAFKA_AUTH",
                "HELLO_KAFKA_REGION"
            ]
        );
        assert_eq!(env[1].value.as_deref(), Some("events"));
        assert_eq!(env[2].value.as_deref(), Some("iam"));
    }

    #[test]
    fn scram_credentials_come_from_the_secret() {
        let mut kafka: KafkaSpec =
            serde_json::from_value(serde_json::json!({"bootstrapServers": "b:9096"})).unwrap();
        kafka.auth = KafkaAuth {
            mechanism: KafkaAuthMechanism::Scram,
            region: String::new(),
            secret_ref: Some(SecretReference {
                name: "creds".into(),
            }),
        };
        let env = env(&kafka);
        let password = env
            .iter()
            .find(|e| e.name == "HELLO_KAFKA_SCRAM_PASSWORD")
            .unwrap();
        let selector = password
            .value_from
            .as_ref()
            .unwrap()
            .secret_key_ref
            .as_ref()
            .unwrap();
        assert_eq!(
            (selector.name.as_str(), selector.key.as_str()),
            ("creds", "password")
        );
        assert_eq!(password.value, None, "no secret value in the pod spec");
    }
}
