package io.tare.kernels.gemm;

/**
 * FP32 weights B[K, N] repacked once (at model load) into column panels of {@code panelWidth}
 * columns, each panel stored K-major: element (k, j) of panel p sits at
 * {@code (p * k + kk) * panelWidth + (j - p * panelWidth)}. Columns past N are zero, so kernels
 * may always compute whole panels. Immutable after packing and safe to share between threads.
 */
public final class PackedFloatMatrix {
    private final int k;
    private final int n;
    private final int panelWidth;
    private final float[] data;

    private PackedFloatMatrix(int k, int n, int panelWidth, float[] data) {
        this.k = k;
        this.n = n;
        this.panelWidth = panelWidth;
        this.data = data;
    }

    /**
     * Packs B. With {@code transposed} false B is row-major [K, N] (element (k, j) at
     * {@code off + k*N + j}); with true it is given as B^T, row-major [N, K] (ONNX Gemm transB,
     * or a Conv weight [M, C*kh*kw]).
     */
    public static PackedFloatMatrix pack(float[] b, int off, int k, int n, boolean transposed, int panelWidth) {
        float[] data = new float[packedLength(k, n, panelWidth)]; // zero: a last partial panel's padding
        int panels = (n + panelWidth - 1) / panelWidth;
        for (int p = 0; p < panels; p++) {
            int j0 = p * panelWidth;
            int cols = Math.min(panelWidth, n - j0);
            int panel = p * k * panelWidth;
            if (transposed) {
                // B^T's row j (contiguous over k) becomes column jj of the panel
                for (int jj = 0; jj < cols; jj++) {
                    int src = off + (j0 + jj) * k;
                    for (int kk = 0; kk < k; kk++) {
                        data[panel + kk * panelWidth + jj] = b[src + kk];
                    }
                }
            } else {
                for (int kk = 0; kk < k; kk++) {
                    System.arraycopy(b, off + kk * n + j0, data, panel + kk * panelWidth, cols);
                }
            }
        }
        return new PackedFloatMatrix(k, n, panelWidth, data);
    }

    /** Floats of packed storage for B[k, n]: whole panels, the last one zero-padded. */
    public static int packedLength(int k, int n, int panelWidth) {
        checkShape(k, n, panelWidth);
        return Math.multiplyExact((n + panelWidth - 1) / panelWidth * panelWidth, k);
    }

    private static void checkShape(int k, int n, int panelWidth) {
        if (k <= 0 || n <= 0 || panelWidth <= 0) {
            throw new IllegalArgumentException("bad GEMM shape k=" + k + " n=" + n);
        }
    }

    public int k() {
        return k;
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

    /** Packed values; read-only by contract (kernels index it directly). */
    public float[] data() {
        return data;
    }

    /** Index of panel {@code p}'s first element in {@link #data()}. */
    public int panelOffset(int p) {
        return p * k * panelWidth;
    }

    /** A deep copy in fresh memory (e.g. to rotate weights through DRAM in benchmarks). */
    public PackedFloatMatrix copy() {
        return new PackedFloatMatrix(k, n, panelWidth, java.util.Arrays.copyOf(data, packedLength(k, n, panelWidth)));
    }

    /** Bytes of packed storage. */
    public long byteSize() {
        return 4L * packedLength(k, n, panelWidth);
    }
}
