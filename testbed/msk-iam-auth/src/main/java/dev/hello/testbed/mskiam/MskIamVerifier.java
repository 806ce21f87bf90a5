package dev.hello.testbed.mskiam;

import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

/**
 * Accepts an MSK IAM token the way MSK does: for this broker's region, signed
 * no later than now (give or take the clock skew) and not yet expired, by
 * credentials the broker knows, the session token included. The signature is
 * recomputed by the AWS SDK for Java's SigV4 signer over the same request at
 * the token's own time, and compared in constant time.
 */
public final class MskIamVerifier {
    /** Every MSK signer presigns for 900 s; a longer-lived token is not one of theirs. */
    static final Duration MAX_EXPIRES = Duration.ofSeconds(900);

    /** A token accepted: who it is, and from when to when the session may last. */
    public record Accepted(String principal, Instant start, Instant expiry) {}

    private final String region;
    private final CredentialStore credentials;
    private final Duration clockSkew;
    private final Duration maxSession;
    private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();

    /**
     * @param maxSession null, or a cap on the session lifetime the broker
     *     grants (test only: makes clients re-authenticate, and so refresh
     *     their tokens, sooner than MSK's 15 minutes)
     */
    public MskIamVerifier(String region, CredentialStore credentials, Duration clockSkew, Duration maxSession) {
        this.region = Objects.requireNonNull(region);
        this.credentials = Objects.requireNonNull(credentials);
        this.clockSkew = Objects.requireNonNull(clockSkew);
        this.maxSession = maxSession;
    }

    public Accepted verify(String tokenValue, Instant now) throws TokenRefused {
        MskIamToken token = MskIamToken.parse(tokenValue);
        if (!region.equals(token.region)) {
            throw new TokenRefused("signed for region " + token.region + ", this cluster is in " + region);
        }
        if (token.expires.compareTo(MAX_EXPIRES) > 0) {
            throw new TokenRefused("X-Amz-Expires " + token.expires.toSeconds() + " s is over " + MAX_EXPIRES.toSeconds() + " s");
        }
        if (token.date.isAfter(now.plus(clockSkew))) {
            throw new TokenRefused("signed at " + token.date + ", in the future (now " + now + ")");
        }
        Instant expiry = token.date.plus(token.expires);
        if (!expiry.isAfter(now)) {
            throw new TokenRefused("expired at " + expiry + " (now " + now + ")");
        }
        if (!"host".equals(token.signedHeaders)) {
            throw new TokenRefused("X-Amz-SignedHeaders is " + token.signedHeaders + ", not host");
        }
        KnownCredential known = credentials.lookup(token.accessKeyId)
                .orElseThrow(() -> new TokenRefused("unknown access key " + token.accessKeyId));
        if (!Objects.equals(known.sessionToken(), token.sessionToken)) {
            throw new TokenRefused(known.sessionToken() == null
                    ? "a session token for the long-term key " + token.accessKeyId
                    : "not the session token issued with " + token.accessKeyId);
        }
        if (!MessageDigest.isEqual(signature(token, known).getBytes(StandardCharsets.US_ASCII),
                token.signature.getBytes(StandardCharsets.US_ASCII))) {
            throw new TokenRefused("the signature does not match (" + token.accessKeyId + ")");
        }
        if (maxSession != null && expiry.isAfter(now.plus(maxSession))) {
            expiry = now.plus(maxSession);
        }
        return new Accepted(known.principal(), token.date, expiry);
    }

    /** The SDK's signature of the token's request, signed again with the known secret. */
    private String signature(MskIamToken token, KnownCredential known) {
        SdkHttpRequest.Builder request = SdkHttpRequest.builder()
                .method(SdkHttpMethod.GET)
                .protocol("https")
                .host(token.host)
                .encodedPath("/");
        token.operationParams.forEach(request::putRawQueryParameter);
        AwsCredentialsIdentity identity = known.sessionToken() == null
                ? AwsCredentialsIdentity.create(known.accessKeyId(), known.secretAccessKey())
                : AwsSessionCredentialsIdentity.create(known.accessKeyId(), known.secretAccessKey(), known.sessionToken());
        SignedRequest signed = signer.sign(r -> r
                .identity(identity)
                .request(request.build())
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, MskIamToken.SERVICE)
                .putProperty(AwsV4HttpSigner.REGION_NAME, token.region)
                .putProperty(AwsV4HttpSigner.AUTH_LOCATION, AwsV4HttpSigner.AuthLocation.QUERY_STRING)
                .putProperty(AwsV4HttpSigner.EXPIRATION_DURATION, token.expires)
                .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(token.date, ZoneOffset.UTC)));
        return signed.request().firstMatchingRawQueryParameter("X-Amz-Signature").orElse("");
    }
}
