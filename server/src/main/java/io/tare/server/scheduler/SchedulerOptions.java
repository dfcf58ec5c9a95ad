package io.tare.server.scheduler;

import io.tare.proto.inference.ModelConfig;
import io.tare.proto.inference.ModelDynamicBatching;
import java.util.List;

/**
 * How a model's queue batches and how many instances drain it.
 *
 * @param maxBatchSize         largest batch in rows; 0 = the model does not batch
 * @param preferredBatchSizes  batch sizes worth waiting for (ascending); empty = take what is queued
 * @param maxQueueDelayNanos   longest the oldest request waits for a fuller batch
 * @param maxQueueSize         requests waiting beyond this fail with RESOURCE_EXHAUSTED
 * @param instanceCount        execution instances (threads), each pinned to its own CPU where possible
 * @param idleSpinNanos        how long an instance that just finished a batch polls the queue before it
 *                             parks; 0 = park at once. At most one instance of a model spins at a time.
 */
public record SchedulerOptions(int maxBatchSize, List<Integer> preferredBatchSizes, long maxQueueDelayNanos,
                               int maxQueueSize, int instanceCount, long idleSpinNanos) {
    public static final int DEFAULT_MAX_QUEUE_SIZE = 1024;
    /** One instance per core: each runs single-threaded kernels, so instances are the parallelism. */
    public static final int DEFAULT_INSTANCE_COUNT = Runtime.getRuntime().availableProcessors();
    /**
     * Waking a parked thread costs 100-300 µs on these VMs (the target vCPU has halted, and the
     * hypervisor must bring it back), about a fmnist batch-1 run. A request that arrives within this
     * window after the previous batch finished is picked up by a spinning instance instead. Spinning
     * about as long as a wake-up costs bounds the loss either way (the classic spin-then-block rule):
     * at most this much CPU per batch, yielded to any thread with work; an idle server parks every
     * thread. Overridden by the system property {@value #IDLE_SPIN_PROPERTY} (microseconds).
     */
    public static final long DEFAULT_IDLE_SPIN_NANOS = 200_000;
    public static final String IDLE_SPIN_PROPERTY = "tare.scheduler.idleSpinMicros";

    public SchedulerOptions {
        preferredBatchSizes = preferredBatchSizes.stream().sorted().toList();
        if (idleSpinNanos < 0) {
            throw new IllegalArgumentException("idleSpinNanos must be >= 0, got " + idleSpinNanos);
        }
    }

    /** Options with the default idle spin. */
    public SchedulerOptions(int maxBatchSize, List<Integer> preferredBatchSizes, long maxQueueDelayNanos,
                            int maxQueueSize, int instanceCount) {
        this(maxBatchSize, preferredBatchSizes, maxQueueDelayNanos, maxQueueSize, instanceCount, defaultIdleSpinNanos());
    }

    /** {@link #DEFAULT_IDLE_SPIN_NANOS}, or the system property's value when it is set. */
    static long defaultIdleSpinNanos() {
        String micros = System.getProperty(IDLE_SPIN_PROPERTY);
        if (micros == null || micros.isBlank()) {
            return DEFAULT_IDLE_SPIN_NANOS;
        }
        try {
            return Math.max(0, Long.parseLong(micros.trim())) * 1_000;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(IDLE_SPIN_PROPERTY + " must be a whole number of microseconds, got '"
                    + micros + "'", e);
        }
    }

    /** Options from config.pbtxt, for a model whose backend reports {@code maxBatchSize}. */
    public static SchedulerOptions from(ModelConfig config, int maxBatchSize) {
        ModelDynamicBatching batching = config.getDynamicBatching();
        int queue = batching.getDefaultQueuePolicy().getMaxQueueSize();
        int instances = config.getInstanceGroupCount() == 0 ? DEFAULT_INSTANCE_COUNT
                : config.getInstanceGroupList().stream().mapToInt(g -> Math.max(1, g.getCount())).sum();
        return new SchedulerOptions(maxBatchSize,
                batching.getPreferredBatchSizeList().stream().filter(s -> s <= maxBatchSize).toList(),
                batching.getMaxQueueDelayMicroseconds() * 1_000L,
                queue > 0 ? queue : DEFAULT_MAX_QUEUE_SIZE,
                instances);
    }
}
