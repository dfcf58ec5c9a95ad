package io.tare.kernels.calibration;

import java.util.Arrays;
import java.util.Objects;

/**
 * Streaming histogram of one tensor's values over a fixed {@link HistogramBinning}, with exact
 * running min/max and separate NaN and infinity counts.
 *
 * <h2>Exactness</h2>
 * Each finite value increments the count of the bin its bits name; min and max are folded with
 * {@link Math#min(float, float)}/{@link Math#max(float, float)}, which order {@code -0.0} below
 * {@code 0.0} and are therefore commutative and associative over finite floats. So
 * {@link #add} over any batching of a data set, followed by {@link #merge} in any order or tree
 * (including across processes through {@link #toBytes()}/{@link #fromBytes}), gives an
 * {@link #equals equal} histogram.
 *
 * <h2>Non-finite values</h2>
 * NaN and ±infinity are counted ({@link #nanCount()}, {@link #positiveInfCount()},
 * {@link #negativeInfCount()}) and never binned, never folded into min/max. {@link #count()} is
 * the number of finite values only. Calibration that must reject such data calls
 * {@link #requireFinite()}.
 *
 * <h2>Memory</h2>
 * {@code 8 * binning.binCount()} bytes of counts plus a constant, whatever the number of samples.
 * Counts are {@code long}; overflow would need 2^63 samples.
 *
 * <p>Not thread-safe: one thread owns a histogram while it adds; publish copies.
 */
public final class TensorHistogram {

    private final HistogramBinning binning;
    private final long[] counts;
    private long count;
    private long nanCount;
    private long positiveInfCount;
    private long negativeInfCount;
    private float min = Float.POSITIVE_INFINITY;
    private float max = Float.NEGATIVE_INFINITY;

    public TensorHistogram(HistogramBinning binning) {
        this.binning = Objects.requireNonNull(binning, "binning");
        this.counts = new long[binning.binCount()];
    }

    /** Rebuilds a histogram from decoded state; {@link HistogramCodec} validates it first. */
    TensorHistogram(HistogramBinning binning, long[] counts, long count, long nanCount,
                    long positiveInfCount, long negativeInfCount, float min, float max) {
        this.binning = binning;
        this.counts = counts;
        this.count = count;
        this.nanCount = nanCount;
        this.positiveInfCount = positiveInfCount;
        this.negativeInfCount = negativeInfCount;
        this.min = min;
        this.max = max;
    }

    /** Adds {@code data[off .. off+len)} in one pass. */
    public void add(float[] data, int off, int len) {
        accumulate(this, null, data, off, len);
    }

    /**
     * Adds {@code data[off .. off+len)} to this histogram and to {@code twin} in one pass: the same
     * result as two {@link #add} calls, with every value read and binned once (calibration keeps
     * each tensor in a window and a since-refresh histogram, and binning is most of its cost).
     *
     * @throws IllegalArgumentException when the binnings differ or {@code twin} is this histogram
     */
    public void addAlsoTo(TensorHistogram twin, float[] data, int off, int len) {
        if (twin == this || !binning.equals(twin.binning)) {
            throw new IllegalArgumentException("twin must be another histogram with binning " + binning);
        }
        accumulate(this, twin, data, off, len);
    }

    private static void accumulate(TensorHistogram h, TensorHistogram twin, float[] data, int off, int len) {
        Objects.checkFromIndexSize(off, len, data.length);
        long[] counts = h.counts;
        long[] twinCounts = twin == null ? null : twin.counts;
        HistogramBinning binning = h.binning;
        long finite = 0;
        long nan = 0;
        long posInf = 0;
        long negInf = 0;
        // min/max run on order-preserving int keys: integer compares are branch-free, unlike
        // Math.min(float), and the key order puts -0.0 below 0.0 exactly as Math.min does.
        int lo = Integer.MAX_VALUE;
        int hi = Integer.MIN_VALUE;
        for (int i = off, end = off + len; i < end; i++) {
            int bits = Float.floatToRawIntBits(data[i]);
            int abs = bits & 0x7fffffff;
            if (abs >= 0x7f800000) {
                if (abs > 0x7f800000) {
                    nan++;
                } else if (bits < 0) {
                    negInf++;
                } else {
                    posInf++;
                }
                continue;
            }
            int bin = binning.binOfFiniteBits(bits);
            counts[bin]++;
            if (twinCounts != null) { // loop-invariant: C2 unswitches the loop
                twinCounts[bin]++;
            }
            int key = bits ^ ((bits >> 31) & 0x7fffffff);
            lo = Math.min(lo, key);
            hi = Math.max(hi, key);
            finite++;
        }
        h.fold(finite, nan, posInf, negInf, lo, hi);
        if (twin != null) {
            twin.fold(finite, nan, posInf, negInf, lo, hi);
        }
    }

    /** Folds one pass's counters into this histogram (lo/hi: order keys of the pass's min/max). */
    private void fold(long finite, long nan, long posInf, long negInf, int lo, int hi) {
        count += finite;
        nanCount += nan;
        positiveInfCount += posInf;
        negativeInfCount += negInf;
        if (finite > 0) {
            min = fromOrderKey(Math.min(orderKey(min), lo));
            max = fromOrderKey(Math.max(orderKey(max), hi));
        }
    }

    /** Maps float bits to an int whose signed order is the floats' order (-0.0 just below 0.0). */
    private static int orderKey(float x) {
        int bits = Float.floatToRawIntBits(x);
        return bits ^ ((bits >> 31) & 0x7fffffff);
    }

