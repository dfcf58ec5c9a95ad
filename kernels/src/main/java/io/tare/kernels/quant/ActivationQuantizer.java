package io.tare.kernels.quant;

import io.tare.kernels.Kernels;
import io.tare.kernels.tensor.DType;
import io.tare.kernels.tensor.QuantParams;

/**
 * Quantizes FP32 activations A[m, k] into a {@link QuantizedRows} buffer for INT8 GEMM:
 * dynamically per tensor (ONNX DynamicQuantizeLinear), dynamically per row (per token: the same
 * formula on each row), symmetrically per row, or with static parameters from a scale table.
 *
 * <p>A first pass takes each row's range (and so its scale and zero point), a second quantizes
 * the rows and sums their bytes in one {@link Kernels#quantizeRows} call: one native downcall per
 * block of rows instead of one per row. The blocks are {@link #PASS_BYTES} of input, so
 * that the second pass reads what the first just brought into cache (a whole GEMM input, 6 MiB for
 * all-MiniLM-L6-v2's feed-forward layer at 8 x 128 tokens, was read twice from L3 or DRAM).
 * Nothing is allocated here. Stateless apart from the kernels; thread-safe as long as callers use
 * distinct output buffers.
 */
public final class ActivationQuantizer {
    /**
     * Input bytes per block of rows in the per-row modes: inside a 512 KiB L2 beside the output
     * bytes, and few enough calls (each native one allocates its segment wrappers) that a MiniLM
     * run makes ~200 of them rather than one per row.
     */
    static final int PASS_BYTES = 256 * 1024;

    private final Kernels kernels;
    private final ThreadLocal<float[]> range = ThreadLocal.withInitial(() -> new float[2]);

    public ActivationQuantizer(Kernels kernels) {
        this.kernels = kernels;
    }

    /** Dynamic per-row asymmetric uint8 quantization (DynamicQuantizeLinear applied row by row). */
    public void perRow(float[] x, int off, int ldx, int m, QuantizedRows out) {
        rowByRow(x, off, ldx, m, out, false);
    }

    /**
     * Dynamic per-row symmetric quantization: scale = max|x| / 127 per row, stored as uint8 with
     * zero point 128 (int8 values shifted by +128), so that rows hold 0 at 128 exactly.
     */
    public void perRowSymmetric(float[] x, int off, int ldx, int m, QuantizedRows out) {
        rowByRow(x, off, ldx, m, out, true);
    }

    /** The per-row modes, in blocks of rows: each block's ranges, then its quantization. */
    private void rowByRow(float[] x, int off, int ldx, int m, QuantizedRows out, boolean symmetric) {
        prepare(m, out);
        float[] mm = range.get();
        int k = out.k();
        int block = Math.max(1, PASS_BYTES / Math.max(1, 4 * k));
        for (int r0 = 0; r0 < m; r0 += block) {
            int rows = Math.min(block, m - r0);
            for (int r = r0; r < r0 + rows; r++) {
                kernels.minMax(x, off + r * ldx, k, mm);
                if (symmetric) {
                    out.scales()[r] = DynamicRange.symmetricScale(mm[0], mm[1]);
                    out.zeroPoints()[r] = 128;
                } else {
                    float scale = DynamicRange.scale(mm[0], mm[1]);
                    out.scales()[r] = scale;
                    out.zeroPoints()[r] = DynamicRange.zeroPoint(mm[0], scale);
                }
            }
            storeRows(x, off, ldx, r0, rows, out);
        }
    }

    /**
     * Dynamic per-tensor quantization with ONNX DynamicQuantizeLinear semantics over all m*k values.
     * Returns nothing: scale and zero point are repeated in every row of {@code out}.
     */
    public void perTensor(float[] x, int off, int ldx, int m, QuantizedRows out) {
        prepare(m, out);
        float[] mm = range.get();
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (int r = 0; r < m; r++) {
            kernels.minMax(x, off + r * ldx, out.k(), mm);
            min = Math.min(min, mm[0]);
            max = Math.max(max, mm[1]);
        }
        float scale = DynamicRange.scale(min, max);
        fill(m, scale, DynamicRange.zeroPoint(min, scale), out);
        storeRows(x, off, ldx, 0, m, out);
    }

    /** Static quantization with per-tensor INT8 or UINT8 parameters (e.g. from a scale table). */
    public void withParams(float[] x, int off, int ldx, int m, QuantParams params, QuantizedRows out) {
        if (!params.isPerTensor() || params.dtype().bits() != 8) {
            throw new IllegalArgumentException("static activations need per-tensor 8-bit parameters: " + params);
        }
        prepare(m, out);
        // int8 q = saturate(r + zp) in [-128, 127] equals uint8 saturate(r + zp + 128) minus 128.
        fill(m, params.scale(0), params.zeroPoint(0) + (params.dtype() == DType.INT8 ? 128 : 0), out);
        storeRows(x, off, ldx, 0, m, out);
    }

    /**
     * Copies already-quantized rows (MatMulInteger / QLinearMatMul inputs). INT8 values are stored
     * shifted by +128 with their zero points; {@code zeroPoints} and {@code scales} hold one entry
     * (per tensor) or one per row.
     */
    public void fromQuantized(byte[] q, int off, int ldq, int m, DType type, float[] scales, int[] zeroPoints,
            QuantizedRows out) {
        prepare(m, out);
        int k = out.k();
        int shift = type == DType.INT8 ? 128 : 0;
        byte[] data = out.data();
        for (int r = 0; r < m; r++) {
            int dst = r * out.stride();
            if (shift == 0) {
                // u8 rows are already what the GEMM reads: a plain copy (the byte loop cost ~10% of the MLP b64)
                System.arraycopy(q, off + r * ldq, data, dst, k);
            } else {
                int src = off + r * ldq;
                for (int i = 0; i < k; i++) {
                    data[dst + i] = (byte) (q[src + i] ^ 0x80); // s8 -> u8: x + 128 is a flip of the sign bit
                }
            }
            out.scales()[r] = scales[scales.length == 1 ? 0 : r];
            out.zeroPoints()[r] = zeroPoints[zeroPoints.length == 1 ? 0 : r] + shift;
            out.rowSums()[r] = kernels.sumUnsigned(data, dst, k);
        }
    }

    /** Rows {@code [r0, r0 + rows)} of x quantized with their parameters into the same rows of {@code out}. */
    private void storeRows(float[] x, int off, int ldx, int r0, int rows, QuantizedRows out) {
        kernels.quantizeRows(x, off + r0 * ldx, ldx, rows, out.k(), out.scales(), out.zeroPoints(), r0, out.data(),
                r0 * out.stride(), out.stride(), out.rowSums());
    }

    private static void fill(int m, float scale, int zeroPoint, QuantizedRows out) {
        java.util.Arrays.fill(out.scales(), 0, m, scale);
        java.util.Arrays.fill(out.zeroPoints(), 0, m, zeroPoint);
    }

    private static void prepare(int m, QuantizedRows out) {
        out.setRows(m);
    }
}
