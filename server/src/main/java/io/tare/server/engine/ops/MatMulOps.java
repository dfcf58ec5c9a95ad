package io.tare.server.engine.ops;

import io.tare.server.engine.DataType;
import io.tare.server.engine.EngineException;
import io.tare.server.engine.Tensor;
import java.util.Arrays;

/**
 * FP32 MatMul (numpy semantics: 1-D operands promoted and the added axis removed, batch axes
 * broadcast) and Gemm ({@code alpha * A' * B' + beta * C}, C broadcast to [M, N]).
 */
public final class MatMulOps {
    private MatMulOps() {
    }

    public static void register(OperatorRegistry r) {
        r.register("MatMul", 1, s -> {
            Operator packed = FloatLinear.tryMatMul(s);
            if (packed != null) {
                return packed;
            }
            if (s.node().hasInput(2)) {
                throw s.unsupported("a fused bias needs a constant 2-D FLOAT weight");
            }
            FusedActivation act = FusedActivation.from(s);
            io.tare.kernels.gemm.Gemm gemm = s.compute().gemm();
            return ctx -> activate(ctx, matmul(ctx, gemm), act);
        });
        r.register("Gemm", 7, s -> {
            float alpha = s.attrs().getFloat("alpha", 1f);
            float beta = s.attrs().getFloat("beta", 1f);
            boolean transA = s.attrs().getInt("transA", 0) != 0;
            boolean transB = s.attrs().getInt("transB", 0) != 0;
            Operator packed = FloatLinear.tryGemm(s, alpha, beta, transA, transB);
            if (packed != null) {
                return packed;
            }
            FusedActivation act = FusedActivation.from(s);
            return ctx -> activate(ctx, gemm(ctx, alpha, beta, transA, transB), act);
        });
        PermutedMatMul.register(r);
        ScaledAttention.register(r);
    }

    private static void requireFloat(Tensor t) {
        if (t.type() != DataType.FLOAT) {
            throw new EngineException("only FLOAT operands are supported, got " + t.type());
        }
    }

    /** Applies an activation the fusion pass moved into this node (the general, unpacked paths). */
    private static void activate(OpContext ctx, Tensor y, FusedActivation act) {
        if (act.kind() != FusedActivation.Kind.NONE) {
            act.applyWithBias(y.floats(), 0, y.size(), 0f);
        }
    }

    private static Tensor matmul(OpContext ctx, io.tare.kernels.gemm.Gemm gemm) {
        Tensor a = ctx.input(0);
        Tensor b = ctx.input(1);
        requireFloat(a);
        requireFloat(b);
        int[] as = a.rank() == 1 ? new int[] {1, a.dim(0)} : a.shape();
        int[] bs = b.rank() == 1 ? new int[] {b.dim(0), 1} : b.shape();
        int m = as[as.length - 2];
        int k = as[as.length - 1];
        int n = bs[bs.length - 1];
        if (bs[bs.length - 2] != k) {
            throw new EngineException("MatMul shapes " + Arrays.toString(a.shape()) + " and "
                    + Arrays.toString(b.shape()) + " do not match");
        }
        int[] batchA = Arrays.copyOf(as, as.length - 2);
        int[] batchB = Arrays.copyOf(bs, bs.length - 2);
        int[] batch = Broadcasting.shape(batchA, batchB);
        int[] full = Arrays.copyOf(batch, batch.length + 2);
        full[batch.length] = m;
        full[batch.length + 1] = n;
        // drop the axes that 1-D operands gained
        int[] outShape;
        if (a.rank() == 1 && b.rank() == 1) {
            outShape = batch;
        } else if (a.rank() == 1) {
            outShape = Arrays.copyOf(batch, batch.length + 1);
            outShape[batch.length] = n;
        } else if (b.rank() == 1) {
            outShape = Arrays.copyOf(batch, batch.length + 1);
            outShape[batch.length] = m;
        } else {
            outShape = full;
        }
        Tensor y = ctx.output(0, DataType.FLOAT, outShape);
        int[] sa = Broadcasting.strides(batchA, batch);
        int[] sb = Broadcasting.strides(batchB, batch);
        int[] none = new int[batch.length];
        float[] x = a.floats();
        float[] w = b.floats();
        float[] out = y.floats();
        if (k > 0 && n > 0) {
            // both operands computed at run time (attention): the kernels' SGEMM over B where it lies,
            // in ONNX Runtime's rounding
            Broadcasting.forEach(batch, sa, sb, none, (o, i, j, unused) -> RunTimeProduct.multiply(gemm, x, i * m * k,
                    k, m, k, w, j * k * n, n, n, out, o * m * n, n));
            return y;
        }
        Broadcasting.forEach(batch, sa, sb, none, (o, i, j, unused) ->
                FloatMatrix.multiply(x, i * m * k, k, w, j * k * n, n, out, o * m * n, n, m, k, n, false));
        return y;
    }

    private static Tensor gemm(OpContext ctx, float alpha, float beta, boolean transA, boolean transB) {
        Tensor a = ctx.input(0);
        Tensor b = ctx.input(1);
        Tensor c = ctx.input(2);
        requireFloat(a);
        requireFloat(b);
        int m = transA ? a.dim(1) : a.dim(0);
        int k = transA ? a.dim(0) : a.dim(1);
        int n = transB ? b.dim(0) : b.dim(1);
        if ((transB ? b.dim(1) : b.dim(0)) != k) {
            throw new EngineException("Gemm shapes " + Arrays.toString(a.shape()) + " and "
                    + Arrays.toString(b.shape()) + " do not match");
        }
        Tensor y = ctx.output(0, DataType.FLOAT, new int[] {m, n});
        float[] out = y.floats();
        float[] x = a.floats();
        float[] w = b.floats();
        if (transA) {
            float[] t = ctx.floatScratch(0, m * k);
            FloatMatrix.transpose(x, 0, k, m, t, 0);
            x = t;
        }
        if (transB) {
            float[] t = ctx.floatScratch(1, k * n);
            FloatMatrix.transpose(w, 0, n, k, t, 0);
            w = t;
        }
        FloatMatrix.multiply(x, 0, k, w, 0, n, out, 0, n, m, k, n, false);
        if (alpha != 1f) {
            for (int i = 0; i < m * n; i++) {
                out[i] *= alpha;
            }
        }
        if (c != null && beta != 0f) {
            requireFloat(c);
            int[] shape = {m, n};
            int[] sc = Broadcasting.strides(c.shape(), shape);
            float[] bias = c.floats();
            int[] none = new int[2];
            Broadcasting.forEach(shape, sc, none, none, (o, i, j, unused) -> out[o] += beta * bias[i]);
        }
        return y;
    }
}
