package io.tare.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The target ratios from one run's rows, side by side. INT8 is given for 8-bit weights
 * ({@code int8-native}) and for weights in 7 bits ({@code int8w7-native}, what the engine's
 * {@code weight_bits auto} picks on AVX2 without VNNI); "best" columns take the faster of every INT8
 * implementation that ran.
 */
final class Ratios {
    static final String HEADER = String.format(Locale.ROOT, "%-22s %3s %-26s %-62s %-66s %-30s", "shape", "thr",
            "fp32-simd / ort-fp32 (>=1)", "int8-native 8-bit | 7-bit / ort-int8 (>=1), best / fp32 (>=3)",
            "dram: best int8 / ort-int8 (>=1), w8a32|int8-simd / fp32 (>=2.5)", "dqint8 best / ort-dqint8 (>=1)");

    private Ratios() {
    }

    static void print(List<KernelBench.Row> rows) {
        System.out.println();
        lines(rows).forEach(System.out::println);
    }

    /** The header, then one line per shape and thread count that has an {@code fp32-simd} row. */
    static List<String> lines(List<KernelBench.Row> rows) {
        List<String> out = new ArrayList<>();
        out.add(HEADER);
        for (KernelBench.Row r : rows) {
            BenchSpec s = r.spec();
            if (!s.impl().equals("fp32-simd")) {
                continue;
            }
            double fp32 = gops(rows, s, "fp32-simd");
            double ortInt8 = gops(rows, s, "ort-int8");
            double int8Native = gops(rows, s, "int8-native");
            double int8Seven = gops(rows, s, "int8w7-native");
            double bestInt8 = best(rows, s, "int8-native", "int8w7-native", "int8-simd");
            double w8 = best(rows, s, "w8a32-simd", "int8-simd");
            double dq = best(rows, s, "dqint8-native", "dqint8w7-native", "dqint8-simd");
            out.add(String.format(Locale.ROOT, "%-22s %3d %-26s %-62s %-66s %-30s", s.shape(), s.threads(),
                    ratio(fp32, gops(rows, s, "ort-fp32")),
                    ratio(int8Native, ortInt8) + " | " + ratio(int8Seven, ortInt8) + ", " + ratio(bestInt8, fp32),
                    s.dram() ? ratio(bestInt8, ortInt8) + " " + ratio(w8, fp32) : "-",
                    ratio(dq, gops(rows, s, "ort-dqint8"))));
        }
        return out;
    }

    private static String ratio(double a, double b) {
        return Double.isNaN(a) || Double.isNaN(b) || b == 0 ? "n/a" : String.format(Locale.ROOT, "%.2fx", a / b);
    }

    /** The fastest of the implementations that ran for this shape; NaN when none did. */
    private static double best(List<KernelBench.Row> rows, BenchSpec like, String... impls) {
        double best = Double.NaN;
        for (String impl : impls) {
            double g = gops(rows, like, impl);
            if (!Double.isNaN(g) && (Double.isNaN(best) || g > best)) {
                best = g;
            }
        }
        return best;
    }

    private static double gops(List<KernelBench.Row> rows, BenchSpec like, String impl) {
        for (KernelBench.Row r : rows) {
            BenchSpec s = r.spec();
            if (s.impl().equals(impl) && s.m() == like.m() && s.k() == like.k() && s.n() == like.n()
                    && s.threads() == like.threads() && s.dram() == like.dram()) {
                return r.gops();
            }
        }
        return Double.NaN;
    }
}
