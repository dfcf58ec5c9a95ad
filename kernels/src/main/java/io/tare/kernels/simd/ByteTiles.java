package io.tare.kernels.simd;

import static io.tare.kernels.simd.SimdKernels.BS;
import static io.tare.kernels.simd.SimdKernels.FL;
import static io.tare.kernels.simd.SimdKernels.FS;
import static io.tare.kernels.simd.SimdKernels.IS;
import static io.tare.kernels.simd.SimdKernels.NR;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Tiles of FP32 A times a K-major panel of signed bytes (converted to float in registers), for
 * k in {@code [k0, k1)}. Output either to float C (W8A32), or converted to int and stored or added
 * into int C (INT8; exact while {@code k1 - k0 <= 512}, see {@link SimdKernels}).
 */
final class ByteTiles {
    private ByteTiles() {
    }

    static void tile4(float[] a, int aOff, int lda, int k0, int k1, byte[] bd, int pb, float[] cf, int[] ci,
            int cOff, int ldc, int valid, boolean accumulate) {
        FloatVector c00 = FloatVector.zero(FS);
        FloatVector c01 = FloatVector.zero(FS);
        FloatVector c10 = FloatVector.zero(FS);
        FloatVector c11 = FloatVector.zero(FS);
        FloatVector c20 = FloatVector.zero(FS);
        FloatVector c21 = FloatVector.zero(FS);
        FloatVector c30 = FloatVector.zero(FS);
        FloatVector c31 = FloatVector.zero(FS);
        int a0 = aOff;
        int a1 = aOff + lda;
        int a2 = aOff + 2 * lda;
        int a3 = aOff + 3 * lda;
        for (int kk = k0, bi = pb + k0 * NR; kk < k1; kk++, bi += NR) {
            FloatVector b0 = (FloatVector) ByteVector.fromArray(BS, bd, bi).convertShape(VectorOperators.B2F, FS, 0);
            FloatVector b1 = (FloatVector) ByteVector.fromArray(BS, bd, bi + FL)
                    .convertShape(VectorOperators.B2F, FS, 0);
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
        store(c00, cf, ci, cOff, valid, 0, accumulate);
        store(c01, cf, ci, cOff + FL, valid, FL, accumulate);
        store(c10, cf, ci, cOff + ldc, valid, 0, accumulate);
        store(c11, cf, ci, cOff + ldc + FL, valid, FL, accumulate);
        store(c20, cf, ci, cOff + 2 * ldc, valid, 0, accumulate);
        store(c21, cf, ci, cOff + 2 * ldc + FL, valid, FL, accumulate);
        store(c30, cf, ci, cOff + 3 * ldc, valid, 0, accumulate);
        store(c31, cf, ci, cOff + 3 * ldc + FL, valid, FL, accumulate);
    }

    /** One row, k unrolled by 2 with separate accumulators (batch 1 is bandwidth- not FMA-bound). */
    static void tile1(float[] a, int aOff, int k0, int k1, byte[] bd, int pb, float[] cf, int[] ci, int cOff,
            int valid, boolean accumulate) {
        FloatVector c0 = FloatVector.zero(FS);
        FloatVector c1 = FloatVector.zero(FS);
        FloatVector d0 = FloatVector.zero(FS);
        FloatVector d1 = FloatVector.zero(FS);
        int kk = k0;
        int bi = pb + k0 * NR;
        for (; kk + 2 <= k1; kk += 2, bi += 2 * NR) {
            FloatVector av = FloatVector.broadcast(FS, a[aOff + kk]);
            c0 = av.fma((FloatVector) ByteVector.fromArray(BS, bd, bi).convertShape(VectorOperators.B2F, FS, 0), c0);
            c1 = av.fma((FloatVector) ByteVector.fromArray(BS, bd, bi + FL)
                    .convertShape(VectorOperators.B2F, FS, 0), c1);
            av = FloatVector.broadcast(FS, a[aOff + kk + 1]);
            d0 = av.fma((FloatVector) ByteVector.fromArray(BS, bd, bi + NR)
                    .convertShape(VectorOperators.B2F, FS, 0), d0);
            d1 = av.fma((FloatVector) ByteVector.fromArray(BS, bd, bi + NR + FL)
                    .convertShape(VectorOperators.B2F, FS, 0), d1);
        }
        for (; kk < k1; kk++, bi += NR) {
            FloatVector av = FloatVector.broadcast(FS, a[aOff + kk]);
            c0 = av.fma((FloatVector) ByteVector.fromArray(BS, bd, bi).convertShape(VectorOperators.B2F, FS, 0), c0);
            c1 = av.fma((FloatVector) ByteVector.fromArray(BS, bd, bi + FL)
                    .convertShape(VectorOperators.B2F, FS, 0), c1);
        }
        store(c0.add(d0), cf, ci, cOff, valid, 0, accumulate);
        store(c1.add(d1), cf, ci, cOff + FL, valid, FL, accumulate);
    }

    /**
     * Stores one accumulator vector covering tile columns {@code [lane0, lane0 + FL)}. Runs once per
     * tile after the k loop, so a non-inlined call here costs little.
     */
    private static void store(FloatVector v, float[] cf, int[] ci, int off, int valid, int lane0,
            boolean accumulate) {
        boolean full = valid >= lane0 + FL;
        if (ci == null) {
            if (full) {
                v.intoArray(cf, off);
            } else {
                v.intoArray(cf, off, FS.indexInRange(lane0, valid));
            }
            return;
        }
        IntVector iv = (IntVector) v.convert(VectorOperators.F2I, 0);
        if (full) {
            if (accumulate) {
                iv = iv.add(IntVector.fromArray(IS, ci, off));
            }
            iv.intoArray(ci, off);
        } else {
            VectorMask<Integer> m = IS.indexInRange(lane0, valid);
            if (accumulate) {
                iv = iv.add(IntVector.fromArray(IS, ci, off, m));
            }
            iv.intoArray(ci, off, m);
        }
    }
}
