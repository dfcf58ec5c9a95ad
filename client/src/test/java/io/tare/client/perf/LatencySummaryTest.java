package io.tare.client.perf;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LatencySummaryTest {
    @Test
    void nearestRankOnOneToHundred() {
        long[] sorted = new long[100];
        for (int i = 0; i < 100; i++) {
            sorted[i] = i + 1;
        }
        assertEquals(50, LatencySummary.nearestRank(sorted, 50));
        assertEquals(90, LatencySummary.nearestRank(sorted, 90));
        assertEquals(99, LatencySummary.nearestRank(sorted, 99));
        assertEquals(100, LatencySummary.nearestRank(sorted, 100));
        assertEquals(1, LatencySummary.nearestRank(sorted, 0.001));
    }

    @Test
    void nearestRankRoundsRankUp() {
        long[] sorted = {10, 20, 30, 40};
        // 0.5 * 4 = 2 -> 2nd; 0.9 * 4 = 3.6 -> 4th; 0.26 * 4 = 1.04 -> 2nd.
        assertEquals(20, LatencySummary.nearestRank(sorted, 50));
        assertEquals(40, LatencySummary.nearestRank(sorted, 90));
        assertEquals(20, LatencySummary.nearestRank(sorted, 26));
        assertEquals(10, LatencySummary.nearestRank(new long[]{10}, 99));
    }

    @Test
    void summarySortsMicrosecondsAndAverages() {
        long[] nanos = {5_000, 1_000, 3_000, 2_000, 4_000, 999_999};
        LatencySummary s = LatencySummary.of(nanos, 5); // the last entry is beyond count and ignored
        assertEquals(5, s.count());
        assertEquals(3.0, s.p50Us());
        assertEquals(5.0, s.p90Us());
        assertEquals(5.0, s.p99Us());
        assertEquals(3.0, s.avgUs());
        assertEquals(1.0, s.minUs());
        assertEquals(5.0, s.maxUs());
        assertEquals(1_000, nanos[1], "input must not be reordered");
    }

    @Test
    void emptyAndInvalid() {
        assertEquals(LatencySummary.EMPTY, LatencySummary.of(new long[0], 0));
        assertThrows(IllegalArgumentException.class, () -> LatencySummary.nearestRank(new long[0], 50));
        assertThrows(IllegalArgumentException.class, () -> LatencySummary.nearestRank(new long[]{1}, 0));
        assertThrows(IllegalArgumentException.class, () -> LatencySummary.nearestRank(new long[]{1}, 101));
    }
}
