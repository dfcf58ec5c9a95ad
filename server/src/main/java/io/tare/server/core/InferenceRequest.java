package io.tare.server.core;

import java.util.List;
import java.util.Map;

/**
 * A decoded inference request, free of any protocol type.
 *
 * @param modelName        the model to run
 * @param modelVersion     requested version, or empty for the serving policy's choice
 * @param id               client's request id, echoed back
 * @param inputs           input tensors (validated against the model before enqueueing)
 * @param requestedOutputs output names the client asked for; empty means all outputs
 * @param parameters       request parameters (values are Boolean, Long, Double or String)
 * @param deadlineNanos    {@link System#nanoTime()} after which the request must not run; 0 = none
 */
public record InferenceRequest(
        String modelName,
        String modelVersion,
        String id,
        List<TensorData> inputs,
        List<String> requestedOutputs,
        Map<String, Object> parameters,
        long deadlineNanos) {

    public InferenceRequest {
        inputs = List.copyOf(inputs);
        requestedOutputs = List.copyOf(requestedOutputs);
        parameters = Map.copyOf(parameters);
    }

    public boolean hasDeadline() {
        return deadlineNanos != 0;
    }

    public boolean expired(long nowNanos) {
        return deadlineNanos != 0 && nowNanos - deadlineNanos > 0;
    }
}
