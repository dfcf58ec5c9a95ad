package io.tare.server.calibration;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Calibration meters per model (tag {@code model}): active scale version, largest clip rate and
 * drift over the model's quantization points, samples taken and dropped, sampling cost, and
 * refreshes accepted, rejected and rolled back. Models come and go, so a background scan (every
 * {@link #SCAN_SECONDS} s) binds meters for new calibrations and removes those of unloaded ones;
 * the meters read the calibration's own counters, never a copy.
 */
public final class CalibrationMetrics implements AutoCloseable {
    static final int SCAN_SECONDS = 1;

    private final MeterRegistry registry;
    private final Supplier<Collection<ModelCalibration>> calibrations;
    private final Map<ModelCalibration, List<Meter>> bound = new IdentityHashMap<>();
    private final ScheduledExecutorService scanner = Executors.newSingleThreadScheduledExecutor(r ->
            Thread.ofPlatform().daemon().name("tare-calibration-metrics").unstarted(r));

    public CalibrationMetrics(MeterRegistry registry, Supplier<Collection<ModelCalibration>> calibrations) {
        this.registry = registry;
        this.calibrations = calibrations;
        scan();
        scanner.scheduleWithFixedDelay(this::scan, SCAN_SECONDS, SCAN_SECONDS, TimeUnit.SECONDS);
    }

    /** Binds new models' meters and removes gone ones' (also callable directly, e.g. by tests). */
    public synchronized void scan() {
        Collection<ModelCalibration> now = calibrations.get();
        Map<ModelCalibration, Boolean> present = new IdentityHashMap<>();
        for (ModelCalibration c : now) {
            present.put(c, true);
            bound.computeIfAbsent(c, this::bind);
        }
        for (var it = bound.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!present.containsKey(e.getKey())) {
                e.getValue().forEach(registry::remove);
                it.remove();
            }
        }
    }

    private List<Meter> bind(ModelCalibration c) {
        Tags tags = Tags.of("model", c.modelName());
        List<Meter> meters = new ArrayList<>();
        meters.add(Gauge.builder("tare.calibration.scale.version", c, ModelCalibration::activeVersion).tags(tags)
                .description("Active activation scale table version (-1: serving without a table)").register(registry));
        meters.add(Gauge.builder("tare.calibration.clip.rate", c, ModelCalibration::maxClipRate).tags(tags)
                .description("Largest saturated fraction over the model's quantization points").register(registry));
        meters.add(Gauge.builder("tare.calibration.drift", c, ModelCalibration::maxDrift).tags(tags)
                .description("Largest Jensen-Shannon drift from the active scales' reference").register(registry));
        meters.add(Gauge.builder("tare.calibration.sampling.cost", c.sampler(), ActivationSampler::costFraction)
                .tags(tags).description("Sampling cost as a fraction of serving time").register(registry));
        meters.add(FunctionCounter.builder("tare.calibration.samples", c.sampler(), ActivationSampler::taken)
                .tags(tags.and("outcome", "taken")).description("Sampled batches").register(registry));
        meters.add(FunctionCounter.builder("tare.calibration.samples", c.sampler(), ActivationSampler::dropped)
                .tags(tags.and("outcome", "dropped")).description("Sampled batches").register(registry));
        Map<String, java.util.function.ToDoubleFunction<ModelCalibration>> refreshes = new HashMap<>();
        refreshes.put("accepted", ModelCalibration::accepted);
        refreshes.put("rejected", ModelCalibration::rejected);
        refreshes.put("rolled_back", ModelCalibration::rolledBack);
        refreshes.forEach((outcome, f) -> meters.add(FunctionCounter.builder("tare.calibration.refreshes", c, f)
                .tags(tags.and("outcome", outcome)).description("Scale refreshes by outcome").register(registry)));
        return meters;
    }

    @Override
    public synchronized void close() {
        scanner.shutdownNow();
        bound.values().forEach(ms -> ms.forEach(registry::remove));
        bound.clear();
    }
}
