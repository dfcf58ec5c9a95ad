package io.tare.server.calibration;

import java.util.Map;

/**
 * Parameters a backend model adds to every response, e.g. the scale table version the request ran
 * with ({@value #SCALE_VERSION}).
 */
public interface ResponseAnnotations {
    /** Response parameter: the activation scale table version (absent while serving without one). */
    String SCALE_VERSION = "tare_scale_version";

    /**
     * Called on the thread that completes the response. Values are Boolean, Long, Double or String.
     */
    Map<String, Object> responseParameters();
}
