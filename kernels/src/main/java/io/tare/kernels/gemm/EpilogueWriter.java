package io.tare.kernels.gemm;

import io.tare.kernels.Kernels;
import io.tare.kernels.quant.QuantizedRows;

/**
 * Applies an {@link Epilogue} to a block of raw GEMM results while the block is still in cache:
 * zero-point correction and dequantization of INT8 accumulators, int32 and float bias, activation,
 * requantization or accumulation. The cost is O(m*n) against the GEMM's O(m*n*k).
 *
 * <p><b>Why the row buffer is indexed by column.</b> Every float loop here writes
 * {@code row[j]} and reads the other float arrays ({@code row}, scales, bias) at the same
 * {@code [j]}. C2 (JDK 25) vectorizes a loop only when it can rule out a store feeding a later
 * load through aliasing; a float store at {@code [j - j0]} next to a float load at {@code [j]}
 * (the obvious layout) kept every epilogue loop scalar, at ~1.5 ns per element against ~0.2
 * (measured). Rows are moved in and out with {@code System.arraycopy}. GELU goes to the tier's
 * vectorized {@link Kernels#gelu}.
 *
 * <p>Each call works on columns {@code [j0, j1)}; {@code row}, {@code spare}, {@code acc} and
 * {@code multipliers} are caller-owned scratch of at least {@code j1} entries, distinct arrays.
 * Stateless.
 */
final class EpilogueWriter {
    /** 1.5 * 2^23: {@code (v + MAGIC) - MAGIC} is {@code v} rounded half to even for |v| <= 2^22. */
    static final float MAGIC = 12582912f;

    private EpilogueWriter() {
    }

    /**
     * FP32 results {@code v[vOff + i*ldv + (j - j0)]} finished into C: bias, activation, then stored
     * or added ({@link Epilogue#accumulates()}) at {@code c[cOff + i*ldc + (j - j0)]}. {@code v} may be
     * {@code c} itself (in place).
     */
    static void floatBlock(float[] v, int vOff, int ldv, int rows, int j0, int j1, Epilogue ep, Kernels kernels,
            float[] row, float[] spare, float[] c, int cOff, int ldc) {
        int n = j1 - j0;
        for (int i = 0; i < rows; i++) {
            System.arraycopy(v, vOff + i * ldv, row, j0, n);
            finish(row, spare, j0, j1, ep, kernels, c, cOff + i * ldc - j0);
        }
    }

    /**
     * W8A32: {@code v = scale[j] * (raw - zp[j] * rowSum[i])} from {@code raw} (row stride
     * {@code ldr}), then as {@link #floatBlock}. {@code rowSums} may be null when B has no zero points.
     */
    static void w8a32Block(float[] raw, int rOff, int ldr, int rows, float[] rowSums, int j0, int j1,
            PackedInt8Matrix b, Epilogue ep, Kernels kernels, float[] row, float[] spare, float[] c, int cOff,
            int ldc) {
        float[] sb = b.scaleArray();
        int[] zb = b.zeroPointArray();
        int n = j1 - j0;
        for (int i = 0; i < rows; i++) {
            System.arraycopy(raw, rOff + i * ldr, row, j0, n);
            float rs = rowSums == null ? 0f : rowSums[i];
            for (int j = j0; j < j1; j++) {
                row[j] = sb[j] * (row[j] - zb[j] * rs);
            }
            finish(row, spare, j0, j1, ep, kernels, c, cOff + i * ldc - j0);
        }
    }

    /** INT8 raw block (scratch, row stride {@code lds}) to exact int32 results in {@code c}; {@code acc} as {@code row}. */
    static void int8ToInt32(int[] raw, int lds, int rows, int rowBase, QuantizedRows a, int j0, int j1,
            PackedInt8Matrix b, int[] acc, int[] c, int cOff, int ldc) {
        int[] zb = b.zeroPointArray();
        int[] cs = b.columnSumArray();
        int n = j1 - j0;
        for (int i = 0; i < rows; i++) {
            int r = rowBase + i;
            int za = a.zeroPoint(r);
            int rowFactor = rowFactor(a, r, b);
            System.arraycopy(raw, i * lds, acc, j0, n);
            for (int j = j0; j < j1; j++) {
                acc[j] += rowFactor * zb[j] - za * cs[j];
            }
            System.arraycopy(acc, j0, c, cOff + r * ldc + j0, n);
        }
    }

    /** INT8 raw block to dequantized FP32, then bias, activation, store or accumulate. */
    static void int8ToFloat(int[] raw, int lds, int rows, int rowBase, QuantizedRows a, int j0, int j1,
            PackedInt8Matrix b, Epilogue ep, Kernels kernels, float[] row, float[] spare, float[] c, int cOff,
            int ldc) {
        for (int i = 0; i < rows; i++) {
            int r = rowBase + i;
            dequantizedRow(raw, i * lds - j0, a, r, b, ep.int32Bias(), j0, j1, row);
            finish(row, spare, j0, j1, ep, kernels, c, cOff + r * ldc);
        }
    }

