package io.tare.server.frontend;

import io.tare.server.core.ErrorCode;
import io.tare.server.core.TareException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * Guards write paths (model load/unload, scale updates): when a token is configured, callers must
 * send {@code Authorization: Bearer <token>}. Compared in constant time.
 */
public final class AdminAuth {
    private final Optional<byte[]> token;

    public AdminAuth(Optional<String> token) {
        this.token = token.map(t -> t.getBytes(StandardCharsets.UTF_8));
    }

    public static AdminAuth open() {
        return new AdminAuth(Optional.empty());
    }

    public boolean enabled() {
        return token.isPresent();
    }

    /** @throws TareException UNAUTHENTICATED unless the header carries the configured token */
    public void check(String authorizationHeader) {
        if (token.isEmpty()) {
            return;
        }
        String prefix = "Bearer ";
        if (authorizationHeader == null || !authorizationHeader.regionMatches(true, 0, prefix, 0, prefix.length())) {
            throw new TareException(ErrorCode.UNAUTHENTICATED, "this call needs an 'Authorization: Bearer <token>' header");
        }
        byte[] given = authorizationHeader.substring(prefix.length()).trim().getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(given, token.get())) {
            throw new TareException(ErrorCode.UNAUTHENTICATED, "the bearer token is not valid");
        }
    }
}
