package io.tare.kernels.simd;

import static io.tare.kernels.simd.SimdKernels.FL;
import static io.tare.kernels.simd.SimdKernels.FS;
import static io.tare.kernels.simd.SimdKernels.NR;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * FP32 register tiles over one packed panel: C[rows, 0..valid) = A[rows, 0..k) x panel. The k loop
 * of each tile is one method body with all accumulators local (see {@link SimdKernels}).
 */
final class FloatTiles {
    private FloatTiles() {
    }

    /**
     * Six rows of A, 2 accumulators per row: 12 in flight, enough to hide FMA latency on two FMA
     * pipes at both 256 and 512 bits, and with 2 B vectors and 1 broadcast still 15 registers, so
     * AVX2's 16 do not spill. The main tile of {@link SimdKernels#sgemm}. Sums k in {@code [k0, k1)};
     * with {@code accumulate} (a later K block, {@code valid == NR}) the accumulators start from C, so
     * each element is still one FMA chain in k order: the same bits as without K blocks.
     */
    static void tile6(float[] a, int aOff, int lda, int k0, int k1, float[] bd, int pb, float[] c, int cOff,
            int ldc, int valid, boolean accumulate) {
        FloatVector c00 = accumulate ? FloatVector.fromArray(FS, c, cOff) : FloatVector.zero(FS);
        FloatVector c01 = accumulate ? FloatVector.fromArray(FS, c, cOff + FL) : FloatVector.zero(FS);
        FloatVector c10 = accumulate ? FloatVector.fromArray(FS, c, cOff + ldc) : FloatVector.zero(FS);
        FloatVector c11 = accumulate ? FloatVector.fromArray(FS, c, cOff + ldc + FL) : FloatVector.zero(FS);
        FloatVector c20 = accumulate ? FloatVector.fromArray(FS, c, cOff + 2 * ldc) : FloatVector.zero(FS);
        FloatVector c21 = accumulate ? FloatVector.fromArray(FS, c, cOff + 2 * ldc + FL) : FloatVector.zero(FS);
        FloatVector c30 = accumulate ? FloatVector.fromArray(FS, c, cOff + 3 * ldc) : FloatVector.zero(FS);
        FloatVector c31 = accumulate ? FloatVector.fromArray(FS, c, cOff + 3 * ldc + FL) : FloatVector.zero(FS);
        FloatVector c40 = accumulate ? FloatVector.fromArray(FS, c, cOff + 4 * ldc) : FloatVector.zero(FS);
        FloatVector c41 = accumulate ? FloatVector.fromArray(FS, c, cOff + 4 * ldc + FL) : FloatVector.zero(FS);
        FloatVector c50 = accumulate ? FloatVector.fromArray(FS, c, cOff + 5 * ldc) : FloatVector.zero(FS);
        FloatVector c51 = accumulate ? FloatVector.fromArray(FS, c, cOff + 5 * ldc + FL) : FloatVector.zero(FS);
        // the loop counts from 0 as before K blocks: with kk from k0, C2 ran this loop at half speed
        int k = k1 - k0;
        int a0 = aOff + k0;
        int a1 = a0 + lda;
        int a2 = a0 + 2 * lda;
        int a3 = a0 + 3 * lda;
        int a4 = a0 + 4 * lda;
        int a5 = a0 + 5 * lda;
        for (int kk = 0, bi = pb + k0 * NR; kk < k; kk++, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(FS, bd, bi);
            FloatVector b1 = FloatVector.fromArray(FS, bd, bi + FL);
            FloatVector av = FloatVector.broadcast(FS, a[a0 + kk]);
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(FS, a[a1 + kk]);
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(FS, a[a2 + kk]);
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(FS, a[a3 + kk]);
            c30 = av.fma(b0, c30);
            c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(FS, a[a4 + kk]);
            c40 = av.fma(b0, c40);
            c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(FS, a[a5 + kk]);
            c50 = av.fma(b0, c50);
            c51 = av.fma(b1, c51);
        }
        if (valid == NR) {
            c00.intoArray(c, cOff);
            c01.intoArray(c, cOff + FL);
            c10.intoArray(c, cOff + ldc);
            c11.intoArray(c, cOff + ldc + FL);
            c20.intoArray(c, cOff + 2 * ldc);
            c21.intoArray(c, cOff + 2 * ldc + FL);
            c30.intoArray(c, cOff + 3 * ldc);
            c31.intoArray(c, cOff + 3 * ldc + FL);
            c40.intoArray(c, cOff + 4 * ldc);
            c41.intoArray(c, cOff + 4 * ldc + FL);
            c50.intoArray(c, cOff + 5 * ldc);
            c51.intoArray(c, cOff + 5 * ldc + FL);
        } else {
            VectorMask<Float> m0 = FS.indexInRange(0, valid);
            VectorMask<Float> m1 = FS.indexInRange(FL, valid);
            c00.intoArray(c, cOff, m0);
            c01.intoArray(c, cOff + FL, m1);
            c10.intoArray(c, cOff + ldc, m0);
            c11.intoArray(c, cOff + ldc + FL, m1);
            c20.intoArray(c, cOff + 2 * ldc, m0);
            c21.intoArray(c, cOff + 2 * ldc + FL, m1);
            c30.intoArray(c, cOff + 3 * ldc, m0);
            c31.intoArray(c, cOff + 3 * ldc + FL, m1);
            c40.intoArray(c, cOff + 4 * ldc, m0);
            c41.intoArray(c, cOff + 4 * ldc + FL, m1);
            c50.intoArray(c, cOff + 5 * ldc, m0);
            c51.intoArray(c, cOff + 5 * ldc + FL, m1);
        }
    }

