package io.tare.kernels.gemm;

import io.tare.kernels.tensor.DType;
import io.tare.kernels.tensor.Int4Packing;
import io.tare.kernels.tensor.QuantParams;

/**
 * INT8 weights B[K, N] repacked once into column panels of signed bytes, with what the GEMM
 * epilogue needs: per-column scales, zero points and column sums.
 *
 * <p>Unsigned (UINT8) weights are stored shifted by -128 (b' = b - 128, zp' = zp - 128), which
 * leaves every (b - zp) difference unchanged and lets one u8 x s8 kernel serve both. INT4/UINT4
 * weights are unpacked to one byte each at pack time (the kernels have no 4-bit path).
 *
 * <p>K is padded to a multiple of 4 with zero bytes ({@link #kPadded()}). Immutable; shareable.
 */
public final class PackedInt8Matrix {

    /** How bytes of a panel are ordered. */
    public enum Layout {
        /** (k, j) at {@code panel + k*width + j}: one row of the panel per k (Vector API tier). */
        K_MAJOR,
        /**
         * (k, j) at {@code panel + (k/4)*width*4 + j*4 + k%4}: four consecutive k of one column
         * together, the operand order of x86 VPDPBUSD / VPMADDWD (native tier).
         */
        K4_INTERLEAVED
    }

    private final int k;
    private final int kPadded;
    private final int n;
    private final int panelWidth;
    private final Layout layout;
    private final byte[] data;
    private final int[] columnSums;
    private final float[] scales;
    private final int[] zeroPoints;
    private final boolean sevenBits;

    private PackedInt8Matrix(int k, int n, int panelWidth, Layout layout, byte[] data, int[] columnSums,
            float[] scales, int[] zeroPoints, boolean sevenBits) {
        this.k = k;
        this.kPadded = padK(k);
        this.n = n;
        this.panelWidth = panelWidth;
        this.layout = layout;
        this.data = data;
        this.columnSums = columnSums;
        this.scales = scales;
        this.zeroPoints = zeroPoints;
        this.sevenBits = sevenBits;
    }

    /** The stored-value range of {@link #fitsSevenBits()}: a signed 7-bit integer. */
    public static final int SEVEN_BIT_MIN = -64;
    public static final int SEVEN_BIT_MAX = 63;

    /** K rounded up to a multiple of 4. */
    public static int padK(int k) {
        return (k + 3) & ~3;
    }

