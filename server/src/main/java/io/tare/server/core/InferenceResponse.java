package io.tare.server.core;

import java.util.List;
import java.util.Map;

/**
 * The result of one request, free of any protocol type.
 *
 * @param parameters response parameters (values are Boolean, Long, Double or String)
 */
public record InferenceResponse(
        String modelName,
        String modelVersion,
        String id,
        List<TensorData> outputs,
        Map<String, Object> parameters) {

    public InferenceResponse {
        outputs = List.copyOf(outputs);
        parameters = Map.copyOf(parameters);
    }
}
