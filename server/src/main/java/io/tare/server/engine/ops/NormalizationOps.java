package io.tare.server.engine.ops;

import io.tare.server.engine.DataType;
import io.tare.server.engine.EngineException;
import io.tare.server.engine.Tensor;

/**
 * BatchNormalization (inference, and training mode with batch statistics and updated running
 * statistics), LayerNormalization (with its optional Mean and InvStdDev outputs), Softmax and
 * LogSoftmax. Reductions accumulate in double.
 */
public final class NormalizationOps {
    private NormalizationOps() {
    }

    public static void register(OperatorRegistry r) {
        r.register("BatchNormalization", 9, s -> {
            float epsilon = s.attrs().getFloat("epsilon", 1e-5f);
            float momentum = s.attrs().getFloat("momentum", 0.9f);
            boolean training = s.attrs().getInt("training_mode", 0) != 0;
            return ctx -> batchNorm(ctx, epsilon, momentum, training);
        });
        r.register("LayerNormalization", 17, s -> {
            long axis = s.attrs().getInt("axis", -1);
            float epsilon = s.attrs().getFloat("epsilon", 1e-5f);
            if (s.attrs().getInt("stash_type", 1) != 1) {
                throw s.unsupported("stash_type other than FLOAT");
            }
            if (s.attrs().getInt(ExpansionLayerNorm.ATTR, 0) != 0) {
                return ExpansionLayerNorm.create(epsilon);
            }
            return ctx -> layerNorm(ctx, axis, epsilon);
        });
        r.register("Softmax", 1, s -> {
            boolean legacy = s.opset() < 13; // before 13 the input was coerced to 2-D at axis
            long axis = s.attrs().getInt("axis", legacy ? 1 : -1);
            io.tare.kernels.Kernels kernels = s.compute().kernels();
            return ctx -> softmax(ctx, kernels, axis, legacy, false);
        });
        r.register("LogSoftmax", 1, s -> {
            boolean legacy = s.opset() < 13;
            long axis = s.attrs().getInt("axis", legacy ? 1 : -1);
            return ctx -> softmax(ctx, null, axis, legacy, true);
        });
        MaskedSoftmax.register(r);
    }

    private static void batchNorm(OpContext ctx, float epsilon, float momentum, boolean training) {
        Tensor x = ctx.input(0);
        Tensor scale = ctx.input(1);
        Tensor bias = ctx.input(2);
        Tensor mean = ctx.input(3);
        Tensor var = ctx.input(4);
        int batch = x.dim(0);
        int channels = x.dim(1);
        int plane = Axes.product(x.shape(), 2, x.rank());
        Tensor y = ctx.output(0, x.type(), x.shape());
        double[] m = new double[channels];
        double[] v = new double[channels];
        for (int c = 0; c < channels; c++) {
            m[c] = mean.getDouble(c);
            v[c] = var.getDouble(c);
        }
        if (training) {
            double count = (double) batch * plane;
            for (int c = 0; c < channels; c++) {
                double sum = 0;
                double sq = 0;
                for (int n = 0; n < batch; n++) {
                    int off = (n * channels + c) * plane;
                    for (int i = 0; i < plane; i++) {
                        double e = x.getDouble(off + i);
                        sum += e;
                        sq += e * e;
                    }
                }
                double bm = sum / count;
                double bv = sq / count - bm * bm;
                if (ctx.wantsOutput(1)) {
                    ctx.output(1, mean.type(), mean.shape()).setDouble(c, m[c] * momentum + bm * (1 - momentum));
                }
                if (ctx.wantsOutput(2)) {
                    ctx.output(2, var.type(), var.shape()).setDouble(c, v[c] * momentum + bv * (1 - momentum));
                }
                m[c] = bm;
                v[c] = bv;
            }
        }
        for (int c = 0; c < channels; c++) {
            double k = scale.getDouble(c) / Math.sqrt(v[c] + epsilon);
            double b = bias.getDouble(c) - m[c] * k;
            for (int n = 0; n < batch; n++) {
                int off = (n * channels + c) * plane;
                for (int i = 0; i < plane; i++) {
                    y.setDouble(off + i, x.getDouble(off + i) * k + b);
                }
            }
        }
    }

