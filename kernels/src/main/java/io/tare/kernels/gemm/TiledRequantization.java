package io.tare.kernels.gemm;

import io.tare.kernels.Kernels;
import io.tare.kernels.quant.QuantizedRows;

/**
 * Requantizes a whole block of INT8 GEMM results in one flat loop, for the case convolutions
 * produce: few output channels (a row of 16-64 columns is too short for C2 to run its vectorized
 * main loop, so {@link EpilogueWriter#int8ToInt8}'s per-row loops stay scalar), symmetric weights
 * and one activation scale and zero point for every row of the block. The per-column terms are
 * repeated for {@link Gemm#ROW_BLOCK} rows once, so that the loop runs over {@code rows * n}
 * elements with every array indexed alike.
 *
 * <p>Same arithmetic, in the same order and precision, as the per-row path: {@code v = (raw +
 * int32Bias[j] - za * colSum[j]) * (sa * sb[j]) + bias[j]}, ReLU, then
 * {@code saturate(rint(v * (1 / sy)) + zy)}; results are bit-identical (tested). GELU and weight
 * zero points stay on the per-row path. The loop itself is the tier's
 * ({@link Kernels#requantizeFlat}: Java by default, C on the native tier).
 *
 * <p>The tiled terms are kept on the {@link Epilogue} (one per layer) for the last (matrix,
 * activation scale, zero point, columns) it met, so that a layer tiles them once however many
 * blocks, images and requests it runs, and however many layers run in between (batch 1 had every
 * layer evict the last in a per-thread cache). Stateless itself.
 */
final class TiledRequantization {
    private TiledRequantization() {
    }

    /** Per-column terms repeated for {@link Gemm#ROW_BLOCK} rows, and what they were made for. Immutable. */
    record Terms(PackedInt8Matrix matrix, int scaleBits, int zeroPoint, int j0, int j1, int[] correction,
            float[] multiplier, float[] bias) {
        boolean matches(PackedInt8Matrix b, float sa, int za, int from, int to) {
            return b == matrix && Float.floatToRawIntBits(sa) == scaleBits && za == zeroPoint && from == j0
                    && to == j1;
        }

        static Terms of(PackedInt8Matrix b, float sa, int za, int j0, int j1, Epilogue ep) {
            int n = j1 - j0;
            int len = Gemm.ROW_BLOCK * n;
            int[] correction = new int[len];
            float[] multiplier = new float[len];
            float[] bias = new float[len];
            float[] sb = b.scaleArray();
            int[] cs = b.columnSumArray();
            int[] bias32 = ep.int32Bias();
            float[] fb = ep.bias();
            for (int j = j0; j < j1; j++) {
                // int arithmetic wraps, so (raw + bias32 - za*cs) regroups exactly
                int corr = (bias32 == null ? 0 : bias32[j]) - za * cs[j];
                float m = sa * sb[j];
                // adding +0f where there is no bias can only turn -0 into +0, which requantizes alike
                float add = fb == null ? 0f : fb[j];
                for (int i = 0; i < Gemm.ROW_BLOCK; i++) {
                    int e = i * n + (j - j0);
                    correction[e] = corr;
                    multiplier[e] = m;
                    bias[e] = add;
                }
            }
            return new Terms(b, Float.floatToRawIntBits(sa), za, j0, j1, correction, multiplier, bias);
        }
    }

    /**
     * Whether {@link #apply} can take this block (all of C's columns, contiguous in the raw block and
     * in C, no weight zero points, one activation scale and zero point, a finite positive output
     * scale reciprocal); otherwise use the per-row path.
     */
    static boolean applies(int lds, int rows, int rowBase, QuantizedRows a, int j0, int j1, PackedInt8Matrix b,
            Epilogue ep, int ldc) {
        int n = j1 - j0;
        float inv = ep.outputInverseScale();
        if (j0 != 0 || lds != n || ldc != n || b.hasZeroPoints() || ep.isPlain()
                || ep.activation() == Activation.GELU || !(inv > 0f && inv < Float.POSITIVE_INFINITY)) {
            return false;
        }
        int scaleBits = Float.floatToRawIntBits(a.scale(rowBase));
        int za = a.zeroPoint(rowBase);
        for (int r = rowBase + 1; r < rowBase + rows; r++) {
            if (Float.floatToRawIntBits(a.scale(r)) != scaleBits || a.zeroPoint(r) != za) {
                return false;
            }
        }
        return true;
    }

    /**
     * Block {@code raw} (rows of {@code n = j1 - j0} columns, contiguous) requantized into
     * {@code c[cOff + rowBase * n ...]}, contiguous too; {@link #applies} must have said yes.
     * {@code work} is caller-owned scratch of at least {@code rows * n} floats.
     */
    static void apply(Kernels kernels, int[] raw, int rows, int rowBase, QuantizedRows a, int j0, int j1,
            PackedInt8Matrix b, Epilogue ep, float[] work, byte[] c, int cOff) {
        int n = j1 - j0;
        float sa = a.scale(rowBase);
        int za = a.zeroPoint(rowBase);
        Terms t = ep.tiledTerms();
        if (t == null || !t.matches(b, sa, za, j0, j1)) {
            t = Terms.of(b, sa, za, j0, j1, ep);
            ep.tiledTerms(t);
        }
        int zy = ep.output().zeroPoint(0);
        float lo = ep.output().dtype().qmin() - zy;
        float hi = ep.output().dtype().qmax() - zy;
        // With 0 < inv < inf, max(v, 0) * inv clamped below at lo equals v * inv clamped below at
        // max(lo, 0), signed zeros and NaN included: one max instead of two (Java's float max and
        // min cost several instructions each, more than the rest of the loop).
        float lower = ep.activation() == Activation.RELU ? Math.max(lo, 0f) : lo;
        kernels.requantizeFlat(raw, t.correction(), t.multiplier(), t.bias(), rows * n, ep.outputInverseScale(), lower,
                hi, zy, work, c, cOff + rowBase * n);
    }
}
