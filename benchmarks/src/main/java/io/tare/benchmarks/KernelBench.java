package io.tare.benchmarks;

import io.tare.kernels.KernelProvider;
import io.tare.kernels.KernelTier;
import io.tare.kernels.pool.ComputePool;
import io.tare.kernels.pool.CpuAffinity;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@code tare bench kernels [--quick] [--json] [--best] [--impl a,b] [--shape 1x768x768,...]}: our GEMM kernels beside ONNX Runtime on the issue's
 * shapes, 1 and 2 threads, one row per shape x threads x implementation (name, m, k, n, threads,
 * gops, microseconds per call). {@code --json} prints one JSON array instead of the table.
 *
 * <p>Method: each row is warmed up, then timed in several repetitions of back-to-back calls; the
 * median repetition is reported. With {@code --best}, many short repetitions (5 ms) are timed and
 * the fastest is reported instead: on a machine shared with other work, the fastest short window
 * is the one least disturbed, for our rows and ORT's alike, so ratios stay meaningful there. The calling thread is pinned to the first CPU and our second
 * worker / ORT's second intra-op thread to the next. Not a JMH run (see {@link GemmBenchmark} for
 * that), but the same cases. Needs {@code --add-modules jdk.incubator.vector
 * --enable-native-access=ALL-UNNAMED}.
 */
public final class KernelBench {
    static final int[][] SHAPES = {{1, 768, 768}, {1, 4096, 4096}, {8, 768, 3072}, {64, 768, 768},
            {128, 1024, 1024}, {512, 512, 512}};
    static final String[] IMPLS = {"fp32-simd", "int8-simd", "int8-native", "int8w7-native", "dqint8-simd",
            "dqint8-native", "dqint8w7-native", "w8a32-simd", "w8a32-native", "ort-fp32", "ort-int8", "ort-dqint8"};

    private KernelBench() {
    }

    /** A measured row; gops is NaN (and note set) when the implementation could not run here. */
    record Row(BenchSpec spec, double gops, double microsPerCall, String note) {
    }

    public static void main(String[] args) throws Exception {
        List<String> argv = Arrays.asList(args);
        boolean quick = argv.contains("--quick");
        boolean json = argv.contains("--json");
        boolean best = argv.contains("--best");
        String implFilter = option(argv, "--impl");
        String shapeFilter = option(argv, "--shape");
        int[] cpus = CpuAffinity.allowedCpus();
        CpuAffinity.pinCurrentThread(cpus[0]);
        int maxThreads = Math.min(2, cpus.length);
        List<BenchSpec> specs = new ArrayList<>();
        // --shape picks from the shapes, or names any other M x K x N (e.g. a model's layers)
        List<int[]> shapes = shapeFilter == null ? Arrays.asList(SHAPES) : Arrays.stream(shapeFilter.split(","))
                .map(x -> Arrays.stream(x.trim().split("x")).mapToInt(Integer::parseInt).toArray()).toList();
        for (int[] s : shapes) {
            for (boolean dram : s[0] == 1 && s[1] == 4096 ? new boolean[] {false, true} : new boolean[] {false}) {
                for (int t = 1; t <= maxThreads; t++) {
                    for (String impl : IMPLS) {
                        BenchSpec spec = new BenchSpec(impl, s[0], s[1], s[2], t, dram);
                        if (implFilter == null || Arrays.asList(implFilter.split(",")).contains(impl)) {
                            specs.add(spec);
                        }
                    }
                }
            }
        }
        if (!json) {
            System.out.printf(Locale.ROOT, "# kernels: %s; simd: %s; native: %s%n", KernelProvider.get().description(),
                    KernelProvider.tier(KernelTier.SIMD).map(k -> k.description()).orElse("unavailable"),
                    KernelProvider.tier(KernelTier.NATIVE).map(k -> k.description())
                            .orElse("unavailable: " + KernelProvider.unavailableReason(KernelTier.NATIVE).orElse("")));
            System.out.printf(Locale.ROOT, "%-14s %5s %5s %5s %3s %5s %10s %12s%n", "name", "m", "k", "n", "thr", "dram",
                    "gops", "us/call");
        }
        List<Row> rows = new ArrayList<>();
        try (ComputePool pool = new ComputePool(maxThreads, true)) {
            warmUpJit(pool, quick ? 300_000_000L : 1_000_000_000L);
            for (BenchSpec spec : specs) {
                KernelCases.retainOnly(spec);
                Row row = measure(spec, pool, quick, best);
                rows.add(row);
                if (!json) {
                    System.out.printf(Locale.ROOT, "%-14s %5d %5d %5d %3d %5s %10.1f %12.1f %s%n", spec.impl(), spec.m(),
                            spec.k(), spec.n(), spec.threads(), spec.dram() ? "yes" : "no", row.gops(), row.microsPerCall(),
                            row.note() == null ? "" : row.note());
                }
            }
        }
        if (json) {
            System.out.println(toJson(rows));
        } else {
            Ratios.print(rows);
        }
        System.exit(0);
    }

