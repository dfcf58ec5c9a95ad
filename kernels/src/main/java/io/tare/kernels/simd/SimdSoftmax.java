package io.tare.kernels.simd;

import static io.tare.kernels.scalar.SoftmaxReference.LN2_HI;
import static io.tare.kernels.scalar.SoftmaxReference.LN2_LO;
import static io.tare.kernels.scalar.SoftmaxReference.LOG2_RECIPROCAL;
import static io.tare.kernels.scalar.SoftmaxReference.LOWER;
import static io.tare.kernels.scalar.SoftmaxReference.ONE_BITS;
import static io.tare.kernels.scalar.SoftmaxReference.P0;
import static io.tare.kernels.scalar.SoftmaxReference.P1;
import static io.tare.kernels.scalar.SoftmaxReference.P2;
import static io.tare.kernels.scalar.SoftmaxReference.P3;
import static io.tare.kernels.scalar.SoftmaxReference.P4;
import static io.tare.kernels.scalar.SoftmaxReference.ROUNDING_BIAS;

import io.tare.kernels.scalar.SoftmaxReference;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link SoftmaxReference#row} with 8-float vectors, bit for bit: each lane performs the
 * reference's float operations in the same order, and the reference's sum is itself 8 lanes
 * (element i into lane i % 8), so one 256-bit accumulator is that sum exactly. The species is fixed
 * at 256 bits whatever the preferred width (a 512-bit accumulator would sum in another order).
 * The whole row stays in one method body (C2 boxes vectors passed between methods it does not
 * inline). Stateless.
 */
final class SimdSoftmax {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
    private static final int L = SoftmaxReference.LANES;

    private SimdSoftmax() {
    }

    static void row(float[] x, int xOff, float[] y, int yOff, int n) {
        int full = n - n % L;
        // max: Math.max semantics lane-wise and across lanes, so any order gives the same float
        FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < full; i += L) {
            vmax = vmax.max(FloatVector.fromArray(S, x, xOff + i));
        }
        float max = vmax.reduceLanes(VectorOperators.MAX);
        for (int i = full; i < n; i++) {
            max = Math.max(max, x[xOff + i]);
        }
        normalized(x, xOff, -max, y, yOff, n);
    }

    /**
     * {@link io.tare.kernels.Kernels#scaledMaskedSoftmax}: the scaled, masked row formed in y with its
     * maximum taken in the same pass, then {@link #normalized} in place: three passes over the row
     * where a formed copy and {@link #row} took five. Each lane rounds the division (or product) and
     * the addition as the scalar loop does.
     */
    static void scaledMaskedRow(float[] x, int xOff, float c, boolean divide, float[] mask, int maskOff, float[] y,
            int yOff, int n) {
        int full = n - n % L;
        FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < full; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            v = divide ? v.div(c) : v.mul(c);
            if (mask != null) {
                v = v.add(FloatVector.fromArray(S, mask, maskOff + i));
            }
            v.intoArray(y, yOff + i);
            vmax = vmax.max(v);
        }
        float max = vmax.reduceLanes(VectorOperators.MAX);
        for (int i = full; i < n; i++) {
            float t = divide ? x[xOff + i] / c : x[xOff + i] * c;
            t = mask == null ? t : t + mask[maskOff + i];
            y[yOff + i] = t;
            max = Math.max(max, t);
        }
        normalized(y, yOff, -max, y, yOff, n);
    }

    /**
     * The exponentials of x - max into y, summed in the reference's 8 lanes, then scaled by 1 / sum.
     * The constants are vectors made before the loop: with them as scalars C2 left broadcasts in the
     * loop (Zen 3, the pass over a 128 x 128 head: 11.8 -> 9.9 us standalone).
     */
    private static void normalized(float[] x, int xOff, float negativeMax, float[] y, int yOff, int n) {
        int full = n - n % L;
        FloatVector shift = FloatVector.broadcast(S, negativeMax);
        FloatVector lower = FloatVector.broadcast(S, LOWER);
        FloatVector log2e = FloatVector.broadcast(S, LOG2_RECIPROCAL);
        FloatVector bias = FloatVector.broadcast(S, ROUNDING_BIAS);
        FloatVector ln2Hi = FloatVector.broadcast(S, LN2_HI);
        FloatVector ln2Lo = FloatVector.broadcast(S, LN2_LO);
        FloatVector p0 = FloatVector.broadcast(S, P0);
        FloatVector p1 = FloatVector.broadcast(S, P1);
        FloatVector p2 = FloatVector.broadcast(S, P2);
        FloatVector p3 = FloatVector.broadcast(S, P3);
        FloatVector p4 = FloatVector.broadcast(S, P4);
        FloatVector one = FloatVector.broadcast(S, 1f);
        IntVector oneBits = IntVector.broadcast(IntVector.SPECIES_256, ONE_BITS);
        FloatVector acc = FloatVector.zero(S);
        for (int i = 0; i < full; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i).add(shift).max(lower);
            FloatVector t = v.fma(log2e, bias);
            FloatVector m = t.sub(bias);
            v = m.fma(ln2Hi, v);
            v = m.fma(ln2Lo, v);
            FloatVector p = v.fma(p0, p1);
            p = p.fma(v, p2);
            p = p.fma(v, p3);
            p = p.fma(v, p4);
            p = p.fma(v, one);
            p = p.fma(v, one);
            FloatVector pow2 = ((IntVector) t.reinterpretAsInts()).lanewise(VectorOperators.LSHL, 23).add(oneBits)
                    .reinterpretAsFloats();
            FloatVector e = p.mul(pow2);
            e.intoArray(y, yOff + i);
            acc = acc.add(e);
        }
        float l0 = acc.lane(0);
        float l1 = acc.lane(1);
        float l2 = acc.lane(2);
        float l3 = acc.lane(3);
        float l4 = acc.lane(4);
        float l5 = acc.lane(5);
        float l6 = acc.lane(6);
        float l7 = acc.lane(7);
        // the last partial vector: element full + j into lane j (j < 7)
        for (int j = 0; full + j < n; j++) {
            float e = SoftmaxReference.exp(x[xOff + full + j], negativeMax);
            y[yOff + full + j] = e;
            switch (j) {
                case 0 -> l0 += e;
                case 1 -> l1 += e;
                case 2 -> l2 += e;
                case 3 -> l3 += e;
                case 4 -> l4 += e;
                case 5 -> l5 += e;
                default -> l6 += e;
            }
        }
        float scale = 1f / SoftmaxReference.combine(l0, l1, l2, l3, l4, l5, l6, l7);
        for (int i = 0; i < full; i += L) {
            FloatVector.fromArray(S, y, yOff + i).mul(scale).intoArray(y, yOff + i);
        }
        for (int i = full; i < n; i++) {
            y[yOff + i] *= scale;
        }
    }
}
