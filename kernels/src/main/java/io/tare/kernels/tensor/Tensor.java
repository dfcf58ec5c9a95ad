package io.tare.kernels.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * A typed view of memory: element type, shape, element strides and a {@link MemorySegment}.
 *
 * <p><b>Ownership.</b> A tensor made by {@link #allocate(DType, Shape)} owns a confined off-heap
 * arena and frees it in {@link #close()} (exactly once; later accesses fail). A tensor made by
 * {@link #allocate(DType, Shape, Arena)} lives in the caller's arena and {@code close()} does
 * nothing: the arena's owner frees it. Tensors made by {@code wrap} view a heap array and own
 * nothing. {@link #quantParams()} is attached metadata, never owned memory.
 *
 * <p><b>Threading.</b> Not thread-safe for writes; an owning tensor's arena is confined to the
 * thread that allocated it, so hand such tensors between threads only through
 * {@link #allocate(DType, Shape, Arena)} with a shared arena.
 *
 * <p>Data is little-endian; INT4/UINT4 are packed two per byte, low nibble first (ONNX order).
 */
public final class Tensor implements AutoCloseable {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED;

    private final DType dtype;
    private final Shape shape;
    private final long[] strides;
    private final MemorySegment data;
    private final Arena ownedArena;
    private final QuantParams quantParams;

    private Tensor(DType dtype, Shape shape, long[] strides, MemorySegment data, Arena ownedArena,
            QuantParams quantParams) {
        this.dtype = Objects.requireNonNull(dtype);
        this.shape = Objects.requireNonNull(shape);
        this.strides = strides;
        this.data = data;
        this.ownedArena = ownedArena;
        this.quantParams = quantParams;
        if (data.byteSize() < dtype.byteSize(shape.elementCount())) {
            throw new IllegalArgumentException("segment of " + data.byteSize() + " bytes too small for "
                    + dtype + shape);
        }
    }

    /** Allocates a zeroed, 64-byte aligned tensor that owns its memory (free with {@link #close()}). */
    public static Tensor allocate(DType dtype, Shape shape) {
        Arena arena = Arena.ofConfined();
        MemorySegment seg = arena.allocate(Math.max(1, dtype.byteSize(shape.elementCount())), 64);
        return new Tensor(dtype, shape, shape.contiguousStrides(), seg, arena, null);
    }

    /** Allocates a zeroed tensor inside {@code arena}; the arena's owner frees it. */
    public static Tensor allocate(DType dtype, Shape shape, Arena arena) {
        MemorySegment seg = arena.allocate(Math.max(1, dtype.byteSize(shape.elementCount())), 64);
        return new Tensor(dtype, shape, shape.contiguousStrides(), seg, null, null);
    }

    /** A FLOAT32 view of {@code values} (no copy; the array stays the storage). */
    public static Tensor wrap(float[] values, Shape shape) {
        return new Tensor(DType.FLOAT32, shape, shape.contiguousStrides(), MemorySegment.ofArray(values), null, null);
    }

    /** An INT32 view of {@code values} (no copy). */
    public static Tensor wrap(int[] values, Shape shape) {
        return new Tensor(DType.INT32, shape, shape.contiguousStrides(), MemorySegment.ofArray(values), null, null);
    }

    /** A view of {@code bytes} as an 8- or 4-bit type (no copy). */
    public static Tensor wrap(byte[] bytes, DType dtype, Shape shape) {
        if (!dtype.isQuantized()) {
            throw new IllegalArgumentException("byte storage needs an 8- or 4-bit type, not " + dtype);
        }
        return new Tensor(dtype, shape, shape.contiguousStrides(), MemorySegment.ofArray(bytes), null, null);
    }

    /** Same storage, with quantization parameters attached. */
    public Tensor withQuantParams(QuantParams params) {
        if (params.dtype() != dtype) {
            throw new IllegalArgumentException("params for " + params.dtype() + " on a " + dtype + " tensor");
        }
        return new Tensor(dtype, shape, strides, data, null, params);
    }

    public DType dtype() {
        return dtype;
    }

    public Shape shape() {
        return shape;
    }

    /** Element strides (not byte strides); 4-bit tensors are always contiguous. */
    public long[] strides() {
        return strides.clone();
    }

    public MemorySegment data() {
        return data;
    }

    /** Quantization parameters, or null for a plain tensor. */
    public QuantParams quantParams() {
        return quantParams;
    }

    public boolean isContiguous() {
        return java.util.Arrays.equals(strides, shape.contiguousStrides());
    }

    /** Element offset of a multi-index (bounds are the caller's responsibility). */
    public long offsetOf(long... index) {
        long off = 0;
        for (int i = 0; i < index.length; i++) {
            off += index[i] * strides[i];
        }
        return off;
    }

    public float getFloat(long element) {
        return data.getAtIndex(F32, element);
    }

    public void setFloat(long element, float v) {
        data.setAtIndex(F32, element, v);
    }

    public int getInt(long element) {
        return data.getAtIndex(I32, element);
    }

    /** Integer value of a quantized element (8-bit or packed 4-bit), sign-extended for signed types. */
    public int getQuantized(long element) {
        return switch (dtype) {
            case INT8 -> data.get(ValueLayout.JAVA_BYTE, element);
            case UINT8 -> data.get(ValueLayout.JAVA_BYTE, element) & 0xFF;
            case INT4, UINT4 -> Int4Packing.get(data.get(ValueLayout.JAVA_BYTE, element >> 1), (int) (element & 1),
                    dtype == DType.INT4);
            default -> throw new IllegalStateException(dtype + " is not quantized");
        };
    }

    /** Frees owned memory; a no-op for views and arena-allocated tensors. Idempotent. */
    @Override
    public void close() {
        if (ownedArena != null && ownedArena.scope().isAlive()) {
            ownedArena.close();
        }
    }

    @Override
    public String toString() {
        return "Tensor[" + dtype + shape + (quantParams != null ? ", " + quantParams : "") + "]";
    }
}
