package io.tare.client;

/**
 * Receives what comes back on an {@link InferStream}. Calls arrive on a gRPC thread, one at a time and
 * in the server's order; they should return quickly (hand heavy work to another thread).
 */
public interface InferStreamListener {
    /** A successful response. */
    void onResult(InferResult result);

    /**
     * The server failed one request but keeps the stream open (the protocol's {@code error_message}).
     *
     * @param requestId the failed request's id when the server echoed it, else empty
     */
    void onRequestError(String requestId, String message);

    /**
     * The stream has ended; called exactly once, last.
     *
     * @param failure null when the server completed the stream normally, else why it ended
     */
    void onClose(TareClientException failure);
}
