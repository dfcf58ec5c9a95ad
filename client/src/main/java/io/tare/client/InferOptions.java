package io.tare.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-request choices: model version, request id, which outputs to return, a timeout overriding the
 * client's default deadline, request parameters, and (HTTP only) whether tensors travel in the binary
 * extension or as JSON arrays.
 *
 * <p>Immutable; build with {@link #builder()}. {@link #DEFAULT} asks for every output, binary, with the
 * client's deadline.
 */
public final class InferOptions {
    /** No version, no id, all outputs, client deadline, binary tensors. */
    public static final InferOptions DEFAULT = builder().build();

    private final String modelVersion;
    private final String requestId;
    private final List<String> requestedOutputs;
    private final Duration timeout;
    private final Map<String, Object> parameters;
    private final boolean binaryData;

    private InferOptions(Builder builder) {
        this.modelVersion = builder.modelVersion;
        this.requestId = builder.requestId;
        this.requestedOutputs = List.copyOf(builder.requestedOutputs);
        this.timeout = builder.timeout;
        this.parameters = Map.copyOf(builder.parameters);
        this.binaryData = builder.binaryData;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Empty for "the server's choice". */
    public String modelVersion() {
        return modelVersion;
    }

    /** Empty when no id is sent. */
    public String requestId() {
        return requestId;
    }

    /** Empty for "every output". */
    public List<String> requestedOutputs() {
        return requestedOutputs;
    }

    /** Null for the client's default deadline. */
    public Duration timeout() {
        return timeout;
    }

    /** Boolean, Long, Double or String values. */
    public Map<String, Object> parameters() {
        return parameters;
    }

    /** HTTP only: true for the binary tensor extension, false for JSON arrays; gRPC is always binary. */
    public boolean binaryData() {
        return binaryData;
    }

    /** Mutable builder; not thread-safe. */
    public static final class Builder {
        private String modelVersion = "";
        private String requestId = "";
        private final List<String> requestedOutputs = new ArrayList<>();
        private Duration timeout;
        private final Map<String, Object> parameters = new LinkedHashMap<>();
        private boolean binaryData = true;

        private Builder() {
        }

        public Builder modelVersion(String version) {
            this.modelVersion = version == null ? "" : version;
            return this;
        }

        public Builder requestId(String id) {
            this.requestId = id == null ? "" : id;
            return this;
        }

        /** Adds an output to return; call once per output. */
        public Builder requestOutput(String name) {
            requestedOutputs.add(name);
            return this;
        }

        /** @param timeout positive, or null for the client default */
        public Builder timeout(Duration timeout) {
            if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
                throw new IllegalArgumentException("timeout must be positive, got " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /**
         * Adds a request parameter.
         *
         * @param value Boolean, Integer, Long, Double or String
         */
        public Builder parameter(String name, Object value) {
            Object normalized = switch (value) {
                case Boolean b -> b;
                case Integer i -> (long) i;
                case Long l -> l;
                case Double d -> d;
                case String s -> s;
                default -> throw new IllegalArgumentException("parameter '" + name
                        + "' must be Boolean, Integer, Long, Double or String, not " + value);
            };
            parameters.put(name, normalized);
            return this;
        }

        public Builder binaryData(boolean binary) {
            this.binaryData = binary;
            return this;
        }

        public InferOptions build() {
            return new InferOptions(this);
        }
    }
}
