package io.tare.kernels.gemm;

import io.tare.kernels.Kernels;
import io.tare.kernels.quant.QuantizedRows;

/**
 * Applies an {@link Epilogue} to a block of raw GEMM results while the block is still in cache:
 * zero-point correction and dequantization of INT8 accumulators, int32 and float bias, activation,
 * requantization or accumulation. Per-row constants are hoisted and each pass is a branch-free loop
 * over plain arrays, which C2 vectorizes; GELU goes to the tier's vectorized {@link Kernels#gelu}.
 * The cost is O(m*n) against the GEMM's O(m*n*k).
 *
 * <p>Each call works on columns {@code [j0, j1)}; INT8 paths take caller-owned scratch rows
 * ({@code acc}, {@code row}, {@code multipliers}) of at least {@code j1 - j0} entries. Stateless.
 */
final class EpilogueWriter {
    private EpilogueWriter() {
    }

    /**
     * FP32 results {@code v[vOff + i*ldv + (j - j0)]} finished into C: bias, activation, then stored
     * or added ({@link Epilogue#accumulates()}) at {@code c[cOff + i*ldc + (j - j0)]}. With
     * {@code v == c}, equal offsets and strides, and no accumulation, works in place.
     */
    static void floatBlock(float[] v, int vOff, int ldv, int rows, int j0, int j1, Epilogue ep, Kernels kernels,
            float[] c, int cOff, int ldc) {
        for (int i = 0; i < rows; i++) {
            finish(v, vOff + i * ldv, j1 - j0, j0, ep, kernels, c, cOff + i * ldc);
        }
    }

    /**
     * W8A32: {@code v = scale[j] * (raw - zp[j] * rowSum[i])} from {@code raw} (row stride
     * {@code ldr}), then as {@link #floatBlock}. {@code rowSums} may be null when B has no zero points.
     */
    static void w8a32Block(float[] raw, int rOff, int ldr, int rows, float[] rowSums, int j0, int j1,
            PackedInt8Matrix b, Epilogue ep, Kernels kernels, float[] c, int cOff, int ldc) {
        float[] sb = b.scaleArray();
        int[] zb = b.zeroPointArray();
        int n = j1 - j0;
        for (int i = 0; i < rows; i++) {
            int src = rOff + i * ldr - j0;
            float rs = rowSums == null ? 0f : rowSums[i];
            for (int j = j0; j < j1; j++) {
                raw[src + j] = sb[j] * (raw[src + j] - zb[j] * rs);
            }
            finish(raw, src + j0, n, j0, ep, kernels, c, cOff + i * ldc);
        }
    }

    /** INT8 raw block (scratch, row stride {@code lds}) to exact int32 results in {@code c}. */
    static void int8ToInt32(int[] raw, int lds, int rows, int rowBase, QuantizedRows a, int j0, int j1,
            PackedInt8Matrix b, int[] c, int cOff, int ldc) {
        int[] zb = b.zeroPointArray();
        int[] cs = b.columnSumArray();
        for (int i = 0; i < rows; i++) {
            int r = rowBase + i;
            int za = a.zeroPoint(r);
            int rowFactor = rowFactor(a, r, b);
            int src = i * lds - j0;
            int out = cOff + r * ldc;
            for (int j = j0; j < j1; j++) {
                c[out + j] = raw[src + j] + rowFactor * zb[j] - za * cs[j];
            }
        }
    }

    /** INT8 raw block to dequantized FP32, then bias, activation, store or accumulate. */
    static void int8ToFloat(int[] raw, int lds, int rows, int rowBase, QuantizedRows a, int j0, int j1,
            PackedInt8Matrix b, Epilogue ep, Kernels kernels, int[] acc, float[] row, float[] c, int cOff, int ldc) {
        float[] sb = b.scaleArray();
        int n = j1 - j0;
        for (int i = 0; i < rows; i++) {
            int r = rowBase + i;
            correctedRow(raw, i * lds - j0, a, r, b, ep.int32Bias(), j0, j1, acc);
            float sa = a.scale(r);
            for (int j = 0; j < n; j++) {
                row[j] = acc[j] * (sa * sb[j0 + j]);
            }
            finish(row, 0, n, j0, ep, kernels, c, cOff + r * ldc + j0);
        }
    }

