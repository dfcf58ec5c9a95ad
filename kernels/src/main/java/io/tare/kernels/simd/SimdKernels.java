package io.tare.kernels.simd;

import io.tare.kernels.KernelTier;
import io.tare.kernels.Kernels;
import io.tare.kernels.gemm.PackedFloatMatrix;
import io.tare.kernels.gemm.PackedInt8Matrix;
import io.tare.kernels.scalar.ScalarKernels;
import io.tare.kernels.tensor.DType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API tier (the only package that imports {@code jdk.incubator.vector}).
 *
 * <p>GEMM tiles are 4 rows x 2 vectors over panels {@code 2 * lanes} wide (16 columns on AVX2,
 * 32 on AVX-512), plus a 1-row tile unrolled over k for batch 1. Every tile keeps its vectors
 * inside one method body: C2 may fail to inline small helpers that take or return vectors and
 * then boxes them (5-15x slower).
 *
 * <p>INT8 runs as FP32 FMA on exact small integers (the Vector API has no dot-product op and C2
 * never emits VPDPBUSD): a u8 x s8 product is at most 32640 in magnitude, so sums of 512 of them
 * stay below 2^24 and are exact in float; every 512 k the float accumulators are converted and
 * added to the int32 result. Stateless; thread-safe (scratch is thread-local).
 */
public final class SimdKernels implements Kernels {
    static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    static final int FL = FS.length();
    static final VectorSpecies<Byte> BS = VectorSpecies.of(byte.class, VectorShape.forBitSize(FL * 8));
    static final VectorSpecies<Integer> IS = VectorSpecies.of(int.class, FS.vectorShape());
    static final int NR = 2 * FL;
    /** K steps whose u8 x s8 float sums stay exact (512 * 255 * 128 < 2^24). */
    static final int EXACT_K_CHUNK = 512;
    /** Round-to-nearest-even for |x| < 2^22: adding and subtracting 1.5 * 2^23. */
    private static final float MAGIC = 12582912f;

    private final ThreadLocal<float[]> aScratch = ThreadLocal.withInitial(() -> new float[0]);
    /** {@link #sgemmPlain}'s copy of one column group of B, packed. */
    private final ThreadLocal<float[]> panelScratch = ThreadLocal.withInitial(() -> new float[0]);
    private final ThreadLocal<float[]> geluTail = ThreadLocal.withInitial(() -> new float[FL]);

    @Override
    public KernelTier tier() {
        return KernelTier.SIMD;
    }

    @Override
    public String description() {
        return "Vector API, " + FS.vectorBitSize() + "-bit float vectors (" + FL + " lanes)";
    }

    /** True when the Vector API gives at least 256-bit float vectors (else the tier is not worth it). */
    public static boolean isUseful() {
        return FS.vectorBitSize() >= 256;
    }

    @Override
    public void quantize(float[] x, int xOff, byte[] q, int qOff, int n, float scale, int zeroPoint, DType type) {
        // Clamping before rounding to integer bounds commutes with rint, and keeps |v| small
        // enough for the MAGIC rounding trick.
        FloatVector lo = FloatVector.broadcast(FS, type.qmin() - zeroPoint);
        FloatVector hi = FloatVector.broadcast(FS, type.qmax() - zeroPoint);
        FloatVector zp = FloatVector.broadcast(FS, zeroPoint);
        int i = 0;
        for (; i <= n - FL; i += FL) {
            FloatVector v = FloatVector.fromArray(FS, x, xOff + i).div(scale);
            // NaN -> 0 before the clamp (max/min would keep it NaN), so it lands on the zero point.
            v = v.blend(0f, v.test(VectorOperators.IS_NAN)).max(lo).min(hi);
            v = v.add(MAGIC).sub(MAGIC).add(zp);
            v.convertShape(VectorOperators.F2B, BS, 0).reinterpretAsBytes().intoArray(q, qOff + i);
        }
        for (; i < n; i++) {
            q[qOff + i] = (byte) ScalarKernels.quantizeOne(x[xOff + i], scale, zeroPoint, type);
        }
    }

