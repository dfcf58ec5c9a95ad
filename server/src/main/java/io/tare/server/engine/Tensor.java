package io.tare.server.engine;

import java.util.Arrays;

/**
 * A dense, row-major (C order) tensor of one {@link DataType}.
 *
 * <p>Storage is a primitive array chosen by type: {@code float[]} (FLOAT), {@code double[]}
 * (DOUBLE), {@code byte[]} (INT8, UINT8, BOOL as 0/1), {@code short[]} (INT16, UINT16, FLOAT16 bit
 * patterns), {@code int[]} (INT32, UINT32), {@code long[]} (INT64, UINT64). Unsigned types keep
 * their bit pattern; {@link #getLong} reads them unsigned (UINT64 above 2^63 reads negative).
 *
 * <p>The backing array may be longer than {@link #size()}: the executor reuses one buffer for
 * several values of different sizes. Code must therefore bound loops by {@code size()}, never by
 * the array length. Tensors are not thread-safe; a tensor handed out by the engine belongs to the
 * caller.
 */
public final class Tensor {
    private final DataType type;
    private final int[] shape;
    private final int size;
    private final Object data;

    private Tensor(DataType type, int[] shape, Object data) {
        this.type = type;
        this.shape = shape;
        this.size = sizeOf(shape);
        this.data = data;
        if (capacityOf(type, data) < size) {
            throw new IllegalArgumentException("buffer of " + capacityOf(type, data)
                    + " elements is smaller than shape " + Arrays.toString(shape));
        }
    }

    /** Wraps an existing array (not copied) as a tensor of the given type and shape. */
    public static Tensor wrap(DataType type, int[] shape, Object data) {
        checkArrayType(type, data);
        return new Tensor(type, shape.clone(), data);
    }

    /** A zero-filled tensor. */
    public static Tensor allocate(DataType type, int[] shape) {
        return new Tensor(type, shape.clone(), newArray(type, sizeOf(shape)));
    }

    /** A float tensor over {@code data} (not copied). */
    public static Tensor ofFloats(int[] shape, float... data) {
        return wrap(DataType.FLOAT, shape, data);
    }

    /** An INT64 tensor over {@code data} (not copied). */
    public static Tensor ofLongs(int[] shape, long... data) {
        return wrap(DataType.INT64, shape, data);
    }

    /** A 0-d float tensor. */
    public static Tensor scalar(float value) {
        return ofFloats(new int[0], value);
    }

    /** A new primitive array of the storage kind for {@code type}. */
    public static Object newArray(DataType type, int length) {
        return switch (type) {
            case FLOAT -> new float[length];
            case DOUBLE -> new double[length];
            case INT8, UINT8, BOOL -> new byte[length];
            case INT16, UINT16, FLOAT16 -> new short[length];
            case INT32, UINT32 -> new int[length];
            case INT64, UINT64 -> new long[length];
        };
    }

