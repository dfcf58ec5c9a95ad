package io.tare.kernels.gemm;

import io.tare.kernels.quant.QuantizedRows;

/**
 * Applies an {@link Epilogue} to a block of raw GEMM results while the block is still in cache:
 * zero-point correction and dequantization of INT8 accumulators, bias, activation, requantization.
 * Plain loops (C2 vectorizes the common corrections); the cost is O(m*n) against the GEMM's O(m*n*k).
 * Stateless.
 */
final class EpilogueWriter {
    private EpilogueWriter() {
    }

    /** In place on FP32 results: bias and activation for columns {@code [j0, j1)} of rows {@code [0, rows)}. */
    static void floatInPlace(float[] c, int cOff, int ldc, int rows, int j0, int j1, Epilogue ep) {
        float[] bias = ep.bias();
        Activation act = ep.activation();
        if (bias == null && act == Activation.NONE) {
            return;
        }
        for (int i = 0; i < rows; i++) {
            int row = cOff + i * ldc - j0;
            for (int j = j0; j < j1; j++) {
                float v = c[row + j];
                if (bias != null) {
                    v += bias[j];
                }
                c[row + j] = act.apply(v);
            }
        }
    }

    /**
     * W8A32: {@code c = scale[j] * (raw - zp[j] * rowSum[i])}, then bias and activation, in place.
     * {@code rowSums} may be null when B has no zero points.
     */
    static void w8a32InPlace(float[] c, int cOff, int ldc, int rows, int rowBase, float[] rowSums, int j0, int j1,
            PackedInt8Matrix b, Epilogue ep) {
        float[] bias = ep.bias();
        Activation act = ep.activation();
        for (int i = 0; i < rows; i++) {
            int row = cOff + i * ldc - j0;
            float rs = rowSums == null ? 0f : rowSums[rowBase + i];
            for (int j = j0; j < j1; j++) {
                float v = b.scale(j) * (c[row + j] - b.zeroPoint(j) * rs);
                if (bias != null) {
                    v += bias[j];
                }
                c[row + j] = act.apply(v);
            }
        }
    }

    /** Exact zero-point-corrected accumulator of raw INT8 product {@code raw} at (row i, column j). */
    static int corrected(int raw, QuantizedRows a, int i, PackedInt8Matrix b, int j) {
        int za = a.zeroPoint(i);
        int zb = b.zeroPoint(j);
        return raw - zb * a.rowSum(i) - za * b.columnSum(j) + b.k() * za * zb;
    }

    /** INT8 raw block (scratch, row stride {@code lds}) to exact int32 results in {@code c}. */
    static void int8ToInt32(int[] raw, int lds, int rows, int rowBase, QuantizedRows a, int j0, int j1,
            PackedInt8Matrix b, int[] c, int cOff, int ldc) {
        for (int i = 0; i < rows; i++) {
            int r = rowBase + i;
            for (int j = j0; j < j1; j++) {
                c[cOff + r * ldc + j] = corrected(raw[i * lds + j - j0], a, r, b, j);
            }
        }
    }

    /** INT8 raw block to dequantized FP32 with bias and activation. */
    static void int8ToFloat(int[] raw, int lds, int rows, int rowBase, QuantizedRows a, int j0, int j1,
            PackedInt8Matrix b, Epilogue ep, float[] c, int cOff, int ldc) {
        float[] bias = ep.bias();
        Activation act = ep.activation();
        for (int i = 0; i < rows; i++) {
            int r = rowBase + i;
            float sa = a.scale(r);
            int out = cOff + r * ldc;
            for (int j = j0; j < j1; j++) {
                float v = corrected(raw[i * lds + j - j0], a, r, b, j) * (sa * b.scale(j));
                if (bias != null) {
                    v += bias[j];
                }
                c[out + j] = act.apply(v);
            }
        }
    }

    /** INT8 raw block requantized to the epilogue's 8-bit output parameters. */
    static void int8ToInt8(int[] raw, int lds, int rows, int rowBase, QuantizedRows a, int j0, int j1,
            PackedInt8Matrix b, Epilogue ep, byte[] c, int cOff, int ldc) {
        float[] bias = ep.bias();
        Activation act = ep.activation();
        float sy = ep.output().scale(0);
        int zy = ep.output().zeroPoint(0);
        int qmin = ep.output().dtype().qmin();
        int qmax = ep.output().dtype().qmax();
        boolean plain = ep.isPlain();
        for (int i = 0; i < rows; i++) {
            int r = rowBase + i;
            float sa = a.scale(r);
            int out = cOff + r * ldc;
            for (int j = j0; j < j1; j++) {
                int acc = corrected(raw[i * lds + j - j0], a, r, b, j);
                double q;
                if (plain) {
                    float multiplier = sa * b.scale(j) / sy;
                    q = Math.rint(acc * (double) multiplier);
                } else {
                    float v = acc * (sa * b.scale(j));
                    if (bias != null) {
                        v += bias[j];
                    }
                    q = Math.rint(act.apply(v) / sy);
                }
                c[out + j] = (byte) Math.max(qmin, Math.min(qmax, q + zy));
            }
        }
    }
}
