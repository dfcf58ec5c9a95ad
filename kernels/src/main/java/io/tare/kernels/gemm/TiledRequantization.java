package io.tare.kernels.gemm;

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
 * zero points stay on the per-row path.
 *
 * <p>One instance per thread (in {@link Gemm}'s scratch); it keeps the tiled terms of the last
 * (matrix, epilogue, activation scale, zero point, columns) it saw, so a layer run over many
 * blocks and images tiles them once.
 */
final class TiledRequantization {
    private PackedInt8Matrix forMatrix;
    private Epilogue forEpilogue;
    private int forScaleBits;
    private int forZeroPoint;
    private int forJ0 = -1;
    private int forJ1 = -1;
    private int[] correction = new int[0];
    private float[] multiplier = new float[0];
    private float[] bias = new float[0];
    private float[] work = new float[0];

    /**
     * Whether {@link #apply} can take this block (all of C's columns, contiguous in the raw block and
     * in C, no weight zero points, one activation scale and zero point); otherwise use the per-row path.
     */
    static boolean applies(int lds, int rows, int rowBase, QuantizedRows a, int j0, int j1, PackedInt8Matrix b,
            Epilogue ep, int ldc) {
        int n = j1 - j0;
        if (j0 != 0 || lds != n || ldc != n || b.hasZeroPoints() || ep.isPlain()
                || ep.activation() == Activation.GELU) {
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
     */
    void apply(int[] raw, int rows, int rowBase, QuantizedRows a, int j0, int j1, PackedInt8Matrix b, Epilogue ep,
            byte[] c, int cOff) {
        int n = j1 - j0;
        tile(a.scale(rowBase), a.zeroPoint(rowBase), j0, j1, b, ep);
        int len = rows * n;
        int[] corr = correction;
        float[] mul = multiplier;
        float[] add = bias;
        float[] f = work;
        float inv = ep.outputInverseScale();
        int zy = ep.output().zeroPoint(0);
        float lo = ep.output().dtype().qmin() - zy;
        float hi = ep.output().dtype().qmax() - zy;
        float z = zy;
        // max(v, -inf) is v (NaN included), so one loop serves both
        float floor = ep.activation() == Activation.RELU ? 0f : Float.NEGATIVE_INFINITY;
        for (int e = 0; e < len; e++) {
            float v = Math.max((raw[e] + corr[e]) * mul[e] + add[e], floor);
            v = Math.min(Math.max(v * inv, lo), hi);
            f[e] = ((v + EpilogueWriter.MAGIC) - EpilogueWriter.MAGIC) + z;
        }
        int out = cOff + rowBase * n;
        for (int e = 0; e < len; e++) {
            c[out + e] = (byte) (int) f[e];
        }
    }

    /** Fills the tiled terms unless they already hold this key. */
    private void tile(float sa, int za, int j0, int j1, PackedInt8Matrix b, Epilogue ep) {
        int scaleBits = Float.floatToRawIntBits(sa);
        if (b == forMatrix && ep == forEpilogue && scaleBits == forScaleBits && za == forZeroPoint && j0 == forJ0
                && j1 == forJ1) {
            return;
        }
        int n = j1 - j0;
        int len = Gemm.ROW_BLOCK * n;
        if (correction.length < len) {
            correction = new int[len];
            multiplier = new float[len];
            bias = new float[len];
            work = new float[len];
        }
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
        forMatrix = b;
        forEpilogue = ep;
        forScaleBits = scaleBits;
        forZeroPoint = za;
        forJ0 = j0;
        forJ1 = j1;
    }
}
