package io.tare.kernels.onnx;

import io.tare.kernels.gemm.Epilogue;
import io.tare.kernels.gemm.Gemm;
import io.tare.kernels.gemm.PackedFloatMatrix;

/**
 * ONNX Gemm: Y = alpha * op(A) op(B) + beta * C. op(B) is packed with transB; transA is a copy;
 * alpha and the broadcast of C are applied after the kernel (the engine folds them into weights
 * and bias at load time). Test harness.
 */
final class GemmNode {
    private GemmNode() {
    }

    static float[] run(Gemm gemm, OnnxNodeCase c) {
        OnnxTensor ta = c.input(0);
        OnnxTensor tb = c.input(1);
        OnnxTensor tc = c.input(2);
        boolean transA = c.attr("transA", 0L) != 0;
        boolean transB = c.attr("transB", 0L) != 0;
        float alpha = c.attr("alpha", 1f);
        float beta = c.attr("beta", 1f);
        int m = transA ? ta.dim(1) : ta.dim(0);
        int k = transA ? ta.dim(0) : ta.dim(1);
        int n = transB ? tb.dim(0) : tb.dim(1);
        float[] a = ta.floats();
        if (transA) {
            float[] t = new float[m * k];
            for (int i = 0; i < m; i++) {
                for (int kk = 0; kk < k; kk++) {
                    t[i * k + kk] = a[kk * m + i];
                }
            }
            a = t;
        }
        PackedFloatMatrix pb = gemm.packFloat(tb.floats(), 0, k, n, transB);
        float[] y = new float[m * n];
        gemm.sgemm(a, 0, k, m, pb, y, 0, n, Epilogue.NONE);
        float[] cv = tc != null ? tc.floats() : null;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float v = alpha * y[i * n + j];
                if (cv != null) {
                    int ci;
                    if (cv.length == 1) {
                        ci = 0;
                    } else if (tc.dims.length == 1 || tc.dim(0) == 1) {
                        ci = j;
                    } else if (tc.dims.length == 2 && tc.dim(1) == 1) {
                        ci = i;
                    } else {
                        ci = i * n + j;
                    }
                    v += beta * cv[ci];
                }
                y[i * n + j] = v;
            }
        }
        return y;
    }
}
