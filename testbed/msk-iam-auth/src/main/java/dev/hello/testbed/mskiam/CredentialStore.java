package dev.hello.testbed.mskiam;

import java.util.Optional;

/** Where the broker looks up the credentials behind an access key id. */
public interface CredentialStore {
    Optional<KnownCredential> lookup(String accessKeyId) throws TokenRefused;
}
