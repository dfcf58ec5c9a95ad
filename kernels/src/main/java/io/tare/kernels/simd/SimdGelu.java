package io.tare.kernels.simd;

import static io.tare.kernels.scalar.SoftmaxReference.LN2_HI;
import static io.tare.kernels.scalar.SoftmaxReference.LN2_LO;
import static io.tare.kernels.scalar.SoftmaxReference.LOG2_RECIPROCAL;
import static io.tare.kernels.scalar.SoftmaxReference.ONE_BITS;
import static io.tare.kernels.scalar.SoftmaxReference.P0;
import static io.tare.kernels.scalar.SoftmaxReference.P1;
import static io.tare.kernels.scalar.SoftmaxReference.P2;
import static io.tare.kernels.scalar.SoftmaxReference.P3;
import static io.tare.kernels.scalar.SoftmaxReference.P4;
import static io.tare.kernels.scalar.SoftmaxReference.ROUNDING_BIAS;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * GELU = 0.5 x erfc(-x / sqrt 2) with Numerical Recipes' erfcc, as the scalar reference
 * ({@link io.tare.kernels.gemm.Activation#gelu}) but in float: {@code erfc(z) = t exp(-z^2 + P(t))}
 * with {@code t = 1 / (1 + z/2)} and P of degree 9.
 *
 * <p><b>Accuracy.</b> {@code -z^2 + P} reaches -200, where a rounded exponent or a rounded z would
 * each cost ~z^2 * 6e-8 in relative accuracy. So z^2 is never rounded: {@code -z^2 = -fl(x^2)/2
 * - e/2} with e the FMA residual of {@code fl(x^2)}, and the exponential's own range reduction
 * {@code r = -z^2 + P - m ln2} takes the exact parts one at a time ({@code -fl(x^2)/2 - m ln2_hi}
 * first, which cancels, then P, then {@code m ln2_lo} and {@code e/2}), so r carries no error that
 * grows with z. The exponential is ONNX Runtime's (MLAS) degree-6 polynomial with 2^m built in the
 * exponent bits, written out here rather than {@code VectorOperators.EXP}: that one is a call
 * into the JDK's vector math library, which together with the compensation it needed cost 2.4 ns
 * per element on Zen 3 against ~1.45 here. Below {@code -z^2 + P = -87} (|x| above ~13.2, results
 * below 1e-37) the exponential is flushed to 0, as the reference rounds those to (signed) zero or
 * denormals. Both polynomials run in Estrin's form: with Horner's chains of dependent FMAs the
 * loop was bound by latency, not by the FMA units. Within ~5e-7 relative of the reference.
 *
 * <p>Infinities behave as in the reference (+inf -> +inf, -inf -> NaN, erfc flushed to 0 for
 * both); NaN stays NaN (no clamp of |x|: Java's NaN-propagating min costs several instructions on
 * AVX2, and the flush covers every |x| a clamp was for). The whole body stays in one method (C2
 * boxes vectors passed to methods it does not inline). Stateless.
 */
final class SimdGelu {
    /** The tier's species, a constant (C2 compiles Vector API calls only for a constant species). */
    private static final VectorSpecies<Float> S = SimdKernels.FS;
    /** 1 / (2 sqrt 2): t = 1 / (1 + |x| / (2 sqrt 2)) = 1 / (1 + z / 2). */
    private static final float HALF_OVER_SQRT2 = 0.35355339f;
    /** Below this exponent the exponential is flushed to 0 (2^m stays a normal float above it). */
    private static final float FLUSH = -87f;

    private SimdGelu() {
    }

    /**
     * {@code x[off + i] = GELU(x[off + i] + bias[biasOff + i])} in place ({@code bias} null: no
     * bias), {@code n} a multiple of the species' length (the caller runs a remainder through a
     * padded copy).
     */
    static void apply(float[] x, int off, int n, float[] bias, int biasOff) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (int i = 0; i < n; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, off + i);
            if (bias != null) {
                v = v.add(FloatVector.fromArray(S, bias, biasOff + i));
            }
            FloatVector ax = v.abs();
            FloatVector t = one.div(ax.fma(HALF_OVER_SQRT2, 1f));
            // NR's P(t) = -1.26551223 + 1.00002368 t + ... + 0.17087277 t^9, in pairs (Estrin)
            FloatVector t2 = t.mul(t);
            FloatVector t4 = t2.mul(t2);
            FloatVector c01 = t.fma(FloatVector.broadcast(S, 1.00002368f), FloatVector.broadcast(S, -1.26551223f));
            FloatVector c23 = t.fma(FloatVector.broadcast(S, 0.09678418f), FloatVector.broadcast(S, 0.37409196f));
            FloatVector c45 = t.fma(FloatVector.broadcast(S, 0.27886807f), FloatVector.broadcast(S, -0.18628806f));
            FloatVector c67 = t.fma(FloatVector.broadcast(S, 1.48851587f), FloatVector.broadcast(S, -1.13520398f));
            FloatVector c89 = t.fma(FloatVector.broadcast(S, 0.17087277f), FloatVector.broadcast(S, -0.82215223f));
            FloatVector c03 = t2.fma(c23, c01);
            FloatVector c49 = t4.fma(c89, t2.fma(c67, c45));
            FloatVector p = t4.fma(c49, c03);
            // -z^2 = zz - halfResidual exactly; the exponent is zz + p
            FloatVector xx = ax.mul(ax);
            FloatVector zz = xx.mul(-0.5f);
            FloatVector halfResidual = ax.fma(ax, xx.neg()).mul(0.5f);
            FloatVector sum = zz.add(p);
            // m = round(sum / ln 2), its integer in the low bits of `biased`
            FloatVector biased = sum.fma(LOG2_RECIPROCAL, ROUNDING_BIAS);
            FloatVector m = biased.sub(ROUNDING_BIAS);
            FloatVector small = m.fma(FloatVector.broadcast(S, LN2_LO), p).sub(halfResidual);
            FloatVector r = m.fma(FloatVector.broadcast(S, LN2_HI), zz).add(small);
            // exp(r) = 1 + r + P4 r^2 + P3 r^3 + P2 r^4 + P1 r^5 + P0 r^6 (Estrin)
            FloatVector r2 = r.mul(r);
            FloatVector e34 = r.fma(FloatVector.broadcast(S, P3), FloatVector.broadcast(S, P4));
            FloatVector e12 = r.fma(FloatVector.broadcast(S, P1), FloatVector.broadcast(S, P2));
            FloatVector e02 = r2.fma(FloatVector.broadcast(S, P0), e12);
            FloatVector expR = r2.fma(r2.fma(e02, e34), r.add(1f));
            FloatVector pow2 = ((IntVector) biased.reinterpretAsInts()).lanewise(VectorOperators.LSHL, 23)
                    .add(ONE_BITS).reinterpretAsFloats();
            // flushed after the product: for |x| = inf or above ~1e19 the terms before are inf or NaN
            FloatVector erfc = expR.mul(t.mul(pow2)).blend(0f, sum.lt(FLUSH));
            // x >= 0: x (1 - erfc/2); x < 0: x (erfc/2); erfc/2 is exact, so these are the roundings
            // of x * fma(erfc, -0.5, 1) and (x/2) erfc, with one multiplication by x after the blend
            FloatVector halfErfc = erfc.mul(0.5f);
            v.mul(one.sub(halfErfc).blend(halfErfc, v.lt(0f))).intoArray(x, off + i);
        }
    }
}
