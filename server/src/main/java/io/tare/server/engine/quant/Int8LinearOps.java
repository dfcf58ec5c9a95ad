package io.tare.server.engine.quant;

import io.tare.server.engine.DataType;
import io.tare.server.engine.EngineException;
import io.tare.server.engine.Tensor;
import io.tare.server.engine.ops.FusedActivation;
import io.tare.server.engine.ops.NodeSetup;
import io.tare.server.engine.ops.OpContext;
import io.tare.server.engine.ops.Operator;
import io.tare.server.engine.ops.OperatorRegistry;
import io.tare.server.engine.ops.SpatialGeometry;
import java.util.Arrays;

/**
 * The engine's INT8 layers, {@code tare:Int8Gemm} (Gemm/MatMul) and {@code tare:Int8Conv} (2-D
 * Conv), produced by the lowering passes, never read from files.
 *
 * <p>Inputs: {@code x, x_scale, x_zero_point, w_q, w_scale, w_zero_point, bias}. The 8-bit weight
 * is widened and packed once at load ({@code w - zw}, per-channel scales). The activation is
 * either already quantized (8-bit {@code x} with its scale and zero point: QDQ and torch INT8
 * models) or float, in which case it is quantized here per request (dynamic mode: asymmetric UINT8
 * over the tensor's or each row's range; static mode: the scale table's entry). Products
 * accumulate exactly in int32; the output is float {@code act(acc * sx * sw[c] + bias[c])}.
 */
public final class Int8LinearOps {
    public static final String DOMAIN = "tare";
    public static final String GEMM = "Int8Gemm";
    public static final String CONV = "Int8Conv";
    /** Attribute on dynamic nodes: 1 to quantize activations per row instead of per tensor. */
    public static final String ATTR_PER_ROW = "tare.per_row";

    private Int8LinearOps() {
    }

    public static void register(OperatorRegistry r) {
        r.register(DOMAIN, GEMM, 1, Int8LinearOps::gemm);
        r.register(DOMAIN, CONV, 1, Int8LinearOps::conv);
    }

    /** Weights widened to int with zero points removed, and their scale per output channel. */
    private record PackedWeights(int[] values, float[] scales) { }

    private static PackedWeights pack(NodeSetup s, int k, int n, boolean channelsFirst) {
        Tensor w = s.constantInput(3);
        Tensor scale = s.constantInput(4);
        Tensor zp = s.constantInput(5);
        boolean unsigned = w.type() == DataType.UINT8;
        int[] values = new int[k * n];
        float[] scales = new float[n];
        for (int c = 0; c < n; c++) {
            scales[c] = (float) scale.getDouble(scale.size() == 1 ? 0 : c);
        }
        byte[] q = w.bytes();
        for (int i = 0; i < k * n; i++) {
            int c = channelsFirst ? i / k : i % n;
            int z = zp == null ? 0 : (int) zp.getLong(zp.size() == 1 ? 0 : c);
            values[i] = (unsigned ? q[i] & 0xFF : q[i]) - z;
        }
        return new PackedWeights(values, scales);
    }

    private static Operator gemm(NodeSetup s) {
        Tensor w = s.constantInput(3);
        if (w == null || w.rank() != 2) {
            throw s.unsupported("Int8Gemm needs a constant 2-D weight");
        }
        boolean transB = s.attrs().getInt("transB", 0) != 0;
        int k = transB ? w.dim(1) : w.dim(0);
        int n = transB ? w.dim(0) : w.dim(1);
        PackedWeights packed = pack(s, k, n, transB);
        int[] values = packed.values();
        if (transB) { // stored [n, k]; the product wants [k, n]
            int[] t = new int[k * n];
            for (int c = 0; c < n; c++) {
                for (int p = 0; p < k; p++) {
                    t[p * n + c] = values[c * k + p];
                }
            }
            values = t;
        }
        int[] kn = values;
        float[] bias = biasOf(s, n);
        FusedActivation act = FusedActivation.from(s);
        ActivationSource aq = new ActivationSource(s);
        return ctx -> {
            Tensor x = ctx.input(0);
            if (x.dim(x.rank() - 1) != k) {
                throw new EngineException("input " + Arrays.toString(x.shape()) + " does not have " + k + " columns");
            }
            int rows = x.size() / k;
            int[] a = ctx.intScratch(0, rows * k);
            float[] rowScale = ctx.floatScratch(0, rows);
            aq.quantize(ctx, x, rows, k, a, rowScale);
            int[] acc = ctx.intScratch(1, rows * n);
            IntegerMatrix.multiply(a, 0, kn, 0, acc, 0, rows, k, n);
            int[] shape = x.shape().clone();
            shape[shape.length - 1] = n;
            float[] y = ctx.output(0, DataType.FLOAT, shape).floats();
            for (int i = 0; i < rows; i++) {
                float sx = rowScale[i];
                for (int j = 0; j < n; j++) {
                    float v = acc[i * n + j] * (sx * packed.scales()[j]) + (bias == null ? 0f : bias[j]);
                    y[i * n + j] = act.apply(v);
                }
            }
        };
    }

