package io.tare.server.backend;

import io.tare.server.core.TensorData;
import java.util.List;

/**
 * An execution context of a model. Not thread-safe: the scheduler calls {@link #execute} from one
 * thread at a time.
 */
public interface ModelInstance extends AutoCloseable {
    /**
     * Runs the model on validated inputs (for a batching model, already concatenated along the
     * first dimension) and returns the named outputs in that order.
     *
     * <p>The inputs' buffers belong to the caller and are valid only during the call (the
     * scheduler reuses them for the next batch): an instance that keeps data must copy it. The
     * outputs belong to the caller.
     *
     * @throws io.tare.server.core.TareException INTERNAL (or a more precise code) on failure
     */
    List<TensorData> execute(List<TensorData> inputs, List<String> outputNames);

    @Override
    void close();
}
