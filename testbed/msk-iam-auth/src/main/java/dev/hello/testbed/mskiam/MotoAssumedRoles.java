package dev.hello.testbed.mskiam;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * The temporary credentials that the test bed's moto issued through STS
 * (AssumeRoleWithWebIdentity for IRSA, AssumeRole), read from moto's own
 * state ({@code /moto-api/data.json}, its models as JSON) when a key is not
 * a long-term one: the broker knows what STS issued, as MSK's IAM does. The
 * principal is the assumed-role ARN, as MSK names such a client.
 */
public final class MotoAssumedRoles implements CredentialStore {
    private final URI dataJson;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final ObjectMapper json = new ObjectMapper();

    public MotoAssumedRoles(String endpoint) {
        this.dataJson = URI.create(endpoint.replaceAll("/+$", "") + "/moto-api/data.json");
    }

    @Override
    public Optional<KnownCredential> lookup(String accessKeyId) throws TokenRefused {
        JsonNode roles;
        try {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(dataJson).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new TokenRefused("moto " + dataJson + " answered " + response.statusCode());
            }
            roles = json.readTree(response.body()).path("sts").path("AssumedRole");
        } catch (IOException e) {
            throw new TokenRefused("cannot read moto's STS state at " + dataJson + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TokenRefused("interrupted reading moto's STS state");
        }
        for (JsonNode role : roles) {
            if (accessKeyId.equals(role.path("access_key_id").asText())) {
                return Optional.of(new KnownCredential(accessKeyId, role.path("secret_access_key").asText(),
                        role.path("session_token").asText(), role.path("arn").asText()));
            }
        }
        return Optional.empty();
    }
}