    /**
     * INT8 raw block requantized to the epilogue's 8-bit output parameters. The plain path
     * (QLinearMatMul's formula) uses per-column multipliers computed once per distinct row scale.
     */
    static void int8ToInt8(int[] raw, int lds, int rows, int rowBase, QuantizedRows a, int j0, int j1,
            PackedInt8Matrix b, Epilogue ep, Kernels kernels, float[] row, float[] multipliers, byte[] c, int cOff,
            int ldc) {
        float sy = ep.output().scale(0);
        float inv = ep.outputInverseScale();
        int zy = ep.output().zeroPoint(0);
        int qmin = ep.output().dtype().qmin();
        int qmax = ep.output().dtype().qmax();
        float[] sb = b.scaleArray();
        int[] zb = b.zeroPointArray();
        int[] cs = b.columnSumArray();
        int[] bias = ep.int32Bias();
        float multipliersFor = Float.NaN;
        for (int i = 0; i < rows; i++) {
            int r = rowBase + i;
            float sa = a.scale(r);
            int src = i * lds - j0;
            int out = cOff + r * ldc;
            if (ep.isPlain()) {
                if (Float.floatToRawIntBits(sa) != Float.floatToRawIntBits(multipliersFor)) {
                    for (int j = j0; j < j1; j++) {
                        multipliers[j] = sa * sb[j] / sy;
                    }
                    multipliersFor = sa;
                }
                int za = a.zeroPoint(r);
                int rowFactor = rowFactor(a, r, b);
                for (int j = j0; j < j1; j++) {
                    int acc = raw[src + j] + rowFactor * zb[j] - za * cs[j] + (bias == null ? 0 : bias[j]);
                    double q = Math.rint(acc * (double) multipliers[j]);
                    c[out + j] = (byte) Math.max(qmin, Math.min(qmax, q + zy));
                }
            } else {
                dequantizedRow(raw, src, a, r, b, bias, j0, j1, row);
                biasAndActivation(row, j0, j1, ep, kernels);
                requantizeRow(row, j0, j1, inv, zy, qmin, qmax, c, out);
            }
        }
    }

    /**
     * {@code c[cBase + j] = saturate(rint(row[j] * inv) + zy)} for columns {@code [j0, j1)}, in
     * {@code qmin..qmax}; {@code row} is overwritten. Clamping to the integer bounds first commutes
     * with rounding and keeps |v| far below 2^22, where adding and subtracting {@link #MAGIC} rounds
     * half to even exactly as {@code Math.rint}; unlike {@code Math.rint}, which goes through double,
     * both loops vectorize. NaN stores 0, as the {@code Math.rint} formula did.
     */
    static void requantizeRow(float[] row, int j0, int j1, float inv, int zy, int qmin, int qmax, byte[] c,
            int cBase) {
        float lo = qmin - zy;
        float hi = qmax - zy;
        float z = zy;
        for (int j = j0; j < j1; j++) {
            float v = Math.min(Math.max(row[j] * inv, lo), hi);
            row[j] = ((v + MAGIC) - MAGIC) + z;
        }
        for (int j = j0; j < j1; j++) {
            c[cBase + j] = (byte) (int) row[j];
        }
    }

    /** {@code k*za - rowSum(r)}: the exact correction {@code raw - zb*rowSum - za*colSum + k*za*zb} regrouped. */
    private static int rowFactor(QuantizedRows a, int r, PackedInt8Matrix b) {
        return b.k() * a.zeroPoint(r) - a.rowSum(r);
    }

    /** {@code row[j] = (corrected accumulator + int32 bias) * (sa * sb[j])} for columns {@code [j0, j1)}. */
    private static void dequantizedRow(int[] raw, int src, QuantizedRows a, int r, PackedInt8Matrix b, int[] bias,
            int j0, int j1, float[] row) {
        int[] zb = b.zeroPointArray();
        int[] cs = b.columnSumArray();
        float[] sb = b.scaleArray();
        int za = a.zeroPoint(r);
        int rowFactor = rowFactor(a, r, b);
        float sa = a.scale(r);
        if (bias == null) {
            for (int j = j0; j < j1; j++) {
                row[j] = (raw[src + j] + rowFactor * zb[j] - za * cs[j]) * (sa * sb[j]);
            }
        } else {
            for (int j = j0; j < j1; j++) {
                row[j] = (raw[src + j] + rowFactor * zb[j] - za * cs[j] + bias[j]) * (sa * sb[j]);
            }
        }
    }

    /** Float bias and activation in place on {@code row[j0, j1)}. */
    private static void biasAndActivation(float[] row, int j0, int j1, Epilogue ep, Kernels kernels) {
        float[] bias = ep.bias();
        if (bias != null) {
            for (int j = j0; j < j1; j++) {
                row[j] += bias[j];
            }
        }
        switch (ep.activation()) {
            case NONE -> { }
            case RELU -> {
                for (int j = j0; j < j1; j++) {
                    row[j] = Math.max(row[j], 0f);
                }
            }
            case GELU -> kernels.gelu(row, j0, j1 - j0);
        }
    }

    /**
     * Bias, activation, then store into or add to {@code c[cBase + j]} for columns {@code [j0, j1)}.
     * Accumulation goes through {@code spare} (C's segment copied in and out) for the reason in the
     * class comment.
     */
    private static void finish(float[] row, float[] spare, int j0, int j1, Epilogue ep, Kernels kernels, float[] c,
            int cBase) {
        biasAndActivation(row, j0, j1, ep, kernels);
        if (ep.accumulates()) {
            System.arraycopy(c, cBase + j0, spare, j0, j1 - j0);
            for (int j = j0; j < j1; j++) {
                spare[j] += row[j];
            }
            System.arraycopy(spare, j0, c, cBase + j0, j1 - j0);
        } else {
            System.arraycopy(row, j0, c, cBase + j0, j1 - j0);
        }
    }
}
