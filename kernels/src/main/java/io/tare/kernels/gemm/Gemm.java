package io.tare.kernels.gemm;

import io.tare.kernels.Kernels;
import io.tare.kernels.pool.ComputePool;
import io.tare.kernels.quant.QuantizedRows;
import io.tare.kernels.tensor.QuantParams;

/**
 * The GEMM family over one {@link Kernels} tier: weight pre-packing (once, at model load) and
 * {@code C = epilogue(A x B)} for FP32, W8A32 and INT8 operands, into caller-provided outputs.
 *
 * <p>A is row-major [m, k] with row stride {@code lda}; C is row-major [m, n] with row stride
 * {@code ldc}. Work is split over the pool's workers by column panels; each worker walks
 * {@link #ROW_BLOCK}-row blocks of A so that a block stays in L2 while its panels pass over it.
 *
 * <p><b>Threading.</b> Thread-safe; calls from several threads share the pool (taking turns).
 * Nothing is allocated per call except one small task object; INT8 scratch is thread-local,
 * allocated on a thread's first call.
 */
public final class Gemm {
    /** Rows of A per block. */
    public static final int ROW_BLOCK = 64;
    /** Columns per INT8 scratch block: 64 x 256 ints = 64 KiB, L2-resident. */
    private static final int INT8_COLUMN_BLOCK = 256;

    private final Kernels kernels;
    private final ComputePool pool;
    private final ThreadLocal<int[]> scratch = ThreadLocal.withInitial(() -> new int[ROW_BLOCK * INT8_COLUMN_BLOCK]);
    private final ThreadLocal<float[]> rowSums = ThreadLocal.withInitial(() -> new float[ROW_BLOCK]);

    /** @param pool the workers to split over, or null to run on the caller alone */
    public Gemm(Kernels kernels, ComputePool pool) {
        this.kernels = kernels;
        this.pool = pool;
    }

    public Kernels kernels() {
        return kernels;
    }

    public int threads() {
        return pool == null ? 1 : pool.threads();
    }

    /** Packs FP32 B ([K, N] row-major, or [N, K] when {@code transposed}) for this tier. */
    public PackedFloatMatrix packFloat(float[] b, int off, int k, int n, boolean transposed) {
        return PackedFloatMatrix.pack(b, off, k, n, transposed, kernels.floatPanelWidth());
    }

    /** Packs quantized B for this tier; {@code params} per tensor or one entry per column. */
    public PackedInt8Matrix packInt8(byte[] b, int off, int k, int n, boolean transposed, QuantParams params) {
        return PackedInt8Matrix.pack(b, off, k, n, transposed, params, kernels.int8PanelWidth(), kernels.int8Layout());
    }

    /** Quantizes FP32 weights symmetric per column (INT8) and packs them for this tier. */
    public PackedInt8Matrix quantizeWeights(float[] w, int off, int k, int n, boolean transposed) {
        return PackedInt8Matrix.quantizeSymmetric(w, off, k, n, transposed, kernels.int8PanelWidth(),
                kernels.int8Layout());
    }

    /** FP32 GEMM with bias/activation epilogue (no requantization). */
    public void sgemm(float[] a, int aOff, int lda, int m, PackedFloatMatrix b, float[] c, int cOff, int ldc,
            Epilogue ep) {
        if (b.panelWidth() != kernels.floatPanelWidth() && kernels.tier() != io.tare.kernels.KernelTier.SCALAR) {
            throw new IllegalArgumentException("B packed for panel width " + b.panelWidth() + ", this tier uses "
                    + kernels.floatPanelWidth());
        }
        requireFloatOutput(ep);
        int w = b.panelWidth();
        forPanels(b.panels(), (p0, p1) -> {
            int j0 = p0 * w;
            int j1 = Math.min(b.n(), p1 * w);
            for (int i0 = 0; i0 < m; i0 += ROW_BLOCK) {
                int rows = Math.min(ROW_BLOCK, m - i0);
                int cRow = cOff + i0 * ldc + j0;
                kernels.sgemm(a, aOff + i0 * lda, lda, rows, b, p0, p1, c, cRow, ldc);
                EpilogueWriter.floatInPlace(c, cRow, ldc, rows, j0, j1, ep);
            }
        });
    }

