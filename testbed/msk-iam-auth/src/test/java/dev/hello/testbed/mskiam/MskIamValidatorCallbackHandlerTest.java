package dev.hello.testbed.mskiam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import javax.security.auth.callback.Callback;
import javax.security.auth.login.AppConfigurationEntry;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallback;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MskIamValidatorCallbackHandlerTest {
    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

    @TempDir
    Path dir;

    private MskIamValidatorCallbackHandler handler(Map<String, String> extra) throws Exception {
        Path keys = dir.resolve("keys");
        Files.writeString(keys, Tokens.KEY + " " + Tokens.SECRET + " " + Tokens.PRINCIPAL + "\n");
        Map<String, String> options = new java.util.HashMap<>(Map.of("region", "eu-west-1", "credentialsFile", keys.toString()));
        options.putAll(extra);
        MskIamValidatorCallbackHandler h = new MskIamValidatorCallbackHandler();
        h.configure(Map.of(), "OAUTHBEARER", List.of(new AppConfigurationEntry(OAuthBearerLoginModule.class.getName(),
                AppConfigurationEntry.LoginModuleControlFlag.REQUIRED, options)));
        h.clock(Clock.fixed(NOW, ZoneOffset.UTC));
        return h;
    }

    private static OAuthBearerValidatorCallback validate(MskIamValidatorCallbackHandler h, String token) throws Exception {
        OAuthBearerValidatorCallback callback = new OAuthBearerValidatorCallback(token);
        h.handle(new Callback[] {callback});
        return callback;
    }

    @Test
    void theBrokerGetsThePrincipalAndTheTokensLifetime() throws Exception {
        OAuthBearerValidatorCallback c = validate(handler(Map.of()), Tokens.mint(NOW));
        assertEquals(Tokens.PRINCIPAL, c.token().principalName());
        assertEquals(NOW.plusSeconds(900).toEpochMilli(), c.token().lifetimeMs());
        assertEquals(NOW.toEpochMilli(), c.token().startTimeMs());
        assertNull(c.errorStatus());
    }

    @Test
    void aRefusedTokenGetsInvalidTokenAndNoPrincipal() throws Exception {
        String token = Tokens.mint(Tokens.KEY, "wrong", null, "eu-west-1", NOW, Duration.ofSeconds(900));
        OAuthBearerValidatorCallback c = validate(handler(Map.of()), token);
        assertNull(c.token());
        assertEquals("invalid_token", c.errorStatus());
    }

    @Test
    void maxSessionSecondsCapsTheLifetime() throws Exception {
        OAuthBearerValidatorCallback c = validate(handler(Map.of("maxSessionSeconds", "20")), Tokens.mint(NOW));
        assertEquals(NOW.plusSeconds(20).toEpochMilli(), c.token().lifetimeMs());
    }

    @Test
    void aMissingOptionIsNamed() {
        MskIamValidatorCallbackHandler h = new MskIamValidatorCallbackHandler();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> h.configure(Map.of(), "OAUTHBEARER",
                List.of(new AppConfigurationEntry(OAuthBearerLoginModule.class.getName(),
                        AppConfigurationEntry.LoginModuleControlFlag.REQUIRED, Map.of("region", "eu-west-1")))));
        assertEquals("the MSK IAM handler needs the JAAS option credentialsFile", e.getMessage());
    }

    @Test
    void theCredentialsFileIsReadAgainWhenItChanges() throws Exception {
        MskIamValidatorCallbackHandler h = handler(Map.of());
        String later = Tokens.mint("AKIDLATER", "later-secret", null, "eu-west-1", NOW, Duration.ofSeconds(900));
        assertEquals("invalid_token", validate(h, later).errorStatus());
        Path keys = dir.resolve("keys");
        Files.writeString(keys, Files.readString(keys) + "AKIDLATER later-secret arn:aws:iam::123456789012:user/later\n");
        Files.setLastModifiedTime(keys, java.nio.file.attribute.FileTime.from(Instant.now().plusSeconds(5)));
        assertEquals("arn:aws:iam::123456789012:user/later", validate(h, later).token().principalName());
    }

    /** moto's /moto-api/data.json shape for STS (its AssumedRole models' attributes). */
    @Test
    void temporaryCredentialsComeFromMotosStsState() throws Exception {
        String role = "arn:aws:sts::123456789012:assumed-role/hello-consumer/botocore-session-1";
        String body = "{\"sts\": {\"AssumedRole\": [{\"access_key_id\": \"ASIAMOTO\", \"secret_access_key\": \"moto-secret\","
                + " \"session_token\": \"moto-session\", \"arn\": \"" + role + "\", \"session_name\": \"s\"}]}}";
        HttpServer moto = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        moto.createContext("/moto-api/data.json", exchange -> {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, b.length);
            exchange.getResponseBody().write(b);
            exchange.close();
        });
        moto.start();
        try {
            MskIamValidatorCallbackHandler h = handler(
                    Map.of("motoEndpoint", "http://127.0.0.1:" + moto.getAddress().getPort() + "/"));
            String token = Tokens.mint("ASIAMOTO", "moto-secret", "moto-session", "eu-west-1", NOW, Duration.ofSeconds(900));
            assertEquals(role, validate(h, token).token().principalName());
            // the long-term key still comes from the file
            assertEquals(Tokens.PRINCIPAL, validate(h, Tokens.mint(NOW)).token().principalName());
            String unknown = Tokens.mint("ASIAOTHER", "moto-secret", "moto-session", "eu-west-1", NOW, Duration.ofSeconds(900));
            assertEquals("invalid_token", validate(h, unknown).errorStatus());
        } finally {
            moto.stop(0);
        }
    }

    @Test
    void onlyOauthbearer() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new MskIamValidatorCallbackHandler().configure(Map.of(), "PLAIN", List.of()));
        assertTrue(e.getMessage().contains("not PLAIN"));
    }
}
