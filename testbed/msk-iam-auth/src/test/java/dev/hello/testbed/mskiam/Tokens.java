package dev.hello.testbed.mskiam;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

/** Test support: MSK IAM tokens minted the way MSK's signers mint them, and taken apart again. */
final class Tokens {
    static final String KEY = "AKIDEXAMPLE";
    static final String SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    static final String PRINCIPAL = "arn:aws:iam::123456789012:user/hello-api";

    private Tokens() {}

    static String mint(String key, String secret, String sessionToken, String region, Instant at, Duration expires) {
        SdkHttpRequest request = SdkHttpRequest.builder()
                .method(SdkHttpMethod.GET)
                .protocol("https")
                .host("kafka." + region + ".amazonaws.com")
                .encodedPath("/")
                .putRawQueryParameter("Action", "kafka-cluster:Connect")
                .build();
        AwsCredentialsIdentity identity = sessionToken == null
                ? AwsCredentialsIdentity.create(key, secret)
                : AwsSessionCredentialsIdentity.create(key, secret, sessionToken);
        SdkHttpRequest signed = AwsV4HttpSigner.create().sign(r -> r
                .identity(identity)
                .request(request)
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "kafka-cluster")
                .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                .putProperty(AwsV4HttpSigner.AUTH_LOCATION, AwsV4HttpSigner.AuthLocation.QUERY_STRING)
                .putProperty(AwsV4HttpSigner.EXPIRATION_DURATION, expires)
                .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(at, ZoneOffset.UTC)))
                .request();
        return encode(signed.getUri().toString() + "&User-Agent=aws-msk-iam-sasl-signer-java%2F1");
    }

    static String mint(Instant at) {
        return mint(KEY, SECRET, null, "eu-west-1", at, Duration.ofSeconds(900));
    }

    static String encode(String url) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(url.getBytes(StandardCharsets.UTF_8));
    }

    static String decode(String token) {
        return new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
    }
}
