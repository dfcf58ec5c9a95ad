package io.tare.kernels.pool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ComputePoolTest {

    @Test
    void everyWorkerRunsOncePerJobAndTheCallerIsWorkerZero() {
        try (ComputePool pool = new ComputePool(3, true)) {
            for (int job = 0; job < 200; job++) {
                AtomicIntegerArray seen = new AtomicIntegerArray(3);
                Thread caller = Thread.currentThread();
                pool.run((worker, workers) -> {
                    assertEquals(3, workers);
                    seen.incrementAndGet(worker);
                    if (worker == 0) {
                        assertEquals(caller, Thread.currentThread());
                    }
                });
                for (int w = 0; w < 3; w++) {
                    assertEquals(1, seen.get(w), "worker " + w + " in job " + job);
                }
            }
        }
    }

    @Test
    void aWorkerFailureReachesTheCaller() {
        try (ComputePool pool = new ComputePool(2, false)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.run((worker, workers) -> {
                if (worker == 1) {
                    throw new IllegalStateException("boom");
                }
            }));
            assertEquals("boom", e.getMessage());
            pool.run((worker, workers) -> { }); // still usable
        }
    }

    @Test
    void runAfterCloseFails() {
        ComputePool pool = new ComputePool(2, false);
        pool.close();
        assertThrows(IllegalStateException.class, () -> pool.run((w, n) -> { }));
    }

    @Test
    void pinningReportsTheRealOutcome() throws Exception {
        assertEquals(true, CpuAffinity.isSupported(), "sched_setaffinity should be reachable on Linux");
        int cpu = CpuAffinity.allowedCpus()[0];
        boolean[] pinned = new boolean[1];
        Thread t = new Thread(() -> pinned[0] = CpuAffinity.pinCurrentThread(cpu));
        t.start();
        t.join();
        assertEquals(true, pinned[0]);
        assertEquals(false, CpuAffinity.pinCurrentThread(-1));
    }

    /**
     * The bug this pins down: a pool created by an already pinned thread (a model instance thread,
     * a benchmark's caller) read that thread's one-CPU mask as "the CPUs", gave up pinning, and its
     * worker inherited the caller's CPU, so two threads shared one core.
     */
    @Test
    void aPinnedCallerGetsItsHelperOnAnotherCpu() throws Throwable {
        int[] cpus = CpuAffinity.allowedCpus();
        assumeTrue(cpus.length >= 2 && CpuAffinity.isSupported() && CpuAffinity.currentCpu() >= 0,
                "needs two CPUs, sched_setaffinity and sched_getcpu");
        for (int callerCpu : new int[] {cpus[0], cpus[1]}) {
            onThread(() -> {
                assertTrue(CpuAffinity.pinCurrentThread(callerCpu));
                assertArrayEquals(cpus, CpuAffinity.allowedCpus(), "the process's CPUs, not the caller's");
                try (ComputePool pool = new ComputePool(2, true)) {
                    assertTrue(pool.isPinned());
                    int[] ran = new int[2];
                    for (int job = 0; job < 50; job++) {
                        pool.run((worker, workers) -> ran[worker] = CpuAffinity.currentCpu());
                        assertEquals(callerCpu, ran[0]);
                        assertNotEquals(ran[0], ran[1], "helper on the caller's CPU in job " + job);
                    }
                }
            });
        }
    }

    @Test
    void unpinnedWorkersAreNotConfinedToTheirCreatorsCpu() throws Throwable {
        int[] cpus = CpuAffinity.allowedCpus();
        assumeTrue(cpus.length >= 2 && CpuAffinity.isSupported(), "needs two CPUs and sched_setaffinity");
        onThread(() -> {
            assertTrue(CpuAffinity.pinCurrentThread(cpus[0]));
            try (ComputePool pool = new ComputePool(2, false)) {
                int[][] masks = new int[2][];
                pool.run((worker, workers) -> masks[worker] = CpuAffinity.callerMask());
                assertArrayEquals(new int[] {cpus[0]}, masks[0]);
                assertArrayEquals(cpus, masks[1]);
            }
        });
    }

    /** Runs {@code body} on a fresh thread (so pinning does not leak into other tests), rethrowing. */
    private static void onThread(Runnable body) throws Throwable {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.start();
        t.join();
        if (failure.get() != null) {
            throw failure.get();
        }
    }
}