    /**
     * Packs quantized weights. {@code b} holds B row-major [K, N] ({@code transposed} false) or
     * B^T [N, K] (true), as INT8/UINT8 bytes, or INT4/UINT4 packed two per byte in that same element
     * order. {@code params} is per tensor or has one entry per column n (any axis number).
     */
    public static PackedInt8Matrix pack(byte[] b, int off, int k, int n, boolean transposed, QuantParams params,
            int panelWidth, Layout layout) {
        DType type = params.dtype();
        if (!params.isPerTensor() && params.count() != n) {
            throw new IllegalArgumentException("need per-tensor or " + n + " per-column parameters, got "
                    + params.count());
        }
        int shift = type.isSigned() ? 0 : (type == DType.UINT8 ? 128 : 8);
        byte[] values = b;
        int valuesOff = off;
        if (type.bits() == 4) {
            values = new byte[k * n];
            Int4Packing.unpack(b, off, k * n, type == DType.INT4, values, 0);
            valuesOff = 0;
        }
        int kp = padK(k);
        int panels = (n + panelWidth - 1) / panelWidth;
        byte[] data = new byte[Math.multiplyExact(panels * panelWidth, kp)];
        int[] sums = new int[n];
        float[] scales = new float[n];
        int[] zps = new int[n];
        int min = 0;
        int max = 0;
        for (int j = 0; j < n; j++) {
            scales[j] = params.scale(j);
            zps[j] = params.zeroPoint(j) - shift;
            int p = j / panelWidth;
            int jj = j % panelWidth;
            for (int kk = 0; kk < k; kk++) {
                int raw = transposed ? values[valuesOff + j * k + kk] : values[valuesOff + kk * n + j];
                int v = (shift == 0 ? raw : raw & (type == DType.UINT8 ? 0xFF : 0x0F)) - shift;
                data[index(layout, p * kp * panelWidth, panelWidth, kk, jj)] = (byte) v;
                sums[j] += v;
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }
        boolean sevenBits = min >= SEVEN_BIT_MIN && max <= SEVEN_BIT_MAX;
        return new PackedInt8Matrix(k, n, panelWidth, layout, data, sums, scales, zps, sevenBits);
    }

    /**
     * Quantizes FP32 weights symmetric per column to INT8 (zero point 0, scale = max|w| / 127, ONNX
     * rounding) and packs them. {@code w} layout as in {@link #pack}.
     */
    public static PackedInt8Matrix quantizeSymmetric(float[] w, int off, int k, int n, boolean transposed,
            int panelWidth, Layout layout) {
        return quantizeSymmetric(w, off, k, n, transposed, 8, panelWidth, layout);
    }

    /**
     * {@link #quantizeSymmetric(float[], int, int, int, boolean, int, Layout)} to {@code bits} = 8
     * (scale = max|w| / 127) or 7 (max|w| / 63: values in [-63, 63], so the matrix
     * {@link #fitsSevenBits() fits seven bits}).
     */
    public static PackedInt8Matrix quantizeSymmetric(float[] w, int off, int k, int n, boolean transposed, int bits,
            int panelWidth, Layout layout) {
        if (bits != 8 && bits != 7) {
            throw new IllegalArgumentException("weight bits must be 8 or 7, got " + bits);
        }
        int qmax = (1 << (bits - 1)) - 1;
        float[] scales = new float[n];
        for (int j = 0; j < n; j++) {
            float absMax = 0f;
            for (int kk = 0; kk < k; kk++) {
                float v = transposed ? w[off + j * k + kk] : w[off + kk * n + j];
                absMax = Math.max(absMax, Math.abs(v));
            }
            scales[j] = absMax > 0f ? absMax / qmax : 1f;
        }
        QuantParams params = QuantParams.perAxis(DType.INT8, transposed ? 0 : 1, scales, new int[n]);
        byte[] q = new byte[k * n];
        for (int j = 0; j < n; j++) {
            float s = scales[j];
            for (int kk = 0; kk < k; kk++) {
                int idx = transposed ? j * k + kk : kk * n + j;
                float r = (float) Math.rint(w[off + idx] / s);
                q[idx] = (byte) Math.max(-qmax - 1, Math.min(qmax, r));
            }
        }
        return pack(q, 0, k, n, transposed, params, panelWidth, layout);
    }

    /** Position of (kk, jj) inside a panel starting at {@code panelBase}. */
    public static int index(Layout layout, int panelBase, int panelWidth, int kk, int jj) {
        return layout == Layout.K_MAJOR
                ? panelBase + kk * panelWidth + jj
                : panelBase + (kk >> 2) * panelWidth * 4 + jj * 4 + (kk & 3);
    }

    /** The signed stored value B'(kk, j) (after any u8 shift), for reference code and tests. */
    public int value(int kk, int j) {
        int p = j / panelWidth;
        return data[index(layout, panelOffset(p), panelWidth, kk, j % panelWidth)];
    }

    public int k() {
        return k;
    }

    public int kPadded() {
        return kPadded;
    }

    public int n() {
        return n;
    }

    public int panelWidth() {
        return panelWidth;
    }

    public int panels() {
        return (n + panelWidth - 1) / panelWidth;
    }

    public Layout layout() {
        return layout;
    }

    /** Packed signed bytes; read-only by contract. */
    public byte[] data() {
        return data;
    }

    public int panelOffset(int p) {
        return p * kPadded * panelWidth;
    }

    /** Sum over k of B'(k, j), per column. */
    public int columnSum(int j) {
        return columnSums[j];
    }

    public float scale(int j) {
        return scales[j];
    }

    /** Zero point of column j in the stored (shifted, signed) domain. */
    public int zeroPoint(int j) {
        return zeroPoints[j];
    }

    /** A deep copy of the packed bytes in fresh memory (metadata arrays are shared: immutable). */
    public PackedInt8Matrix copy() {
        return new PackedInt8Matrix(k, n, panelWidth, layout, data.clone(), columnSums, scales, zeroPoints, sevenBits);
    }

    /**
     * Column sums, scales and zero points as arrays, for the epilogue's vectorizable loops and the
     * native fused epilogue; read-only by contract, like {@link #data()}.
     */
    public int[] columnSumArray() {
        return columnSums;
    }

    public float[] scaleArray() {
        return scales;
    }

    public int[] zeroPointArray() {
        return zeroPoints;
    }

    public long byteSize() {
        return data.length;
    }

    /**
     * True when every stored value (after any u8 shift) lies in [{@value #SEVEN_BIT_MIN},
     * {@value #SEVEN_BIT_MAX}], found once at pack time: weights quantized to 7 bits (scale max|w| / 63)
     * or 4 bits, or UINT8 weights within 64 of 128. Then a u8 x s8 pair sum 255 * (b0 + b1) cannot
     * leave int16, and the native AVX2 tier takes its VPMADDUBSW kernel, exact only for such matrices.
     */
    public boolean fitsSevenBits() {
        return sevenBits;
    }

    /** True when some column has a non-zero (stored-domain) zero point, so GEMM needs A's row sums. */
    public boolean hasZeroPoints() {
        for (int z : zeroPoints) {
            if (z != 0) {
                return true;
            }
        }
        return false;
    }
}
