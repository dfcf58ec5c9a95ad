package io.tare.benchmarks;

import io.tare.kernels.KernelProvider;
import io.tare.kernels.KernelTier;
import io.tare.kernels.Kernels;
import io.tare.kernels.gemm.Epilogue;
import io.tare.kernels.gemm.Gemm;
import io.tare.kernels.gemm.PackedFloatMatrix;
import io.tare.kernels.gemm.PackedInt8Matrix;
import io.tare.kernels.pool.ComputePool;
import io.tare.kernels.pool.CpuAffinity;
import io.tare.kernels.quant.ActivationQuantizer;
import io.tare.kernels.quant.QuantizedRows;
import java.util.Locale;

/**
 * {@code GemmPieces [MxKxN ...]}: where a batched GEMM's time goes around the kernel, for the tier
 * the provider picked (e.g. AMX on a Sapphire Rapids device). Per shape, microseconds per call
 * (fastest of 30 windows of 5 ms, so a shared machine disturbs it least):
 * <ul>
 *   <li>{@code int8 kernel}: one {@link Kernels#int8} call over the whole shape, C's row stride n
 *       (the kernel alone, as a C harness would time it);</li>
 *   <li>{@code int8 64x256 calls}: the same products as 64-row x 256-column calls into one scratch
 *       block (the call pattern the GEMM used before the fused epilogue, without its Java pass);</li>
 *   <li>{@code int8Exact 1t/2t}: {@link Gemm#int8Exact}, the whole MatMulInteger as served;</li>
 *   <li>{@code int8->fp32 1t/2t}: {@link Gemm#int8} with no bias (the GEMM part of DynamicQuantizeMatMul);</li>
 *   <li>{@code sgemm kernel}, {@code sgemm 1t/2t}: the same for FP32 ({@link Kernels#sgemm} over all
 *       panels, then {@link Gemm#sgemm}).</li>
 * </ul>
 * Caller pinned to the first CPU, the pool's worker to the second, as in {@link KernelBench}. Needs
 * {@code --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED}.
 */
public final class GemmPieces {
    private static final String[] DEFAULT_SHAPES = {"64x768x768", "128x1024x1024", "512x512x512", "8x768x3072"};

    private GemmPieces() {
    }

    public static void main(String[] args) {
        int[] cpus = CpuAffinity.allowedCpus();
        CpuAffinity.pinCurrentThread(cpus[0]);
        Kernels kernels = KernelProvider.get();
        System.out.println("# " + kernels.description());
        System.out.printf(Locale.ROOT, "%-14s %-18s %10s %8s%n", "shape", "piece", "us/call", "GOP/s");
        String[] shapes = args.length > 0 ? args : DEFAULT_SHAPES;
        try (ComputePool pool = new ComputePool(Math.min(2, cpus.length), true)) {
            for (String shape : shapes) {
                String[] d = shape.split("x");
                measureShape(kernels, pool, Integer.parseInt(d[0]), Integer.parseInt(d[1]), Integer.parseInt(d[2]));
            }
        }
        System.exit(0);
    }

    private static void measureShape(Kernels kernels, ComputePool pool, int m, int k, int n) {
        String shape = m + "x" + k + "x" + n;
        double ops = 2.0 * m * k * n;
        float[] a = KernelCases.randomFloats(m * k, 1);
        float[] w = KernelCases.randomFloats(k * n, 2);
        Gemm one = new Gemm(kernels, null);
        Gemm two = new Gemm(kernels, pool);

        PackedInt8Matrix qb = one.quantizeWeights(w, 0, k, n, false);
        QuantizedRows rows = new QuantizedRows(m, k);
        new ActivationQuantizer(kernels).perRow(a, 0, k, m, rows);
        int[] ci = new int[m * n];
        float[] cf = new float[m * n];
        int width = qb.panelWidth();
        int group = Math.max(1, Gemm.COLUMN_BLOCK / width);
        int[] scratch = new int[Gemm.ROW_BLOCK * group * width];
        report(shape, "int8 kernel", ops, () -> kernels.int8(rows.data(), 0, rows.stride(), m, qb, 0, qb.panels(), ci,
                0, n));
        report(shape, "int8 64x256 calls", ops, () -> {
            for (int i0 = 0; i0 < m; i0 += Gemm.ROW_BLOCK) {
                int r = Math.min(Gemm.ROW_BLOCK, m - i0);
                for (int g = 0; g < qb.panels(); g += group) {
                    int g1 = Math.min(qb.panels(), g + group);
                    kernels.int8(rows.data(), i0 * rows.stride(), rows.stride(), r, qb, g, g1, scratch, 0,
                            (g1 - g) * width);
                }
            }
        });
        report(shape, "int8Exact 1t", ops, () -> one.int8Exact(rows, qb, ci, 0, n));
        report(shape, "int8Exact 2t", ops, () -> two.int8Exact(rows, qb, ci, 0, n));
        report(shape, "int8->fp32 1t", ops, () -> one.int8(rows, qb, cf, 0, n, Epilogue.NONE));
        report(shape, "int8->fp32 2t", ops, () -> two.int8(rows, qb, cf, 0, n, Epilogue.NONE));

        PackedFloatMatrix fb = one.packFloat(w, 0, k, n, false);
        report(shape, "sgemm kernel", ops, () -> kernels.sgemm(a, 0, k, m, fb, 0, fb.panels(), cf, 0, n));
        report(shape, "sgemm 1t", ops, () -> one.sgemm(a, 0, k, m, fb, cf, 0, n, Epilogue.NONE));
        report(shape, "sgemm 2t", ops, () -> two.sgemm(a, 0, k, m, fb, cf, 0, n, Epilogue.NONE));
    }

    private static void report(String shape, String piece, double ops, Runnable call) {
        long warmEnd = System.nanoTime() + 150_000_000L;
        int warm = 0;
        while (System.nanoTime() < warmEnd || warm < 20) {
            call.run();
            warm++;
        }
        double best = Double.MAX_VALUE;
        for (int r = 0; r < 30; r++) {
            long t0 = System.nanoTime();
            long t1;
            int calls = 0;
            do {
                call.run();
                calls++;
                t1 = System.nanoTime();
            } while (t1 - t0 < 5_000_000L);
            best = Math.min(best, (t1 - t0) / (double) calls);
        }
        System.out.printf(Locale.ROOT, "%-14s %-18s %10.1f %8.1f%n", shape, piece, best / 1000.0, ops / best);
    }
}
