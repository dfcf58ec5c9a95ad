package io.tare.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Ratios}: the summary reports 8-bit and 7-bit INT8 apart, and "best" takes the faster that ran. */
class RatiosTest {

    private static KernelBench.Row row(String impl, boolean dram, double gops) {
        return new KernelBench.Row(new BenchSpec(impl, 1, 4096, 4096, 1, dram), gops, 1.0, null);
    }

    @Test
    void sevenBitWeightsAreReportedBesideEightBitAndCountAsBest() {
        List<KernelBench.Row> rows = List.of(row("fp32-simd", true, 6), row("ort-fp32", true, 6.3),
                row("int8-native", true, 18), row("int8w7-native", true, 24.2), row("int8-simd", true, 14.6),
                row("w8a32-simd", true, 18.2), row("ort-int8", true, 20.9), row("dqint8-native", true, 21.7),
                row("dqint8w7-native", true, 20.8), row("ort-dqint8", true, 21.4));
        List<String> lines = Ratios.lines(rows);
        assertEquals(2, lines.size(), lines.toString());
        String line = lines.get(1);
        assertTrue(line.contains("0.95x"), line); // fp32-simd / ort-fp32
        assertTrue(line.contains("0.86x | 1.16x, 4.03x"), line); // 8-bit, 7-bit / ort-int8, best int8 / fp32
        assertTrue(line.contains("1.16x 3.03x"), line); // dram: best int8 / ort-int8, w8a32 / fp32
        assertTrue(line.strip().endsWith("1.01x"), line); // the faster dqint8 (8-bit here) / ort-dqint8
    }

    @Test
    void implementationsThatDidNotRunGiveNotApplicable() {
        List<String> lines = Ratios.lines(List.of(row("fp32-simd", false, 6), row("ort-int8", false, 20)));
        assertTrue(lines.get(1).contains("n/a | n/a, n/a"), lines.get(1));
    }
}
