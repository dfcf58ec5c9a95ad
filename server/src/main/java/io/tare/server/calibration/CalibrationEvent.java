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
    /**
     * Kinds of event. {@code PROMOTION_PENDING}: a cold-start table was proposed and waits for
     * confirmation on later traffic ({@link ColdStartEvidence}).
     */
    public enum Kind { ACCEPTED, PROMOTED, PROMOTION_PENDING, REJECTED, ROLLED_BACK, CLIENT_UPDATE, POLICY_CHANGED }
}
