package io.tare.server.calibration;

import io.tare.server.core.TareException;
import java.util.Locale;

/** Who may change a model's activation scales. */
public enum CalibrationPolicy {
    /** Only clients change scales (UpdateScales, Rollback); the server only measures. */
    MANUAL,
    /** The server refreshes scales itself when clip rate or drift passes its thresholds, guarded. */
    AUTO,
    /**
     * Cold start: a float model without scales is served (FP32 or dynamic INT8) while statistics
     * accumulate, then promoted to static INT8 once enough samples are seen; afterwards as {@link #AUTO}.
     */
    ONLINE;

    /** The lower-case name used in config.pbtxt, on the command line and on the wire. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws TareException INVALID_ARG for anything but manual, auto or online */
    public static CalibrationPolicy parse(String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "manual" -> MANUAL;
            case "auto" -> AUTO;
            case "online" -> ONLINE;
            default -> throw TareException.invalid("calibration policy must be manual, auto or online, got '" + value + "'");
        };
    }
}