    /** Number of elements of a shape; 1 for a scalar (empty shape). */
    public static int sizeOf(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            }
            n *= d;
        }
        if (n > Integer.MAX_VALUE - 8) {
            throw new EngineException("tensor of shape " + Arrays.toString(shape) + " is too large");
        }
        return (int) n;
    }

    static int capacityOf(DataType type, Object data) {
        return switch (type) {
            case FLOAT -> ((float[]) data).length;
            case DOUBLE -> ((double[]) data).length;
            case INT8, UINT8, BOOL -> ((byte[]) data).length;
            case INT16, UINT16, FLOAT16 -> ((short[]) data).length;
            case INT32, UINT32 -> ((int[]) data).length;
            case INT64, UINT64 -> ((long[]) data).length;
        };
    }

    private static void checkArrayType(DataType type, Object data) {
        boolean ok = switch (type) {
            case FLOAT -> data instanceof float[];
            case DOUBLE -> data instanceof double[];
            case INT8, UINT8, BOOL -> data instanceof byte[];
            case INT16, UINT16, FLOAT16 -> data instanceof short[];
            case INT32, UINT32 -> data instanceof int[];
            case INT64, UINT64 -> data instanceof long[];
        };
        if (!ok) {
            throw new IllegalArgumentException(type + " tensor cannot be backed by "
                    + data.getClass().getSimpleName());
        }
    }

    public DataType type() {
        return type;
    }

    /** The shape; do not modify the returned array. */
    public int[] shape() {
        return shape;
    }

    public int rank() {
        return shape.length;
    }

    public int dim(int axis) {
        return shape[axis];
    }

    /** Number of elements (the product of the shape), not the backing array's length. */
    public int size() {
        return size;
    }

    /** The backing array; see the class comment for its kind and length. */
    public Object data() {
        return data;
    }

    public float[] floats() {
        return (float[]) data;
    }

    public long[] longs() {
        return (long[]) data;
    }

    public byte[] bytes() {
        return (byte[]) data;
    }

    public int[] ints() {
        return (int[]) data;
    }

    /** A tensor sharing this one's storage with another shape of the same size. */
    public Tensor reshape(int[] newShape) {
        if (sizeOf(newShape) != size) {
            throw new EngineException("cannot view " + Arrays.toString(shape) + " as "
                    + Arrays.toString(newShape));
        }
        return new Tensor(type, newShape.clone(), data);
    }

    /** A copy with a backing array of exactly {@link #size()} elements. */
    public Tensor copy() {
        Object copy = newArray(type, size);
        System.arraycopy(data, 0, copy, 0, size);
        return new Tensor(type, shape.clone(), copy);
    }

    /** Element {@code i} (flat, C order) as a double; unsigned types read unsigned. */
    public double getDouble(int i) {
        return switch (type) {
            case FLOAT -> ((float[]) data)[i];
            case DOUBLE -> ((double[]) data)[i];
            case FLOAT16 -> Float.float16ToFloat(((short[]) data)[i]);
            case UINT64 -> unsignedLongToDouble(((long[]) data)[i]);
            default -> getLong(i);
        };
    }

    /** Element {@code i} as a long; floating types truncate toward zero, unsigned types read unsigned. */
    public long getLong(int i) {
        return switch (type) {
            case INT8 -> ((byte[]) data)[i];
            case UINT8, BOOL -> ((byte[]) data)[i] & 0xFF;
            case INT16 -> ((short[]) data)[i];
            case UINT16 -> ((short[]) data)[i] & 0xFFFF;
            case INT32 -> ((int[]) data)[i];
            case UINT32 -> ((int[]) data)[i] & 0xFFFFFFFFL;
            case INT64, UINT64 -> ((long[]) data)[i];
            case FLOAT -> (long) ((float[]) data)[i];
            case DOUBLE -> (long) ((double[]) data)[i];
            case FLOAT16 -> (long) Float.float16ToFloat(((short[]) data)[i]);
        };
    }

    /**
     * Stores {@code v} at flat index {@code i}. Integer types keep the low bits (wrap-around, as
     * numpy does); BOOL stores {@code v != 0}.
     */
    public void setLong(int i, long v) {
        switch (type) {
            case INT8, UINT8 -> ((byte[]) data)[i] = (byte) v;
            case BOOL -> ((byte[]) data)[i] = (byte) (v != 0 ? 1 : 0);
            case INT16, UINT16 -> ((short[]) data)[i] = (short) v;
            case INT32, UINT32 -> ((int[]) data)[i] = (int) v;
            case INT64, UINT64 -> ((long[]) data)[i] = v;
            case FLOAT -> ((float[]) data)[i] = v;
            case DOUBLE -> ((double[]) data)[i] = v;
            case FLOAT16 -> ((short[]) data)[i] = Float.floatToFloat16(v);
        }
    }

    /** Stores {@code v} at flat index {@code i}; integer types take the value truncated toward zero. */
    public void setDouble(int i, double v) {
        switch (type) {
            case FLOAT -> ((float[]) data)[i] = (float) v;
            case DOUBLE -> ((double[]) data)[i] = v;
            case FLOAT16 -> ((short[]) data)[i] = Float.floatToFloat16((float) v);
            case BOOL -> ((byte[]) data)[i] = (byte) (v != 0 ? 1 : 0);
            case UINT64 -> ((long[]) data)[i] = doubleToUnsignedLong(v);
            default -> setLong(i, (long) v);
        }
    }

    /** Copies element {@code src} of {@code from} (same type) into element {@code dst} of this tensor. */
    public void copyElement(Tensor from, int src, int dst) {
        switch (type) {
            case FLOAT -> ((float[]) data)[dst] = ((float[]) from.data)[src];
            case DOUBLE -> ((double[]) data)[dst] = ((double[]) from.data)[src];
            case INT8, UINT8, BOOL -> ((byte[]) data)[dst] = ((byte[]) from.data)[src];
            case INT16, UINT16, FLOAT16 -> ((short[]) data)[dst] = ((short[]) from.data)[src];
            case INT32, UINT32 -> ((int[]) data)[dst] = ((int[]) from.data)[src];
            case INT64, UINT64 -> ((long[]) data)[dst] = ((long[]) from.data)[src];
        }
    }

    /** Reads a 0-d or 1-element tensor, or every element of a 1-d tensor, as longs (for shape inputs). */
    public long[] toLongArray() {
        long[] out = new long[size];
        for (int i = 0; i < size; i++) {
            out[i] = getLong(i);
        }
        return out;
    }

    private static double unsignedLongToDouble(long v) {
        double d = (double) (v >>> 1) * 2.0;
        return d + (v & 1);
    }

    private static long doubleToUnsignedLong(double v) {
        if (v < 9.223372036854775807E18) {
            return (long) v;
        }
        return ((long) (v / 2.0)) << 1;
    }

    @Override
    public String toString() {
        return "Tensor[" + type + " " + Arrays.toString(shape) + "]";
    }
}
