package io.tare.kernels.onnx;

import io.tare.kernels.gemm.Epilogue;
import io.tare.kernels.gemm.Gemm;
import io.tare.kernels.gemm.PackedFloatMatrix;

/** ONNX MatMul (numpy matmul broadcasting) as one packed SGEMM per batch matrix. Test harness. */
final class MatMulBroadcast {
    private MatMulBroadcast() {
    }

    static float[] run(Gemm gemm, OnnxTensor ta, OnnxTensor tb) {
        // 1-D operands are promoted to matrices (and the added dimension dropped from the result,
        // which leaves the flat data unchanged).
        long[] da = ta.dims.length == 1 ? new long[] {1, ta.dims[0]} : ta.dims;
        long[] db = tb.dims.length == 1 ? new long[] {tb.dims[0], 1} : tb.dims;
        int m = (int) da[da.length - 2], k = (int) da[da.length - 1], n = (int) db[db.length - 1];
        int rank = Math.max(da.length, db.length);
        int batchRank = rank - 2;
        long[] batch = new long[batchRank];
        int batches = 1;
        for (int d = 0; d < batchRank; d++) {
            batch[d] = Math.max(batchDim(da, d, batchRank), batchDim(db, d, batchRank));
            batches *= (int) batch[d];
        }
        float[] a = ta.floats();
        float[] b = tb.floats();
        float[] y = new float[batches * m * n];
        for (int bi = 0; bi < batches; bi++) {
            int aIdx = 0, bIdx = 0, rem = bi, aStride = 1, bStride = 1;
            for (int d = batchRank - 1; d >= 0; d--) {
                int idx = rem % (int) batch[d];
                rem /= (int) batch[d];
                long ea = batchDim(da, d, batchRank);
                long eb = batchDim(db, d, batchRank);
                aIdx += (ea == 1 ? 0 : idx) * aStride;
                bIdx += (eb == 1 ? 0 : idx) * bStride;
                aStride *= (int) ea;
                bStride *= (int) eb;
            }
            PackedFloatMatrix pb = gemm.packFloat(b, bIdx * k * n, k, n, false);
            gemm.sgemm(a, aIdx * m * k, k, m, pb, y, bi * m * n, n, Epilogue.NONE);
        }
        return y;
    }

    /** Batch dimension d (of batchRank, right-aligned) of a shape; 1 where the shape is shorter. */
    private static long batchDim(long[] dims, int d, int batchRank) {
        int own = dims.length - 2;
        int i = d - (batchRank - own);
        return i >= 0 ? dims[i] : 1;
    }
}
