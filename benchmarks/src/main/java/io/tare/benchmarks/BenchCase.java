package io.tare.benchmarks;

/** A prepared benchmark: weights packed / session built; {@link #run()} performs one GEMM. */
public interface BenchCase extends AutoCloseable {
    void run() throws Exception;

    @Override
    default void close() throws Exception {
    }
}
