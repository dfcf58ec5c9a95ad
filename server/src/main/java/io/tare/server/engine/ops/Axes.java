package io.tare.server.engine.ops;

import io.tare.server.engine.EngineException;

/** Normalizes ONNX axis arguments, which may count from the end when negative. */
public final class Axes {
    private Axes() {
    }

    /** {@code axis} in {@code [-rank, rank)} mapped to {@code [0, rank)}. */
    public static int normalize(long axis, int rank) {
        if (axis < -rank || axis >= rank) {
            throw new EngineException("axis " + axis + " is out of range for rank " + rank);
        }
        return (int) (axis < 0 ? axis + rank : axis);
    }

    /** Row-major strides of a shape. */
    public static int[] strides(int[] shape) {
        int[] s = new int[shape.length];
        int stride = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = stride;
            stride *= shape[i];
        }
        return s;
    }

    /** Product of {@code shape[from..to)}. */
    public static int product(int[] shape, int from, int to) {
        int p = 1;
        for (int i = from; i < to; i++) {
            p *= shape[i];
        }
        return p;
    }

    /** Converts a shape given as longs (from a tensor or attribute), checking it fits in int. */
    public static int[] toShape(long[] dims) {
        int[] s = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] < 0 || dims[i] > Integer.MAX_VALUE) {
                throw new EngineException("invalid dimension " + dims[i]);
            }
            s[i] = (int) dims[i];
        }
        return s;
    }
}
