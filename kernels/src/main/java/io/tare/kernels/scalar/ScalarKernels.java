package io.tare.kernels.scalar;

import io.tare.kernels.KernelTier;
import io.tare.kernels.Kernels;
import io.tare.kernels.gemm.PackedFloatMatrix;
import io.tare.kernels.gemm.PackedInt8Matrix;
import io.tare.kernels.tensor.DType;

/**
 * The readable reference tier: plain loops written to mirror the ONNX reference formulas, with no
 * blocking or vectorization. Every other tier is tested against this one. Stateless; thread-safe.
 */
public final class ScalarKernels implements Kernels {
    /** Panel widths are free for the scalar tier; 16 keeps packed sizes comparable to the others. */
    private static final int PANEL = 16;

    @Override
    public KernelTier tier() {
        return KernelTier.SCALAR;
    }

    @Override
    public String description() {
        return "scalar Java reference";
    }

    @Override
    public void quantize(float[] x, int xOff, byte[] q, int qOff, int n, float scale, int zeroPoint, DType type) {
        for (int i = 0; i < n; i++) {
            q[qOff + i] = (byte) quantizeOne(x[xOff + i], scale, zeroPoint, type);
        }
    }

    /** ONNX QuantizeLinear for one value: {@code saturate(rint(x / scale) + zeroPoint)}; NaN gives the zero point. */
    public static int quantizeOne(float x, float scale, int zeroPoint, DType type) {
        float v = x / scale;
        float r = (v != v ? 0f : (float) Math.rint(v)) + zeroPoint;
        return (int) Math.max(type.qmin(), Math.min(type.qmax(), r));
    }

    @Override
    public void dequantize(byte[] q, int qOff, float[] x, int xOff, int n, float scale, int zeroPoint, DType type) {
        for (int i = 0; i < n; i++) {
            x[xOff + i] = (type.fromByte(q[qOff + i]) - zeroPoint) * scale;
        }
    }

    @Override
    public void minMax(float[] x, int off, int n, float[] out) {
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            min = Math.min(min, x[off + i]);
            max = Math.max(max, x[off + i]);
        }
        out[0] = min;
        out[1] = max;
    }

    @Override
    public int sumUnsigned(byte[] q, int off, int n) {
        int s = 0;
        for (int i = 0; i < n; i++) {
            s += q[off + i] & 0xFF;
        }
        return s;
    }

    @Override
    public void gelu(float[] x, int off, int n) {
        for (int i = 0; i < n; i++) {
            x[off + i] = io.tare.kernels.gemm.Activation.gelu(x[off + i]);
        }
    }

    @Override
    public int floatPanelWidth() {
        return PANEL;
    }

    @Override
    public int int8PanelWidth() {
        return PANEL;
    }

    @Override
    public PackedInt8Matrix.Layout int8Layout() {
        return PackedInt8Matrix.Layout.K_MAJOR;
    }

    @Override
    public void sgemm(float[] a, int aOff, int lda, int m, PackedFloatMatrix b, int panelFrom, int panelTo,
            float[] c, int cOff, int ldc) {
        int w = b.panelWidth();
        int k = b.k();
        float[] bd = b.data();
        int colEnd = Math.min(b.n(), panelTo * w);
        for (int i = 0; i < m; i++) {
            for (int j = panelFrom * w; j < colEnd; j++) {
                int base = b.panelOffset(j / w) + j % w;
                float sum = 0f;
                for (int kk = 0; kk < k; kk++) {
                    sum += a[aOff + i * lda + kk] * bd[base + kk * w];
                }
                c[cOff + i * ldc + j - panelFrom * w] = sum;
            }
        }
    }

    @Override
    public void sgemmPlain(float[] a, int aOff, int lda, int m, int k, float[] b, int bOff, int ldb, int n, float[] c,
            int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float sum = 0f;
                for (int kk = 0; kk < k; kk++) {
                    sum += a[aOff + i * lda + kk] * b[bOff + kk * ldb + j];
                }
                c[cOff + i * ldc + j] = sum;
            }
        }
    }

    @Override
    public void int8(byte[] aU8, int aOff, int lda, int m, PackedInt8Matrix b, int panelFrom, int panelTo,
            int[] c, int cOff, int ldc) {
        int w = b.panelWidth();
        int colEnd = Math.min(b.n(), panelTo * w);
        for (int i = 0; i < m; i++) {
            for (int j = panelFrom * w; j < colEnd; j++) {
                int sum = 0;
                for (int kk = 0; kk < b.k(); kk++) {
                    sum += (aU8[aOff + i * lda + kk] & 0xFF) * b.value(kk, j);
                }
                c[cOff + i * ldc + j - panelFrom * w] = sum;
            }
        }
    }

    @Override
    public void w8a32(float[] a, int aOff, int lda, int m, PackedInt8Matrix b, int panelFrom, int panelTo,
            float[] c, int cOff, int ldc) {
        int w = b.panelWidth();
        int colEnd = Math.min(b.n(), panelTo * w);
        for (int i = 0; i < m; i++) {
            for (int j = panelFrom * w; j < colEnd; j++) {
                float sum = 0f;
                for (int kk = 0; kk < b.k(); kk++) {
                    sum += a[aOff + i * lda + kk] * b.value(kk, j);
                }
                c[cOff + i * ldc + j - panelFrom * w] = sum;
            }
        }
    }
}
