package io.tare.server.backend;

/**
 * A kind of model runtime (Triton's "backend"), found through {@link java.util.ServiceLoader}.
 * Implementations are stateless factories; everything a model owns lives in its {@link BackendModel}.
 */
public interface Backend {
    /** The name used in config.pbtxt's {@code backend} field, e.g. {@code onnxruntime}. */
    String name();

    /** Whether this backend can run the given model file, for models whose config names no backend. */
    boolean accepts(ModelSource source);

    /**
     * Loads a model: validates its config, reads and owns its weights.
     *
     * @throws io.tare.server.core.TareException INVALID_ARG or UNSUPPORTED with a message naming the file
     */
    BackendModel load(ModelSource source);
}
