package io.tare.client;

import io.tare.client.data.Datatype;
import io.tare.client.data.TensorData;

import java.util.Objects;

/**
 * One named input tensor of an inference request. Its elements travel as raw little-endian bytes
 * ({@code raw_input_contents} over gRPC, the binary extension over HTTP), never boxed per element.
 *
 * <p>Immutable: the factories copy the caller's arrays, so a prepared input can be sent any number of
 * times, from any thread.
 */
public final class InferInput {
    private final String name;
    private final TensorData tensor;

    private InferInput(String name, TensorData tensor) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("an input needs a name");
        }
        this.name = name;
        this.tensor = Objects.requireNonNull(tensor, "tensor");
    }

    /** An input over an existing tensor (no copy: tensors are immutable). */
    public static InferInput of(String name, TensorData tensor) {
        return new InferInput(name, tensor);
    }

    /** An FP32 input; {@code values.length} must equal the shape's element count. */
    public static InferInput ofFloats(String name, long[] shape, float... values) {
        return new InferInput(name, TensorData.ofFloats(shape, values));
    }

    /** An INT64 input; {@code values.length} must equal the shape's element count. */
    public static InferInput ofLongs(String name, long[] shape, long... values) {
        return new InferInput(name, TensorData.ofLongs(shape, values));
    }

    /** An INT32 input; {@code values.length} must equal the shape's element count. */
    public static InferInput ofInts(String name, long[] shape, int... values) {
        return new InferInput(name, TensorData.ofInts(shape, values));
    }

    /**
     * An input of any datatype from its raw little-endian bytes (copied).
     *
     * @throws IllegalArgumentException when the byte count does not fit shape and datatype
     */
    public static InferInput ofBytes(String name, Datatype datatype, long[] shape, byte[] littleEndian) {
        return new InferInput(name, TensorData.of(datatype, shape, littleEndian));
    }

    public String name() {
        return name;
    }

    public Datatype datatype() {
        return tensor.datatype();
    }

    /** A copy of the shape. */
    public long[] shape() {
        return tensor.shape();
    }

    public TensorData tensor() {
        return tensor;
    }

    @Override
    public String toString() {
        return name + ":" + tensor;
    }
}
