package io.tare.server.frontend.http;

/**
 * Where the HTTP/REST frontend listens and how large a request body it accepts.
 *
 * @param host         interface to bind, e.g. {@code 0.0.0.0}
 * @param port         port to bind; 0 picks any free port ({@link HttpFrontend#start()} returns it)
 * @param maxBodyBytes largest request body; a larger one is refused with 413 before it is buffered
 */
public record HttpOptions(String host, int port, long maxBodyBytes) {
    public static final String DEFAULT_HOST = "0.0.0.0";
    /** Triton's HTTP port, so clients configured for Triton find Tare unchanged. */
    public static final int DEFAULT_PORT = 8000;
    /** Room for a batch of images or a long token sequence as JSON, small enough to buffer whole. */
    public static final long DEFAULT_MAX_BODY_BYTES = 64L * 1024 * 1024;

    public HttpOptions {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("HTTP port must be 0..65535, got " + port);
        }
        // Bodies are buffered whole into one array, so they cannot exceed what an array holds.
        if (maxBodyBytes <= 0 || maxBodyBytes > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("HTTP max body size must be 1.." + (Integer.MAX_VALUE - 16)
                    + " bytes, got " + maxBodyBytes);
        }
    }

    public static HttpOptions defaults() {
        return new HttpOptions(DEFAULT_HOST, DEFAULT_PORT, DEFAULT_MAX_BODY_BYTES);
    }

    public HttpOptions withPort(int newPort) {
        return new HttpOptions(host, newPort, maxBodyBytes);
    }

    public HttpOptions withMaxBodyBytes(long newMaxBodyBytes) {
        return new HttpOptions(host, port, newMaxBodyBytes);
    }
}
