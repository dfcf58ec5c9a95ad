package io.tare.server.core;

/**
 * The one set of error codes Tare uses everywhere, named as Triton names them. Each frontend maps
 * them to its own status in exactly one place ({@code io.tare.server.frontend.ErrorStatus}).
 */
public enum ErrorCode {
    INVALID_ARG,
    NOT_FOUND,
    UNAVAILABLE,
    UNSUPPORTED,
    INTERNAL,
    ALREADY_EXISTS,
    CANCELLED,
    RESOURCE_EXHAUSTED,
    DEADLINE_EXCEEDED,
    UNAUTHENTICATED
}