    /** Four rows of A, 2 x 2 accumulators per row... 8 in all, enough to cover FMA latency. */
    static void tile4(float[] a, int aOff, int lda, int k0, int k1, float[] bd, int pb, float[] c, int cOff,
            int ldc, int valid, boolean accumulate) {
        FloatVector c00 = accumulate ? FloatVector.fromArray(FS, c, cOff) : FloatVector.zero(FS);
        FloatVector c01 = accumulate ? FloatVector.fromArray(FS, c, cOff + FL) : FloatVector.zero(FS);
        FloatVector c10 = accumulate ? FloatVector.fromArray(FS, c, cOff + ldc) : FloatVector.zero(FS);
        FloatVector c11 = accumulate ? FloatVector.fromArray(FS, c, cOff + ldc + FL) : FloatVector.zero(FS);
        FloatVector c20 = accumulate ? FloatVector.fromArray(FS, c, cOff + 2 * ldc) : FloatVector.zero(FS);
        FloatVector c21 = accumulate ? FloatVector.fromArray(FS, c, cOff + 2 * ldc + FL) : FloatVector.zero(FS);
        FloatVector c30 = accumulate ? FloatVector.fromArray(FS, c, cOff + 3 * ldc) : FloatVector.zero(FS);
        FloatVector c31 = accumulate ? FloatVector.fromArray(FS, c, cOff + 3 * ldc + FL) : FloatVector.zero(FS);
        // the loop counts from 0 as before K blocks: with kk from k0, C2 ran this loop at half speed
        int k = k1 - k0;
        int a0 = aOff + k0;
        int a1 = a0 + lda;
        int a2 = a0 + 2 * lda;
        int a3 = a0 + 3 * lda;
        for (int kk = 0, bi = pb + k0 * NR; kk < k; kk++, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(FS, bd, bi);
            FloatVector b1 = FloatVector.fromArray(FS, bd, bi + FL);
            FloatVector av = FloatVector.broadcast(FS, a[a0 + kk]);
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(FS, a[a1 + kk]);
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(FS, a[a2 + kk]);
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(FS, a[a3 + kk]);
            c30 = av.fma(b0, c30);
            c31 = av.fma(b1, c31);
        }
        if (valid == NR) {
            c00.intoArray(c, cOff);
            c01.intoArray(c, cOff + FL);
            c10.intoArray(c, cOff + ldc);
            c11.intoArray(c, cOff + ldc + FL);
            c20.intoArray(c, cOff + 2 * ldc);
            c21.intoArray(c, cOff + 2 * ldc + FL);
            c30.intoArray(c, cOff + 3 * ldc);
            c31.intoArray(c, cOff + 3 * ldc + FL);
        } else {
            VectorMask<Float> m0 = FS.indexInRange(0, valid);
            VectorMask<Float> m1 = FS.indexInRange(FL, valid);
            c00.intoArray(c, cOff, m0);
            c01.intoArray(c, cOff + FL, m1);
            c10.intoArray(c, cOff + ldc, m0);
            c11.intoArray(c, cOff + ldc + FL, m1);
            c20.intoArray(c, cOff + 2 * ldc, m0);
            c21.intoArray(c, cOff + 2 * ldc + FL, m1);
            c30.intoArray(c, cOff + 3 * ldc, m0);
            c31.intoArray(c, cOff + 3 * ldc + FL, m1);
        }
    }

