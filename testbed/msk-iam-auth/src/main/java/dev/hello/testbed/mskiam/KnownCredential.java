package dev.hello.testbed.mskiam;

/**
 * Credentials the broker knows, as IAM knows them for MSK: the secret to
 * recompute a signature with, the session token temporary credentials carry
 * (null for long-term keys), and the identity the broker names the client by.
 */
public record KnownCredential(String accessKeyId, String secretAccessKey, String sessionToken, String principal) {}
