package dev.hello.testbed.mskiam;

/** Why a token is not accepted: the reason goes to the broker's log, never to the client. */
public final class TokenRefused extends Exception {
    private static final long serialVersionUID = 1L;

    public TokenRefused(String reason) {
        super(reason);
    }
}
