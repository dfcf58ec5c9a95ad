package io.tare.server.engine.ops;

import io.tare.server.engine.DataType;
import io.tare.server.engine.Tensor;

/**
 * ReduceMean, ReduceSum, ReduceMax, ReduceMin, ReduceProd over any set of axes. Axes come from an
 * attribute, or from the second input since opset 18 (opset 13 for ReduceSum). FLOAT sums and
 * means over trailing axes run in float, in ONNX Runtime's order; everything else accumulates in
 * double; integer outputs of Max/Min/Sum/Prod are exact below 2^53.
 */
public final class ReduceOps {
    private ReduceOps() {
    }

    private enum Kind { MEAN, SUM, MAX, MIN, PROD }

    public static void register(OperatorRegistry r) {
        reduce(r, "ReduceMean", Kind.MEAN, 18);
        reduce(r, "ReduceSum", Kind.SUM, 13);
        reduce(r, "ReduceMax", Kind.MAX, 18);
        reduce(r, "ReduceMin", Kind.MIN, 18);
        reduce(r, "ReduceProd", Kind.PROD, 18);
    }

    private static void reduce(OperatorRegistry r, String name, Kind kind, int axesInputSince) {
        r.register(name, 1, s -> {
            boolean keepDims = s.attrs().getInt("keepdims", 1) != 0;
            boolean noopWhenEmpty = s.attrs().getInt("noop_with_empty_axes", 0) != 0;
            long[] attrAxes = s.attrs().getInts("axes", null);
            boolean fromInput = s.opset() >= axesInputSince;
            return ctx -> {
                long[] axes = fromInput ? (ctx.input(1) == null ? null : ctx.input(1).toLongArray()) : attrAxes;
                run(ctx, kind, axes, keepDims, noopWhenEmpty);
            };
        });
    }

    private static void run(OpContext ctx, Kind kind, long[] axes, boolean keepDims, boolean noopWhenEmpty) {
        Tensor x = ctx.input(0);
        int rank = x.rank();
        boolean[] reduced = new boolean[rank];
        if (axes == null || axes.length == 0) {
            if (noopWhenEmpty) {
                Tensor y = ctx.output(0, x.type(), x.shape());
                System.arraycopy(x.data(), 0, y.data(), 0, x.size());
                return;
            }
            java.util.Arrays.fill(reduced, true);
        } else {
            for (long a : axes) {
                reduced[Axes.normalize(a, rank)] = true;
            }
        }
        int kept = 0;
        for (int d = 0; d < rank; d++) {
            kept += reduced[d] && !keepDims ? 0 : 1;
        }
        int[] outShape = new int[kept];
        int[] keptShape = new int[rank]; // output shape with reduced axes as 1
        for (int d = 0, j = 0; d < rank; d++) {
            keptShape[d] = reduced[d] ? 1 : x.dim(d);
            if (!reduced[d] || keepDims) {
                outShape[j++] = keptShape[d];
            }
        }
        int outSize = Tensor.sizeOf(keptShape);
        int trailing = trailingReduced(reduced);
        if ((kind == Kind.MEAN || kind == Kind.SUM) && x.type() == DataType.FLOAT && trailing > 0 && outSize > 0) {
            sumRows(x, ctx.output(0, x.type(), outShape), outSize, kind == Kind.MEAN);
            return;
        }
        double[] acc = new double[outSize];
        double init = switch (kind) {
            case MAX -> Double.NEGATIVE_INFINITY;
            case MIN -> Double.POSITIVE_INFINITY;
            case PROD -> 1;
            default -> 0;
        };
        java.util.Arrays.fill(acc, init);
        int[] outStrides = Broadcasting.strides(keptShape, x.shape());
        int[] none = new int[rank];
        Broadcasting.forEach(x.shape(), outStrides, none, none, (i, o, unused1, unused2) -> {
            double v = x.getDouble(i);
            acc[o] = switch (kind) {
                case MEAN, SUM -> acc[o] + v;
                case MAX -> Math.max(acc[o], v);
                case MIN -> Math.min(acc[o], v);
                case PROD -> acc[o] * v;
            };
        });
        int count = outSize == 0 ? 0 : x.size() / Math.max(1, outSize);
        Tensor y = ctx.output(0, x.type(), outShape);
        for (int o = 0; o < outSize; o++) {
            double v = kind == Kind.MEAN ? acc[o] / count : acc[o];
            y.setDouble(o, v);
        }
    }

    /** How many axes at the end are reduced when exactly those are (0 when any other axis is). */
    private static int trailingReduced(boolean[] reduced) {
        int d = reduced.length;
        while (d > 0 && reduced[d - 1]) {
            d--;
        }
        for (int i = 0; i < d; i++) {
            if (reduced[i]) {
                return 0;
            }
        }
        return reduced.length - d;
    }

    /**
     * Sum or mean of each contiguous row of a FLOAT tensor whose trailing axes are reduced (LayerNorm
     * written out as ReduceMean), in float and in ONNX Runtime's summation order
     * ({@link OnnxRuntimeParity#sum}), the mean as sum / count: the statistics of a LayerNorm whose
     * output is quantized dynamically must round as ONNX Runtime's do.
     */
    private static void sumRows(Tensor x, Tensor y, int rows, boolean mean) {
        float[] in = x.floats();
        float[] out = y.floats();
        int len = x.size() / rows;
        for (int r = 0; r < rows; r++) {
            float s = OnnxRuntimeParity.sum(in, r * len, len);
            out[r] = mean ? s / len : s;
        }
    }
}