    /** W8A32: FP32 activations times INT8 weights dequantized in registers, FP32 output. */
    public void w8a32(float[] a, int aOff, int lda, int m, PackedInt8Matrix b, float[] c, int cOff, int ldc,
            Epilogue ep) {
        checkInt8(b);
        requireFloatOutput(ep);
        int w = b.panelWidth();
        boolean needSums = b.hasZeroPoints();
        forPanels(b.panels(), (p0, p1) -> {
            int j0 = p0 * w;
            int j1 = Math.min(b.n(), p1 * w);
            float[] sums = needSums ? rowSums.get() : null;
            for (int i0 = 0; i0 < m; i0 += ROW_BLOCK) {
                int rows = Math.min(ROW_BLOCK, m - i0);
                if (needSums) {
                    for (int i = 0; i < rows; i++) {
                        float s = 0f;
                        for (int kk = 0; kk < b.k(); kk++) {
                            s += a[aOff + (i0 + i) * lda + kk];
                        }
                        sums[i] = s;
                    }
                }
                int cRow = cOff + i0 * ldc + j0;
                kernels.w8a32(a, aOff + i0 * lda, lda, rows, b, p0, p1, c, cRow, ldc);
                EpilogueWriter.w8a32InPlace(c, cRow, ldc, rows, 0, sums, j0, j1, b, ep);
            }
        });
    }

    /** INT8 x INT8 with dequantize + bias + activation epilogue, FP32 output. */
    public void int8(QuantizedRows a, PackedInt8Matrix b, float[] c, int cOff, int ldc, Epilogue ep) {
        requireFloatOutput(ep);
        int8Blocks(a, b, (raw, lds, rows, i0, j0, j1) ->
                EpilogueWriter.int8ToFloat(raw, lds, rows, i0, a, j0, j1, b, ep, c, cOff, ldc));
    }

    /** INT8 x INT8 requantized to the epilogue's 8-bit output parameters (static INT8 chains). */
    public void int8Requantize(QuantizedRows a, PackedInt8Matrix b, byte[] c, int cOff, int ldc, Epilogue ep) {
        if (ep.output() == null) {
            throw new IllegalArgumentException("requantizing GEMM needs output parameters in its epilogue");
        }
        int8Blocks(a, b, (raw, lds, rows, i0, j0, j1) ->
                EpilogueWriter.int8ToInt8(raw, lds, rows, i0, a, j0, j1, b, ep, c, cOff, ldc));
    }

    /** Exact int32 {@code sum_k (a - za)(b - zb)} (ONNX MatMulInteger). */
    public void int8Exact(QuantizedRows a, PackedInt8Matrix b, int[] c, int cOff, int ldc) {
        int8Blocks(a, b, (raw, lds, rows, i0, j0, j1) ->
                EpilogueWriter.int8ToInt32(raw, lds, rows, i0, a, j0, j1, b, c, cOff, ldc));
    }

    private interface BlockSink {
        void accept(int[] raw, int lds, int rows, int rowBase, int j0, int j1);
    }

    private void int8Blocks(QuantizedRows a, PackedInt8Matrix b, BlockSink sink) {
        checkInt8(b);
        if (a.k() != b.k()) {
            throw new IllegalArgumentException("A has k=" + a.k() + ", B has k=" + b.k());
        }
        int w = b.panelWidth();
        int group = Math.max(1, INT8_COLUMN_BLOCK / w);
        int m = a.rows();
        forPanels(b.panels(), (p0, p1) -> {
            int[] raw = scratch.get();
            int lds = group * w;
            for (int i0 = 0; i0 < m; i0 += ROW_BLOCK) {
                int rows = Math.min(ROW_BLOCK, m - i0);
                for (int g = p0; g < p1; g += group) {
                    int g1 = Math.min(p1, g + group);
                    kernels.int8(a.data(), i0 * a.stride(), a.stride(), rows, b, g, g1, raw, 0, lds);
                    sink.accept(raw, lds, rows, i0, g * w, Math.min(b.n(), g1 * w));
                }
            }
        });
    }

    private interface PanelRange {
        void run(int panelFrom, int panelTo);
    }

    private void forPanels(int panels, PanelRange body) {
        int workers = Math.min(threads(), panels);
        if (workers <= 1) {
            body.run(0, panels);
            return;
        }
        pool.run((worker, count) -> {
            int used = Math.min(count, panels);
            if (worker < used) {
                body.run(worker * panels / used, (worker + 1) * panels / used);
            }
        });
    }

    private void checkInt8(PackedInt8Matrix b) {
        if (kernels.tier() != io.tare.kernels.KernelTier.SCALAR
                && (b.panelWidth() != kernels.int8PanelWidth() || b.layout() != kernels.int8Layout())) {
            throw new IllegalArgumentException("B packed as " + b.layout() + "/" + b.panelWidth() + ", this tier uses "
                    + kernels.int8Layout() + "/" + kernels.int8PanelWidth());
        }
    }

    private static void requireFloatOutput(Epilogue ep) {
        if (ep.output() != null) {
            throw new IllegalArgumentException("FP32 output cannot requantize; use int8Requantize");
        }
    }
}
