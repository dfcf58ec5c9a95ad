package io.tare.server.engine.graph;

import io.tare.server.engine.DataType;
import java.util.List;

/**
 * Name, element type and shape of a graph input or output.
 *
 * @param type element type, or {@code null} when the value is not a tensor (a sequence, map...),
 *     which the validator refuses
 * @param dims one entry per axis: a fixed size, or -1 for a symbolic/unknown size
 * @param dimNames symbolic name per axis ({@code batch}), or {@code null} where the size is fixed
 */
public record ValueInfo(String name, DataType type, long[] dims, List<String> dimNames) {
    public ValueInfo {
        dims = dims.clone();
    }

    public int rank() {
        return dims.length;
    }
}
