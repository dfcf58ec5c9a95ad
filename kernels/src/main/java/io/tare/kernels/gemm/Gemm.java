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
 * <p>On a tier that {@link Kernels#fusesInt8Epilogue() fuses the INT8 epilogue} (native),
 * {@link #int8Exact} and non-accumulating {@link #int8} make one call per row block straight into C
 * instead (no scratch, no Java pass over the int32 block).
 *
 * <p>An {@link Epilogue#accumulating() accumulating} epilogue adds into C (residual adds): the
 * products then go through an L2-sized scratch block, {@link #ROW_BLOCK} rows by at most
 * {@link #COLUMN_BLOCK} columns, instead of being written into C directly.
 *
 * <p><b>Threading.</b> Thread-safe; calls from several threads share the pool (taking turns).
 * Nothing is allocated per call except one small task object; scratch is thread-local,
 * allocated on a thread's first call.
 */
public final class Gemm {
    /** Rows of A per block. */
    public static final int ROW_BLOCK = 64;
    /** Columns per scratch block: 64 x 256 ints or floats = 64 KiB, L2-resident. */
    public static final int COLUMN_BLOCK = 256;

    private final Kernels kernels;
    private final ComputePool pool;
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

    /**
     * One thread's buffers: a raw block (int or float) and the epilogue's row buffers, which are
     * indexed by output column (see {@link EpilogueWriter}) and grow to the widest N seen.
     */
    private static final class Scratch {
        final int[] ints = new int[ROW_BLOCK * COLUMN_BLOCK];
        final float[] floats = new float[ROW_BLOCK * COLUMN_BLOCK];
        final float[] rowSums = new float[ROW_BLOCK];
        private float[] row = new float[COLUMN_BLOCK];
        private float[] multipliers = new float[COLUMN_BLOCK];
        private float[] spare = new float[COLUMN_BLOCK];
        private int[] acc = new int[COLUMN_BLOCK];
        private float[] tiledWork = new float[0];
        private byte[] gathered = new byte[0];

        byte[] gathered(int n) {
            if (gathered.length < n) {
                gathered = new byte[n];
            }
            return gathered;
        }

        float[] tiledWork(int n) {
            if (tiledWork.length < n) {
                tiledWork = new float[n];
            }
            return tiledWork;
        }

        float[] spare(int n) {
            if (spare.length < n) {
                spare = new float[n];
            }
            return spare;
        }

        int[] acc(int n) {
            if (acc.length < n) {
                acc = new int[n];
            }
            return acc;
        }

        float[] row(int n) {
            if (row.length < n) {
                row = new float[n];
            }
            return row;
        }

        float[] multipliers(int n) {
            if (multipliers.length < n) {
                multipliers = new float[n];
            }
            return multipliers;
        }
    }

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
        return quantizeWeights(w, off, k, n, transposed, 8);
    }

    /** As {@link #quantizeWeights(float[], int, int, int, boolean)} to 8 or 7 bits (scale max|w| / 63). */
    public PackedInt8Matrix quantizeWeights(float[] w, int off, int k, int n, boolean transposed, int bits) {
        return PackedInt8Matrix.quantizeSymmetric(w, off, k, n, transposed, bits, kernels.int8PanelWidth(),
                kernels.int8Layout());
    }

    /** FP32 GEMM with bias/activation epilogue, stored or accumulated (no requantization). */
    public void sgemm(float[] a, int aOff, int lda, int m, PackedFloatMatrix b, float[] c, int cOff, int ldc,
            Epilogue ep) {
        if (b.panelWidth() != kernels.floatPanelWidth() && kernels.tier() != io.tare.kernels.KernelTier.SCALAR) {
            throw new IllegalArgumentException("B packed for panel width " + b.panelWidth() + ", this tier uses "
                    + kernels.floatPanelWidth());
        }
        requireFloatOutput(ep);
        int w = b.panelWidth();
        forPanels(b.panels(), (p0, p1) -> {
            for (int i0 = 0; i0 < m; i0 += ROW_BLOCK) {
                int rows = Math.min(ROW_BLOCK, m - i0);
                int aRow = aOff + i0 * lda;
                int cRow = cOff + i0 * ldc;
                Scratch s = scratch.get();
                float[] row = s.row(b.n());
                float[] spare = s.spare(b.n());
                if (ep.accumulates()) {
                    forColumnGroups(w, p0, p1, b.n(), (g0, g1, j0, j1, lds) -> {
                        kernels.sgemm(a, aRow, lda, rows, b, g0, g1, s.floats, 0, lds);
                        EpilogueWriter.floatBlock(s.floats, 0, lds, rows, j0, j1, ep, kernels, row, spare, c, cRow + j0,
                                ldc);
                    });
                } else {
                    int j0 = p0 * w;
                    kernels.sgemm(a, aRow, lda, rows, b, p0, p1, c, cRow + j0, ldc);
                    if (!ep.isIdentity()) {
                        EpilogueWriter.floatBlock(c, cRow + j0, ldc, rows, j0, Math.min(b.n(), p1 * w), ep, kernels,
                                row, spare, c, cRow + j0, ldc);
                    }
                }
            }
        });
    }

    /**
     * {@code C = A x B} with B plain row-major [k, n] (row stride {@code ldb}), not packed beforehand
     * ({@link Kernels#sgemmPlain}): for products of two run-time operands. Rows in
     * {@link #ROW_BLOCK}s, column groups of the tier's panel width split over the workers.
     */
    public void sgemmPlain(float[] a, int aOff, int lda, int m, int k, float[] b, int bOff, int ldb, int n, float[] c,
            int cOff, int ldc) {
        int w = kernels.floatPanelWidth();
        forPanels((n + w - 1) / w, (p0, p1) -> {
            int j0 = p0 * w;
            int cols = Math.min(n, p1 * w) - j0;
            for (int i0 = 0; i0 < m; i0 += ROW_BLOCK) {
                int rows = Math.min(ROW_BLOCK, m - i0);
                kernels.sgemmPlain(a, aOff + i0 * lda, lda, rows, k, b, bOff + j0, ldb, cols, c, cOff + i0 * ldc + j0,
                        ldc);
            }
        });
    }

    /** W8A32: FP32 activations times INT8 weights dequantized in registers, FP32 output (stored or accumulated). */
    public void w8a32(float[] a, int aOff, int lda, int m, PackedInt8Matrix b, float[] c, int cOff, int ldc,
            Epilogue ep) {
        checkInt8(b);
        requireFloatOutput(ep);
        int w = b.panelWidth();
        boolean needSums = b.hasZeroPoints();
        forPanels(b.panels(), (p0, p1) -> {
            Scratch s = scratch.get();
            float[] sums = needSums ? s.rowSums : null;
            float[] row = s.row(b.n());
            float[] spare = s.spare(b.n());
            for (int i0 = 0; i0 < m; i0 += ROW_BLOCK) {
                int rows = Math.min(ROW_BLOCK, m - i0);
                int aRow = aOff + i0 * lda;
                int cRow = cOff + i0 * ldc;
                if (needSums) {
                    for (int i = 0; i < rows; i++) {
                        float sum = 0f;
                        for (int kk = 0; kk < b.k(); kk++) {
                            sum += a[aRow + i * lda + kk];
                        }
                        sums[i] = sum;
                    }
                }
                if (ep.accumulates()) {
                    forColumnGroups(w, p0, p1, b.n(), (g0, g1, j0, j1, lds) -> {
                        kernels.w8a32(a, aRow, lda, rows, b, g0, g1, s.floats, 0, lds);
                        EpilogueWriter.w8a32Block(s.floats, 0, lds, rows, sums, j0, j1, b, ep, kernels, row, spare,
                                c, cRow + j0, ldc);
                    });
                } else {
                    int j0 = p0 * w;
                    kernels.w8a32(a, aRow, lda, rows, b, p0, p1, c, cRow + j0, ldc);
                    EpilogueWriter.w8a32Block(c, cRow + j0, ldc, rows, sums, j0, Math.min(b.n(), p1 * w), b, ep,
                            kernels, row, spare, c, cRow + j0, ldc);
                }
            }
        });
    }

    /** INT8 x INT8 with dequantize + bias + activation epilogue, FP32 output (stored or accumulated). */
    public void int8(QuantizedRows a, PackedInt8Matrix b, float[] c, int cOff, int ldc, Epilogue ep) {
        int8(a, null, b, c, cOff, ldc, ep);
    }

    /**
     * {@link #int8(QuantizedRows, PackedInt8Matrix, float[], int, int, Epilogue)} with A's rows
     * gathered from {@code windows} (implicit im2col; null: A's own bytes). {@code a} gives the row
     * count, k, scales and zero points, and must hold the gathered rows' sums when B has zero points.
     */
    public void int8(QuantizedRows a, WindowRows windows, PackedInt8Matrix b, float[] c, int cOff, int ldc,
            Epilogue ep) {
        requireFloatOutput(ep);
        if (windows == null && !ep.accumulates() && kernels.fusesInt8Epilogue()) {
            int8Fused(a, b, null, c, cOff, ldc, ep);
            return;
        }
        int8Blocks(a, windows, b, (raw, lds, rows, i0, j0, j1, s) -> EpilogueWriter.int8ToFloat(raw, lds, rows, i0, a,
                j0, j1, b, ep, kernels, s.row(b.n()), s.spare(b.n()), c, cOff, ldc));
    }

    /** INT8 x INT8 requantized to the epilogue's 8-bit output parameters (static INT8 chains). */
    public void int8Requantize(QuantizedRows a, PackedInt8Matrix b, byte[] c, int cOff, int ldc, Epilogue ep) {
        int8Requantize(a, null, b, c, cOff, ldc, ep);
    }

    /**
     * {@link #int8Requantize(QuantizedRows, PackedInt8Matrix, byte[], int, int, Epilogue)} with A's rows
     * gathered from {@code windows}, as in
     * {@link #int8(QuantizedRows, WindowRows, PackedInt8Matrix, float[], int, int, Epilogue)}.
     */
    public void int8Requantize(QuantizedRows a, WindowRows windows, PackedInt8Matrix b, byte[] c, int cOff, int ldc,
            Epilogue ep) {
        if (ep.output() == null) {
            throw new IllegalArgumentException("requantizing GEMM needs output parameters in its epilogue");
        }
        int8Blocks(a, windows, b, (raw, lds, rows, i0, j0, j1, s) -> {
            if (TiledRequantization.applies(lds, rows, i0, a, j0, j1, b, ep, ldc)) {
                TiledRequantization.apply(kernels, raw, rows, i0, a, j0, j1, b, ep, s.tiledWork(ROW_BLOCK * (j1 - j0)),
                        c, cOff);
            } else {
                EpilogueWriter.int8ToInt8(raw, lds, rows, i0, a, j0, j1, b, ep, kernels, s.row(b.n()),
                        s.multipliers(b.n()), c, cOff, ldc);
            }
        });
    }

    /**
     * Requantizes raw products computed elsewhere ({@code raw}: [a.rows(), b.n()], row stride
     * {@code b.n()}, e.g. a Winograd convolution's sums) exactly as
     * {@link #int8Requantize(QuantizedRows, PackedInt8Matrix, byte[], int, int, Epilogue)} requantizes its
     * own: same epilogue paths, block by block through this thread's scratch. On the caller alone.
     */
    public void requantizeRaw(int[] raw, QuantizedRows a, PackedInt8Matrix b, byte[] c, int cOff, int ldc,
            Epilogue ep) {
        if (ep.output() == null) {
            throw new IllegalArgumentException("requantizing needs output parameters in its epilogue");
        }
        int n = b.n();
        int m = a.rows();
        java.util.Objects.checkFromIndexSize(0, m * n, raw.length);
        Scratch s = scratch.get();
        int group = Math.max(1, COLUMN_BLOCK / b.panelWidth()) * b.panelWidth();
        for (int i0 = 0; i0 < m; i0 += ROW_BLOCK) {
            int rows = Math.min(ROW_BLOCK, m - i0);
            for (int j0 = 0; j0 < n; j0 += group) {
                int j1 = Math.min(n, j0 + group);
                int lds = j1 - j0;
                for (int r = 0; r < rows; r++) {
                    System.arraycopy(raw, (i0 + r) * n + j0, s.ints, r * lds, lds);
                }
                if (TiledRequantization.applies(lds, rows, i0, a, j0, j1, b, ep, ldc)) {
                    TiledRequantization.apply(kernels, s.ints, rows, i0, a, j0, j1, b, ep,
                            s.tiledWork(ROW_BLOCK * lds), c, cOff);
                } else {
                    EpilogueWriter.int8ToInt8(s.ints, lds, rows, i0, a, j0, j1, b, ep, kernels, s.row(n),
                            s.multipliers(n), c, cOff, ldc);
                }
            }
        }
    }

    /** Exact int32 {@code sum_k (a - za)(b - zb)} (ONNX MatMulInteger). */
    public void int8Exact(QuantizedRows a, PackedInt8Matrix b, int[] c, int cOff, int ldc) {
        if (kernels.fusesInt8Epilogue()) {
            int8Fused(a, b, c, null, cOff, ldc, Epilogue.NONE);
            return;
        }
        int8Blocks(a, null, b, (raw, lds, rows, i0, j0, j1, s) ->
                EpilogueWriter.int8ToInt32(raw, lds, rows, i0, a, j0, j1, b, s.acc(b.n()), c, cOff, ldc));
    }

    /**
     * INT8 on a tier that fuses the epilogue ({@link Kernels#int8Fused}): per worker, one call per
     * {@link #ROW_BLOCK} rows over all of its panels writes corrected int32 ({@code ci}) or
     * dequantized floats ({@code cf}, with the epilogue's int32 bias) straight into C; a float bias
     * or activation then runs in place on the block while it is in cache ({@link Kernels#biasGelu}
     * for a GELU). Not for accumulating
     * epilogues (C holds the values to add to) or window rows.
     */
    private void int8Fused(QuantizedRows a, PackedInt8Matrix b, int[] ci, float[] cf, int cOff, int ldc, Epilogue ep) {
        checkInt8(b);
        if (a.k() != b.k()) {
            throw new IllegalArgumentException("A has k=" + a.k() + ", B has k=" + b.k());
        }
        int w = b.panelWidth();
        int m = a.rows();
        boolean finish = cf != null && !ep.isPlain();
        forPanels(b.panels(), (p0, p1) -> {
            int j0 = p0 * w;
            int j1 = Math.min(b.n(), p1 * w);
            for (int i0 = 0; i0 < m; i0 += ROW_BLOCK) {
                int rows = Math.min(ROW_BLOCK, m - i0);
                int at = cOff + i0 * ldc + j0;
                kernels.int8Fused(a, i0, rows, b, p0, p1, ep.int32Bias(), ci, cf, at, ldc);
                if (finish && ep.activation() == Activation.GELU) {
                    // bias and GELU on C in place, row by row (the float block's copies are for loops
                    // C2 must vectorize; these are the kernels' own vector code)
                    for (int r = 0; r < rows; r++) {
                        if (ep.bias() == null) {
                            kernels.gelu(cf, at + r * ldc, j1 - j0);
                        } else {
                            kernels.biasGelu(cf, at + r * ldc, j1 - j0, ep.bias(), j0);
                        }
                    }
                } else if (finish) {
                    Scratch s = scratch.get();
                    EpilogueWriter.floatBlock(cf, at, ldc, rows, j0, j1, ep, kernels, s.row(b.n()), s.spare(b.n()), cf,
                            at, ldc);
                }
            }
        });
    }

    private interface BlockSink {
        void accept(int[] raw, int lds, int rows, int rowBase, int j0, int j1, Scratch scratch);
    }

    /**
     * Row blocks of A against each worker's panels. With {@code windows}, the tier gathers each
     * block's rows itself ({@link Kernels#int8Windows}, into this thread's scratch if it needs a
     * copy): at batch 1, where the panels are split over workers, each gathers the rows it needs.
     */
    private void int8Blocks(QuantizedRows a, WindowRows windows, PackedInt8Matrix b, BlockSink sink) {
        checkInt8(b);
        if (a.k() != b.k()) {
            throw new IllegalArgumentException("A has k=" + a.k() + ", B has k=" + b.k());
        }
        if (windows != null && windows.k() != a.k()) {
            throw new IllegalArgumentException("windows give k=" + windows.k() + ", A has k=" + a.k());
        }
        int w = b.panelWidth();
        int m = a.rows();
        int lda = a.stride();
        forPanels(b.panels(), (p0, p1) -> {
            Scratch s = scratch.get();
            byte[] rowBytes = windows == null ? a.data() : s.gathered(Math.min(ROW_BLOCK, m) * lda);
            for (int i0 = 0; i0 < m; i0 += ROW_BLOCK) {
                int rows = Math.min(ROW_BLOCK, m - i0);
                int rowBase = i0;
                int aOff = windows == null ? rowBase * lda : 0;
                forColumnGroups(w, p0, p1, b.n(), (g0, g1, j0, j1, lds) -> {
                    if (windows != null) {
                        kernels.int8Windows(windows, rowBase, rows, rowBytes, b, g0, g1, s.ints, 0, lds);
                    } else {
                        kernels.int8(rowBytes, aOff, lda, rows, b, g0, g1, s.ints, 0, lds);
                    }
                    sink.accept(s.ints, lds, rows, rowBase, j0, j1, s);
                });
            }
        });
    }

    private interface ColumnGroup {
        /** Panels {@code [g0, g1)} = columns {@code [j0, j1)} (clipped to n), in a scratch block of row stride lds. */
        void run(int g0, int g1, int j0, int j1, int lds);
    }

    /**
     * Splits panels {@code [p0, p1)} into groups of at most {@link #COLUMN_BLOCK} columns (at least one
     * panel); a group's scratch rows are {@code (g1 - g0) * w} wide.
     */
    private static void forColumnGroups(int w, int p0, int p1, int n, ColumnGroup body) {
        int group = Math.max(1, COLUMN_BLOCK / w);
        for (int g = p0; g < p1; g += group) {
            int g1 = Math.min(p1, g + group);
            // the block's row stride is as wide as its panels, so a block of all of a narrow B is contiguous
            body.run(g, g1, g * w, Math.min(n, g1 * w), (g1 - g) * w);
        }
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
