package io.tare.server.backend;

import java.util.Map;

/**
 * Optional part of the backend SPI: a {@link BackendModel} that also implements this interface adds
 * parameters to every response it serves, e.g. the activation scale table version the request ran
 * with ({@value #SCALE_VERSION}). The repository asks for them through this interface only, so that
 * no layer above the backends depends on a concrete backend; a backend without anything to add
 * simply does not implement it.
 */
public interface ResponseAnnotations {
    /** Response parameter: the activation scale table version (absent while serving without one). */
    String SCALE_VERSION = "tare_scale_version";

    /**
     * The parameters to add to the response being completed. Called once per response, on the
     * thread that completes it (the compute thread that ran the batch, as a rule), so an
     * implementation may read what that thread's last batch ran with; it must not block.
     *
     * @return parameter name to value; values are Boolean, Long, Double or String; empty for none
     */
    Map<String, Object> responseParameters();
}
