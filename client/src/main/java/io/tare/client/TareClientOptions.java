package io.tare.client;

import java.time.Duration;

/**
 * Connection settings shared by {@link TareClient} and {@link io.tare.client.http.TareHttpClient}.
 *
 * @param deadline               default per-call deadline (a request's {@link InferOptions#timeout()} overrides it)
 * @param maxInboundMessageBytes largest response accepted; gRPC's own default (4 MiB) is too small for a
 *                               batch of images or a transformer's hidden states
 * @param tls                    TLS with the JVM's default trust store instead of plaintext
 * @param transportCallbacks     complete async futures and stream listeners on the transport's own threads
 *                               instead of handing them to an executor: one thread hop less per response
 *                               (a load generator wants it), but callbacks must then never block
 * @param bearerToken            sent as {@code Authorization: Bearer <token>} on every call (the server
 *                               asks for it on model load/unload when started with an admin token), or null
 */
public record TareClientOptions(Duration deadline, int maxInboundMessageBytes, boolean tls,
                                boolean transportCallbacks, String bearerToken) {
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(30);
    public static final int DEFAULT_MAX_INBOUND_MESSAGE_BYTES = 64 << 20;
    public static final TareClientOptions DEFAULT =
            new TareClientOptions(DEFAULT_DEADLINE, DEFAULT_MAX_INBOUND_MESSAGE_BYTES, false, false, null);

    public TareClientOptions {
        if (deadline == null || deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("deadline must be positive, got " + deadline);
        }
        if (maxInboundMessageBytes <= 0) {
            throw new IllegalArgumentException("maxInboundMessageBytes must be positive");
        }
        if (bearerToken != null && bearerToken.chars().anyMatch(c -> c < 0x20 || c > 0x7e)) {
            throw new IllegalArgumentException("the bearer token must be printable ASCII");
        }
    }

    public TareClientOptions withDeadline(Duration newDeadline) {
        return new TareClientOptions(newDeadline, maxInboundMessageBytes, tls, transportCallbacks, bearerToken);
    }

    public TareClientOptions withMaxInboundMessageBytes(int bytes) {
        return new TareClientOptions(deadline, bytes, tls, transportCallbacks, bearerToken);
    }

    public TareClientOptions withTls(boolean useTls) {
        return new TareClientOptions(deadline, maxInboundMessageBytes, useTls, transportCallbacks, bearerToken);
    }

    /** @param token the admin token, or null for none */
    public TareClientOptions withBearerToken(String token) {
        return new TareClientOptions(deadline, maxInboundMessageBytes, tls, transportCallbacks, token);
    }

    /** The {@code Authorization} header value, or null when no token is set. */
    public String authorizationHeader() {
        return bearerToken == null || bearerToken.isEmpty() ? null : "Bearer " + bearerToken;
    }

    public TareClientOptions withTransportCallbacks(boolean onTransportThreads) {
        return new TareClientOptions(deadline, maxInboundMessageBytes, tls, onTransportThreads, bearerToken);
    }
}