    /**
     * Runs every kernel implementation on a small shape first, so that C2 has compiled the Vector
     * API and FFM paths before the first measured row (an interpreted Vector API call is ~1000x slower).
     */
    private static void warmUpJit(ComputePool pool, long nanosPerImpl) {
        // Interpreted and C1 code boxes every vector, so a time-based warm-up on real shapes makes
        // too few calls to reach C2: use a tiny shape and a minimum call count.
        for (String impl : IMPLS) {
            if (!KernelCases.handles(impl)) {
                continue;
            }
            // Batch-1 and 4-row tiles are different methods; k > 512 reaches the simd INT8
            // chunk-accumulation branch, which would otherwise deoptimize in the first real row.
            for (int rows : new int[] {1, 5}) {
                try (BenchCase c = KernelCases.create(new BenchSpec(impl, rows, 520, 32, 1, false), pool)) {
                    long start = System.nanoTime();
                    for (int calls = 0; calls < 3_000 || System.nanoTime() - start < nanosPerImpl / 2; calls++) {
                        c.run();
                    }
                } catch (Exception | LinkageError e) {
                    // reported by the measured rows
                }
            }
        }
    }

    private static String option(List<String> argv, String name) {
        int i = argv.indexOf(name);
        return i >= 0 && i + 1 < argv.size() ? argv.get(i + 1) : null;
    }

    static Row measure(BenchSpec spec, ComputePool pool, boolean quick, boolean best) {
        long warmNanos = quick ? 60_000_000L : 500_000_000L;
        long repNanos = best ? 5_000_000L : quick ? 40_000_000L : 300_000_000L;
        int reps = best ? (quick ? 24 : 60) : quick ? 3 : 5;
        if (spec.dram()) {
            warmNanos *= 2;
        }
        try (BenchCase c = OrtCases.handles(spec.impl()) ? OrtCases.create(spec) : KernelCases.create(spec, pool)) {
            long start = System.nanoTime();
            int warm = 0;
            while (System.nanoTime() - start < warmNanos || warm < 3) {
                c.run();
                warm++;
            }
            double[] perCall = new double[reps];
            for (int r = 0; r < reps; r++) {
                long t0 = System.nanoTime();
                long calls = 0;
                long t1;
                do {
                    c.run();
                    calls++;
                    t1 = System.nanoTime();
                } while (t1 - t0 < repNanos);
                perCall[r] = (t1 - t0) / (double) calls;
            }
            Arrays.sort(perCall);
            double nanos = best ? perCall[0] : perCall[reps / 2];
            return new Row(spec, spec.ops() / nanos, nanos / 1000.0, null);
        } catch (Exception | LinkageError e) {
            return new Row(spec, Double.NaN, Double.NaN, "unavailable: " + e.getMessage());
        }
    }

    static String toJson(List<Row> rows) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            BenchSpec s = r.spec();
            if (i > 0) {
                sb.append(",");
            }
            sb.append(String.format(Locale.ROOT,
                    "{\"name\":\"%s\",\"m\":%d,\"k\":%d,\"n\":%d,\"threads\":%d,\"dram\":%b,\"gops\":%s,\"us_per_call\":%s%s}",
                    s.impl(), s.m(), s.k(), s.n(), s.threads(), s.dram(), num(r.gops()), num(r.microsPerCall()),
                    r.note() == null ? "" : ",\"note\":\"" + r.note().replace("\\", "\\\\").replace("\"", "'") + "\""));
        }
        return sb.append("]").toString();
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "null" : String.format(Locale.ROOT, "%.2f", v);
    }
}