    /**
     * INT8 raw block requantized to the epilogue's 8-bit output parameters. The plain path
     * (QLinearMatMul's formula) uses per-column multipliers computed once per distinct row scale.
     */
    static void int8ToInt8(int[] raw, int lds, int rows, int rowBase, QuantizedRows a, int j0, int j1,
            PackedInt8Matrix b, Epilogue ep, Kernels kernels, int[] acc, float[] row, float[] multipliers, byte[] c,
            int cOff, int ldc) {
        float sy = ep.output().scale(0);
        float inv = ep.outputInverseScale();
        int zy = ep.output().zeroPoint(0);
        int qmin = ep.output().dtype().qmin();
        int qmax = ep.output().dtype().qmax();
        float[] sb = b.scaleArray();
        int n = j1 - j0;
        float multipliersFor = Float.NaN;
        for (int i = 0; i < rows; i++) {
            int r = rowBase + i;
            float sa = a.scale(r);
            correctedRow(raw, i * lds - j0, a, r, b, ep.int32Bias(), j0, j1, acc);
            int out = cOff + r * ldc + j0;
            if (ep.isPlain()) {
                if (Float.floatToRawIntBits(sa) != Float.floatToRawIntBits(multipliersFor)) {
                    for (int j = 0; j < n; j++) {
                        multipliers[j] = sa * sb[j0 + j] / sy;
                    }
                    multipliersFor = sa;
                }
                for (int j = 0; j < n; j++) {
                    double q = Math.rint(acc[j] * (double) multipliers[j]);
                    c[out + j] = (byte) Math.max(qmin, Math.min(qmax, q + zy));
                }
            } else {
                for (int j = 0; j < n; j++) {
                    row[j] = acc[j] * (sa * sb[j0 + j]);
                }
                biasAndActivation(row, 0, n, j0, ep, kernels);
                for (int j = 0; j < n; j++) {
                    float q = (float) Math.rint(row[j] * inv);
                    c[out + j] = (byte) Math.max(qmin, Math.min(qmax, q + zy));
                }
            }
        }
    }

    /** {@code k*za - rowSum(r)}: the exact correction {@code raw - zb*rowSum - za*colSum + k*za*zb} regrouped. */
    private static int rowFactor(QuantizedRows a, int r, PackedInt8Matrix b) {
        return b.k() * a.zeroPoint(r) - a.rowSum(r);
    }

    /** Zero-point-corrected int32 accumulators (plus the int32 bias) of one row, columns {@code [j0, j1)}, into {@code acc[0, j1 - j0)}. */
    private static void correctedRow(int[] raw, int src, QuantizedRows a, int r, PackedInt8Matrix b, int[] bias,
            int j0, int j1, int[] acc) {
        int[] zb = b.zeroPointArray();
        int[] cs = b.columnSumArray();
        int za = a.zeroPoint(r);
        int rowFactor = rowFactor(a, r, b);
        if (bias == null) {
            for (int j = j0; j < j1; j++) {
                acc[j - j0] = raw[src + j] + rowFactor * zb[j] - za * cs[j];
            }
        } else {
            for (int j = j0; j < j1; j++) {
                acc[j - j0] = raw[src + j] + rowFactor * zb[j] - za * cs[j] + bias[j];
            }
        }
    }

    /** Float bias and activation in place on {@code v[off, off + n)}, which holds columns from {@code j0}. */
    private static void biasAndActivation(float[] v, int off, int n, int j0, Epilogue ep, Kernels kernels) {
        float[] bias = ep.bias();
        if (bias != null) {
            for (int j = 0; j < n; j++) {
                v[off + j] += bias[j0 + j];
            }
        }
        switch (ep.activation()) {
            case NONE -> { }
            case RELU -> {
                for (int j = 0; j < n; j++) {
                    v[off + j] = Math.max(v[off + j], 0f);
                }
            }
            case GELU -> kernels.gelu(v, off, n);
        }
    }

    /** Bias, activation, then store into or add to {@code c[cOff, cOff + n)}. */
    private static void finish(float[] v, int off, int n, int j0, Epilogue ep, Kernels kernels, float[] c, int cOff) {
        biasAndActivation(v, off, n, j0, ep, kernels);
        if (ep.accumulates()) {
            for (int j = 0; j < n; j++) {
                c[cOff + j] += v[off + j];
            }
        } else if (v != c || off != cOff) {
            System.arraycopy(v, off, c, cOff, n);
        }
    }
}
