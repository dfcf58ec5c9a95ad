package io.tare.benchmarks;

/**
 * One benchmark row: implementation name, GEMM shape M x K x N, threads, and whether the weights
 * are rotated through at least {@link #DRAM_BYTES} so that each call reads them from DRAM.
 */
public record BenchSpec(String impl, int m, int k, int n, int threads, boolean dram) {
    public static final long DRAM_BYTES = 256L << 20;

    /** Multiply-adds counted as 2 operations. */
    public double ops() {
        return 2.0 * m * k * n;
    }

    public String shape() {
        return m + "x" + k + "x" + n + (dram ? "-dram" : "");
    }
}
