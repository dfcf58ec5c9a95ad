package io.tare.client.data;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * An immutable tensor: datatype, shape and its elements as little-endian, row-major bytes — the layout
 * of KServe v2's raw contents, of {@code .npy} bodies and of the raw fixture files, so no conversion
 * happens between a file and the wire.
 *
 * <p>The first dimension is treated as rows: {@link #sliceRows} is how a data set (say the 10,000
 * Fashion-MNIST test images) is cut into request batches. Instances never expose their backing array;
 * {@link #data()} returns a read-only view.
 */
public final class TensorData {
    private final Datatype datatype;
    private final long[] shape;
    private final byte[] bytes;

    /** Takes ownership of {@code bytes}: only this package may call it, with arrays nobody else holds. */
    TensorData(Datatype datatype, long[] shape, byte[] bytes) {
        this.datatype = Objects.requireNonNull(datatype, "datatype");
        this.shape = shape.clone();
        this.bytes = bytes;
        if (datatype.isFixedSize()) {
            long expected = Math.multiplyExact(Shapes.elementCount(shape), datatype.byteSize());
            if (expected != bytes.length) {
                throw new IllegalArgumentException(datatype + " " + Shapes.format(shape) + " needs " + expected
                        + " bytes, got " + bytes.length);
            }
        }
    }

    /**
     * A tensor over a copy of {@code littleEndian}.
     *
     * @throws IllegalArgumentException when the byte count does not match shape and datatype
     */
    public static TensorData of(Datatype datatype, long[] shape, byte[] littleEndian) {
        return new TensorData(datatype, shape, littleEndian.clone());
    }

    /** A tensor over a copy of the bytes remaining in {@code littleEndian} (its position is not moved). */
    public static TensorData of(Datatype datatype, long[] shape, ByteBuffer littleEndian) {
        byte[] copy = new byte[littleEndian.remaining()];
        littleEndian.duplicate().get(copy);
        return new TensorData(datatype, shape, copy);
    }

    /** An FP32 tensor of {@code values}, which must fill {@code shape} exactly. */
    public static TensorData ofFloats(long[] shape, float... values) {
        ByteBuffer buffer = allocate(values.length, Float.BYTES);
        buffer.asFloatBuffer().put(values);
        return new TensorData(Datatype.FP32, shape, buffer.array());
    }

    /** An INT64 tensor of {@code values}, which must fill {@code shape} exactly. */
    public static TensorData ofLongs(long[] shape, long... values) {
        ByteBuffer buffer = allocate(values.length, Long.BYTES);
        buffer.asLongBuffer().put(values);
        return new TensorData(Datatype.INT64, shape, buffer.array());
    }

    /** An INT32 tensor of {@code values}, which must fill {@code shape} exactly. */
    public static TensorData ofInts(long[] shape, int... values) {
        ByteBuffer buffer = allocate(values.length, Integer.BYTES);
        buffer.asIntBuffer().put(values);
        return new TensorData(Datatype.INT32, shape, buffer.array());
    }

    /** An FP64 tensor of {@code values}, which must fill {@code shape} exactly. */
    public static TensorData ofDoubles(long[] shape, double... values) {
        ByteBuffer buffer = allocate(values.length, Double.BYTES);
        buffer.asDoubleBuffer().put(values);
        return new TensorData(Datatype.FP64, shape, buffer.array());
    }

    private static ByteBuffer allocate(int count, int size) {
        return ByteBuffer.allocate(Math.multiplyExact(count, size)).order(ByteOrder.LITTLE_ENDIAN);
    }

    public Datatype datatype() {
        return datatype;
    }

    /** A copy of the shape. */
    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public long elementCount() {
        return Shapes.elementCount(shape);
    }

    public int byteSize() {
        return bytes.length;
    }

    /** A read-only little-endian view of all elements, positioned at 0. */
    public ByteBuffer data() {
        return ByteBuffer.wrap(bytes).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A copy of the raw little-endian bytes. */
    public byte[] toByteArray() {
        return bytes.clone();
    }

    /** Size of the first dimension (1 for a scalar). */
    public long rows() {
        return shape.length == 0 ? 1 : shape[0];
    }

    /**
     * Rows {@code [start, start + count)} as a new tensor whose first dimension is {@code count}.
     *
     * @throws IllegalArgumentException for a scalar, a variable-size datatype or rows out of range
     */
    public TensorData sliceRows(long start, long count) {
        if (shape.length == 0 || !datatype.isFixedSize()) {
            throw new IllegalArgumentException("cannot take rows of a " + datatype + " tensor of shape "
                    + Shapes.format(shape));
        }
        if (start < 0 || count < 0 || start + count > shape[0]) {
            throw new IllegalArgumentException("rows [" + start + "," + (start + count) + ") are outside "
                    + shape[0] + " rows");
        }
        long rowBytes = bytes.length / Math.max(1, shape[0]);
        long[] sliced = shape.clone();
        sliced[0] = count;
        byte[] part = Arrays.copyOfRange(bytes, Math.toIntExact(start * rowBytes),
                Math.toIntExact((start + count) * rowBytes));
        return new TensorData(datatype, sliced, part);
    }

    /**
     * The same elements under another shape (one {@code -1} allowed).
     *
     * @throws IllegalArgumentException when the element counts differ
     */
    public TensorData reshape(long[] newShape) {
        return new TensorData(datatype, Shapes.resolve(newShape, elementCount()), bytes);
    }

    /** The elements as floats; the datatype must be FP32. */
    public float[] asFloats() {
        require(Datatype.FP32);
        float[] values = new float[bytes.length / Float.BYTES];
        data().asFloatBuffer().get(values);
        return values;
    }

    /** The elements as longs; the datatype must be INT64. */
    public long[] asLongs() {
        require(Datatype.INT64);
        long[] values = new long[bytes.length / Long.BYTES];
        data().asLongBuffer().get(values);
        return values;
    }

    /** The elements as ints; the datatype must be INT32. */
    public int[] asInts() {
        require(Datatype.INT32);
        int[] values = new int[bytes.length / Integer.BYTES];
        data().asIntBuffer().get(values);
        return values;
    }

    /**
     * Element {@code index} widened to a double, for any numeric datatype (printing, argmax, JSON).
     * FP16 and BF16 are widened exactly; UINT64 above 2^63 keeps its unsigned value, rounded.
     *
     * @throws IllegalArgumentException for BYTES
     */
    public double doubleAt(long index) {
        ByteBuffer view = data();
        int at = Math.toIntExact(index * datatype.byteSize());
        return switch (datatype) {
            case BOOL, UINT8 -> view.get(at) & 0xFF;
            case INT8 -> view.get(at);
            case UINT16 -> view.getShort(at) & 0xFFFF;
            case INT16 -> view.getShort(at);
            case UINT32 -> view.getInt(at) & 0xFFFF_FFFFL;
            case INT32 -> view.getInt(at);
            case UINT64 -> unsignedToDouble(view.getLong(at));
            case INT64 -> view.getLong(at);
            case FP16 -> Float.float16ToFloat(view.getShort(at));
            case BF16 -> Float.intBitsToFloat((view.getShort(at) & 0xFFFF) << 16);
            case FP32 -> view.getFloat(at);
            case FP64 -> view.getDouble(at);
            case BYTES -> throw new IllegalArgumentException("BYTES elements are not numbers");
        };
    }

    private static double unsignedToDouble(long value) {
        double d = (double) (value >>> 1) * 2.0;
        return d + (value & 1);
    }

    private void require(Datatype expected) {
        if (datatype != expected) {
            throw new IllegalStateException("tensor is " + datatype + ", not " + expected);
        }
    }

    @Override
    public String toString() {
        return datatype + Shapes.format(shape);
    }
}
