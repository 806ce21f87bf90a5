use std::error::Error as StdError;
use std::time::Duration;

use aws_config::Region;
use aws_config::meta::credentials::CredentialsProviderChain;
use aws_msk_iam_sasl_signer::{generate_auth_token, generate_auth_token_from_credentials_provider};
use rdkafka::client::OAuthToken;

/// Generous: the default chain may call STS (IRSA web identity) or IMDS.
const TOKEN_TIMEOUT: Duration = Duration::from_secs(20);

/// Makes MSK IAM auth tokens (SASL OAUTHBEARER) from AWS credentials.
///
/// Credentials come from the default AWS chain (env, profile, IRSA web
/// identity, ECS, IMDS), read afresh for each token so rotated credentials
/// are picked up. Tokens live 15 minutes; librdkafka asks for a new one at
/// 80% of that, and retries when a refresh fails.
#[derive(Clone)]
pub struct IamTokenSource {
    region: Region,
    credentials: Option<aws_types::sdk_config::SharedCredentialsProvider>,
    test_lifetime: Option<Duration>,
}

/// Test only: tells librdkafka the token expires after this many seconds,
/// so it refreshes sooner than every 12 minutes (the test bed's refresh
/// checks). Never set it in production; MSK tokens live 15 minutes.
pub const TEST_LIFETIME_ENV: &str = "HELLO_KAFKA_IAM_TEST_TOKEN_LIFETIME_SECONDS";

fn test_lifetime_from_env() -> Option<Duration> {
    let seconds: u64 = std::env::var(TEST_LIFETIME_ENV).ok()?.trim().parse().ok()?;
    (seconds > 0).then(|| Duration::from_secs(seconds))
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

impl std::fmt::Debug for IamTokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IamTokenSource")
            .field("region", &self.region)
            .field("test_lifetime", &self.test_lifetime)
            .finish_non_exhaustive()
    }
}

impl IamTokenSource {
    /// Tokens signed with the default credential chain for `region`.
    pub fn new(region: impl Into<String>) -> Self {
        Self {
            region: Region::new(region.into()),
            credentials: None,
            test_lifetime: test_lifetime_from_env(),
        }
    }

    /// Tokens signed with the given credentials chain (tests, custom setups).
    pub fn with_credentials(region: impl Into<String>, chain: CredentialsProviderChain) -> Self {
        Self {
            region: Region::new(region.into()),
            credentials: Some(aws_types::sdk_config::SharedCredentialsProvider::new(chain)),
            test_lifetime: test_lifetime_from_env(),
        }
    }

    /// A fresh token. Runs on its own thread with its own runtime, because
    /// librdkafka calls this from whatever thread polls the client, which
    /// may be inside a Tokio runtime that must not be blocked on.
    pub fn token(&self) -> Result<OAuthToken, Box<dyn StdError>> {
        let source = self.clone();
        let handle = std::thread::Builder::new()
            .name("msk-iam-token".into())
            .spawn(move || source.token_on_this_thread())?;
        handle
            .join()
            .map_err(|_| "the MSK IAM token thread panicked")?
            .map_err(Into::into)
    }

    fn token_on_this_thread(&self) -> Result<OAuthToken, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("starting a runtime for the MSK IAM token: {e}"))?;
        let region = self.region.clone();
        let signed = runtime.block_on(async {
            let token = async {
                match &self.credentials {
                    Some(provider) => {
                        generate_auth_token_from_credentials_provider(region, provider.clone())
                            .await
                    }
                    None => generate_auth_token(region).await,
                }
            };
            // The timeout covers the credential chain's calls (STS, IMDS).
            tokio::time::timeout(TOKEN_TIMEOUT, token).await
        });
        let (token, expires_at_ms) = signed
            .map_err(|_| format!("no MSK IAM token within {TOKEN_TIMEOUT:?}"))?
            .map_err(|e| format!("signing the MSK IAM token: {e}"))?;
        tracing::info!(
            region = %self.region,
            expires_at_ms,
            "generated an MSK IAM auth token"
        );
        Ok(OAuthToken {
            token,
            principal_name: String::new(),
            lifetime_ms: self.reported_lifetime_ms(expires_at_ms, now_ms()),
        })
    }

    /// The expiry librdkafka is told, which it refreshes the token at 80% of:
    /// the token's own, or sooner under the test-only lifetime cap.
    fn reported_lifetime_ms(&self, expires_at_ms: i64, now_ms: i64) -> i64 {
        match self.test_lifetime {
            Some(cap) => expires_at_ms.min(now_ms + cap.as_millis() as i64),
            None => expires_at_ms,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_credential_types::Credentials;
    use base64::Engine;

    #[test]
    fn a_token_is_a_signed_kafka_connect_url_valid_for_15_minutes() {
        let chain = CredentialsProviderChain::first_try(
            "static",
            Credentials::from_keys("AKIDEXAMPLE", "secret-example", None),
        );
        let source = IamTokenSource::with_credentials("eu-west-1", chain);
        let token = source.token().expect("token");
        let url = base64::prelude::BASE64_URL_SAFE_NO_PAD
            .decode(&token.token)
            .expect("base64url token");
        let url = String::from_utf8(url).expect("utf-8 url");
        assert!(
            url.starts_with(
                "https://kafka.eu-west-1.amazonaws.com/?Action=kafka-cluster%3AConnect"
            ),
            "{url}"
        );
        assert!(url.contains("X-Amz-Credential=AKIDEXAMPLE"), "{url}");
        assert!(url.contains("X-Amz-Signature="), "{url}");
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        let remaining = token.lifetime_ms - now_ms;
        assert!(
            (13 * 60_000..=15 * 60_000).contains(&remaining),
            "token expires in {remaining} ms"
        );
    }

    #[test]
    fn the_test_lifetime_cap_only_shortens_what_librdkafka_is_told() {
        let mut source = IamTokenSource::new("eu-west-1");
        source.test_lifetime = None;
        assert_eq!(source.reported_lifetime_ms(900_000, 0), 900_000);
        source.test_lifetime = Some(Duration::from_secs(20));
        assert_eq!(source.reported_lifetime_ms(900_000, 1_000), 21_000);
        assert_eq!(source.reported_lifetime_ms(10_000, 1_000), 10_000);
    }
}