    /**
     * Two rows of A, one accumulator chain per element as in the other tiles (so the same bits):
     * covers the 2 rows that 4-row tiles leave of an odd number of 6-row tiles (see
     * {@link SimdKernels#sgemm}). Half the accumulators FMA latency needs, for at most 2 rows.
     */
    static void tile2(float[] a, int aOff, int lda, int k0, int k1, float[] bd, int pb, float[] c, int cOff,
            int ldc, int valid, boolean accumulate) {
        FloatVector c00 = accumulate ? FloatVector.fromArray(FS, c, cOff) : FloatVector.zero(FS);
        FloatVector c01 = accumulate ? FloatVector.fromArray(FS, c, cOff + FL) : FloatVector.zero(FS);
        FloatVector c10 = accumulate ? FloatVector.fromArray(FS, c, cOff + ldc) : FloatVector.zero(FS);
        FloatVector c11 = accumulate ? FloatVector.fromArray(FS, c, cOff + ldc + FL) : FloatVector.zero(FS);
        int k = k1 - k0;
        int a0 = aOff + k0;
        int a1 = a0 + lda;
        for (int kk = 0, bi = pb + k0 * NR; kk < k; kk++, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(FS, bd, bi);
            FloatVector b1 = FloatVector.fromArray(FS, bd, bi + FL);
            FloatVector av = FloatVector.broadcast(FS, a[a0 + kk]);
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(FS, a[a1 + kk]);
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
        }
        if (valid == NR) {
            c00.intoArray(c, cOff);
            c01.intoArray(c, cOff + FL);
            c10.intoArray(c, cOff + ldc);
            c11.intoArray(c, cOff + ldc + FL);
        } else {
            VectorMask<Float> m0 = FS.indexInRange(0, valid);
            VectorMask<Float> m1 = FS.indexInRange(FL, valid);
            c00.intoArray(c, cOff, m0);
            c01.intoArray(c, cOff + FL, m1);
            c10.intoArray(c, cOff + ldc, m0);
            c11.intoArray(c, cOff + ldc + FL, m1);
        }
    }

    /** One row, k unrolled by 4 with separate accumulators so batch 1 is not FMA-latency bound. */
    static void tile1(float[] a, int aOff, int k, float[] bd, int pb, float[] c, int cOff, int valid) {
        FloatVector c0 = FloatVector.zero(FS);
        FloatVector c1 = FloatVector.zero(FS);
        FloatVector d0 = FloatVector.zero(FS);
        FloatVector d1 = FloatVector.zero(FS);
        FloatVector e0 = FloatVector.zero(FS);
        FloatVector e1 = FloatVector.zero(FS);
        FloatVector f0 = FloatVector.zero(FS);
        FloatVector f1 = FloatVector.zero(FS);
        int kk = 0;
        int bi = pb;
        for (; kk + 4 <= k; kk += 4, bi += 4 * NR) {
            FloatVector av = FloatVector.broadcast(FS, a[aOff + kk]);
            c0 = av.fma(FloatVector.fromArray(FS, bd, bi), c0);
            c1 = av.fma(FloatVector.fromArray(FS, bd, bi + FL), c1);
            av = FloatVector.broadcast(FS, a[aOff + kk + 1]);
            d0 = av.fma(FloatVector.fromArray(FS, bd, bi + NR), d0);
            d1 = av.fma(FloatVector.fromArray(FS, bd, bi + NR + FL), d1);
            av = FloatVector.broadcast(FS, a[aOff + kk + 2]);
            e0 = av.fma(FloatVector.fromArray(FS, bd, bi + 2 * NR), e0);
            e1 = av.fma(FloatVector.fromArray(FS, bd, bi + 2 * NR + FL), e1);
            av = FloatVector.broadcast(FS, a[aOff + kk + 3]);
            f0 = av.fma(FloatVector.fromArray(FS, bd, bi + 3 * NR), f0);
            f1 = av.fma(FloatVector.fromArray(FS, bd, bi + 3 * NR + FL), f1);
        }
        for (; kk < k; kk++, bi += NR) {
            FloatVector av = FloatVector.broadcast(FS, a[aOff + kk]);
            c0 = av.fma(FloatVector.fromArray(FS, bd, bi), c0);
            c1 = av.fma(FloatVector.fromArray(FS, bd, bi + FL), c1);
        }
        c0 = c0.add(d0).add(e0.add(f0));
        c1 = c1.add(d1).add(e1.add(f1));
        if (valid == NR) {
            c0.intoArray(c, cOff);
            c1.intoArray(c, cOff + FL);
        } else {
            c0.intoArray(c, cOff, FS.indexInRange(0, valid));
            c1.intoArray(c, cOff + FL, FS.indexInRange(FL, valid));
        }
    }
}