    private static void layerNorm(OpContext ctx, long axisAttr, float epsilon) {
        Tensor x = ctx.input(0);
        Tensor scale = ctx.input(1);
        Tensor bias = ctx.input(2);
        int axis = Axes.normalize(axisAttr, x.rank());
        int rows = Axes.product(x.shape(), 0, axis);
        int cols = Axes.product(x.shape(), axis, x.rank());
        Tensor y = ctx.output(0, x.type(), x.shape());
        int[] statShape = x.shape().clone();
        for (int d = axis; d < statShape.length; d++) {
            statShape[d] = 1;
        }
        Tensor meanOut = ctx.wantsOutput(1) ? ctx.output(1, DataType.FLOAT, statShape) : null;
        Tensor invStdOut = ctx.wantsOutput(2) ? ctx.output(2, DataType.FLOAT, statShape) : null;
        int[] sScale = Broadcasting.strides(scale.shape(), tail(x.shape(), axis));
        int[] sBias = bias == null ? null : Broadcasting.strides(bias.shape(), tail(x.shape(), axis));
        int[] tail = tail(x.shape(), axis);
        int[] tailStrides = Axes.strides(tail);
        for (int r = 0; r < rows; r++) {
            int off = r * cols;
            double sum = 0;
            for (int i = 0; i < cols; i++) {
                sum += x.getDouble(off + i);
            }
            double mu = sum / cols;
            double sq = 0;
            for (int i = 0; i < cols; i++) {
                double d = x.getDouble(off + i) - mu;
                sq += d * d;
            }
            double inv = 1.0 / Math.sqrt(sq / cols + epsilon);
            for (int i = 0; i < cols; i++) {
                int si = 0;
                int bi = 0;
                int rem = i;
                for (int d = 0; d < tail.length; d++) {
                    int c = rem / tailStrides[d];
                    rem %= tailStrides[d];
                    si += c * sScale[d];
                    if (sBias != null) {
                        bi += c * sBias[d];
                    }
                }
                double v = (x.getDouble(off + i) - mu) * inv * scale.getDouble(si);
                if (bias != null) {
                    v += bias.getDouble(bi);
                }
                y.setDouble(off + i, v);
            }
            if (meanOut != null) {
                meanOut.setDouble(r, mu);
            }
            if (invStdOut != null) {
                invStdOut.setDouble(r, inv);
            }
        }
    }

    private static int[] tail(int[] shape, int axis) {
        int[] t = new int[shape.length - axis];
        System.arraycopy(shape, axis, t, 0, t.length);
        return t;
    }

    /** {@code kernels} is null for LogSoftmax, which never takes the kernels' path. */
    private static void softmax(OpContext ctx, io.tare.kernels.Kernels kernels, long axisAttr, boolean legacy,
            boolean log) {
        Tensor x = ctx.input(0);
        if (!x.type().isFloatingPoint()) {
            throw new EngineException("Softmax needs a floating input, got " + x.type());
        }
        int axis = Axes.normalize(axisAttr, Math.max(1, x.rank()));
        int outer = Axes.product(x.shape(), 0, axis);
        int len = legacy ? Axes.product(x.shape(), axis, x.rank()) : x.dim(axis);
        int inner = legacy ? 1 : Axes.product(x.shape(), axis + 1, x.rank());
        Tensor y = ctx.output(0, x.type(), x.shape());
        if (x.type() == DataType.FLOAT && inner == 1 && !log) {
            softmaxRows(kernels, x.floats(), y.floats(), outer, len);
            return;
        }
        for (int o = 0; o < outer; o++) {
            for (int in = 0; in < inner; in++) {
                int base = o * len * inner + in;
                double max = Double.NEGATIVE_INFINITY;
                for (int i = 0; i < len; i++) {
                    max = Math.max(max, x.getDouble(base + i * inner));
                }
                double sum = 0;
                for (int i = 0; i < len; i++) {
                    sum += Math.exp(x.getDouble(base + i * inner) - max);
                }
                double logSum = Math.log(sum);
                for (int i = 0; i < len; i++) {
                    double shifted = x.getDouble(base + i * inner) - max;
                    y.setDouble(base + i * inner, log ? shifted - logSum : Math.exp(shifted) / sum);
                }
            }
        }
    }

    /**
     * Softmax over contiguous FLOAT rows (the last axis, as attention uses it) on the kernels, which
     * round as ONNX Runtime does ({@link io.tare.kernels.Kernels#softmax}): attention probabilities
     * feed quantized layers in dynamically quantized transformers, where last-bit differences grow.
     */
    private static void softmaxRows(io.tare.kernels.Kernels kernels, float[] x, float[] y, int rows, int len) {
        for (int r = 0; r < rows; r++) {
            kernels.softmax(x, r * len, y, r * len, len);
        }
    }
}
