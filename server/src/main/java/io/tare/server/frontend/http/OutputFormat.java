package io.tare.server.frontend.http;

import java.util.Map;

/**
 * How each output of one response is encoded: as a JSON {@code data} array, or as raw bytes after
 * the JSON header (Triton's binary tensor extension).
 *
 * @param binaryByDefault the request's {@code parameters.binary_data_output}
 * @param perOutput       each named output's own {@code parameters.binary_data}, which wins
 */
record OutputFormat(boolean binaryByDefault, Map<String, Boolean> perOutput) {
    OutputFormat {
        perOutput = Map.copyOf(perOutput);
    }

    boolean binary(String outputName) {
        return perOutput.getOrDefault(outputName, binaryByDefault);
    }
}
