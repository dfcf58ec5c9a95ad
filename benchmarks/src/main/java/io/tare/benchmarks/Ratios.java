package io.tare.benchmarks;

import java.util.List;
import java.util.Locale;

/** Prints the target ratios from one run's rows, side by side. */
final class Ratios {
    private Ratios() {
    }

    static void print(List<KernelBench.Row> rows) {
        System.out.println();
        System.out.printf(Locale.ROOT, "%-22s %3s %-38s %-38s %-40s %-34s%n", "shape", "thr", "fp32-simd / ort-fp32 (>=1)",
                "int8-native / ort-int8 (>=1), / fp32 (>=3)", "dram: best int8 / ort-int8 (>=1), w8a32|int8-simd / fp32 (>=2.5)",
                "dqint8 best / ort-dqint8 (>=1)");
        for (KernelBench.Row r : rows) {
            BenchSpec s = r.spec();
            if (!s.impl().equals("fp32-simd")) {
                continue;
            }
            double fp32 = gops(rows, s, "fp32-simd");
            double ortFp32 = gops(rows, s, "ort-fp32");
            double int8Native = gops(rows, s, "int8-native");
            double ortInt8 = gops(rows, s, "ort-int8");
            double bestInt8 = Math.max(Math.max(int8Native, gops(rows, s, "int8-simd")), 0);
            double w8 = Math.max(gops(rows, s, "w8a32-simd"), gops(rows, s, "int8-simd"));
            double dq = Math.max(gops(rows, s, "dqint8-native"), gops(rows, s, "dqint8-simd"));
            System.out.printf(Locale.ROOT, "%-22s %3d %-38s %-38s %-40s %-34s%n", s.shape(), s.threads(),
                    ratio(fp32, ortFp32), ratio(int8Native, ortInt8) + " " + ratio(int8Native, fp32),
                    s.dram() ? ratio(bestInt8, ortInt8) + " " + ratio(w8, fp32) : "-", ratio(dq, gops(rows, s, "ort-dqint8")));
        }
    }

    private static String ratio(double a, double b) {
        return Double.isNaN(a) || Double.isNaN(b) || b == 0 ? "n/a" : String.format(Locale.ROOT, "%.2fx", a / b);
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
