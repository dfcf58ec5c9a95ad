package io.tare.server.engine.quant;

import io.tare.server.engine.DataType;
import io.tare.server.engine.EngineException;
import io.tare.server.engine.Tensor;
import io.tare.server.engine.graph.Node;
import io.tare.server.engine.ops.Broadcasting;
import io.tare.server.engine.ops.OpContext;
import io.tare.server.engine.ops.OperatorRegistry;
import java.util.Arrays;

/**
 * Quantized matrix products on 8-bit operands, all accumulating exactly in int32: MatMulInteger
 * (int32 out), QLinearMatMul (requantized 8-bit out) and com.microsoft QGemm (ONNX Runtime's
 * quantized Gemm: int32 bias, 8-bit or float out).
 *
 * <p>Requantization follows ONNX's reference: the multiplier {@code a_scale * b_scale / y_scale}
 * is formed in float, the product with the accumulator in double, then rounded half to even.
 */
public final class IntegerMatMulOps {
    private IntegerMatMulOps() {
    }

    public static void register(OperatorRegistry r) {
        r.register("MatMulInteger", 10, s -> {
            // constant weights (dynamically quantized models): packed once, run on the kernels' INT8 GEMM
            PackedMatMulInteger packed = PackedMatMulInteger.tryCreate(s);
            if (packed != null) {
                return packed;
            }
            return ctx -> batched(ctx, 0, 1, 2, 3, Mode.INT32, -1, -1);
        });
        r.register("QLinearMatMul", 10, s -> ctx -> batched(ctx, 0, 3, 2, 5, Mode.REQUANTIZE, 1, 4));
        r.register(Node.MICROSOFT_DOMAIN, "QGemm", 1, s -> {
            float alpha = s.attrs().getFloat("alpha", 1f);
            boolean transA = s.attrs().getInt("transA", 0) != 0;
            boolean transB = s.attrs().getInt("transB", 0) != 0;
            return ctx -> qgemm(ctx, alpha, transA, transB);
        });
    }

    private enum Mode { INT32, REQUANTIZE }

    /**
     * MatMulInteger / QLinearMatMul with numpy batching. Zero points may be per row of A / per
     * column of B (MatMulInteger) or per column of B (QLinearMatMul since opset 21).
     */
    private static void batched(OpContext ctx, int ia, int ib, int iaZp, int ibZp, Mode mode, int iaScale,
            int ibScale) {
        Tensor a = ctx.input(ia);
        Tensor b = ctx.input(ib);
        Tensor aZp = ctx.input(iaZp);
        Tensor bZp = ctx.input(ibZp);
        if (!IntegerMatrix.isEightBit(a.type()) || !IntegerMatrix.isEightBit(b.type())) {
            throw new EngineException("8-bit operands expected, got " + a.type() + " and " + b.type());
        }
        int[] as = a.rank() == 1 ? new int[] {1, a.dim(0)} : a.shape();
        int[] bs = b.rank() == 1 ? new int[] {b.dim(0), 1} : b.shape();
        int m = as[as.length - 2];
        int k = as[as.length - 1];
        int n = bs[bs.length - 1];
        if (bs[bs.length - 2] != k) {
            throw new EngineException("shapes " + Arrays.toString(a.shape()) + " and " + Arrays.toString(b.shape())
                    + " do not match");
        }
        int[] batchA = Arrays.copyOf(as, as.length - 2);
        int[] batchB = Arrays.copyOf(bs, bs.length - 2);
        int[] batch = Broadcasting.shape(batchA, batchB);
        int[] outShape = Arrays.copyOf(batch, batch.length + 2);
        outShape[batch.length] = m;
        outShape[batch.length + 1] = n;
        if (a.rank() == 1 || b.rank() == 1) {
            throw new EngineException("1-D operands are not supported by the quantized MatMul");
        }
        int[] wa = ctx.intScratch(0, Tensor.sizeOf(batchA) * m * k);
        int[] wb = ctx.intScratch(1, Tensor.sizeOf(batchB) * k * n);
        int[] acc = ctx.intScratch(2, m * n);
        widenRows(a, aZp, m, k, wa);
        widenColumns(b, bZp, k, n, wb);
        DataType outType = mode == Mode.INT32 ? DataType.INT32 : ctx.input(7) == null ? DataType.UINT8 : ctx.input(7).type();
        Tensor y = ctx.output(0, outType, outShape);
        int[] sa = Broadcasting.strides(batchA, batch);
        int[] sb = Broadcasting.strides(batchB, batch);
        int[] none = new int[batch.length];
        Broadcasting.forEach(batch, sa, sb, none, (o, i, j, unused) -> {
            IntegerMatrix.multiply(wa, i * m * k, wb, j * k * n, acc, 0, m, k, n);
            if (mode == Mode.INT32) {
                System.arraycopy(acc, 0, y.ints(), o * m * n, m * n);
            } else {
                requantize(ctx, acc, m, n, y, o * m * n, iaScale, ibScale);
            }
        });
    }

