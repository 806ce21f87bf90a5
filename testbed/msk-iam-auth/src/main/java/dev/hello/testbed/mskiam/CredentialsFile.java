package dev.hello.testbed.mskiam;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Long-term keys from a file the test bed writes, one per line:
 * {@code ACCESS_KEY_ID SECRET_ACCESS_KEY PRINCIPAL [SESSION_TOKEN]}; {@code #}
 * starts a comment. Read again when it changes, so keys can be added while
 * the broker runs.
 */
public final class CredentialsFile implements CredentialStore {
    private final Path path;
    private FileTime loadedAt;
    private Map<String, KnownCredential> byKey = Map.of();

    public CredentialsFile(Path path) {
        this.path = path;
    }

    @Override
    public synchronized Optional<KnownCredential> lookup(String accessKeyId) throws TokenRefused {
        try {
            FileTime modified = Files.getLastModifiedTime(path);
            if (!modified.equals(loadedAt)) {
                byKey = parse(Files.readString(path, StandardCharsets.UTF_8));
                loadedAt = modified;
            }
        } catch (IOException e) {
            throw new TokenRefused("cannot read the credentials file " + path + ": " + e.getMessage());
        }
        return Optional.ofNullable(byKey.get(accessKeyId));
    }

    static Map<String, KnownCredential> parse(String text) {
        Map<String, KnownCredential> keys = new HashMap<>();
        int n = 0;
        for (String line : text.split("\n")) {
            n++;
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            String[] f = l.split("\\s+");
            if (f.length < 3 || f.length > 4) {
                throw new IllegalArgumentException(
                        "line " + n + ": want ACCESS_KEY_ID SECRET_ACCESS_KEY PRINCIPAL [SESSION_TOKEN]");
            }
            keys.put(f[0], new KnownCredential(f[0], f[1], f.length == 4 ? f[3] : null, f[2]));
        }
        return keys;
    }
}
