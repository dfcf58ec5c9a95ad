package io.tare.kernels.tensor;

import java.util.Arrays;

/**
 * An immutable tensor shape (row-major, last dimension fastest). A rank-0 shape is a scalar with
 * one element.
 */
public final class Shape {
    private final long[] dims;
    private final long elementCount;

    private Shape(long[] dims) {
        long count = 1;
        for (long d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(dims));
            }
            count = Math.multiplyExact(count, d);
        }
        this.dims = dims;
        this.elementCount = count;
    }

    public static Shape of(long... dims) {
        return new Shape(dims.clone());
    }

    public static Shape of(int... dims) {
        long[] l = new long[dims.length];
        for (int i = 0; i < dims.length; i++) {
            l[i] = dims[i];
        }
        return new Shape(l);
    }

    public int rank() {
        return dims.length;
    }

    public long dim(int axis) {
        return dims[axis < 0 ? axis + dims.length : axis];
    }

    public long[] dims() {
        return dims.clone();
    }

    public long elementCount() {
        return elementCount;
    }

    /** Element strides of the contiguous row-major layout. */
    public long[] contiguousStrides() {
        long[] strides = new long[dims.length];
        long s = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            strides[i] = s;
            s *= dims[i];
        }
        return strides;
    }

    /** Product of the dimensions before {@code axis} (the "outer" count for per-axis loops). */
    public long outerCount(int axis) {
        long c = 1;
        for (int i = 0; i < axis; i++) {
            c *= dims[i];
        }
        return c;
    }

    /** Product of the dimensions after {@code axis} (the "inner" run length for per-axis loops). */
    public long innerCount(int axis) {
        long c = 1;
        for (int i = axis + 1; i < dims.length; i++) {
            c *= dims[i];
        }
        return c;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