    private static float fromOrderKey(int key) {
        return Float.intBitsToFloat(key ^ ((key >> 31) & 0x7fffffff));
    }

    /** Adds a whole array. */
    public void add(float[] data) {
        add(data, 0, data.length);
    }

    /**
     * Adds every count of {@code other} into this histogram (exact; see the class comment).
     *
     * @throws IllegalArgumentException when the binnings differ
     */
    public void merge(TensorHistogram other) {
        if (!binning.equals(other.binning)) {
            throw new IllegalArgumentException("cannot merge " + other.binning + " into " + binning);
        }
        long[] theirs = other.counts;
        for (int i = 0; i < counts.length; i++) {
            counts[i] += theirs[i];
        }
        count += other.count;
        nanCount += other.nanCount;
        positiveInfCount += other.positiveInfCount;
        negativeInfCount += other.negativeInfCount;
        min = Math.min(min, other.min);
        max = Math.max(max, other.max);
    }

    /** An independent copy. */
    public TensorHistogram copy() {
        return new TensorHistogram(binning, counts.clone(), count, nanCount, positiveInfCount,
                negativeInfCount, min, max);
    }

    /** Forgets everything; the counts array is reused. */
    public void clear() {
        Arrays.fill(counts, 0);
        count = 0;
        nanCount = 0;
        positiveInfCount = 0;
        negativeInfCount = 0;
        min = Float.POSITIVE_INFINITY;
        max = Float.NEGATIVE_INFINITY;
    }

    public HistogramBinning binning() {
        return binning;
    }

    /** A copy of the per-bin counts, indexed as {@link HistogramBinning} describes. */
    public long[] counts() {
        return counts.clone();
    }

    /** Count of one bin. */
    public long count(int bin) {
        return counts[bin];
    }

    /** Finite values added (binned). */
    public long count() {
        return count;
    }

    public long nanCount() {
        return nanCount;
    }

    public long positiveInfCount() {
        return positiveInfCount;
    }

    public long negativeInfCount() {
        return negativeInfCount;
    }

    public long infCount() {
        return positiveInfCount + negativeInfCount;
    }

    /** Every value seen, finite or not. */
    public long totalSeen() {
        return count + nanCount + positiveInfCount + negativeInfCount;
    }

    /** True when no finite value has been added. */
    public boolean isEmpty() {
        return count == 0;
    }

    /**
     * Exact smallest finite value added.
     *
     * @throws IllegalStateException when empty
     */
    public float min() {
        requireNonEmpty();
        return min;
    }

    /**
     * Exact largest finite value added.
     *
     * @throws IllegalStateException when empty
     */
    public float max() {
        requireNonEmpty();
        return max;
    }

    /** {@code max(|min|, |max|)}, exact. @throws IllegalStateException when empty */
    public float absMax() {
        requireNonEmpty();
        return Math.max(Math.abs(min), Math.abs(max));
    }

    /** Throws when no finite value has been added: ranges from no data are refused, not guessed. */
    public void requireNonEmpty() {
        if (count == 0) {
            throw new IllegalStateException("histogram holds no finite values");
        }
    }

    /** Throws when NaN or infinity has been seen: for calibration that must reject such data. */
    public void requireFinite() {
        if (nanCount != 0 || positiveInfCount != 0 || negativeInfCount != 0) {
            throw new IllegalStateException("non-finite data: " + nanCount + " NaN, " + positiveInfCount
                    + " +Inf, " + negativeInfCount + " -Inf");
        }
    }

    /** Bytes held by the counts, the only part that grows with the binning. */
    public long countsBytes() {
        return 8L * counts.length;
    }

    /** Compact form (sparse, variable-length integers) that {@link #fromBytes} restores exactly. */
    public byte[] toBytes() {
        return HistogramCodec.toBytes(this);
    }

    /** Restores {@link #toBytes()} output. @throws IllegalArgumentException on malformed input */
    public static TensorHistogram fromBytes(byte[] encoded) {
        return HistogramCodec.fromBytes(encoded);
    }

    /** Sparse {@code long[]} form that {@link #fromLongs} restores exactly. */
    public long[] toLongs() {
        return HistogramCodec.toLongs(this);
    }

    /** Restores {@link #toLongs()} output. @throws IllegalArgumentException on malformed input */
    public static TensorHistogram fromLongs(long[] encoded) {
        return HistogramCodec.fromLongs(encoded);
    }

    /** Raw state for the codec, which must see the empty sentinels as they are. */
    float rawMin() {
        return min;
    }

    float rawMax() {
        return max;
    }

    long[] rawCounts() {
        return counts;
    }

    /** Same binning, counts, min/max (bitwise) and non-finite counts. */
    @Override
    public boolean equals(Object o) {
        return o instanceof TensorHistogram h
                && h.binning.equals(binning)
                && h.count == count && h.nanCount == nanCount
                && h.positiveInfCount == positiveInfCount && h.negativeInfCount == negativeInfCount
                && Float.floatToRawIntBits(h.min) == Float.floatToRawIntBits(min)
                && Float.floatToRawIntBits(h.max) == Float.floatToRawIntBits(max)
                && Arrays.equals(h.counts, counts);
    }

    @Override
    public int hashCode() {
        return Objects.hash(binning, count, nanCount, Arrays.hashCode(counts));
    }

    @Override
    public String toString() {
        return "TensorHistogram[count=" + count + ", min=" + (count == 0 ? "-" : min) + ", max="
                + (count == 0 ? "-" : max) + ", nan=" + nanCount + ", inf=" + infCount() + ", " + binning + "]";
    }
}
