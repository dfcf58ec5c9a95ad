package io.tare.server.engine.ops;

import io.tare.server.engine.DataType;
import io.tare.server.engine.EngineException;
import io.tare.server.engine.Tensor;

/**
 * MaxPool, AveragePool (any number of spatial axes), GlobalAveragePool and GlobalMaxPool over
 * N x C x spatial tensors. MaxPool also writes the optional Indices output (flat, row-major, as
 * ONNX specifies with storage_order 0).
 */
public final class PoolOps {
    /**
     * Attribute on GlobalAveragePool/GlobalMaxPool: 1 when the input is stored channels-last,
     * [N, H, W, C] (set by {@link io.tare.server.engine.passes.ChannelsLastActivations}). The output
     * [N, C, 1, 1] is the same in either layout.
     */
    public static final String ATTR_NHWC_INPUT = "tare.nhwc_input";

    private PoolOps() {
    }

    public static void register(OperatorRegistry r) {
        r.register("MaxPool", 8, s -> {
            SpatialGeometry g = new SpatialGeometry(s.attrs(), null);
            boolean columnMajor = s.attrs().getInt("storage_order", 0) != 0;
            return ctx -> pool(ctx, g, true, false, columnMajor);
        });
        r.register("AveragePool", 7, s -> {
            SpatialGeometry g = new SpatialGeometry(s.attrs(), null);
            boolean includePad = s.attrs().getInt("count_include_pad", 0) != 0;
            return ctx -> pool(ctx, g, false, includePad, false);
        });
        r.register("GlobalAveragePool", 1, s -> globalPool(s, false));
        r.register("GlobalMaxPool", 1, s -> globalPool(s, true));
    }

    private static void pool(OpContext ctx, SpatialGeometry geometry, boolean max, boolean includePad,
            boolean columnMajorIndices) {
        Tensor x = ctx.input(0);
        if (x.rank() < 3) {
            throw new EngineException("pooling needs N x C x spatial input");
        }
        int spatialRank = x.rank() - 2;
        int[] in = new int[spatialRank];
        System.arraycopy(x.shape(), 2, in, 0, spatialRank);
        SpatialGeometry.Layout g = geometry.resolve(in, null);
        int[] outShape = new int[x.rank()];
        outShape[0] = x.dim(0);
        outShape[1] = x.dim(1);
        System.arraycopy(g.out(), 0, outShape, 2, spatialRank);
        Tensor y = ctx.output(0, x.type(), outShape);
        Tensor indices = max && ctx.wantsOutput(1) ? ctx.output(1, DataType.INT64, outShape) : null;
        int planes = x.dim(0) * x.dim(1);
        int inPlane = Tensor.sizeOf(in);
        int outPlane = g.spatialSize();
        int[] inStrides = Axes.strides(in);
        int[] indexStrides = inStrides;
        if (columnMajorIndices) { // Indices then count the first spatial axis fastest
            indexStrides = new int[spatialRank];
            for (int d = 0, st = 1; d < spatialRank; d++) {
                indexStrides[d] = st;
                st *= in[d];
            }
        }
        int[] outIdx = new int[spatialRank];
        int[] win = new int[spatialRank];
        for (int p = 0; p < planes; p++) {
            int inBase = p * inPlane;
            for (int o = 0; o < outPlane; o++) {
                int rem = o;
                for (int d = spatialRank - 1; d >= 0; d--) {
                    outIdx[d] = rem % g.out()[d];
                    rem /= g.out()[d];
                }
                double acc = max ? Double.NEGATIVE_INFINITY : 0;
                int best = -1;
                int bestIndex = -1;
                int count = 0;
                int padCount = 0;
                java.util.Arrays.fill(win, 0);
                // walk the window with an odometer over kernel positions
                while (true) {
                    int off = 0;
                    int indexOff = 0;
                    boolean inside = true;
                    boolean insidePadded = true;
                    for (int d = 0; d < spatialRank; d++) {
                        int c = outIdx[d] * g.stride()[d] - g.padBegin()[d] + win[d] * g.dilation()[d];
                        if (c < 0 || c >= in[d]) {
                            inside = false;
                            if (c < -g.padBegin()[d] || c >= in[d] + g.padEnd()[d]) {
                                insidePadded = false;
                            }
                        }
                        off += c * inStrides[d];
                        indexOff += c * indexStrides[d];
                    }
                    if (inside) {
                        double v = x.getDouble(inBase + off);
                        if (max) {
                            if (v > acc || best < 0) {
                                acc = v;
                                best = off;
                                bestIndex = indexOff;
                            }
                        } else {
                            acc += v;
                        }
                        count++;
                    } else if (insidePadded) {
                        padCount++;
                    }
                    int d = spatialRank - 1;
                    while (d >= 0 && ++win[d] == g.kernel()[d]) {
                        win[d] = 0;
                        d--;
                    }
                    if (d < 0) {
                        break;
                    }
                }
                int dst = p * outPlane + o;
                if (max) {
                    if (x.type().isFloatingPoint()) {
                        y.setDouble(dst, acc);
                    } else {
                        y.setLong(dst, (long) acc);
                    }
                    if (indices != null) {
                        indices.longs()[dst] = (long) inBase + bestIndex;
                    }
                } else {
                    int divisor = includePad ? count + padCount : count;
                    y.setDouble(dst, divisor == 0 ? 0 : acc / divisor);
                }
            }
        }
    }

