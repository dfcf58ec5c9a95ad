package io.tare.server.core;

/**
 * The single error type of the server. Its message is written for the client: it says what was
 * wrong with the request (or the model) and, where it helps, what would be accepted.
 */
public class TareException extends RuntimeException {
    private final ErrorCode code;

    public TareException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public TareException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }

    public static TareException invalid(String message) {
        return new TareException(ErrorCode.INVALID_ARG, message);
    }

    public static TareException notFound(String message) {
        return new TareException(ErrorCode.NOT_FOUND, message);
    }
}
