package io.tare.kernels.calibration;

import java.util.function.DoubleUnaryOperator;

/**
 * The clip range that minimizes the expected squared quantization error of the histogram
 * ({@link QuantizationError}) under the scale and zero point the range would actually produce
 * ({@link ClipRange#toScaleZeroPoint}), so rounding of the zero point is accounted for.
 *
 * <p>Search: candidates are fractions of the data's extent, first on a geometric grid of
 * {@value #DEFAULT_COARSE_STEPS} fractions {@code 2^(-k/8)} (so a heavy-tailed optimum far below
 * the max is still found, with 9% resolution), then {@value #REFINEMENTS} linear refinements of
 * {@value #REFINE_STEPS} steps between the best point's neighbours; a later point must be strictly
 * better to win. Symmetric int8 searches {@code t} in {@code (0, amax]}. Asymmetric uint8 searches
 * the positive end in {@code (0, max]} and the negative end in {@code [min, 0)} alternately
 * (positive, negative, positive), since the converted range always contains 0.
 *
 * <p>Heavy-tailed data gets a clip below the max (clipping a few samples costs less than coarse
 * steps for all); uniform data gets nearly the max. Cost: about 200 error evaluations per end
 * searched, each O(non-empty bins + 256).
 */
public final class MseRange implements RangeMethod {

    public static final int DEFAULT_COARSE_STEPS = 128;
    private static final int STEPS_PER_OCTAVE = 8;
    private static final int REFINE_STEPS = 32;
    private static final int REFINEMENTS = 2;

    private final int coarseSteps;

    public MseRange() {
        this(DEFAULT_COARSE_STEPS);
    }

    /** @param coarseSteps geometric grid points of the first pass (8 per octave), at least 2 */
    public MseRange(int coarseSteps) {
        if (coarseSteps < 2) {
            throw new IllegalArgumentException("coarseSteps must be >= 2: " + coarseSteps);
        }
        this.coarseSteps = coarseSteps;
    }

    @Override
    public String name() {
        return "mse";
    }

    @Override
    public ClipRange range(TensorHistogram histogram, ActivationEncoding encoding) {
        ValueIntervals v = ValueIntervals.signed(histogram);
        if (encoding.symmetric()) {
            float amax = histogram.absMax();
            if (amax == 0) {
                return ClipRange.symmetric(0);
            }
            double f = bestFraction(x -> error(v, ClipRange.symmetric((float) (amax * x)), encoding));
            return ClipRange.symmetric((float) (amax * f));
        }
        // The range always contains 0 once converted, so each end is searched between 0 and the
        // data's extreme on its side; a side without data stays at 0.
        float min = Math.min(histogram.min(), 0f);
        float max = Math.max(histogram.max(), 0f);
        float lo = min;
        float hi = max;
        for (int round = 0; round < 3; round++) {
            if (round % 2 == 0 && max > 0) {
                float fixedLo = lo;
                hi = (float) (max * bestFraction(x -> error(v, new ClipRange(fixedLo, (float) (max * x)), encoding)));
            } else if (round % 2 == 1 && min < 0) {
                float fixedHi = hi;
                lo = (float) (min * bestFraction(x -> error(v, new ClipRange((float) (min * x), fixedHi), encoding)));
            }
        }
        // Report the range within the data where the data lies on one side of 0 (same scales).
        float reportedLo = Math.min(Math.max(lo, histogram.min()), hi);
        return new ClipRange(reportedLo, hi);
    }

    private static double error(ValueIntervals v, ClipRange range, ActivationEncoding encoding) {
        return QuantizationError.meanSquared(v, range.toScaleZeroPoint(encoding), encoding);
    }

    /** Fraction in (0, 1] minimizing {@code errorOf}: geometric grid, then linear refinements. */
    private double bestFraction(DoubleUnaryOperator errorOf) {
        double best = 1;
        double bestError = Double.POSITIVE_INFINITY;
        double ratio = Math.pow(2, 1.0 / STEPS_PER_OCTAVE);
        for (int k = 0; k < coarseSteps; k++) {
            double f = Math.scalb(Math.pow(2, -(k % STEPS_PER_OCTAVE) / (double) STEPS_PER_OCTAVE),
                    -(k / STEPS_PER_OCTAVE));
            double e = errorOf.applyAsDouble(f);
            if (e < bestError) {
                bestError = e;
                best = f;
            }
        }
        double from = best / ratio;
        double to = Math.min(1, best * ratio);
        for (int r = 0; r < REFINEMENTS; r++) {
            double fine = (to - from) / REFINE_STEPS;
            for (int k = 0; k <= REFINE_STEPS; k++) {
                double f = from + k * fine;
                double e = errorOf.applyAsDouble(f);
                if (e < bestError) {
                    bestError = e;
                    best = f;
                }
            }
            from = Math.max(from, best - fine);
            to = Math.min(to, best + fine);
        }
        return best;
    }

    @Override
    public String toString() {
        return "mse[coarseSteps=" + coarseSteps + "]";
    }
}
