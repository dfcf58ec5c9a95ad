package io.tare.server.core;

import io.tare.client.data.Datatype;

import java.util.Arrays;

/**
 * Declared name, type and shape of one model input or output. For a model that batches
 * ({@code maxBatchSize > 0}) the dims exclude the leading batch dimension. {@code -1} marks a
 * dimension of any size.
 */
public record TensorSpec(String name, Datatype datatype, long[] dims) {
    public TensorSpec {
        dims = dims.clone();
    }

    @Override
    public long[] dims() {
        return dims.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorSpec t && t.name.equals(name) && t.datatype == datatype && Arrays.equals(t.dims, dims);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return name + ":" + datatype + Arrays.toString(dims);
    }
}