    @Override
    public void dequantize(byte[] q, int qOff, float[] x, int xOff, int n, float scale, int zeroPoint, DType type) {
        boolean unsigned = type == DType.UINT8;
        int i = 0;
        for (; i <= n - FL; i += FL) {
            IntVector iv = (IntVector) ByteVector.fromArray(BS, q, qOff + i).convertShape(VectorOperators.B2I, IS, 0);
            if (unsigned) {
                iv = iv.and(0xFF);
            }
            FloatVector f = (FloatVector) iv.convert(VectorOperators.I2F, 0);
            f.sub(zeroPoint).mul(scale).intoArray(x, xOff + i);
        }
        for (; i < n; i++) {
            x[xOff + i] = (type.fromByte(q[qOff + i]) - zeroPoint) * scale;
        }
    }

    @Override
    public void minMax(float[] x, int off, int n, float[] out) {
        // Two accumulator pairs, each step a compare and a blend: Java's NaN-propagating min/max
        // is a chain of ~5 instructions on AVX2, and one accumulator made the loop latency-bound
        // (2.7x slower on 1536-float rows). NaN inputs are skipped here, which the contract allows.
        FloatVector min0 = FloatVector.broadcast(FS, Float.POSITIVE_INFINITY);
        FloatVector min1 = min0;
        FloatVector max0 = FloatVector.broadcast(FS, Float.NEGATIVE_INFINITY);
        FloatVector max1 = max0;
        int i = 0;
        for (; i <= n - 2 * FL; i += 2 * FL) {
            FloatVector v = FloatVector.fromArray(FS, x, off + i);
            FloatVector w = FloatVector.fromArray(FS, x, off + i + FL);
            min0 = min0.blend(v, v.lt(min0));
            max0 = max0.blend(v, v.compare(VectorOperators.GT, max0));
            min1 = min1.blend(w, w.lt(min1));
            max1 = max1.blend(w, w.compare(VectorOperators.GT, max1));
        }
        if (i <= n - FL) {
            FloatVector v = FloatVector.fromArray(FS, x, off + i);
            min0 = min0.blend(v, v.lt(min0));
            max0 = max0.blend(v, v.compare(VectorOperators.GT, max0));
            i += FL;
        }
        float min = min0.min(min1).reduceLanes(VectorOperators.MIN);
        float max = max0.max(max1).reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            min = Math.min(min, x[off + i]);
            max = Math.max(max, x[off + i]);
        }
        out[0] = min;
        out[1] = max;
    }

    @Override
    public int sumUnsigned(byte[] q, int off, int n) {
        IntVector acc = IntVector.zero(IS);
        int i = 0;
        for (; i <= n - FL; i += FL) {
            IntVector iv = (IntVector) ByteVector.fromArray(BS, q, off + i).convertShape(VectorOperators.B2I, IS, 0);
            acc = acc.add(iv.and(0xFF));
        }
        int s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            s += q[off + i] & 0xFF;
        }
        return s;
    }

    @Override
    public void softmax(float[] x, int xOff, float[] y, int yOff, int n) {
        SimdSoftmax.row(x, xOff, y, yOff, n);
    }

    @Override
    public void scaledMaskedSoftmax(float[] x, int xOff, float c, boolean divide, float[] mask, int maskOff, float[] y,
            int yOff, int n) {
        SimdSoftmax.scaledMaskedRow(x, xOff, c, divide, mask, maskOff, y, yOff, n);
    }

    /** {@link SimdGelu}; the tail runs through the same vector body on a zero-padded copy. */
    @Override
    public void gelu(float[] x, int off, int n) {
        biasGelu(x, off, n, null, 0);
    }

    @Override
    public void biasGelu(float[] x, int off, int n, float[] bias, int biasOff) {
        int full = n - n % FL;
        SimdGelu.apply(x, off, full, bias, biasOff);
        if (full < n) {
            float[] tail = geluTail.get();
            java.util.Arrays.fill(tail, 0f);
            for (int i = full; i < n; i++) {
                tail[i - full] = bias == null ? x[off + i] : x[off + i] + bias[biasOff + i];
            }
            SimdGelu.apply(tail, 0, FL, null, 0);
            System.arraycopy(tail, 0, x, off + full, n - full);
        }
    }

    @Override
    public int floatPanelWidth() {
        return NR;
    }

    @Override
    public int int8PanelWidth() {
        return NR;
    }

    @Override
    public PackedInt8Matrix.Layout int8Layout() {
        return PackedInt8Matrix.Layout.K_MAJOR;
    }

    /**
     * FP32 K block in k steps ({@code -Dtare.kernels.sgemmKc}, 0 = none, the default): with blocks a
     * panel's slice stays in L1 while every row tile of the call passes over it. Off by default
     * because on Zen 3 (AVX2, 16-column panels of 48 KiB at k = 768, L2 fast enough) blocks of 256
     * measured 5% slower and 128 10% slower than none; left tunable for 512-bit machines, where a
     * 768-deep panel is 96 KiB against a 48 KiB L1 (try 128 there).
     */
    static final int SGEMM_KC = Math.max(0, Integer.getInteger("tare.kernels.sgemmKc", 0));
    /**
     * Whether the 6-row tile runs. Its 12 accumulators, 2 B vectors and the broadcast need 15 of
     * AVX2's 16 vector registers, and C2 (JDK 25) does not fit it there: on Zen 3 it ran at 17-19
     * GFMA/s against the 4-row tile's 39-44 (k = 64 to 1536, one core). With 512-bit vectors there
     * are 32 registers, and it keeps its place. The rows it would take go to 4-row tiles (and one
     * 2-row tile), whose sums are the same single FMA chain per element: the same bits, and the same
     * rows left to the 1-row tile as before.
     */
    static final boolean SIX_ROW_TILES = FS.vectorBitSize() >= 512;

    @Override
    public void sgemm(float[] a, int aOff, int lda, int m, PackedFloatMatrix b, int panelFrom, int panelTo,
            float[] c, int cOff, int ldc) {
        sgemm(a, aOff, lda, m, b, panelFrom, panelTo, c, cOff, ldc, SGEMM_KC);
    }

    /** {@link #sgemm} in K blocks of {@code kBlock} (0: none); package-private for the K-block test. */
    void sgemm(float[] a, int aOff, int lda, int m, PackedFloatMatrix b, int panelFrom, int panelTo,
            float[] c, int cOff, int ldc, int kBlock) {
        int k = b.k();
        for (int p = panelFrom; p < panelTo; p++) {
            int valid = Math.min(NR, b.n() - p * NR);
            // A partial last panel runs unblocked, so that accumulating tiles never mask.
            int kc = kBlock > 0 && valid == NR ? kBlock : k;
            panel(a, aOff, lda, m, k, b.data(), b.panelOffset(p), c, cOff + (p - panelFrom) * NR, ldc, valid, kc);
        }
    }

    /**
     * Column group by column group: the group's rows of B copied into a panel of {@code NR} columns
     * (zero-padded past n), then the packed tiles over it while it sits in L1. The tiles step through
     * B by the constant {@code NR}, which lets C2 drop their bounds checks; stepping by a row stride
     * instead ran them at half speed (and B's rows read in place thrash L1 when their stride is a
     * multiple of 512 bytes, as attention's V rows are).
     */
    @Override
    public void sgemmPlain(float[] a, int aOff, int lda, int m, int k, float[] b, int bOff, int ldb, int n,
            float[] c, int cOff, int ldc) {
        if (k == 0) { // an empty sum (the tiles would leave C as it was)
            for (int i = 0; i < m; i++) {
                java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
            }
            return;
        }
        float[] panel = panelScratch.get();
        if (panel.length < k * NR) {
            panel = new float[k * NR];
            panelScratch.set(panel);
        }
        for (int j = 0; j < n; j += NR) {
            int valid = Math.min(NR, n - j);
            for (int kk = 0, src = bOff + j; kk < k; kk++, src += ldb) {
                if (valid == NR) {
                    FloatVector.fromArray(FS, b, src).intoArray(panel, kk * NR);
                    FloatVector.fromArray(FS, b, src + FL).intoArray(panel, kk * NR + FL);
                } else {
                    System.arraycopy(b, src, panel, kk * NR, valid);
                    java.util.Arrays.fill(panel, kk * NR + valid, (kk + 1) * NR, 0f);
                }
            }
            panel(a, aOff, lda, m, k, panel, 0, c, cOff + j, ldc, valid, k);
        }
    }

    /**
     * C[0..m, 0..valid) for one packed panel (row kk at {@code pb + kk * NR}), K in blocks of
     * {@code kc}, in the row tiles {@link RowTiles} plans.
     */
    private static void panel(float[] a, int aOff, int lda, int m, int k, float[] bd, int pb, float[] c, int col,
            int ldc, int valid, int kc) {
        int sixes = RowTiles.sixRowTiles(m);
        int tiled = RowTiles.chained(m);
        for (int k0 = 0; k0 < k && tiled > 0; k0 += kc) {
            int k1 = Math.min(k, k0 + kc);
            boolean accumulate = k0 > 0;
            int i = 0;
            if (SIX_ROW_TILES) {
                for (; i < sixes * 6; i += 6) {
                    FloatTiles.tile6(a, aOff + i * lda, lda, k0, k1, bd, pb, c, col + i * ldc, ldc, valid, accumulate);
                }
            }
            for (; i + 4 <= tiled; i += 4) {
                FloatTiles.tile4(a, aOff + i * lda, lda, k0, k1, bd, pb, c, col + i * ldc, ldc, valid, accumulate);
            }
            if (i < tiled) { // 2 rows: the rest of an odd number of 6-row tiles done as 4s
                FloatTiles.tile2(a, aOff + i * lda, lda, k0, k1, bd, pb, c, col + i * ldc, ldc, valid, accumulate);
            }
        }
        // One row streams its panel once anyway: whole K, no blocks.
        for (int i = tiled; i < m; i++) {
            FloatTiles.tile1(a, aOff + i * lda, k, bd, pb, c, col + i * ldc, valid);
        }
    }

    @Override
    public void w8a32(float[] a, int aOff, int lda, int m, PackedInt8Matrix b, int panelFrom, int panelTo,
            float[] c, int cOff, int ldc) {
        byteTimesFloat(a, aOff, lda, m, b, panelFrom, panelTo, c, null, cOff, ldc);
    }

    @Override
    public void int8(byte[] aU8, int aOff, int lda, int m, PackedInt8Matrix b, int panelFrom, int panelTo,
            int[] c, int cOff, int ldc) {
        int k = b.k();
        float[] af = aScratch.get();
        if (af.length < m * k) {
            af = new float[m * k];
            aScratch.set(af);
        }
        for (int i = 0; i < m; i++) {
            int src = aOff + i * lda;
            int dst = i * k;
            int kk = 0;
            for (; kk <= k - FL; kk += FL) {
                IntVector iv = (IntVector) ByteVector.fromArray(BS, aU8, src + kk).convertShape(VectorOperators.B2I, IS, 0);
                ((FloatVector) iv.and(0xFF).convert(VectorOperators.I2F, 0)).intoArray(af, dst + kk);
            }
            for (; kk < k; kk++) {
                af[dst + kk] = aU8[src + kk] & 0xFF;
            }
        }
        byteTimesFloat(af, 0, k, m, b, panelFrom, panelTo, null, c, cOff, ldc);
    }

    /** Float A times byte panels into float C ({@code cf}) or, in exact 512-k chunks, int C ({@code ci}). */
    private static void byteTimesFloat(float[] a, int aOff, int lda, int m, PackedInt8Matrix b, int panelFrom,
            int panelTo, float[] cf, int[] ci, int cOff, int ldc) {
        int k = b.k();
        int chunk = ci != null ? EXACT_K_CHUNK : k;
        byte[] bd = b.data();
        for (int p = panelFrom; p < panelTo; p++) {
            int valid = Math.min(NR, b.n() - p * NR);
            int col = cOff + (p - panelFrom) * NR;
            int pb = b.panelOffset(p);
            for (int k0 = 0; k0 < k; k0 += chunk) {
                int k1 = Math.min(k, k0 + chunk);
                boolean accumulate = k0 > 0;
                int i = 0;
                for (; i + 4 <= m; i += 4) {
                    ByteTiles.tile4(a, aOff + i * lda, lda, k0, k1, bd, pb, cf, ci, col + i * ldc, ldc, valid,
                            accumulate);
                }
                for (; i < m; i++) {
                    ByteTiles.tile1(a, aOff + i * lda, k0, k1, bd, pb, cf, ci, col + i * ldc, valid, accumulate);
                }
            }
        }
    }

    static VectorMask<Float> mask(int from, int valid) {
        return FS.indexInRange(from, valid);
    }
}
