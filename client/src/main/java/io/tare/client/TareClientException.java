package io.tare.client;

import io.grpc.Status;

/**
 * A failed call: the server refused or failed the request, the deadline passed, or the server could not
 * be reached. {@link #code()} uses gRPC's status codes for both protocols (HTTP statuses are mapped the
 * way KServe maps them), and {@link #getMessage()} carries the server's own message.
 */
public final class TareClientException extends RuntimeException {
    private final Status.Code code;
    private final int httpStatus;

    public TareClientException(Status.Code code, String message, int httpStatus, Throwable cause) {
        super(message, cause);
        this.code = code;
        this.httpStatus = httpStatus;
    }

    /** Wraps a gRPC failure, keeping its code and description. */
    public static TareClientException fromGrpc(Throwable failure) {
        Status status = Status.fromThrowable(failure);
        String description = status.getDescription();
        if (description == null && status.getCause() != null) {
            description = status.getCause().toString();
        }
        return new TareClientException(status.getCode(),
                status.getCode() + (description == null ? "" : ": " + description), 0, failure);
    }

    /** A failure from an HTTP status and the server's error text. */
    public static TareClientException fromHttp(int httpStatus, String message) {
        Status.Code code = switch (httpStatus) {
            case 400 -> Status.Code.INVALID_ARGUMENT;
            case 401 -> Status.Code.UNAUTHENTICATED;
            case 403 -> Status.Code.PERMISSION_DENIED;
            case 404 -> Status.Code.NOT_FOUND;
            case 408, 504 -> Status.Code.DEADLINE_EXCEEDED;
            case 409 -> Status.Code.ALREADY_EXISTS;
            case 429 -> Status.Code.RESOURCE_EXHAUSTED;
            case 499 -> Status.Code.CANCELLED;
            case 501 -> Status.Code.UNIMPLEMENTED;
            case 502, 503 -> Status.Code.UNAVAILABLE;
            default -> Status.Code.INTERNAL;
        };
        return new TareClientException(code, "HTTP " + httpStatus + ": " + message, httpStatus, null);
    }

    public Status.Code code() {
        return code;
    }

    /** The HTTP status for REST calls; 0 for gRPC. */
    public int httpStatus() {
        return httpStatus;
    }
}
