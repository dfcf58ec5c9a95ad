package io.tare.server.engine.ops;

import io.tare.kernels.gemm.Gemm;
import io.tare.server.engine.DataType;
import io.tare.server.engine.EngineException;
import io.tare.server.engine.Tensor;
import java.util.Arrays;

/**
 * {@code tare:PermutedMatMul}: FP32 MatMul of two run-time operands of rank >= 2 whose Transposes
 * were folded in ({@link io.tare.server.engine.passes.TransposeMatMulFusion}, never read from
 * files): {@code Transpose(MatMul(Transpose(a, perm_a), Transpose(b, perm_b)), perm_out)}, each
 * permutation optional. The operands are read where they lie, through strides: attention's
 * [B, S, H, D] projections are multiplied head by head without the [B, H, S, D] copies, and the
 * result is written straight into [B, S, H, D].
 *
 * <p>Per batch entry, A is handed to the kernels in place when its rows are contiguous (row stride
 * {@code lda}); so is B when its rows are contiguous (else it is gathered into a reused block); C is
 * written with its row stride. Each element is the same k-order fused multiply-add chain as the
 * MatMul alone ({@link RunTimeProduct}), so the bits are the unfused graph's. Batch axes broadcast as
 * MatMul's do.
 */
public final class PermutedMatMul {
    public static final String DOMAIN = "tare";
    public static final String OP = "PermutedMatMul";
    public static final String PERM_A = "tare_perm_a";
    public static final String PERM_B = "tare_perm_b";
    public static final String PERM_OUT = "tare_perm_out";

    private PermutedMatMul() {
    }

    static void register(OperatorRegistry r) {
        r.register(DOMAIN, OP, 1, s -> {
            long[] pa = s.attrs().getInts(PERM_A, null);
            long[] pb = s.attrs().getInts(PERM_B, null);
            long[] pc = s.attrs().getInts(PERM_OUT, null);
            Gemm gemm = s.compute().gemm();
            return ctx -> run(ctx, gemm, pa, pb, pc);
        });
    }

    /** A tensor seen through a permutation: the permuted shape and each permuted axis's stride. */
    record View(int[] shape, int[] strides) {
        int rowStride() {
            return strides[shape.length - 2];
        }

        int colStride() {
            return strides[shape.length - 1];
        }

        static View of(int[] physical, long[] perm) {
            int rank = physical.length;
            int[] strides = Axes.strides(physical);
            if (perm == null) {
                return new View(physical.clone(), strides);
            }
            if (perm.length != rank) {
                throw new EngineException("permutation " + Arrays.toString(perm) + " for rank " + rank);
            }
            int[] shape = new int[rank];
            int[] s = new int[rank];
            for (int i = 0; i < rank; i++) {
                int p = Axes.normalize(perm[i], rank);
                shape[i] = physical[p];
                s[i] = strides[p];
            }
            return new View(shape, s);
        }
    }

    private static void run(OpContext ctx, Gemm gemm, long[] pa, long[] pb, long[] pc) {
        Tensor a = ctx.input(0);
        Tensor b = ctx.input(1);
        requireFloat(a, b);
        Geometry g = Geometry.of(a.shape(), pa, b.shape(), pb, pc);
        Tensor y = ctx.output(0, DataType.FLOAT, g.outShape());
        multiply(ctx, gemm, g, a.floats(), b.floats(), y.floats());
    }

    static void requireFloat(Tensor a, Tensor b) {
        if (a.type() != DataType.FLOAT || b.type() != DataType.FLOAT || a.rank() < 2 || b.rank() < 2) {
            throw new EngineException("PermutedMatMul needs FLOAT operands of rank >= 2");
        }
    }

