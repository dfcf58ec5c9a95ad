package io.tare.server.engine.ops;

import io.tare.kernels.Kernels;
import io.tare.kernels.gemm.Gemm;
import io.tare.server.engine.DataType;
import io.tare.server.engine.EngineException;
import io.tare.server.engine.Tensor;
import java.util.Arrays;

/**
 * {@code tare:ScaledAttention}: {@code PermutedMatMul(MaskedSoftmax(PermutedMatMul(q, k), mask), v)}
 * as one step (made by {@link io.tare.server.engine.passes.AttentionFusion}, never read from files).
 * Inputs {@code q, k, v} and an optional {@code mask}; the attributes are those of the three nodes
 * it replaces: {@link #PERM_Q}, {@link #PERM_K} (the first product's operand permutations),
 * {@link MaskedSoftmax#DIVISOR} or {@link MaskedSoftmax#MULTIPLIER}, {@link #PERM_V} and
 * {@link #PERM_OUT} (the second product's).
 *
 * <p>Head by head (one batch entry of the scores), the [m, n] scores are computed into a reused
 * buffer, each row scaled, masked and soft-maxed there, and multiplied by the head's V straight
 * into the output. The unfused steps wrote the whole [B, H, S, S] scores tensor (6 MiB for
 * all-MiniLM-L6-v2 at 8 x 128 tokens) and read it twice more; one head's scores (64 KiB) stay in
 * cache. Every element goes through the same operations as in the three steps
 * ({@link PermutedMatMul#entry}, {@link MaskedSoftmax#row}), so the bits are theirs.
 *
 * <p>Shapes outside the head-by-head form (a mask or V whose broadcast would enlarge the scores'
 * batch, empty axes) run the three steps one after the other on temporary tensors. Stateless.
 */
public final class ScaledAttention {
    public static final String DOMAIN = "tare";
    public static final String OP = "ScaledAttention";
    public static final String PERM_Q = "tare_perm_q";
    public static final String PERM_K = "tare_perm_k";
    public static final String PERM_V = "tare_perm_v";
    public static final String PERM_OUT = "tare_perm_out";

    /** Float scratch slot of one head's scores; slots 0 to 2 are the products'. */
    private static final int SCORES_SCRATCH = 3;

    private ScaledAttention() {
    }

    /** The three steps' settings. */
    private record Settings(long[] pq, long[] pk, long[] pv, long[] pout, boolean divide, boolean multiply, float c) {
    }

    static void register(OperatorRegistry r) {
        r.register(DOMAIN, OP, 1, s -> {
            MaskedSoftmax.Scaling scaling = MaskedSoftmax.Scaling.of(s.attrs());
            Settings set = new Settings(s.attrs().getInts(PERM_Q, null), s.attrs().getInts(PERM_K, null),
                    s.attrs().getInts(PERM_V, null), s.attrs().getInts(PERM_OUT, null), scaling.divide(),
                    scaling.multiply(), scaling.c());
            Gemm gemm = s.compute().gemm();
            Kernels kernels = s.compute().kernels();
            return ctx -> run(ctx, gemm, kernels, set);
        });
    }

    private static void run(OpContext ctx, Gemm gemm, Kernels kernels, Settings set) {
        Tensor q = ctx.input(0);
        Tensor k = ctx.input(1);
        Tensor v = ctx.input(2);
        Tensor mask = ctx.input(3);
        PermutedMatMul.requireFloat(q, k);
        PermutedMatMul.requireFloat(q, v);
        if (mask != null && mask.type() != DataType.FLOAT) {
            throw new EngineException("ScaledAttention needs a FLOAT mask, got " + mask.type());
        }
        PermutedMatMul.Geometry first = PermutedMatMul.Geometry.of(q.shape(), set.pq, k.shape(), set.pk, null);
        int[] scores = first.outShape();
        // the mask's Add may enlarge the probabilities beyond the scores
        int[] probabilities = mask == null ? scores : Broadcasting.shape(scores, mask.shape());
        PermutedMatMul.Geometry second = PermutedMatMul.Geometry.of(probabilities, null, v.shape(), set.pv, set.pout);
        Tensor y = ctx.output(0, DataType.FLOAT, second.outShape());
        boolean headByHead = Arrays.equals(probabilities, scores) && Arrays.equals(first.batch(), second.batch())
                && first.m() > 0 && first.n() > 0 && first.k() > 0 && second.n() > 0;
        if (headByHead) {
            heads(ctx, gemm, kernels, set, first, second, q.floats(), k.floats(), v.floats(), mask, y.floats());
        } else {
            unfused(ctx, gemm, kernels, set, first, second, q, k, v, mask, y);
        }
    }

