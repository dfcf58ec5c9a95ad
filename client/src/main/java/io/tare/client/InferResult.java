package io.tare.client;

import io.tare.client.data.Datatype;
import io.tare.client.data.TensorData;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The outputs of one inference, in the order the server sent them, each decoded once into a
 * {@link TensorData}; the same type whether it came over gRPC or HTTP.
 */
public final class InferResult {
    private final String modelName;
    private final String modelVersion;
    private final String id;
    private final Map<String, TensorData> outputs;
    private final Map<String, Object> parameters;

    /**
     * @param outputs    by name, in the server's order (copied)
     * @param parameters response parameters: Boolean, Long, Double or String values (copied)
     */
    public InferResult(String modelName, String modelVersion, String id, Map<String, TensorData> outputs,
                       Map<String, Object> parameters) {
        this.modelName = modelName;
        this.modelVersion = modelVersion;
        this.id = id;
        this.outputs = Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
        this.parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    public String modelName() {
        return modelName;
    }

    /** The version that answered; empty when the server did not say. */
    public String modelVersion() {
        return modelVersion;
    }

    /** The request id echoed by the server; empty when none was sent. */
    public String id() {
        return id;
    }

    /** Output names in the server's order. */
    public List<String> outputNames() {
        return List.copyOf(outputs.keySet());
    }

    /** Response parameters (Boolean, Long, Double or String values). */
    public Map<String, Object> parameters() {
        return parameters;
    }

    /**
     * The output called {@code name}.
     *
     * @throws IllegalArgumentException naming the outputs present when there is none by that name
     */
    public TensorData output(String name) {
        TensorData tensor = outputs.get(name);
        if (tensor == null) {
            throw new IllegalArgumentException("no output '" + name + "' in the response; outputs: " + outputs.keySet());
        }
        return tensor;
    }

    /** A copy of the output's shape. */
    public long[] shape(String name) {
        return output(name).shape();
    }

    public Datatype datatype(String name) {
        return output(name).datatype();
    }

    /** The output's elements; it must be FP32. */
    public float[] asFloats(String name) {
        return output(name).asFloats();
    }

    /** The output's elements; it must be INT64. */
    public long[] asLongs(String name) {
        return output(name).asLongs();
    }

    /** The output's elements; it must be INT32. */
    public int[] asInts(String name) {
        return output(name).asInts();
    }

    @Override
    public String toString() {
        return "InferResult{model=" + modelName + ", outputs=" + outputs + "}";
    }
}
