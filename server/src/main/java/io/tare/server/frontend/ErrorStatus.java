package io.tare.server.frontend;

import io.grpc.Status;
import io.tare.server.core.ErrorCode;
import io.tare.server.core.TareException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** The one mapping from Tare's error codes to gRPC statuses and HTTP status codes. */
public final class ErrorStatus {
    private ErrorStatus() {
    }

    public static Status.Code grpcCode(ErrorCode code) {
        return switch (code) {
            case INVALID_ARG -> Status.Code.INVALID_ARGUMENT;
            case NOT_FOUND -> Status.Code.NOT_FOUND;
            case UNAVAILABLE -> Status.Code.UNAVAILABLE;
            case UNSUPPORTED -> Status.Code.UNIMPLEMENTED;
            case INTERNAL -> Status.Code.INTERNAL;
            case ALREADY_EXISTS -> Status.Code.ALREADY_EXISTS;
            case CANCELLED -> Status.Code.CANCELLED;
            case RESOURCE_EXHAUSTED -> Status.Code.RESOURCE_EXHAUSTED;
            case DEADLINE_EXCEEDED -> Status.Code.DEADLINE_EXCEEDED;
            case UNAUTHENTICATED -> Status.Code.UNAUTHENTICATED;
        };
    }

    public static int httpStatus(ErrorCode code) {
        return switch (code) {
            case INVALID_ARG -> 400;
            case NOT_FOUND -> 404;
            case UNAVAILABLE, RESOURCE_EXHAUSTED -> 503;
            case UNSUPPORTED -> 501;
            case INTERNAL -> 500;
            case ALREADY_EXISTS -> 409;
            case CANCELLED -> 499;
            case DEADLINE_EXCEEDED -> 504;
            case UNAUTHENTICATED -> 401;
        };
    }

    /** Unwraps future wrappers and turns anything unexpected into INTERNAL. */
    public static TareException toTare(Throwable t) {
        Throwable cause = t;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof TareException te) {
            return te;
        }
        return new TareException(ErrorCode.INTERNAL, "internal error: " + cause, cause);
    }

    public static Status grpcStatus(Throwable t) {
        TareException e = toTare(t);
        return Status.fromCode(grpcCode(e.code())).withDescription(e.getMessage());
    }
}