    private static Operator globalPool(NodeSetup s, boolean max) {
        if (s.attrs().getInt(ATTR_NHWC_INPUT, 0) != 0) {
            return ctx -> globalChannelsLast(ctx, max);
        }
        return ctx -> global(ctx, max);
    }

    /**
     * Global pooling of an [N, H, W, C] input into [N, C, 1, 1]: each channel's values are taken in
     * the same (row-major pixel) order and combined with the same operations as {@link #global}
     * does over an NCHW plane, so the bits are the same; the loop runs over channels innermost.
     */
    private static void globalChannelsLast(OpContext ctx, boolean max) {
        Tensor x = ctx.input(0);
        if (x.rank() != 4) {
            throw new EngineException("channels-last global pooling needs a rank-4 input, got " + x.rank());
        }
        int batch = x.dim(0);
        int c = x.dim(3);
        int plane = x.dim(1) * x.dim(2);
        Tensor y = ctx.output(0, x.type(), new int[] {batch, c, 1, 1});
        if (x.type() == DataType.FLOAT) {
            float[] in = x.floats();
            float[] out = y.floats();
            for (int b = 0; b < batch; b++) {
                int o = b * c;
                java.util.Arrays.fill(out, o, o + c, max ? Float.NEGATIVE_INFINITY : 0f);
                for (int p = 0; p < plane; p++) {
                    int base = (b * plane + p) * c;
                    for (int ch = 0; ch < c; ch++) {
                        out[o + ch] = max ? Math.max(out[o + ch], in[base + ch]) : out[o + ch] + in[base + ch];
                    }
                }
                if (!max) {
                    for (int ch = 0; ch < c; ch++) {
                        out[o + ch] = out[o + ch] / plane;
                    }
                }
            }
            return;
        }
        for (int b = 0; b < batch; b++) {
            for (int ch = 0; ch < c; ch++) {
                double acc = max ? Double.NEGATIVE_INFINITY : 0;
                for (int p = 0; p < plane; p++) {
                    double v = x.getDouble((b * plane + p) * c + ch);
                    acc = max ? Math.max(acc, v) : acc + v;
                }
                y.setDouble(b * c + ch, max ? acc : acc / plane);
            }
        }
    }

    private static void global(OpContext ctx, boolean max) {
        Tensor x = ctx.input(0);
        int[] outShape = new int[x.rank()];
        java.util.Arrays.fill(outShape, 1);
        outShape[0] = x.dim(0);
        outShape[1] = x.dim(1);
        Tensor y = ctx.output(0, x.type(), outShape);
        int planes = x.dim(0) * x.dim(1);
        int plane = Axes.product(x.shape(), 2, x.rank());
        if (x.type() == DataType.FLOAT) {
            float[] in = x.floats();
            float[] out = y.floats();
            for (int p = 0; p < planes; p++) {
                float acc = max ? Float.NEGATIVE_INFINITY : 0f;
                for (int i = p * plane; i < (p + 1) * plane; i++) {
                    acc = max ? Math.max(acc, in[i]) : acc + in[i];
                }
                out[p] = max ? acc : acc / plane;
            }
            return;
        }
        for (int p = 0; p < planes; p++) {
            double acc = max ? Double.NEGATIVE_INFINITY : 0;
            for (int i = p * plane; i < (p + 1) * plane; i++) {
                acc = max ? Math.max(acc, x.getDouble(i)) : acc + x.getDouble(i);
            }
            y.setDouble(p, max ? acc : acc / plane);
        }
    }
}
