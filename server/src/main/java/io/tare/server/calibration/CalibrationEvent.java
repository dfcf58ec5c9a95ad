package io.tare.server.calibration;

/**
 * Something that happened to a model's scales, announced on the stream.
 *
 * @param timeMillis wall clock
 * @param kind       what happened
 * @param version    the active version afterwards
 * @param detail     why, with the guard's measurements where there were any
 */
public record CalibrationEvent(long timeMillis, Kind kind, long version, String detail) {
    /** Kinds of event. */
    public enum Kind { ACCEPTED, PROMOTED, REJECTED, ROLLED_BACK, CLIENT_UPDATE, POLICY_CHANGED }
}