    /**
     * Where a permuted product reads and writes: the operands' views, the product's sizes, its
     * broadcast batch axes with each operand's and the output's stride on them.
     */
    record Geometry(View a, View b, int m, int k, int n, int[] batch, int[] outShape, int[] cStrides, int[] sa,
            int[] sb) {
        static Geometry of(int[] aShape, long[] pa, int[] bShape, long[] pb, long[] pc) {
            View va = View.of(aShape, pa);
            View vb = View.of(bShape, pb);
            int ra = va.shape.length;
            int rb = vb.shape.length;
            int m = va.shape[ra - 2];
            int k = va.shape[ra - 1];
            int n = vb.shape[rb - 1];
            if (vb.shape[rb - 2] != k) {
                throw new EngineException("MatMul shapes " + Arrays.toString(va.shape) + " and "
                        + Arrays.toString(vb.shape) + " do not match");
            }
            int[] batch = Broadcasting.shape(Arrays.copyOf(va.shape, ra - 2), Arrays.copyOf(vb.shape, rb - 2));
            int rank = batch.length + 2;
            int[] logical = Arrays.copyOf(batch, rank);
            logical[rank - 2] = m;
            logical[rank - 1] = n;
            // the output is Transpose(logical, pc): its shape, and each logical axis's stride in it
            int[] outShape = new int[rank];
            int[] cStrides = new int[rank];
            if (pc == null) {
                outShape = logical;
                cStrides = Axes.strides(logical);
            } else {
                if (pc.length != rank) {
                    throw new EngineException("output permutation " + Arrays.toString(pc) + " for rank " + rank);
                }
                for (int i = 0; i < rank; i++) {
                    outShape[i] = logical[Axes.normalize(pc[i], rank)];
                }
                int[] physStrides = Axes.strides(outShape);
                for (int i = 0; i < rank; i++) {
                    cStrides[Axes.normalize(pc[i], rank)] = physStrides[i];
                }
            }
            return new Geometry(va, vb, m, k, n, batch, outShape, cStrides, batchStrides(va, batch),
                    batchStrides(vb, batch));
        }

        int rank() {
            return batch.length + 2;
        }

        /** Row stride of C. */
        int ldc() {
            return cStrides[rank() - 2];
        }

        /** Column stride of C (1 when its rows are contiguous). */
        int cColStride() {
            return cStrides[rank() - 1];
        }

        /** Number of batch entries. */
        int entries() {
            return Axes.product(batch, 0, batch.length);
        }
    }

    /** Floats of B scratch an entry needs: B gathered, unless its rows are contiguous. */
    static int bScratch(Geometry g) {
        return g.b().colStride() == 1 ? 0 : g.k() * g.n();
    }

    /** The whole product {@code out = a x b} as laid out by {@code g}; scratch slots 0 to 2. */
    static void multiply(OpContext ctx, Gemm gemm, Geometry g, float[] x, float[] w, float[] out) {
        int m = g.m();
        int k = g.k();
        int n = g.n();
        int[] batch = g.batch();
        if (m == 0 || n == 0 || Axes.product(g.outShape(), 0, g.outShape().length) == 0) {
            return;
        }
        int[] sa = g.sa();
        int[] sb = g.sb();
        int[] cStrides = g.cStrides();
        float[] aBlock = ctx.floatScratch(0, g.a().colStride() == 1 ? 0 : m * k);
        float[] bBlock = ctx.floatScratch(1, bScratch(g));
        float[] cBlock = ctx.floatScratch(2, g.cColStride() == 1 ? 0 : m * n);
        int[] index = new int[batch.length];
        int count = g.entries();
        int ao = 0;
        int bo = 0;
        int co = 0;
        for (int e = 0; e < count; e++) {
            entry(gemm, g, x, ao, w, bo, aBlock, bBlock, out, co, g.ldc(), g.cColStride(), cBlock);
            // odometer over the batch axes
            for (int d = batch.length - 1; d >= 0; d--) {
                index[d]++;
                ao += sa[d];
                bo += sb[d];
                co += cStrides[d];
                if (index[d] < batch[d]) {
                    break;
                }
                ao -= sa[d] * batch[d];
                bo -= sb[d] * batch[d];
                co -= cStrides[d] * batch[d];
                index[d] = 0;
            }
        }
    }

