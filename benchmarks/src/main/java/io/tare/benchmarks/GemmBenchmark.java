package io.tare.benchmarks;

import io.tare.kernels.pool.ComputePool;
import io.tare.kernels.pool.CpuAffinity;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH pairs that differ only in the implementation (tier or ONNX Runtime), on the KernelBench
 * cases. Run: {@code java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED
 * -cp <classpath> org.openjdk.jmh.Main GemmBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class GemmBenchmark {
    @Param({"1x768x768", "1x4096x4096", "8x768x3072", "64x768x768", "128x1024x1024", "512x512x512"})
    public String shape;

    @Param({"fp32-simd", "int8-simd", "int8-native", "dqint8-native", "w8a32-simd", "ort-fp32", "ort-int8",
            "ort-dqint8"})
    public String impl;

    @Param({"1", "2"})
    public int threads;

    private ComputePool pool;
    private BenchCase bench;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        CpuAffinity.pinCurrentThread(CpuAffinity.allowedCpus()[0]);
        String[] d = shape.split("x");
        BenchSpec spec = new BenchSpec(impl, Integer.parseInt(d[0]), Integer.parseInt(d[1]), Integer.parseInt(d[2]),
                threads, false);
        pool = new ComputePool(threads, true);
        bench = OrtCases.handles(impl) ? OrtCases.create(spec) : KernelCases.create(spec, pool);
    }

    @Benchmark
    public void gemm() throws Exception {
        bench.run();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        bench.close();
        pool.close();
    }
}
