package io.tare.kernels.pool;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of compute threads for the multi-threaded kernels, sized to the cores.
 *
 * <p>{@link #run} executes one {@link ParallelTask} on {@code threads()} workers: worker 0 is the
 * calling thread (no hand-off for its share), workers 1.. are this pool's own daemon threads.
 *
 * <p><b>Pinning</b> (on by default where the system supports it: on these VMs two unpinned compute
 * threads often share one core). The pool keeps one thread pinned to each of the first
 * {@code threads} CPUs of the process and, on every {@code run}, hands the job to those that are
 * <em>not</em> on the caller's current CPU, so that the caller and its helpers never queue on one
 * core, whether the caller is itself pinned (a model instance thread, a benchmark) to any of those
 * CPUs or floats. The thread left out parks at once. Without pinning, the {@code threads - 1}
 * workers are allowed on every CPU of the process (not just the creator's: affinity is inherited,
 * and a pinned creator would otherwise confine them to its own core).
 *
 * <p>Workers spin for {@link #DEFAULT_SPIN_NANOS} after a job, so back-to-back layers start
 * without a wake-up, then park, so an idle server does not burn a core.
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
    /** Pinned: {@code cpus[s]} is the CPU of {@code workers[s]}. Unpinned: unused. */
    private final int[] cpus;
    private final Thread[] workers;
    /**
     * Per worker slot, its last work order: {@code generation << 16 | task index}. Written (after
     * {@link #task}) only for the slots that take part in a run, so a worker that sits a run out
     * never mistakes a later order for its own.
     */
    private final AtomicLongArray orders;
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
     * @param pin     pin one worker to each of the process's first {@code threads} CPUs (ignored
     *                where unsupported or where the process has fewer CPUs than threads)
     */
    public ComputePool(int threads, boolean pin) {
        if (threads < 1 || threads > 0xFFFF) {
            throw new IllegalArgumentException("threads must be in 1..65535");
        }
        this.threads = threads;
        int[] allowed = CpuAffinity.allowedCpus();
        this.pinned = threads > 1 && pin && CpuAffinity.isSupported() && allowed.length >= threads;
        this.cpus = pinned ? java.util.Arrays.copyOf(allowed, threads) : new int[0];
        int slots = pinned ? threads : threads - 1;
        this.workers = new Thread[slots];
        this.orders = new AtomicLongArray(slots);
        for (int s = 0; s < slots; s++) {
            int slot = s;
            Thread t = new Thread(() -> workerLoop(slot, allowed), "tare-compute-" + (s + 1));
            t.setDaemon(true);
            workers[s] = t;
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
            long gen = generation + 1;
            int skip = pinned ? slotToSkip(CpuAffinity.currentCpu()) : -1;
            for (int s = 0, index = 1; s < workers.length; s++) {
                if (s != skip) {
                    orders.set(s, gen << 16 | index++);
                }
            }
            generation = gen; // after the orders: a worker that sees it without an order sits out
            for (int s = 0; s < workers.length; s++) {
                if (s != skip) {
                    LockSupport.unpark(workers[s]);
                }
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

    /** The pinned slot on the caller's CPU, or the last slot when the caller is on none of them. */
    private int slotToSkip(int callerCpu) {
        for (int s = 0; s < cpus.length; s++) {
            if (cpus[s] == callerCpu) {
                return s;
            }
        }
        return cpus.length - 1;
    }

    private void workerLoop(int slot, int[] allowed) {
        if (pinned) {
            CpuAffinity.pinCurrentThread(cpus[slot]);
        } else if (CpuAffinity.isSupported()) {
            CpuAffinity.unpinCurrentThread(allowed);
        }
        long lastOrder = 0;
        while (!closed) {
            long spinStart = System.nanoTime();
            long gen = lastOrder >>> 16;
            long order;
            while ((order = orders.get(slot)) == lastOrder) {
                if (closed) {
                    return;
                }
                // Spin only while no run has started: a run that started without this worker has
                // the caller on this worker's CPU, and spinning here would take its core.
                if (generation == gen && System.nanoTime() - spinStart < DEFAULT_SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
            lastOrder = order;
            ParallelTask t = task;
            try {
                t.run((int) (order & 0xFFFF), threads);
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