    /**
     * One batch entry, A at {@code ao} in {@code x} and B at {@code bo} in {@code w} as the views
     * say, C at {@code co} with strides {@code ldc} and {@code cColStride}. A is read in place when
     * its rows are contiguous, else gathered into {@code aBlock} [m * k]; {@code bBlock} holds
     * {@link #bScratch} floats; {@code cBlock} [m * n] when C's rows are not contiguous.
     */
    static void entry(Gemm gemm, Geometry g, float[] x, int ao, float[] w, int bo, float[] aBlock, float[] bBlock,
            float[] out, int co, int ldc, int cColStride, float[] cBlock) {
        int m = g.m();
        int k = g.k();
        int n = g.n();
        float[] aSrc = x;
        int aOff = ao;
        int lda = g.a().rowStride();
        if (g.a().colStride() != 1) {
            gather(x, ao, g.a().rowStride(), g.a().colStride(), m, k, aBlock);
            aSrc = aBlock;
            aOff = 0;
            lda = k;
        }
        if (k == 0) { // an empty sum: zeros
            fill(out, co, ldc, cColStride, m, n);
        } else {
            product(gemm, aSrc, aOff, lda, m, k, n, w, bo, g.b().rowStride(), g.b().colStride(), bBlock, out, co,
                    ldc, cColStride, cBlock);
        }
    }

    /**
     * One batch entry, C written in place when its rows are contiguous. B is read where it lies when
     * its rows are contiguous (attention's V); otherwise (K read as K^T) it is gathered into
     * {@code bBlock} as a plain [k, n] block first. B is not packed whole beforehand: each B serves
     * one product, and the kernels copy it one column group at a time into a panel in L1
     * ({@link io.tare.kernels.Kernels#sgemmPlain}); packing attention's K^T and V whole, head by
     * head, cost more.
     */
    private static void product(Gemm gemm, float[] a, int aOff, int lda, int m, int k, int n, float[] w, int bOff,
            int bRowStride, int bColStride, float[] bBlock, float[] out, int cOff, int ldc, int cColStride,
            float[] cBlock) {
        float[] b = w;
        int ldb = bRowStride;
        if (bColStride != 1) {
            gather(w, bOff, bRowStride, bColStride, k, n, bBlock);
            b = bBlock;
            bOff = 0;
            ldb = n;
        }
        if (cColStride == 1) {
            RunTimeProduct.multiply(gemm, a, aOff, lda, m, k, b, bOff, ldb, n, out, cOff, ldc);
        } else {
            RunTimeProduct.multiply(gemm, a, aOff, lda, m, k, b, bOff, ldb, n, cBlock, 0, n);
            scatter(cBlock, m, n, out, cOff, ldc, cColStride);
        }
    }

    /** The view's stride for each broadcast batch axis (0 where it has size 1 or lacks the axis). */
    private static int[] batchStrides(View v, int[] batch) {
        int[] s = new int[batch.length];
        int own = v.shape.length - 2;
        for (int d = 0; d < own; d++) {
            int bd = batch.length - own + d;
            s[bd] = v.shape[d] == 1 ? 0 : v.strides[d];
        }
        return s;
    }

    /** Copies a strided [rows, cols] block into contiguous {@code dst}. */
    private static void gather(float[] src, int off, int rowStride, int colStride, int rows, int cols, float[] dst) {
        for (int r = 0; r < rows; r++) {
            int s = off + r * rowStride;
            if (colStride == 1) {
                System.arraycopy(src, s, dst, r * cols, cols);
            } else {
                for (int c = 0; c < cols; c++) {
                    dst[r * cols + c] = src[s + c * colStride];
                }
            }
        }
    }

    private static void scatter(float[] src, int rows, int cols, float[] dst, int off, int rowStride, int colStride) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                dst[off + r * rowStride + c * colStride] = src[r * cols + c];
            }
        }
    }

    private static void fill(float[] dst, int off, int rowStride, int colStride, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                dst[off + r * rowStride + c * colStride] = 0f;
            }
        }
    }
}