    private static void heads(OpContext ctx, Gemm gemm, Kernels kernels, Settings set, PermutedMatMul.Geometry first,
            PermutedMatMul.Geometry second, float[] q, float[] k, float[] v, Tensor mask, float[] out) {
        int m = first.m();
        int n = first.n();
        int[] batch = first.batch();
        int rank = batch.length + 2;
        int[] scoresShape = first.outShape();
        float[] maskData = mask == null ? null : mask.floats();
        int[] ms = mask == null ? new int[rank] : Broadcasting.strides(mask.shape(), scoresShape);
        float[] aBlock = ctx.floatScratch(0, first.a().colStride() == 1 ? 0 : m * first.k());
        float[] bBlock = ctx.floatScratch(1, Math.max(PermutedMatMul.bScratch(first), PermutedMatMul.bScratch(second)));
        float[] cBlock = ctx.floatScratch(2, second.cColStride() == 1 ? 0 : m * second.n());
        float[] s = ctx.floatScratch(SCORES_SCRATCH, m * n);
        int[] index = new int[batch.length];
        int count = first.entries();
        int qo = 0;
        int ko = 0;
        int vo = 0;
        int co = 0;
        int mo = 0;
        for (int e = 0; e < count; e++) {
            PermutedMatMul.entry(gemm, first, q, qo, k, ko, aBlock, bBlock, s, 0, n, 1, null);
            for (int r = 0; r < m; r++) {
                MaskedSoftmax.row(kernels, s, r * n, 1, s, r * n, n, set.divide, set.multiply, set.c, maskData,
                        mo + r * ms[rank - 2], ms[rank - 1]);
            }
            PermutedMatMul.entry(gemm, second, s, 0, v, vo, null, bBlock, out, co, second.ldc(), second.cColStride(),
                    cBlock);
            // odometer over the batch axes (the same for both products)
            for (int d = batch.length - 1; d >= 0; d--) {
                index[d]++;
                qo += first.sa()[d];
                ko += first.sb()[d];
                vo += second.sb()[d];
                co += second.cStrides()[d];
                mo += ms[d];
                if (index[d] < batch[d]) {
                    break;
                }
                qo -= first.sa()[d] * batch[d];
                ko -= first.sb()[d] * batch[d];
                vo -= second.sb()[d] * batch[d];
                co -= second.cStrides()[d] * batch[d];
                mo -= ms[d] * batch[d];
                index[d] = 0;
            }
        }
    }

    /** The three steps in turn, through temporary tensors (rare shapes only). */
    private static void unfused(OpContext ctx, Gemm gemm, Kernels kernels, Settings set, PermutedMatMul.Geometry first,
            PermutedMatMul.Geometry second, Tensor q, Tensor k, Tensor v, Tensor mask, Tensor y) {
        Tensor scores = Tensor.allocate(DataType.FLOAT, first.outShape());
        PermutedMatMul.multiply(ctx, gemm, first, q.floats(), k.floats(), scores.floats());
        Tensor p = Tensor.allocate(DataType.FLOAT, MaskedSoftmax.shape(scores, mask));
        MaskedSoftmax.compute(kernels, scores, mask, p, set.divide, set.multiply, set.c);
        PermutedMatMul.multiply(ctx, gemm, second, p.floats(), v.floats(), y.floats());
    }
}