    private static Operator conv(NodeSetup s) {
        Tensor w = s.constantInput(3);
        if (w == null || w.rank() != 4) {
            throw s.unsupported("Int8Conv needs a constant 4-D weight");
        }
        int cout = w.dim(0);
        int kSize = w.dim(1) * w.dim(2) * w.dim(3);
        PackedWeights packed = pack(s, kSize, cout, true);
        int group = (int) s.attrs().getInt("group", 1);
        SpatialGeometry geometry = new SpatialGeometry(s.attrs(), null);
        float[] bias = biasOf(s, cout);
        FusedActivation act = FusedActivation.from(s);
        ActivationSource aq = new ActivationSource(s);
        int[] kernel = {w.dim(2), w.dim(3)};
        return ctx -> {
            Tensor x = ctx.input(0);
            if (x.rank() != 4 || x.dim(1) != w.dim(1) * group) {
                throw new EngineException("input " + Arrays.toString(x.shape()) + " does not match weight "
                        + Arrays.toString(w.shape()) + " in " + group + " groups");
            }
            int batch = x.dim(0);
            int cin = x.dim(1);
            int cinG = cin / group;
            int coutG = cout / group;
            int[] in = {x.dim(2), x.dim(3)};
            SpatialGeometry.Layout g = geometry.resolve(in, kernel);
            int spatial = g.spatialSize();
            // quantize (or widen) the whole input once, then unfold with the zero point as padding
            int[] xq = ctx.intScratch(0, x.size());
            float[] scaleOut = ctx.floatScratch(0, 1);
            aq.quantize(ctx, x, 1, x.size(), xq, scaleOut);
            float sx = scaleOut[0];
            int[] cols = ctx.intScratch(1, kSize * spatial);
            int[] acc = ctx.intScratch(2, coutG * spatial);
            float[] y = ctx.output(0, DataType.FLOAT, new int[] {batch, cout, g.out()[0], g.out()[1]}).floats();
            for (int n = 0; n < batch; n++) {
                for (int gi = 0; gi < group; gi++) {
                    int xOff = (n * cin + gi * cinG) * in[0] * in[1];
                    im2col(xq, xOff, cinG, in[0], in[1], g, cols);
                    IntegerMatrix.multiply(packed.values(), gi * coutG * kSize, cols, 0, acc, 0, coutG, kSize, spatial);
                    for (int c = 0; c < coutG; c++) {
                        int co = gi * coutG + c;
                        float scale = sx * packed.scales()[co];
                        float b = bias == null ? 0f : bias[co];
                        int yOff = (n * cout + co) * spatial;
                        for (int p = 0; p < spatial; p++) {
                            y[yOff + p] = act.apply(acc[c * spatial + p] * scale + b);
                        }
                    }
                }
            }
        };
    }

    /** Unfolds already zero-point-free int data: padding reads 0, which is exactly the zero point. */
    private static void im2col(int[] x, int xOff, int channels, int h, int w, SpatialGeometry.Layout g, int[] cols) {
        int kh = g.kernel()[0];
        int kw = g.kernel()[1];
        int oh = g.out()[0];
        int ow = g.out()[1];
        int row = 0;
        for (int c = 0; c < channels; c++) {
            int plane = xOff + c * h * w;
            for (int ky = 0; ky < kh; ky++) {
                for (int kx = 0; kx < kw; kx++, row++) {
                    int dst = row * oh * ow;
                    for (int oy = 0; oy < oh; oy++) {
                        int iy = oy * g.stride()[0] - g.padBegin()[0] + ky * g.dilation()[0];
                        for (int ox = 0; ox < ow; ox++) {
                            int ix = ox * g.stride()[1] - g.padBegin()[1] + kx * g.dilation()[1];
                            cols[dst++] = iy >= 0 && iy < h && ix >= 0 && ix < w ? x[plane + iy * w + ix] : 0;
                        }
                    }
                }
            }
        }
    }

    private static float[] biasOf(NodeSetup s, int n) {
        Tensor b = s.constantInput(6);
        if (b == null) {
            if (s.node().hasInput(6)) {
                throw s.unsupported("bias must be constant");
            }
            return null;
        }
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) b.getDouble(b.size() == 1 ? 0 : i);
        }
        return out;
    }

}
