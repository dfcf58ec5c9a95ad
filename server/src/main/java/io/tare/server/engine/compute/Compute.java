package io.tare.server.engine.compute;

import io.tare.kernels.KernelProvider;
import io.tare.kernels.Kernels;
import io.tare.kernels.gemm.Gemm;
import io.tare.kernels.pool.ComputePool;
import io.tare.kernels.quant.ActivationQuantizer;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the engine's hot operators compute with: the kernel tier chosen for this JVM, a
 * {@link Gemm} that splits one product over {@link #threads()} workers, a single-threaded
 * {@link Gemm} for work that is already split (one image per worker), the pool itself, and the
 * activation quantizer.
 *
 * <p>Pools are shared per thread count for the whole JVM and never closed: their workers park when
 * idle, and a model that is unloaded must not take a pool from under another model. A pool runs
 * one job at a time, so two models (or two instances) with the same thread count take turns on it;
 * a server that runs several instances in parallel gives each one thread (no pool at all).
 * Immutable and thread-safe.
 */
public final class Compute {
    private static final ConcurrentHashMap<Integer, Compute> BY_THREADS = new ConcurrentHashMap<>();

    private final Kernels kernels;
    private final ComputePool pool;
    private final Gemm gemm;
    private final Gemm serialGemm;
    private final ActivationQuantizer quantizer;

    private Compute(Kernels kernels, ComputePool pool) {
        this.kernels = kernels;
        this.pool = pool;
        this.gemm = new Gemm(kernels, pool);
        this.serialGemm = pool == null ? gemm : new Gemm(kernels, null);
        this.quantizer = new ActivationQuantizer(kernels);
    }

    /** The shared resources for {@code threads} intra-op threads (1 = the calling thread only). */
    public static Compute forThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        return BY_THREADS.computeIfAbsent(threads,
                t -> new Compute(KernelProvider.get(), t == 1 ? null : new ComputePool(t, ComputePool.DEFAULT_PIN)));
    }

    public Kernels kernels() {
        return kernels;
    }

    /** GEMM over all workers (split by column panels). Must not be called from inside {@link #parallel}. */
    public Gemm gemm() {
        return gemm;
    }

    /** GEMM on the calling thread only, for use inside {@link #parallel}. */
    public Gemm serialGemm() {
        return serialGemm;
    }

    public ActivationQuantizer quantizer() {
        return quantizer;
    }

    public int threads() {
        return pool == null ? 1 : pool.threads();
    }

    /** A unit of work split over workers: {@code worker} in {@code [0, workers)}. */
    public interface Split {
        void run(int worker, int workers);
    }

    /**
     * Runs {@code body} once per worker (worker 0 is the caller) and returns when all are done; the
     * body must use {@link #serialGemm()}, not {@link #gemm()}.
     */
    public void parallel(Split body) {
        if (pool == null) {
            body.run(0, 1);
        } else {
            pool.run(body::run);
        }
    }
}
