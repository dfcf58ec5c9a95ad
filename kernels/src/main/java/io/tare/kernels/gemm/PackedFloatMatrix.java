package io.tare.kernels.gemm;

/**
 * FP32 weights B[K, N] repacked once (at model load) into column panels of {@code panelWidth}
 * columns, each panel stored K-major: element (k, j) of panel p sits at
 * {@code (p * k + kk) * panelWidth + (j - p * panelWidth)}. Columns past N are zero, so kernels
 * may always compute whole panels. Immutable after packing and safe to share between threads,
 * except a matrix {@link #packInto packed into a caller's buffer}, which lasts until that buffer
 * is packed again.
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
        checkShape(k, n, panelWidth);
        float[] data = new float[packedLength(k, n, panelWidth)];
        return packInto(b, off, transposed ? k : n, k, n, transposed, panelWidth, data);
    }

    /** Floats of packed storage for B[k, n]: whole panels, the last one zero-padded. */
    public static int packedLength(int k, int n, int panelWidth) {
        checkShape(k, n, panelWidth);
        return Math.multiplyExact((n + panelWidth - 1) / panelWidth * panelWidth, k);
    }

    /**
     * Packs B into the caller's {@code buffer} (at least {@link #packedLength} floats, padding
     * included: it is written, not assumed zero), for operands packed anew on every run (attention's
     * K^T and V, one head at a time) without a fresh array each time. B is read with row stride
     * {@code ldb}: with {@code transposed} false element (k, j) is at {@code off + k*ldb + j}, with
     * true at {@code off + j*ldb + k} (B^T's rows), so a strided view packs without a gathered copy.
     * The matrix returned reads {@code buffer}: it holds these values until the buffer is packed
     * again, and is then no longer safe to share.
     */
    public static PackedFloatMatrix packInto(float[] b, int off, int ldb, int k, int n, boolean transposed,
            int panelWidth, float[] buffer) {
        int length = packedLength(k, n, panelWidth);
        if (buffer.length < length) {
            throw new IllegalArgumentException("buffer of " + buffer.length + " floats, packing needs " + length);
        }
        int panels = (n + panelWidth - 1) / panelWidth;
        for (int p = 0; p < panels; p++) {
            int j0 = p * panelWidth;
            int cols = Math.min(panelWidth, n - j0);
            int panel = p * k * panelWidth;
            if (transposed) {
                // B^T's row j (contiguous over k) becomes column jj of the panel
                for (int jj = 0; jj < cols; jj++) {
                    int src = off + (j0 + jj) * ldb;
                    for (int kk = 0; kk < k; kk++) {
                        buffer[panel + kk * panelWidth + jj] = b[src + kk];
                    }
                }
                if (cols < panelWidth) {
                    for (int kk = 0; kk < k; kk++) {
                        java.util.Arrays.fill(buffer, panel + kk * panelWidth + cols, panel + (kk + 1) * panelWidth, 0f);
                    }
                }
            } else {
                for (int kk = 0; kk < k; kk++) {
                    int dst = panel + kk * panelWidth;
                    System.arraycopy(b, off + kk * ldb + j0, buffer, dst, cols);
                    if (cols < panelWidth) {
                        java.util.Arrays.fill(buffer, dst + cols, dst + panelWidth, 0f);
                    }
                }
            }
        }
        return new PackedFloatMatrix(k, n, panelWidth, buffer);
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
