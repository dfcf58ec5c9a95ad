package io.tare.kernels.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicIntegerArray;
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
}
