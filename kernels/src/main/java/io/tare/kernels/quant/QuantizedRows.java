package io.tare.kernels.quant;

import io.tare.kernels.gemm.PackedInt8Matrix;

/**
 * A caller-owned, reusable buffer of quantized activations A[m, k] for INT8 GEMM: unsigned bytes
 * (signed inputs are stored shifted by +128), one scale and zero point per row (per-tensor
 * quantization repeats the same pair), and the per-row sums of the stored bytes that the GEMM's
 * zero-point correction needs.
 *
 * <p>Rows are {@link #stride()} = k rounded up to 4 bytes apart; the pad bytes are zero. Allocate
 * once for the largest batch and reuse it: filling it never allocates. Not thread-safe.
 */
public final class QuantizedRows {
    private final int k;
    private final int stride;
    private final byte[] data;
    private final float[] scales;
    private final int[] zeroPoints;
    private final int[] rowSums;
    private int rows;

    public QuantizedRows(int maxRows, int k) {
        if (maxRows <= 0 || k <= 0) {
            throw new IllegalArgumentException("rows and k must be positive");
        }
        this.k = k;
        this.stride = PackedInt8Matrix.padK(k);
        this.data = new byte[Math.multiplyExact(maxRows, stride)];
        this.scales = new float[maxRows];
        this.zeroPoints = new int[maxRows];
        this.rowSums = new int[maxRows];
    }

    public int k() {
        return k;
    }

    public int stride() {
        return stride;
    }

    public int maxRows() {
        return scales.length;
    }

    /** Rows currently held (set by the quantizer that filled this buffer). */
    public int rows() {
        return rows;
    }

    /** Sets the row count; {@code rows <= maxRows()}. */
    public void setRows(int rows) {
        if (rows < 0 || rows > maxRows()) {
            throw new IllegalArgumentException("rows " + rows + " outside 0.." + maxRows());
        }
        this.rows = rows;
    }

    /** Stored unsigned bytes, row r at {@code r * stride()}. Writable by quantizers. */
    public byte[] data() {
        return data;
    }

    public float[] scales() {
        return scales;
    }

    /** Zero points in the stored unsigned domain. */
    public int[] zeroPoints() {
        return zeroPoints;
    }

    public int[] rowSums() {
        return rowSums;
    }

    public float scale(int row) {
        return scales[row];
    }

    public int zeroPoint(int row) {
        return zeroPoints[row];
    }

    public int rowSum(int row) {
        return rowSums[row];
    }
}
