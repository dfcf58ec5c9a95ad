package io.tare.kernels.calibration;

/**
 * A fixed, data-independent bin scheme for float32 values: sign, exponent and the top
 * {@code mantissaBits} bits of the mantissa name the bin (the "float bucket" scheme of
 * HdrHistogram-like recorders).
 *
 * <h2>Layout</h2>
 * Let {@code E = maxExponent - minExponent} binades and {@code S = 2^mantissaBits} sub-bins per
 * binade, so {@code P = E * S} magnitude bins per sign. Bin indices are ordered by value, so a
 * cumulative walk over indices is a walk over the real line:
 * <pre>
 *   index 0            negative overflow   x &lt;= -2^maxExponent
 *   index 1 .. P       negative bins       magnitudes descending (index 1 holds the largest)
 *   index P + 1        zero bin            -2^minExponent &lt; x &lt; 2^minExponent (both zeros)
 *   index P+2 .. 2P+1  positive bins       magnitudes ascending
 *   index 2P + 2       positive overflow   x &gt;= 2^maxExponent
 * </pre>
 * Magnitude bin {@code k} (0-based) covers {@code [2^(minExponent + k/S) * (1 + (k mod S)/S),
 * next edge)}; on the negative side the same magnitudes are mirrored, {@code (-upper, -lower]}.
 *
 * <h2>Relative error bound</h2>
 * A magnitude bin inside binade {@code [2^e, 2^(e+1))} has width {@code 2^(e - mantissaBits)}, so
 * every value {@code x} in a non-zero, non-overflow bin satisfies {@code width <= 2^-mantissaBits *
 * |x|}: replacing {@code x} by any point of its bin errs by at most {@code 2^-mantissaBits * |x|},
 * and by the bin midpoint by at most {@code 2^-(mantissaBits+1) * |x|} (see
 * {@link #relativeWidthBound()}). Values below {@code 2^minExponent} in magnitude share the zero
 * bin (absolute error below {@code 2^minExponent}); values at or above {@code 2^maxExponent} share an
 * overflow bin per sign, bounded only by the exact running min/max kept beside the counts.
 *
 * <h2>Why merging is exact</h2>
 * The bin of a value is a pure function of its bit pattern and of this object's three integers;
 * it never depends on which values came before. A histogram is therefore a multiset count over a
 * fixed partition, and merging two histograms is element-wise addition of {@code long} counts,
 * which is associative and commutative: any split of the data into batches, merged in any order
 * or tree, on any process, gives bit-identical counts.
 *
 * <p>Immutable and thread-safe. Values are equal when their three parameters are equal.
 */
public final class HistogramBinning {

    /** 2^-7 ≈ 0.78% bin width relative to the value. */
    public static final int DEFAULT_MANTISSA_BITS = 7;
    /** 2^-24 ≈ 6e-8: below this an activation is zero for any int8 scale of practical use. */
    public static final int DEFAULT_MIN_EXPONENT = -24;
    /** 2^24 ≈ 1.7e7: above this an activation is an outlier whatever the model. */
    public static final int DEFAULT_MAX_EXPONENT = 24;
    /** 2 * 48 * 128 + 3 = 12,291 bins, 96 KiB of counts per histogram. */
    public static final HistogramBinning DEFAULT =
            new HistogramBinning(DEFAULT_MANTISSA_BITS, DEFAULT_MIN_EXPONENT, DEFAULT_MAX_EXPONENT);

    /** Keeps {@link #binCount()} well inside an int and a histogram below 32 MiB. */
    public static final int MAX_MANTISSA_BITS = 12;

    private static final int FLOAT_MANTISSA_BITS = 23;
    private static final int FLOAT_EXPONENT_BIAS = 127;

    private final int mantissaBits;
    private final int minExponent;
    private final int maxExponent;
    private final int magnitudeBins;
    /** Raw |x| bits of 2^minExponent: anything below lands in the zero bin. */
    private final int zeroLimitBits;
    /** {@code |x| bits >>> shift} minus this is the magnitude bin index. */
    private final int baseKey;
    private final int shift;

    /**
     * @param mantissaBits mantissa bits kept, 0 to {@value #MAX_MANTISSA_BITS}
     * @param minExponent  lowest binade 2^minExponent, at least -126 (subnormals go to the zero bin)
     * @param maxExponent  first binade that overflows, at most 128 (128: no finite value overflows)
     */
    public HistogramBinning(int mantissaBits, int minExponent, int maxExponent) {
        if (mantissaBits < 0 || mantissaBits > MAX_MANTISSA_BITS) {
            throw new IllegalArgumentException("mantissaBits must be in [0, " + MAX_MANTISSA_BITS + "]: " + mantissaBits);
        }
        if (minExponent < -126 || maxExponent > 128 || minExponent >= maxExponent) {
            throw new IllegalArgumentException(
                    "need -126 <= minExponent < maxExponent <= 128: " + minExponent + ", " + maxExponent);
        }
        this.mantissaBits = mantissaBits;
        this.minExponent = minExponent;
        this.maxExponent = maxExponent;
        this.magnitudeBins = (maxExponent - minExponent) << mantissaBits;
        this.zeroLimitBits = (minExponent + FLOAT_EXPONENT_BIAS) << FLOAT_MANTISSA_BITS;
        this.shift = FLOAT_MANTISSA_BITS - mantissaBits;
        this.baseKey = (minExponent + FLOAT_EXPONENT_BIAS) << mantissaBits;
    }