    private static void requantize(OpContext ctx, int[] acc, int m, int n, Tensor y, int yOff, int iaScale,
            int ibScale) {
        float aScale = (float) ctx.input(iaScale).getDouble(0);
        Tensor bScale = ctx.input(ibScale);
        float yScale = (float) ctx.input(6).getDouble(0);
        int yZp = IntegerMatrix.scalarZeroPoint(ctx.input(7));
        DataType t = y.type();
        int lo = LinearQuantization.min(t);
        int hi = LinearQuantization.max(t);
        for (int j = 0; j < n; j++) {
            float multiplier = aScale * (float) bScale.getDouble(bScale.size() == 1 ? 0 : j) / yScale;
            for (int i = 0; i < m; i++) {
                double v = Math.rint((double) acc[i * n + j] * multiplier) + yZp;
                y.setLong(yOff + i * n + j, (long) Math.clamp(v, lo, hi));
            }
        }
    }

    /** Widens A ([batch.., m, k]) with a scalar or per-row zero point. */
    private static void widenRows(Tensor a, Tensor zp, int m, int k, int[] out) {
        boolean unsigned = a.type() == DataType.UINT8;
        int rows = a.size() / k;
        for (int r = 0; r < rows; r++) {
            int z = zp == null ? 0 : zp.size() == 1 ? (int) zp.getLong(0) : (int) zp.getLong(r % m);
            IntegerMatrix.widen(a.bytes(), r * k, k, unsigned, z, out, r * k);
        }
    }

    /** Widens B ([batch.., k, n]) with a scalar or per-column zero point. */
    private static void widenColumns(Tensor b, Tensor zp, int k, int n, int[] out) {
        boolean unsigned = b.type() == DataType.UINT8;
        byte[] q = b.bytes();
        for (int i = 0; i < b.size(); i++) {
            int z = zp == null ? 0 : zp.size() == 1 ? (int) zp.getLong(0) : (int) zp.getLong(i % n);
            out[i] = (unsigned ? q[i] & 0xFF : q[i]) - z;
        }
    }

    /** com.microsoft QGemm: Y = alpha * a_scale * b_scale * (A' x B' + C), requantized when y_scale is given. */
    private static void qgemm(OpContext ctx, float alpha, boolean transA, boolean transB) {
        Tensor a = ctx.input(0);
        Tensor b = ctx.input(3);
        Tensor c = ctx.input(6);
        Tensor yScaleT = ctx.input(7);
        int m = transA ? a.dim(1) : a.dim(0);
        int k = transA ? a.dim(0) : a.dim(1);
        int n = transB ? b.dim(0) : b.dim(1);
        int[] wa = ctx.intScratch(0, m * k);
        int[] wb = ctx.intScratch(1, k * n);
        int[] acc = ctx.intScratch(2, m * n);
        int aZp = IntegerMatrix.scalarZeroPoint(ctx.input(2));
        Tensor bZp = ctx.input(5);
        boolean aUnsigned = a.type() == DataType.UINT8;
        boolean bUnsigned = b.type() == DataType.UINT8;
        for (int i = 0; i < m; i++) {
            for (int p = 0; p < k; p++) {
                int src = transA ? p * m + i : i * k + p;
                wa[i * k + p] = (aUnsigned ? a.bytes()[src] & 0xFF : a.bytes()[src]) - aZp;
            }
        }
        for (int p = 0; p < k; p++) {
            for (int j = 0; j < n; j++) {
                int src = transB ? j * k + p : p * n + j;
                int z = bZp == null ? 0 : bZp.size() == 1 ? (int) bZp.getLong(0) : (int) bZp.getLong(j);
                wb[p * n + j] = (bUnsigned ? b.bytes()[src] & 0xFF : b.bytes()[src]) - z;
            }
        }
        IntegerMatrix.multiply(wa, 0, wb, 0, acc, 0, m, k, n);
        float aScale = (float) ctx.input(1).getDouble(0);
        Tensor bScale = ctx.input(4);
        DataType outType = yScaleT == null ? DataType.FLOAT : ctx.input(8) == null ? DataType.UINT8 : ctx.input(8).type();
        Tensor y = ctx.output(0, outType, new int[] {m, n});
        int yZp = IntegerMatrix.scalarZeroPoint(ctx.input(8));
        for (int j = 0; j < n; j++) {
            float scale = alpha * aScale * (float) bScale.getDouble(bScale.size() == 1 ? 0 : j);
            for (int i = 0; i < m; i++) {
                long total = acc[i * n + j];
                if (c != null) {
                    total += c.getLong(c.size() == 1 ? 0 : c.rank() == 2 ? (i % c.dim(0)) * c.dim(1) + j : j);
                }
                if (yScaleT == null) {
                    y.floats()[i * n + j] = total * scale;
                } else {
                    float multiplier = scale / (float) yScaleT.getDouble(0);
                    double v = Math.rint(total * (double) multiplier) + yZp;
                    y.setLong(i * n + j, (long) Math.clamp(v, LinearQuantization.min(outType), LinearQuantization.max(outType)));
                }
            }
        }
    }
}
