package io.tare.server.scheduler;

import io.tare.kernels.pool.CpuAffinity;
import java.util.function.IntConsumer;
import java.util.logging.Logger;

/**
 * Pins model instance threads round-robin over the CPUs the process may use. On these VMs two
 * unpinned compute threads often share one core (BUILD-NOTES); instance {@code i} gets CPU
 * {@code i mod n}. Only compute threads are pinned, never the whole process.
 */
public final class ComputeThreadPinning implements IntConsumer {
    private static final Logger LOG = Logger.getLogger(ComputeThreadPinning.class.getName());
    private final int[] cpus = CpuAffinity.allowedCpus();

    /** A pinner, or one that leaves threads alone when pinning is off or unsupported (logged). */
    public static IntConsumer create(boolean enabled) {
        if (!enabled) {
            return index -> { };
        }
        if (!CpuAffinity.isSupported()) {
            LOG.warning("CPU pinning is not supported here; model instance threads run unpinned");
            return index -> { };
        }
        return new ComputeThreadPinning();
    }

    @Override
    public void accept(int instanceIndex) {
        int cpu = cpus[instanceIndex % cpus.length];
        if (!CpuAffinity.pinCurrentThread(cpu)) {
            LOG.warning("could not pin " + Thread.currentThread().getName() + " to CPU " + cpu);
        }
    }
}
