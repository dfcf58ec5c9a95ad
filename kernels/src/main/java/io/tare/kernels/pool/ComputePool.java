package io.tare.kernels.pool;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of compute threads for the multi-threaded kernels, sized to the cores.
 *
 * <p>{@link #run} executes one {@link ParallelTask} on {@code threads()} workers: worker 0 is the
 * calling thread (no hand-off for its share), workers 1.. are this pool's own daemon threads, each
 * pinned to its own CPU when pinning is on (the default where the system supports it: on these VMs
 * two unpinned compute threads often share one core). Workers spin for {@link #DEFAULT_SPIN_NANOS}
 * after a job, so back-to-back layers start without a wake-up, then park, so an idle server does
 * not burn a core.
 *
 * <p><b>Threading.</b> {@code run} is serialized: concurrent callers take turns. A task must not
 * call {@code run} on the same pool. An exception in any worker is rethrown to the caller after all
 * workers finish. Close exactly once; {@code run} after close fails.
 */
public final class ComputePool implements AutoCloseable {
    public static final long DEFAULT_SPIN_NANOS = 50_000;
    public static final boolean DEFAULT_PIN = true;

    private final int threads;
    private final boolean pinned;
    private final Thread[] workers;
    private final AtomicInteger remaining = new AtomicInteger();
    private final Object lock = new Object();
    private volatile ParallelTask task;
    private volatile long generation;
    private volatile boolean closed;
    private volatile Thread caller;
    private volatile Throwable failure;

    /** A pool with one worker per allowed CPU and pinning on where supported. */
    public static ComputePool forAllCores() {
        return new ComputePool(CpuAffinity.allowedCpus().length, DEFAULT_PIN);
    }

    /**
     * @param threads workers including the caller (1 = run on the caller only)
     * @param pin     pin workers 1.. to CPUs 1.. of the allowed set (ignored where unsupported)
     */
    public ComputePool(int threads, boolean pin) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1");
        }
        this.threads = threads;
        int[] cpus = CpuAffinity.allowedCpus();
        this.pinned = pin && CpuAffinity.isSupported() && cpus.length >= threads;
        this.workers = new Thread[threads - 1];
        for (int w = 1; w < threads; w++) {
            int index = w;
            int cpu = cpus[w % cpus.length];
            Thread t = new Thread(() -> workerLoop(index, cpu), "tare-compute-" + w);
            t.setDaemon(true);
            workers[w - 1] = t;
            t.start();
        }
    }

    public int threads() {
        return threads;
    }

    /** Whether worker threads were pinned to their own CPUs. */
    public boolean isPinned() {
        return pinned;
    }

    /** Runs {@code t} on all workers (the caller is worker 0) and returns when all are done. */
    public void run(ParallelTask t) {
        if (closed) {
            throw new IllegalStateException("compute pool closed");
        }
        if (threads == 1) {
            t.run(0, 1);
            return;
        }
        synchronized (lock) {
            failure = null;
            caller = Thread.currentThread();
            remaining.set(threads - 1);
            task = t;
            generation++;
            for (Thread w : workers) {
                LockSupport.unpark(w);
            }
            Throwable own = null;
            try {
                t.run(0, threads);
            } catch (Throwable e) {
                own = e;
            }
            long start = System.nanoTime();
            while (remaining.get() != 0) {
                if (System.nanoTime() - start < DEFAULT_SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(this, 100_000);
                }
            }
            task = null;
            Throwable f = own != null ? own : failure;
            if (f instanceof RuntimeException re) {
                throw re;
            } else if (f instanceof Error er) {
                throw er;
            } else if (f != null) {
                throw new IllegalStateException(f);
            }
        }
    }

    private void workerLoop(int index, int cpu) {
        if (pinned) {
            CpuAffinity.pinCurrentThread(cpu);
        }
        long seen = 0;
        while (!closed) {
            long spinStart = System.nanoTime();
            while (generation == seen && !closed) {
                if (System.nanoTime() - spinStart < DEFAULT_SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
            if (closed) {
                return;
            }
            seen = generation;
            ParallelTask t = task;
            try {
                t.run(index, threads);
            } catch (Throwable e) {
                failure = e;
            }
            if (remaining.decrementAndGet() == 0) {
                LockSupport.unpark(caller);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
    }
}
