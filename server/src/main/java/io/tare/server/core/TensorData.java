package io.tare.server.core;

import io.tare.client.data.Datatype;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A named tensor as it travels through the server: datatype, shape and the raw little-endian,
 * row-major bytes (for BYTES, 4-byte length-prefixed elements). Frontend codecs produce it once;
 * backends read it without further conversion.
 *
 * <p>The buffer's position is 0 and its limit the data size; holders never move either (use
 * {@link #data()} which returns a duplicate view). Tensors are immutable once built.
 */
public final class TensorData {
    private final String name;
    private final Datatype datatype;
    private final long[] shape;
    private final ByteBuffer data;

    public TensorData(String name, Datatype datatype, long[] shape, ByteBuffer data) {
        this.name = name;
        this.datatype = datatype;
        this.shape = shape.clone();
        this.data = data.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    public String name() {
        return name;
    }

    public Datatype datatype() {
        return datatype;
    }

    public long[] shape() {
        return shape.clone();
    }

    /** Dimension {@code i} without copying the shape. */
    public long dim(int i) {
        return shape[i];
    }

    public int rank() {
        return shape.length;
    }

    /** A fresh little-endian view of the bytes (position 0). */
    public ByteBuffer data() {
        return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    public int byteSize() {
        return data.remaining();
    }

    public TensorData withName(String newName) {
        return new TensorData(newName, datatype, shape, data);
    }

    @Override
    public String toString() {
        return name + ":" + datatype + Arrays.toString(shape);
    }
}
