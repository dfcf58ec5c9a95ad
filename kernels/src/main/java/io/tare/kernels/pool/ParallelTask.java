package io.tare.kernels.pool;

/** One parallel job: called once per worker with its index in {@code [0, workers)}. */
@FunctionalInterface
public interface ParallelTask {
    void run(int worker, int workers);
}
