package io.tare.kernels.calibration;

import java.util.Objects;

/**
 * Histogram of the recent past: a ring of {@code slots} sub-histograms, the newest receiving
 * samples; rotating clears the oldest and makes it the newest. The window is the exact merge of
 * the ring ({@link #windowSum()}).
 *
 * <p>Rotation follows one of three policies, fixed at construction:
 * <ul>
 *   <li>{@link #bySampleCount}: each slot takes exactly {@code samplesPerSlot} samples (finite or
 *       not); an {@link #add} that crosses a boundary is split there, so the window is the last
 *       {@code (slots - 1) * samplesPerSlot} samples plus the partly filled newest slot, whatever
 *       the batch sizes.</li>
 *   <li>{@link #byTime}: slot {@code n} holds samples added while the caller's clock read within
 *       {@code [n * slotNanos, (n+1) * slotNanos)}; the caller advances the clock with
 *       {@link #advanceTime}, so the window spans between {@code (slots - 1)} and {@code slots}
 *       slot durations. The class reads no clock itself (kernels has no time source; tests stay
 *       deterministic).</li>
 *   <li>{@link #manual}: only {@link #rotate()} moves the window.</li>
 * </ul>
 * Memory: {@code slots} histograms, {@code slots * 8 * binning.binCount()} bytes of counts,
 * whatever the number of samples. Not thread-safe: one thread adds and rotates.
 */
public final class SlidingWindowHistogram {

    private final TensorHistogram[] ring;
    private final long samplesPerSlot;
    private final long slotNanos;
    private int newest;
    private long inNewest;
    private long slotNumber;

    private SlidingWindowHistogram(HistogramBinning binning, int slots, long samplesPerSlot, long slotNanos,
                                   long slotNumber) {
        Objects.requireNonNull(binning, "binning");
        if (slots < 1) {
            throw new IllegalArgumentException("slots must be >= 1: " + slots);
        }
        this.ring = new TensorHistogram[slots];
        for (int i = 0; i < slots; i++) {
            ring[i] = new TensorHistogram(binning);
        }
        this.samplesPerSlot = samplesPerSlot;
        this.slotNanos = slotNanos;
        this.slotNumber = slotNumber;
    }

    /** Rotates every {@code samplesPerSlot} samples. */
    public static SlidingWindowHistogram bySampleCount(HistogramBinning binning, int slots, long samplesPerSlot) {
        if (samplesPerSlot < 1) {
            throw new IllegalArgumentException("samplesPerSlot must be >= 1: " + samplesPerSlot);
        }
        return new SlidingWindowHistogram(binning, slots, samplesPerSlot, 0, 0);
    }

    /** Rotates on {@link #advanceTime} every {@code slotNanos}; {@code nowNanos} starts the clock. */
    public static SlidingWindowHistogram byTime(HistogramBinning binning, int slots, long slotNanos, long nowNanos) {
        if (slotNanos < 1) {
            throw new IllegalArgumentException("slotNanos must be >= 1: " + slotNanos);
        }
        return new SlidingWindowHistogram(binning, slots, 0, slotNanos, Math.floorDiv(nowNanos, slotNanos));
    }

    /** Rotates only on {@link #rotate()}. */
    public static SlidingWindowHistogram manual(HistogramBinning binning, int slots) {
        return new SlidingWindowHistogram(binning, slots, 0, 0, 0);
    }

    /** Adds {@code data[off .. off+len)} to the newest slot, rotating at slot boundaries by count. */
    public void add(float[] data, int off, int len) {
        add(data, off, len, null);
    }

    /**
     * Adds samples to the window and, when {@code twin} is not null, the same samples to
     * {@code twin} in the same pass (see {@link TensorHistogram#addAlsoTo}).
     */
    public void add(float[] data, int off, int len, TensorHistogram twin) {
        Objects.checkFromIndexSize(off, len, data.length);
        if (samplesPerSlot == 0) {
            addToNewest(data, off, len, twin);
            inNewest += len;
            return;
        }
        while (len > 0) {
            if (inNewest == samplesPerSlot) {
                rotate();
            }
            int take = (int) Math.min(len, samplesPerSlot - inNewest);
            addToNewest(data, off, take, twin);
            inNewest += take;
            off += take;
            len -= take;
        }
    }

    private void addToNewest(float[] data, int off, int len, TensorHistogram twin) {
        if (twin == null) {
            ring[newest].add(data, off, len);
        } else {
            ring[newest].addAlsoTo(twin, data, off, len);
        }
    }

    /**
     * Moves the time-based window to {@code nowNanos}, clearing every slot that has fallen out.
     *
     * @throws IllegalStateException    when this window is not time-based
     * @throws IllegalArgumentException when the clock goes backwards past the newest slot
     */
    public void advanceTime(long nowNanos) {
        if (slotNanos == 0) {
            throw new IllegalStateException("not a time-based window");
        }
        long target = Math.floorDiv(nowNanos, slotNanos);
        if (target < slotNumber) {
            throw new IllegalArgumentException("clock went backwards: slot " + target + " < " + slotNumber);
        }
        long steps = Math.min(target - slotNumber, ring.length);
        for (long i = 0; i < steps; i++) {
            rotate();
        }
        slotNumber = target;
    }

    /** Clears the oldest slot and makes it the newest. */
    public void rotate() {
        newest = (newest + 1) % ring.length;
        ring[newest].clear();
        inNewest = 0;
    }

    /** The exact merge of all slots, as a new histogram. */
    public TensorHistogram windowSum() {
        TensorHistogram sum = new TensorHistogram(ring[0].binning());
        for (int i = 1; i <= ring.length; i++) {
            sum.merge(ring[(newest + i) % ring.length]);
        }
        return sum;
    }

    /** A copy of one slot: age 0 is the newest, {@code slots() - 1} the oldest. */
    public TensorHistogram slot(int age) {
        Objects.checkIndex(age, ring.length);
        return ring[Math.floorMod(newest - age, ring.length)].copy();
    }

    public int slots() {
        return ring.length;
    }

    public HistogramBinning binning() {
        return ring[0].binning();
    }

    /** Bytes held by the ring's counts: fixed at construction. */
    public long countsBytes() {
        return ring.length * ring[0].countsBytes();
    }
}
