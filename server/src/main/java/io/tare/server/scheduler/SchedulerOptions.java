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
 */
public record SchedulerOptions(int maxBatchSize, List<Integer> preferredBatchSizes, long maxQueueDelayNanos,
                               int maxQueueSize, int instanceCount) {
    public static final int DEFAULT_MAX_QUEUE_SIZE = 1024;
    /** One instance per core: each runs single-threaded kernels, so instances are the parallelism. */
    public static final int DEFAULT_INSTANCE_COUNT = Runtime.getRuntime().availableProcessors();

    public SchedulerOptions {
        preferredBatchSizes = preferredBatchSizes.stream().sorted().toList();
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
