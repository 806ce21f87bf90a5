package dev.hello.testbed.mskiam;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An MSK IAM token taken apart: the base64url (unpadded) of a SigV4 presigned
 * URL {@code https://kafka.<region>.amazonaws.com/?Action=kafka-cluster:Connect&X-Amz-...},
 * as aws-msk-iam-sasl-signer (Rust, Go, Python, JS) and aws-msk-iam-auth (Java) make it.
 * Parsing checks the shape only; {@link MskIamVerifier} checks time, region and signature.
 */
public final class MskIamToken {
    static final String ACTION = "kafka-cluster:Connect";
    static final String SERVICE = "kafka-cluster";
    static final String ALGORITHM = "AWS4-HMAC-SHA256";
    private static final Pattern HOST = Pattern.compile("kafka\\.([a-z0-9-]+)\\.amazonaws\\.com");
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");

    /** The query parameters SigV4 adds; the signer puts them back when it signs again. */
    static final java.util.Set<String> AUTH_PARAMS = java.util.Set.of(
            "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
            "X-Amz-SignedHeaders", "X-Amz-Security-Token", "X-Amz-Signature");

    final String host;
    final String region;
    final String accessKeyId;
    final String credentialScope;
    final Instant date;
    final Duration expires;
    final String signedHeaders;
    final String sessionToken;
    final String signature;
    /** The operation parameters that were signed (Action, ...), in their order. */
    final Map<String, String> operationParams;

    private MskIamToken(String host, String region, String accessKeyId, String credentialScope, Instant date,
            Duration expires, String signedHeaders, String sessionToken, String signature,
            Map<String, String> operationParams) {
        this.host = host;
        this.region = region;
        this.accessKeyId = accessKeyId;
        this.credentialScope = credentialScope;
        this.date = date;
        this.expires = expires;
        this.signedHeaders = signedHeaders;
        this.sessionToken = sessionToken;
        this.signature = signature;
        this.operationParams = operationParams;
    }

    static MskIamToken parse(String value) throws TokenRefused {
        String url;
        try {
            url = new String(Base64.getUrlDecoder().decode(value), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new TokenRefused("not base64url: " + e.getMessage());
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new TokenRefused("not a URL: " + e.getMessage());
        }
        if (!"https".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new TokenRefused("not an https URL");
        }
        Matcher host = HOST.matcher(uri.getHost());
        if (!host.matches()) {
            throw new TokenRefused("host " + uri.getHost() + " is not kafka.<region>.amazonaws.com");
        }
        if (uri.getPort() != -1 || !(uri.getRawPath().isEmpty() || "/".equals(uri.getRawPath()))) {
            throw new TokenRefused("the URL has a port or a path");
        }
        Map<String, String> params = new LinkedHashMap<>();
        String query = uri.getRawQuery() == null ? "" : uri.getRawQuery();
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String v = eq < 0 ? "" : decode(pair.substring(eq + 1));
            if (params.put(name, v) != null) {
                throw new TokenRefused("query parameter " + name + " appears twice");
            }
        }
        if (!ACTION.equals(params.get("Action"))) {
            throw new TokenRefused("Action is " + params.get("Action") + ", not " + ACTION);
        }
        if (!ALGORITHM.equals(params.get("X-Amz-Algorithm"))) {
            throw new TokenRefused("X-Amz-Algorithm is " + params.get("X-Amz-Algorithm") + ", not " + ALGORITHM);
        }
        String credential = required(params, "X-Amz-Credential");
        String[] scope = credential.split("/");
        if (scope.length != 5 || !SERVICE.equals(scope[3]) || !"aws4_request".equals(scope[4])) {
            throw new TokenRefused("X-Amz-Credential " + credential + " is not KEY/DATE/REGION/kafka-cluster/aws4_request");
        }
        Instant date;
        try {
            date = LocalDateTime.parse(required(params, "X-Amz-Date"), AMZ_DATE).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw new TokenRefused("X-Amz-Date is not yyyyMMddTHHmmssZ");
        }
        if (!scope[1].equals(AMZ_DATE.format(date.atOffset(ZoneOffset.UTC)).substring(0, 8))) {
            throw new TokenRefused("X-Amz-Credential's date " + scope[1] + " is not X-Amz-Date's");
        }
        if (!scope[2].equals(host.group(1))) {
            throw new TokenRefused("X-Amz-Credential's region " + scope[2] + " is not the host's " + host.group(1));
        }
        long expires;
        try {
            expires = Long.parseLong(required(params, "X-Amz-Expires"));
        } catch (NumberFormatException e) {
            throw new TokenRefused("X-Amz-Expires is not a number of seconds");
        }
        if (expires <= 0) {
            throw new TokenRefused("X-Amz-Expires is not positive");
        }
        Map<String, String> operation = new LinkedHashMap<>();
        for (Map.Entry<String, String> p : params.entrySet()) {
            // User-Agent is added after signing, by every MSK signer.
            if (!AUTH_PARAMS.contains(p.getKey()) && !"User-Agent".equals(p.getKey())) {
                operation.put(p.getKey(), p.getValue());
            }
        }
        return new MskIamToken(uri.getHost(), host.group(1), scope[0], credential, date, Duration.ofSeconds(expires),
                required(params, "X-Amz-SignedHeaders"), params.get("X-Amz-Security-Token"),
                required(params, "X-Amz-Signature"), operation);
    }

    private static String required(Map<String, String> params, String name) throws TokenRefused {
        String v = params.get(name);
        if (v == null || v.isEmpty()) {
            throw new TokenRefused(name + " is missing");
        }
        return v;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }
}