    public int mantissaBits() {
        return mantissaBits;
    }

    public int minExponent() {
        return minExponent;
    }

    public int maxExponent() {
        return maxExponent;
    }

    /** Total number of bins, {@code 2P + 3}. */
    public int binCount() {
        return 2 * magnitudeBins + 3;
    }

    /** Magnitude bins per sign, {@code P}. */
    public int magnitudeBins() {
        return magnitudeBins;
    }

    /** Index of the bin for values with magnitude below {@code 2^minExponent}. */
    public int zeroBin() {
        return magnitudeBins + 1;
    }

    public int negativeOverflowBin() {
        return 0;
    }

    public int positiveOverflowBin() {
        return 2 * magnitudeBins + 2;
    }

    /** Upper bound of (bin width / |x|) for any x in a bin other than the zero and overflow bins. */
    public double relativeWidthBound() {
        return Math.scalb(1.0, -mantissaBits);
    }

    /**
     * Bin of a finite value. Non-finite values have no bin: callers count them apart.
     *
     * @throws IllegalArgumentException for NaN or infinity
     */
    public int binOf(float x) {
        int bits = Float.floatToRawIntBits(x);
        if ((bits & 0x7fffffff) >= 0x7f800000) {
            throw new IllegalArgumentException("non-finite values have no bin: " + x);
        }
        return binOfFiniteBits(bits);
    }

    /** Hot path of {@link TensorHistogram#add}: the caller has already excluded NaN and infinity. */
    int binOfFiniteBits(int bits) {
        int abs = bits & 0x7fffffff;
        if (abs < zeroLimitBits) {
            return magnitudeBins + 1;
        }
        int k = (abs >>> shift) - baseKey;
        if (k >= magnitudeBins) {
            return bits < 0 ? 0 : 2 * magnitudeBins + 2;
        }
        return bits < 0 ? magnitudeBins - k : magnitudeBins + 2 + k;
    }

    /** Lower magnitude edge of magnitude bin {@code k}, exact in double. */
    double magnitudeLowerEdge(int k) {
        return Math.scalb(1.0 + (double) (k & ((1 << mantissaBits) - 1)) / (1 << mantissaBits),
                minExponent + (k >> mantissaBits));
    }

    /**
     * Magnitude bin of a signed bin index: {@code -1} for the zero bin, {@code P} for the overflow
     * bins, otherwise {@code 0..P-1}.
     */
    int magnitudeIndex(int bin) {
        checkBin(bin);
        if (bin == zeroBin()) {
            return -1;
        }
        if (bin == 0 || bin == positiveOverflowBin()) {
            return magnitudeBins;
        }
        return bin < zeroBin() ? magnitudeBins - bin : bin - magnitudeBins - 2;
    }

    /** True for bins holding negative values (index below the zero bin). */
    public boolean isNegative(int bin) {
        checkBin(bin);
        return bin < zeroBin();
    }

    /**
     * Lowest value of the bin's interval (exact in double). Negative overflow returns
     * {@code -Infinity} (the interval is open there): the running min bounds it in practice.
     */
    public double lowerEdge(int bin) {
        int k = magnitudeIndex(bin);
        if (k < 0) {
            return -Math.scalb(1.0, minExponent);
        }
        if (bin == 0) {
            return Double.NEGATIVE_INFINITY;
        }
        return isNegative(bin) ? -magnitudeLowerEdge(k + 1) : magnitudeLowerEdge(k);
    }

    /**
     * Highest value of the bin's interval (exact in double). Positive overflow returns
     * {@code +Infinity} (the interval is open there): the running max bounds it in practice.
     */
    public double upperEdge(int bin) {
        int k = magnitudeIndex(bin);
        if (k < 0) {
            return Math.scalb(1.0, minExponent);
        }
        if (bin == positiveOverflowBin()) {
            return Double.POSITIVE_INFINITY;
        }
        return isNegative(bin) ? -magnitudeLowerEdge(k) : magnitudeLowerEdge(k + 1);
    }

    private void checkBin(int bin) {
        if (bin < 0 || bin >= binCount()) {
            throw new IndexOutOfBoundsException("bin " + bin + " of " + binCount());
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HistogramBinning b
                && b.mantissaBits == mantissaBits && b.minExponent == minExponent && b.maxExponent == maxExponent;
    }

    @Override
    public int hashCode() {
        return (mantissaBits * 31 + minExponent) * 31 + maxExponent;
    }

    @Override
    public String toString() {
        return "HistogramBinning[mantissaBits=" + mantissaBits + ", exponents=[" + minExponent + ", "
                + maxExponent + "), bins=" + binCount() + "]";
    }
}
