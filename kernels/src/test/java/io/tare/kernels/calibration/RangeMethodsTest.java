package io.tare.kernels.calibration;

import static io.tare.kernels.calibration.ActivationEncoding.INT8_SYMMETRIC;
import static io.tare.kernels.calibration.ActivationEncoding.UINT8_ASYMMETRIC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RangeMethodsTest {

    private static final HistogramBinning B = HistogramBinning.DEFAULT;

    @Test
    void minMaxIsExact() {
        float[] data = Samples.laplace(1, 50_001, 0.37);
        data[17] = -3.0000002f;
        data[99] = 2.9999998f;
        TensorHistogram h = Samples.histogram(data);
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float x : data) {
            min = Math.min(min, x);
            max = Math.max(max, x);
        }
        assertEquals(new ClipRange(min, max), new MinMaxRange().range(h, UINT8_ASYMMETRIC));
        float amax = Math.max(-min, max);
        assertEquals(ClipRange.symmetric(amax), new MinMaxRange().range(h, INT8_SYMMETRIC));
    }

    @Test
    void percentileMatchesTheSortedArrayWithinOneBin() {
        float[][] sets = {Samples.gaussian(2, 100_000, 1.5), Samples.laplace(3, 100_000, 0.01),
            Samples.uniform(4, 100_000, -0.5, 3), Samples.uniform(5, 77_777, 2, 9)};
        double[] percentiles = {50, 90, 99, 99.9, 99.99, 100};
        for (float[] data : sets) {
            TensorHistogram h = Samples.histogram(data);
            float[] sorted = data.clone();
            Arrays.sort(sorted);
            float[] abs = new float[data.length];
            for (int i = 0; i < data.length; i++) {
                abs[i] = Math.abs(data[i]);
            }
            Arrays.sort(abs);
            for (double p : percentiles) {
                PercentileRange method = new PercentileRange(p);

                double sym = method.range(h, INT8_SYMMETRIC).hi();
                assertWithinBin(nearestRank(abs, p / 100), sym, "symmetric p" + p);

                ClipRange asym = method.range(h, UINT8_ASYMMETRIC);
                double cut = (100 - p) / 200;
                assertWithinBin(nearestRank(sorted, cut), asym.lo(), "asymmetric low p" + p);
                assertWithinBin(nearestRank(sorted, 1 - cut), asym.hi(), "asymmetric high p" + p);
            }
            assertEquals(sorted[sorted.length - 1], new PercentileRange(100).range(h, UINT8_ASYMMETRIC).hi());
            assertEquals(sorted[0], new PercentileRange(100).range(h, UINT8_ASYMMETRIC).lo());
        }
    }

    /** Smallest sample with at least {@code q * n} samples at or below it. */
    private static double nearestRank(float[] sorted, double q) {
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    private static void assertWithinBin(double reference, double estimate, String what) {
        double tolerance = B.relativeWidthBound() * Math.abs(reference) + Math.scalb(1.0, B.minExponent());
        assertTrue(Math.abs(estimate - reference) <= tolerance,
                what + ": estimate " + estimate + " vs sorted " + reference + " (tolerance " + tolerance + ")");
    }

    @Test
    void entropySearchAgreesWithTheMxnetReference() {
        // Expected bin counts computed by MXNet's _get_optimal_threshold algorithm (numpy), on the
        // same histograms, while this class was written.
        double[] gaussian = new double[2048];
        double[] withOutliers = new double[2048];
        double[] exponential = new double[2048];
        for (int k = 0; k < 2048; k++) {
            gaussian[k] = Math.floor(1e5 * Math.exp(-0.5 * (k / 300.0) * (k / 300.0)));
            exponential[k] = Math.floor(1e5 * Math.exp(-k / 60.0));
        }
        System.arraycopy(gaussian, 0, withOutliers, 0, 2048);
        withOutliers[2000] += 5;
        assertEquals(1397, EntropyRange.bestBinCount(gaussian, 128));
        assertEquals(4.99846319233441e-05, EntropyRange.divergenceAt(gaussian, 1397, 128), 1e-12);
        assertEquals(1397, EntropyRange.bestBinCount(withOutliers, 128));
        assertEquals(639, EntropyRange.bestBinCount(exponential, 128));
        assertEquals(0.00022188898863390353, EntropyRange.divergenceAt(exponential, 639, 128), 1e-12);
    }

    @Test
    void entropyOnFixedBinsIsNearOptimalForTheExactSampleHistogram() {
        for (long seed = 20; seed < 23; seed++) {
            float[] data = Samples.gaussian(seed, 300_000, 2.0);
            TensorHistogram h = Samples.histogram(data);
            float amax = h.absMax();
            double[] exact = new double[2048];
            for (float x : data) {
                exact[Math.min(2047, (int) (Math.abs(x) / (amax / 2048.0)))]++;
            }
            int exactBest = EntropyRange.bestBinCount(exact, 128);
            double t = new EntropyRange().threshold(h);
            int ours = (int) Math.round(t / amax * 2048);
            double exactMin = EntropyRange.divergenceAt(exact, exactBest, 128);
            double atOurs = EntropyRange.divergenceAt(exact, ours, 128);
            // The KL curve is flat near its minimum, so compare divergences, not positions.
            assertTrue(atOurs <= exactMin * 1.10,
                    "seed " + seed + ": KL at our threshold " + atOurs + " vs exact minimum " + exactMin);
        }
    }

    @Test
    void entropyOnAGaussianClipsBetweenTwoAndAHalfAndFiveSigma() {
        for (long seed = 30; seed < 33; seed++) {
            double sigma = 0.25;
            TensorHistogram h = Samples.histogram(Samples.gaussian(seed, 1_000_000, sigma));
            ClipRange r = new EntropyRange().range(h, INT8_SYMMETRIC);
            assertTrue(r.hi() >= 2.5 * sigma && r.hi() <= 5 * sigma, "seed " + seed + ": " + r.hi() / sigma + " sigma");
            assertEquals(-r.hi(), r.lo());
        }
    }

    @Test
    void entropyClipsFarBelowAFewHugeOutliers() {
        float[] data = Samples.gaussian(40, 200_000, 1.0);
        data[10] = 1000f;
        data[20] = -850f;
        data[30] = 920f;
        TensorHistogram h = Samples.histogram(data);
        ClipRange r = new EntropyRange().range(h, INT8_SYMMETRIC);
        assertTrue(r.hi() < 0.15 * 1000, "threshold " + r.hi());
        assertTrue(r.hi() > 2.5, "threshold " + r.hi());
        ClipRange u = new EntropyRange().range(h, UINT8_ASYMMETRIC);
        assertEquals(r.hi(), u.hi());
        assertEquals(-r.hi(), u.lo());
    }

    @Test
    void entropyForReluOutputsInUint8StartsAtTheDataMinimum() {
        float[] relu = Samples.gaussian(41, 200_000, 1.0);
        for (int i = 0; i < relu.length; i++) {
            relu[i] = Math.max(0f, relu[i]);
        }
        relu[5] = 40f;
        TensorHistogram h = Samples.histogram(relu);
        ClipRange u = new EntropyRange().range(h, UINT8_ASYMMETRIC);
        assertEquals(0f, u.lo());
        assertEquals(new EntropyRange().range(h, INT8_SYMMETRIC).hi(), u.hi());
        assertTrue(u.hi() > 2.5 && u.hi() < 10, "relu threshold " + u.hi());
    }

    @Test
    void entropyCollapsesDataBoundedAwayFromZeroLikeTheReference() {
        // Documented limit of the TensorRT algorithm (numpy reference gives bin 513 here too).
        TensorHistogram h = Samples.histogram(Samples.uniform(41, 100_000, 0.5, 2));
        double t = new EntropyRange().threshold(h);
        assertEquals(513 * h.absMax() / 2048.0, t, 1e-6);
    }

    @Test
    void mseClipsHeavyTailsAndKeepsUniformRanges() {
        TensorHistogram laplace = Samples.histogram(Samples.laplace(50, 200_000, 1.0));
        ClipRange heavy = new MseRange().range(laplace, INT8_SYMMETRIC);
        assertTrue(heavy.hi() < 0.9 * laplace.absMax(), "laplace clip " + heavy.hi() + " of " + laplace.absMax());

        // Student-t with 2 degrees of freedom: tails heavy enough that the max is far out.
        float[] t2 = studentT2(51, 200_000);
        TensorHistogram student = Samples.histogram(t2);
        ClipRange studentClip = new MseRange().range(student, INT8_SYMMETRIC);
        assertTrue(studentClip.hi() < 0.75 * student.absMax(), "t2 clip " + studentClip.hi() + " of " + student.absMax());

        TensorHistogram uniform = Samples.histogram(Samples.uniform(52, 200_000, -1, 1));
        ClipRange flat = new MseRange().range(uniform, INT8_SYMMETRIC);
        assertTrue(flat.hi() >= 0.98 * uniform.absMax(), "uniform clip " + flat.hi());

        TensorHistogram positive = Samples.histogram(Samples.uniform(53, 200_000, 0, 6));
        ClipRange u8 = new MseRange().range(positive, UINT8_ASYMMETRIC);
        assertTrue(u8.hi() >= 0.98 * positive.max(), "uint8 uniform clip " + u8.hi());
    }

    @Test
    void mseChoiceBeatsTheOtherMethodsOnItsOwnObjective() {
        TensorHistogram h = Samples.histogram(studentT2(54, 100_000));
        for (ActivationEncoding e : ActivationEncoding.values()) {
            double best = QuantizationError.meanSquared(h, new MseRange().scaleZeroPoint(h, e), e);
            for (RangeMethod other : new RangeMethod[] {new MinMaxRange(), new PercentileRange(99.9),
                new PercentileRange(99.99), new EntropyRange()}) {
                double theirs = QuantizationError.meanSquared(h, other.scaleZeroPoint(h, e), e);
                assertTrue(best <= theirs * 1.0001, e + ": mse " + best + " vs " + other.name() + " " + theirs);
            }
        }
    }

    @Test
    void expectedErrorFromTheHistogramMatchesTheSamples() {
        float[] data = Samples.laplace(60, 200_000, 0.5);
        TensorHistogram h = Samples.histogram(data);
        for (ActivationEncoding e : ActivationEncoding.values()) {
            for (float clip : new float[] {0.5f, 2f, 8f}) {
                ScaleZeroPoint q = new ClipRange(-clip, clip).toScaleZeroPoint(e);
                double direct = 0;
                for (float x : data) {
                    double err = x - q.dequantize(q.quantize(x, e));
                    direct += err * err;
                }
                direct /= data.length;
                double fromHistogram = QuantizationError.meanSquared(h, q, e);
                assertEquals(direct, fromHistogram, 0.02 * direct, e + " clip " + clip);
            }
        }
    }

    @Test
    void scaleAndZeroPointFollowOnnxRuntime() {
        ScaleZeroPoint u = new ClipRange(-1f, 3f).toScaleZeroPoint(UINT8_ASYMMETRIC);
        assertEquals(4f / 255f, u.scale());
        assertEquals(64, u.zeroPoint()); // rint(63.75)

        // -lo / scale = 2.5 exactly: ties go to even.
        ScaleZeroPoint tie = new ClipRange(-2.5f, 252.5f).toScaleZeroPoint(UINT8_ASYMMETRIC);
        assertEquals(1f, tie.scale());
        assertEquals(2, tie.zeroPoint());

        ScaleZeroPoint positive = new ClipRange(1f, 2f).toScaleZeroPoint(UINT8_ASYMMETRIC);
        assertEquals(2f / 255f, positive.scale());
        assertEquals(0, positive.zeroPoint());

        ScaleZeroPoint negative = new ClipRange(-2f, -1f).toScaleZeroPoint(UINT8_ASYMMETRIC);
        assertEquals(255, negative.zeroPoint());

        ScaleZeroPoint sym = new ClipRange(-2f, 1f).toScaleZeroPoint(INT8_SYMMETRIC);
        assertEquals(2f / 127f, sym.scale());
        assertEquals(0, sym.zeroPoint());

        assertEquals(new ScaleZeroPoint(1f, 0), new ClipRange(0f, 0f).toScaleZeroPoint(INT8_SYMMETRIC));
        assertEquals(new ScaleZeroPoint(1f, 0), new ClipRange(0f, 0f).toScaleZeroPoint(UINT8_ASYMMETRIC));

        assertEquals(127, sym.quantize(5f, INT8_SYMMETRIC));
        assertEquals(-128, sym.quantize(-5f, INT8_SYMMETRIC));
        assertEquals(2, new ScaleZeroPoint(1f, 0).quantize(2.5f, INT8_SYMMETRIC));
        assertEquals(-2, new ScaleZeroPoint(1f, 0).quantize(-2.5f, INT8_SYMMETRIC));

        assertThrows(IllegalArgumentException.class, () -> new ClipRange(1f, 0f));
        assertThrows(IllegalArgumentException.class, () -> new ClipRange(Float.NaN, 0f));
        assertThrows(IllegalArgumentException.class, () -> new ScaleZeroPoint(0f, 0));
    }

    @Test
    void everyMethodRefusesAnEmptyHistogram() {
        TensorHistogram empty = new TensorHistogram(B);
        for (RangeMethod m : new RangeMethod[] {new MinMaxRange(), new PercentileRange(), new EntropyRange(),
            new MseRange()}) {
            for (ActivationEncoding e : ActivationEncoding.values()) {
                assertThrows(IllegalStateException.class, () -> m.range(empty, e), m.name());
            }
        }
    }

    @Test
    void equalHistogramsGiveEqualRangesHoweverTheyWereBuilt() {
        float[] data = Samples.laplace(70, 50_000, 2);
        TensorHistogram whole = Samples.histogram(data);
        TensorHistogram a = new TensorHistogram(B);
        a.add(data, 30_000, 20_000);
        TensorHistogram b = new TensorHistogram(B);
        b.add(data, 0, 30_000);
        a.merge(b);
        for (RangeMethod m : new RangeMethod[] {new MinMaxRange(), new PercentileRange(), new EntropyRange(),
            new MseRange()}) {
            for (ActivationEncoding e : ActivationEncoding.values()) {
                assertEquals(m.range(whole, e), m.range(a, e), m.name() + " " + e);
            }
        }
    }

    @Test
    void constantDataGivesARangeThatQuantizesIt() {
        TensorHistogram h = Samples.histogram(new float[] {0.75f, 0.75f, 0.75f});
        for (RangeMethod m : new RangeMethod[] {new MinMaxRange(), new PercentileRange(), new EntropyRange(),
            new MseRange()}) {
            for (ActivationEncoding e : ActivationEncoding.values()) {
                ScaleZeroPoint q = m.scaleZeroPoint(h, e);
                assertEquals(0.75f, q.dequantize(q.quantize(0.75f, e)), 0.01f, m.name() + " " + e);
            }
        }
    }

    private static float[] studentT2(long seed, int n) {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            double z = Samples.gaussian(rnd);
            double chi2 = Math.pow(Samples.gaussian(rnd), 2) + Math.pow(Samples.gaussian(rnd), 2);
            out[i] = (float) (z / Math.sqrt(chi2 / 2));
        }
        return out;
    }
}
