package dev.hello.testbed.mskiam;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.auth.login.AppConfigurationEntry;
import org.apache.kafka.common.security.auth.AuthenticateCallbackHandler;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerExtensionsValidatorCallback;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerToken;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's side of MSK IAM: {@code sasl.server.callback.handler.class}
 * of an OAUTHBEARER listener. Options, in the listener's
 * {@code oauthbearer.sasl.jaas.config} (OAuthBearerLoginModule):
 * <ul>
 *   <li>{@code region} (required): the cluster's region; tokens for another are refused;
 *   <li>{@code credentialsFile} (required): the long-term keys it knows ({@link CredentialsFile});
 *   <li>{@code motoEndpoint}: also the temporary credentials moto's STS issued ({@link MotoAssumedRoles});
 *   <li>{@code clockSkewSeconds} (default 300): how far in the future a token may be signed;
 *   <li>{@code maxSessionSeconds}: test only, caps the session so clients re-authenticate sooner.
 * </ul>
 * A refused token is logged with its reason; the client gets only
 * {@code invalid_token}, as from MSK.
 */
public final class MskIamValidatorCallbackHandler implements AuthenticateCallbackHandler {
    private static final Logger log = LoggerFactory.getLogger(MskIamValidatorCallbackHandler.class);
    private MskIamVerifier verifier;
    private Clock clock = Clock.systemUTC();

    @Override
    public void configure(Map<String, ?> configs, String saslMechanism, List<AppConfigurationEntry> jaasConfigEntries) {
        if (!"OAUTHBEARER".equals(saslMechanism)) {
            throw new IllegalArgumentException("MSK IAM is SASL/OAUTHBEARER, not " + saslMechanism);
        }
        if (jaasConfigEntries.size() != 1) {
            throw new IllegalArgumentException("want one JAAS entry, got " + jaasConfigEntries.size());
        }
        Map<String, ?> options = jaasConfigEntries.get(0).getOptions();
        CredentialStore store = new CredentialsFile(Path.of(required(options, "credentialsFile")));
        Object moto = options.get("motoEndpoint");
        if (moto != null) {
            CredentialStore file = store;
            CredentialStore sts = new MotoAssumedRoles(moto.toString());
            store = key -> file.lookup(key).isPresent() ? file.lookup(key) : sts.lookup(key);
        }
        Object maxSession = options.get("maxSessionSeconds");
        verifier = new MskIamVerifier(required(options, "region"), store,
                Duration.ofSeconds(Long.parseLong(optional(options, "clockSkewSeconds", "300"))),
                maxSession == null ? null : Duration.ofSeconds(Long.parseLong(maxSession.toString())));
    }

    /** For the tests: the clock the handler judges expiry by. */
    void clock(Clock clock) {
        this.clock = clock;
    }

    private static String optional(Map<String, ?> options, String name, String otherwise) {
        Object v = options.get(name);
        return v == null ? otherwise : v.toString();
    }

    private static String required(Map<String, ?> options, String name) {
        Object v = options.get(name);
        if (v == null || v.toString().isEmpty()) {
            throw new IllegalArgumentException("the MSK IAM handler needs the JAAS option " + name);
        }
        return v.toString();
    }

    @Override
    public void handle(Callback[] callbacks) throws UnsupportedCallbackException {
        for (Callback callback : callbacks) {
            if (callback instanceof OAuthBearerValidatorCallback validate) {
                validate(validate);
            } else if (callback instanceof OAuthBearerExtensionsValidatorCallback) {
                // MSK IAM tokens carry no SASL extensions; none is accepted.
            } else {
                throw new UnsupportedCallbackException(callback);
            }
        }
    }

    private void validate(OAuthBearerValidatorCallback callback) {
        String value = callback.tokenValue();
        try {
            MskIamVerifier.Accepted accepted = verifier.verify(value, clock.instant());
            callback.token(new Token(value, accepted));
            log.info("MSK IAM: accepted {} until {}", accepted.principal(), accepted.expiry());
        } catch (TokenRefused e) {
            log.warn("MSK IAM: token refused: {}", e.getMessage());
            callback.error("invalid_token", null, null);
        }
    }

    @Override
    public void close() {}

    private record Token(String value, MskIamVerifier.Accepted accepted) implements OAuthBearerToken {
        @Override
        public Set<String> scope() {
            return Set.of();
        }

        @Override
        public long lifetimeMs() {
            return accepted.expiry().toEpochMilli();
        }

        @Override
        public String principalName() {
            return accepted.principal();
        }

        @Override
        public Long startTimeMs() {
            return accepted.start().toEpochMilli();
        }
    }
}
