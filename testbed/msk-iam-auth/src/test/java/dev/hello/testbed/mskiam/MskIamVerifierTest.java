package dev.hello.testbed.mskiam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MskIamVerifierTest {
    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    private static final String SESSION = "FwoGZXIvYXdzEXAMPLEsessiontoken";
    private static final String ROLE = "arn:aws:sts::123456789012:assumed-role/hello-api/irsa";

    private static CredentialStore store(KnownCredential... known) {
        return key -> {
            for (KnownCredential k : known) {
                if (k.accessKeyId().equals(key)) {
                    return Optional.of(k);
                }
            }
            return Optional.empty();
        };
    }

    private static final KnownCredential USER = new KnownCredential(Tokens.KEY, Tokens.SECRET, null, Tokens.PRINCIPAL);
    private static final KnownCredential ASSUMED = new KnownCredential("ASIAEXAMPLE", Tokens.SECRET, SESSION, ROLE);

    private static MskIamVerifier verifier(Duration maxSession) {
        return new MskIamVerifier("eu-west-1", store(USER, ASSUMED), Duration.ofMinutes(5), maxSession);
    }

    private static String refusal(String token, Instant now) {
        return assertThrows(TokenRefused.class, () -> verifier(null).verify(token, now)).getMessage();
    }

    @Test
    void acceptsATokenOfAKnownKeyAndNamesItsPrincipal() throws TokenRefused {
        MskIamVerifier.Accepted a = verifier(null).verify(Tokens.mint(NOW.minusSeconds(10)), NOW);
        assertEquals(Tokens.PRINCIPAL, a.principal());
        assertEquals(NOW.minusSeconds(10), a.start());
        assertEquals(NOW.minusSeconds(10).plusSeconds(900), a.expiry());
    }

    @Test
    void acceptsTemporaryCredentialsWithTheirSessionToken() throws TokenRefused {
        String token = Tokens.mint("ASIAEXAMPLE", Tokens.SECRET, SESSION, "eu-west-1", NOW, Duration.ofSeconds(900));
        assertEquals(ROLE, verifier(null).verify(token, NOW).principal());
    }

    /** Another implementation's token (botocore's SigV4QueryAuth, as aws-msk-iam-sasl-signer-python signs). */
    @Test
    void acceptsBotocoresTokensWithAndWithoutASessionToken() throws TokenRefused {
        Instant at = Instant.parse("2026-12-01T16:25:00Z");
        String plain = "aHR0cHM6Ly9rYWZrYS5ldS13ZXN0LTEuYW1hem9uYXdzLmNvbS8_QWN0aW9uPWthZmthLWNsdXN0ZXIlM0FDb25uZWN0JlgtQW16LUFsZ29yaXRobT1BV1M0LUhNQUMtU0hBMjU2JlgtQW16LUNyZWRlbnRpYWw9QUtJREVYQU1QTEUlMkYyMDI2MTIwMSUyRmV1LXdlc3QtMSUyRmthZmthLWNsdXN0ZXIlMkZhd3M0X3JlcXVlc3QmWC1BbXotRGF0ZT0yMDI2MTIwMVQxNjI0MjlaJlgtQW16LUV4cGlyZXM9OTAwJlgtQW16LVNpZ25lZEhlYWRlcnM9aG9zdCZYLUFtei1TaWduYXR1cmU9ZDA5NjJkNTJiYWFhOTM5OWQ2YmY2ZWUxOWZlMzk1M2E0NDNkNTBjNDkzZWUyMjgzOGUxYWQxNTU5YjQ2MjBmZCZVc2VyLUFnZW50PWF3cy1tc2staWFtLXNhc2wtc2lnbmVyLXB5JTJGMS4wLjE";
        assertEquals(Tokens.PRINCIPAL, verifier(null).verify(plain, at).principal());
        String session = "aHR0cHM6Ly9rYWZrYS5ldS13ZXN0LTEuYW1hem9uYXdzLmNvbS8_QWN0aW9uPWthZmthLWNsdXN0ZXIlM0FDb25uZWN0JlgtQW16LUFsZ29yaXRobT1BV1M0LUhNQUMtU0hBMjU2JlgtQW16LUNyZWRlbnRpYWw9QUtJREVYQU1QTEUlMkYyMDI2MTIwMSUyRmV1LXdlc3QtMSUyRmthZmthLWNsdXN0ZXIlMkZhd3M0X3JlcXVlc3QmWC1BbXotRGF0ZT0yMDI2MTIwMVQxNjI0MjlaJlgtQW16LUV4cGlyZXM9OTAwJlgtQW16LVNpZ25lZEhlYWRlcnM9aG9zdCZYLUFtei1TZWN1cml0eS1Ub2tlbj1Gd29HWlhJdllYZHpFWEFNUExFc2Vzc2lvbnRva2VuJlgtQW16LVNpZ25hdHVyZT0yYzZmZmNlZDk1YzEyZmYyNThkMzRiNzIzZmE2NGZmOThiYjVlYTRkNjM0NGVlNTMwZjI3OGU5ODMyNDliYmQ4JlVzZXItQWdlbnQ9YXdzLW1zay1pYW0tc2FzbC1zaWduZXItcHklMkYxLjAuMQ";
        MskIamVerifier withSession = new MskIamVerifier("eu-west-1",
                store(new KnownCredential(Tokens.KEY, Tokens.SECRET, SESSION, ROLE)), Duration.ofMinutes(5), null);
        assertEquals(ROLE, withSession.verify(session, at).principal());
    }

    @Test
    void refusesAWrongSecret() {
        String token = Tokens.mint(Tokens.KEY, "not-the-secret", null, "eu-west-1", NOW, Duration.ofSeconds(900));
        assertEquals("the signature does not match (AKIDEXAMPLE)", refusal(token, NOW));
    }

    @Test
    void refusesAnExpiredToken() {
        String message = refusal(Tokens.mint(NOW.minusSeconds(901)), NOW);
        assertTrue(message.startsWith("expired at 2026-12-01T11:59:59Z"), message);
    }

    @Test
    void refusesATokenSignedTooFarInTheFuture() {
        assertTrue(refusal(Tokens.mint(NOW.plusSeconds(301)), NOW).contains("in the future"));
        // within the clock skew: accepted
        assertEquals(Tokens.PRINCIPAL, assertDoesNotThrow(Tokens.mint(NOW.plusSeconds(299))).principal());
    }

    private static MskIamVerifier.Accepted assertDoesNotThrow(String token) {
        return org.junit.jupiter.api.Assertions.assertDoesNotThrow(() -> verifier(null).verify(token, NOW));
    }

    @Test
    void refusesATokenForAnotherRegion() {
        String token = Tokens.mint(Tokens.KEY, Tokens.SECRET, null, "us-east-1", NOW, Duration.ofSeconds(900));
        assertEquals("signed for region us-east-1, this cluster is in eu-west-1", refusal(token, NOW));
    }

    @Test
    void refusesATamperedQuery() {
        String url = Tokens.decode(Tokens.mint(NOW));
        // a longer life than was signed
        assertEquals("the signature does not match (AKIDEXAMPLE)",
                refusal(Tokens.encode(url.replace("X-Amz-Expires=900", "X-Amz-Expires=899")), NOW));
        // an extra operation parameter
        assertEquals("the signature does not match (AKIDEXAMPLE)",
                refusal(Tokens.encode(url.replace("Action=", "Extra=1&Action=")), NOW));
        // another host than the one signed for
        assertTrue(refusal(Tokens.encode(url.replace("kafka.eu-west-1.", "kafka.us-east-1.")), NOW)
                .startsWith("X-Amz-Credential's region eu-west-1 is not the host's us-east-1"));
        // another action
        assertTrue(refusal(Tokens.encode(url.replace("kafka-cluster%3AConnect", "kafka-cluster%3AAlterCluster")), NOW)
                .startsWith("Action is kafka-cluster:AlterCluster"));
    }

    @Test
    void refusesAPlainJwt() {
        String jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJoZWxsby1hcGkifQ.c2lnbmF0dXJl";
        assertTrue(refusal(jwt, NOW).startsWith("not base64url"));
        // a JWT's parts, each base64url, are still not a presigned URL
        assertTrue(refusal("eyJhbGciOiJIUzI1NiJ9", NOW).startsWith("not "));
    }

    @Test
    void refusesAnUnknownKeyAndAWrongOrMissingSessionToken() {
        String unknown = Tokens.mint("AKIDUNKNOWN", Tokens.SECRET, null, "eu-west-1", NOW, Duration.ofSeconds(900));
        assertEquals("unknown access key AKIDUNKNOWN", refusal(unknown, NOW));
        String wrong = Tokens.mint("ASIAEXAMPLE", Tokens.SECRET, "another", "eu-west-1", NOW, Duration.ofSeconds(900));
        assertEquals("not the session token issued with ASIAEXAMPLE", refusal(wrong, NOW));
        String none = Tokens.mint("ASIAEXAMPLE", Tokens.SECRET, null, "eu-west-1", NOW, Duration.ofSeconds(900));
        assertEquals("not the session token issued with ASIAEXAMPLE", refusal(none, NOW));
        String extra = Tokens.mint(Tokens.KEY, Tokens.SECRET, SESSION, "eu-west-1", NOW, Duration.ofSeconds(900));
        assertEquals("a session token for the long-term key AKIDEXAMPLE", refusal(extra, NOW));
    }

    @Test
    void refusesALifetimeOverMsks() {
        String token = Tokens.mint(Tokens.KEY, Tokens.SECRET, null, "eu-west-1", NOW, Duration.ofSeconds(3600));
        assertEquals("X-Amz-Expires 3600 s is over 900 s", refusal(token, NOW));
    }

    @Test
    void aSessionCapEndsTheSessionSooner() throws TokenRefused {
        MskIamVerifier.Accepted a = verifier(Duration.ofSeconds(20)).verify(Tokens.mint(NOW), NOW);
        assertEquals(NOW.plusSeconds(20), a.expiry());
    }

    @Test
    void theCredentialsFileIsParsedAndRefusesABadLine() {
        Map<String, KnownCredential> keys = CredentialsFile.parse(
                "# comment\n\nAKID1 s1 arn:aws:iam::1:user/a\nASIA2 s2 arn:aws:sts::1:assumed-role/r/s tok\n");
        assertEquals(new KnownCredential("AKID1", "s1", null, "arn:aws:iam::1:user/a"), keys.get("AKID1"));
        assertEquals("tok", keys.get("ASIA2").sessionToken());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CredentialsFile.parse("AKID1 s1\n"));
        assertTrue(e.getMessage().startsWith("line 1:"), e.getMessage());
    }
}
