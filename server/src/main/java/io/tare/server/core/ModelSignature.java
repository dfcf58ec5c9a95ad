package io.tare.server.core;

import java.util.List;
import java.util.Optional;

/**
 * What a loaded model accepts and produces.
 *
 * @param maxBatchSize 0 when the model does not batch (shapes are taken whole); otherwise the
 *                     largest batch (first dimension) the scheduler may form
 */
public record ModelSignature(List<TensorSpec> inputs, List<TensorSpec> outputs, int maxBatchSize) {
    public ModelSignature {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    public boolean batches() {
        return maxBatchSize > 0;
    }

    public Optional<TensorSpec> input(String name) {
        return inputs.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    /** The inputs' names, in order. */
    public List<String> inputNames() {
        return inputs.stream().map(TensorSpec::name).toList();
    }

    /** The outputs' names, in order. */
    public List<String> outputNames() {
        return outputs.stream().map(TensorSpec::name).toList();
    }

    public Optional<TensorSpec> output(String name) {
        return outputs.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    /** Full shape of a tensor as the client sees it: with a leading -1 when the model batches. */
    public long[] clientShape(TensorSpec spec) {
        if (!batches()) {
            return spec.dims();
        }
        long[] dims = spec.dims();
        long[] full = new long[dims.length + 1];
        full[0] = -1;
        System.arraycopy(dims, 0, full, 1, dims.length);
        return full;
    }
}
