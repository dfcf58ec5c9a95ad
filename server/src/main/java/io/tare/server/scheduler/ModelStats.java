package io.tare.server.scheduler;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToDoubleFunction;

/**
 * Statistics of one model version: Triton's cumulative statistics (for the ModelStatistics RPC)
 * and the Prometheus meters, updated together so the two never disagree. Thread-safe.
 */
public final class ModelStats {
    /** Histogram buckets for durations: fine near the serving floor, coarse up to seconds. */
    private static final Duration[] DURATION_BUCKETS = durations(25, 50, 100, 200, 300, 500, 750, 1_000, 1_500,
            2_000, 3_000, 5_000, 7_500, 10_000, 20_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 5_000_000);
    private static final double[] BATCH_BUCKETS = {1, 2, 4, 8, 16, 32, 64, 128, 256};

    private final String model;
    private final String version;
    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();
    private final Timer requestDuration;
    private final Timer queueDuration;
    private final Timer computeDuration;
    private final DistributionSummary batchSize;
    private final Counter successes;
    private final Map<String, Counter> failures = new ConcurrentHashMap<>();

    private final LongAdder successCount = new LongAdder();
    private final LongAdder successNanos = new LongAdder();
    private final LongAdder failCount = new LongAdder();
    private final LongAdder failNanos = new LongAdder();
    private final LongAdder queueCount = new LongAdder();
    private final LongAdder queueNanos = new LongAdder();
    private final LongAdder computeCount = new LongAdder();
    private final LongAdder computeNanos = new LongAdder();
    private final LongAdder inferenceCount = new LongAdder();
    private final LongAdder executionCount = new LongAdder();
    private final AtomicLong lastInferenceMillis = new AtomicLong();
    private final Map<Integer, long[]> batchStats = new ConcurrentHashMap<>();

    public ModelStats(String model, String version, MeterRegistry registry) {
        this.model = model;
        this.version = version;
        this.registry = registry;
        Tags tags = Tags.of("model", model, "version", version);
        requestDuration = register(Timer.builder("tare.request.duration")
                .description("Time from a request's arrival at the scheduler to its response")
                .serviceLevelObjectives(DURATION_BUCKETS).tags(tags).register(registry));
        queueDuration = register(Timer.builder("tare.queue.duration")
                .description("Time a request waited in the model's queue")
                .serviceLevelObjectives(DURATION_BUCKETS).tags(tags).register(registry));
        computeDuration = register(Timer.builder("tare.compute.duration")
                .description("Time the backend spent executing one batch")
                .serviceLevelObjectives(DURATION_BUCKETS).tags(tags).register(registry));
        batchSize = register(DistributionSummary.builder("tare.batch.size")
                .description("Rows per executed batch").serviceLevelObjectives(BATCH_BUCKETS)
                .tags(tags).register(registry));
        successes = register(Counter.builder("tare.requests").description("Inference requests by outcome")
                .tags(tags).tag("outcome", "success").tag("reason", "").register(registry));
    }

    /** Registers a gauge owned by this model version (removed with it). */
    public <T> void gauge(String name, String description, T state, ToDoubleFunction<T> value) {
        register(io.micrometer.core.instrument.Gauge.builder(name, state, value).description(description)
                .tags("model", model, "version", version).register(registry));
    }

    private <M extends Meter> M register(M meter) {
        meters.add(meter);
        return meter;
    }

    public void recordSuccess(long queueWaitNanos, long totalNanos) {
        successes.increment();
        requestDuration.record(Duration.ofNanos(totalNanos));
        queueDuration.record(Duration.ofNanos(queueWaitNanos));
        successCount.increment();
        successNanos.add(totalNanos);
        queueCount.increment();
        queueNanos.add(queueWaitNanos);
        lastInferenceMillis.set(System.currentTimeMillis());
    }

    /** @param reason a stable lower-case code, e.g. {@code invalid_arg}, {@code deadline_exceeded} */
    public void recordFailure(String reason, long totalNanos) {
        failures.computeIfAbsent(reason, r -> register(Counter.builder("tare.requests")
                .description("Inference requests by outcome").tags("model", model, "version", version)
                .tag("outcome", "failure").tag("reason", r).register(registry))).increment();
        failCount.increment();
        failNanos.add(totalNanos);
    }

    public void recordBatch(int requests, int rows, long nanos) {
        computeDuration.record(Duration.ofNanos(nanos));
        batchSize.record(rows);
        computeCount.add(requests);
        computeNanos.add(nanos);
        inferenceCount.add(rows);
        executionCount.increment();
        long[] perSize = batchStats.computeIfAbsent(rows, r -> new long[2]);
        synchronized (perSize) {
            perSize[0]++;
            perSize[1] += nanos;
        }
    }

    /** Removes this version's meters from the registry (on unload). */
    public void unregister() {
        meters.forEach(registry::remove);
    }

    public Snapshot snapshot() {
        Map<Integer, long[]> batches = new java.util.TreeMap<>();
        batchStats.forEach((size, v) -> {
            synchronized (v) {
                batches.put(size, v.clone());
            }
        });
        return new Snapshot(successCount.sum(), successNanos.sum(), failCount.sum(), failNanos.sum(),
                queueCount.sum(), queueNanos.sum(), computeCount.sum(), computeNanos.sum(),
                inferenceCount.sum(), executionCount.sum(), lastInferenceMillis.get(), batches);
    }

    /** A consistent-enough copy of the cumulative counters (each read atomically). */
    public record Snapshot(long successCount, long successNanos, long failCount, long failNanos,
                           long queueCount, long queueNanos, long computeCount, long computeNanos,
                           long inferenceCount, long executionCount, long lastInferenceMillis,
                           Map<Integer, long[]> batchCountAndNanos) {
    }

    private static Duration[] durations(long... micros) {
        Duration[] out = new Duration[micros.length];
        for (int i = 0; i < micros.length; i++) {
            out[i] = Duration.ofNanos(micros[i] * 1_000);
        }
        return out;
    }
}
