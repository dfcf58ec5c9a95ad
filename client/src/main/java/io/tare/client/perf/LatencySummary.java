package io.tare.client.perf;

import java.util.Arrays;

/**
 * Latency statistics of one measurement, in microseconds.
 *
 * <p>Percentiles use the nearest-rank method: the p-th percentile of n sorted samples is the sample at
 * rank ceil(p/100 * n) (1-based), so it is always a latency that was actually observed, and p100 is the maximum.
 */
public record LatencySummary(int count, double p50Us, double p90Us, double p95Us, double p99Us, double avgUs,
                             double minUs, double maxUs) {
    /** The summary of no samples: all zero. */
    public static final LatencySummary EMPTY = new LatencySummary(0, 0, 0, 0, 0, 0, 0, 0);

    /** Summarizes the first {@code count} entries of {@code nanos} (not modified). */
    public static LatencySummary of(long[] nanos, int count) {
        if (count == 0) {
            return EMPTY;
        }
        long[] sorted = Arrays.copyOf(nanos, count);
        Arrays.sort(sorted);
        double sum = 0;
        for (long value : sorted) {
            sum += value;
        }
        return new LatencySummary(count,
                micros(nearestRank(sorted, 50)), micros(nearestRank(sorted, 90)),
                micros(nearestRank(sorted, 95)), micros(nearestRank(sorted, 99)),
                sum / count / 1e3, micros(sorted[0]), micros(sorted[count - 1]));
    }

    /**
     * The nearest-rank percentile of ascending {@code sorted}.
     *
     * @param percentile in (0, 100]
     * @throws IllegalArgumentException for an empty array or a percentile outside (0, 100]
     */
    public static long nearestRank(long[] sorted, double percentile) {
        if (sorted.length == 0) {
            throw new IllegalArgumentException("no samples");
        }
        if (!(percentile > 0 && percentile <= 100)) {
            throw new IllegalArgumentException("percentile must be in (0, 100], got " + percentile);
        }
        int rank = (int) Math.ceil(percentile / 100.0 * sorted.length);
        return sorted[Math.max(rank, 1) - 1];
    }

    private static double micros(long nanos) {
        return nanos / 1e3;
    }
}
