package io.tare.server.calibration;

import io.tare.kernels.calibration.ActivationEncoding;
import io.tare.kernels.calibration.CalibrationStats;
import io.tare.kernels.calibration.EntropyRange;
import io.tare.kernels.calibration.MinMaxRange;
import io.tare.kernels.calibration.MseRange;
import io.tare.kernels.calibration.PercentileRange;
import io.tare.kernels.calibration.RangeMethod;
import io.tare.kernels.calibration.ScaleZeroPoint;
import io.tare.kernels.calibration.TensorHistogram;
import io.tare.kernels.calibration.TensorReport;
import io.tare.server.core.ErrorCode;
import io.tare.server.core.TareException;
import io.tare.server.engine.LoadedModel;
import io.tare.server.engine.quant.ScaleTable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Online calibration of one model, on its own thread: aggregates sampled activations into
 * {@link CalibrationStats}, applies the policy (refresh, promotion, live watch and rollback) and
 * publishes {@link CalibrationSnapshot}s. Every change of scales happens on this thread, so the
 * statistics, history and guard never race; callers on other threads (RPC handlers) get futures.
 * Nothing here runs on a request's thread except the sampler's copies.
 */
public final class ModelCalibration implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ModelCalibration.class.getName());
    /** Methods whose candidates the stream shows. */
    static final List<RangeMethod> SHOWN_METHODS = List.of(new MinMaxRange(), new PercentileRange(99.99),
            new MseRange(), new EntropyRange());
    /**
     * Methods whose tables the guard tries; it keeps the one closest to the float reference. Entropy
     * is shown but not tried: it assumes data near 0 and lost every guard run on the fixtures.
     */
    static final List<String> GUARDED_METHODS = List.of("minmax", "percentile-99.99", "mse");
    private static final int EVENTS_KEPT = 32;
    /** Warm-up of the guard's models at load: enough runs for C2 on the CNN, bounded in time for big models. */
    private static final int WARM_UP_RUNS = 100;
    private static final long WARM_UP_BUDGET_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();
    private static final long METRICS_REFRESH_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final ScaleTarget target;
    private final ActivationSampler sampler;
    private volatile CalibrationSettings settings;
    private final CalibrationStats stats;
    private final RetainedInputs recent;
    private List<RetainedInputs.Batch> trusted = List.of();
    private final ScaleHistory history = new ScaleHistory();
    private final RefreshGuard guard;
    private final Deque<CalibrationEvent> events = new ArrayDeque<>();
    private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
    private final SnapshotSubscribers subscribers = new SnapshotSubscribers();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong rolledBack = new AtomicLong();
    private final Thread thread;
    private volatile boolean closed;
    private volatile CalibrationSnapshot latest;
    private volatile double maxClipRate = Double.NaN;
    private volatile double maxDrift = Double.NaN;
    /** Samples absorbed into the statistics (calibration thread only, as the statistics). */
    private long samplesProcessed;
    private long samplesSinceChange;
    private long samplesSinceAttempt;
    private long lastEvaluation;
    private long lastGaugeUpdate;
    private long samplesSinceEvaluation;
    private LiveWatch probation;
    private final ColdStartEvidence coldStart = new ColdStartEvidence();

    public ModelCalibration(ScaleTarget target, ActivationSampler sampler, CalibrationSettings settings) {
        this.target = target;
        this.sampler = sampler;
        this.settings = settings;
        this.stats = new CalibrationStats(CalibrationStats.Options.timeWindow(8, settings.window().toNanos() / 8),
                System.nanoTime());
        this.recent = new RetainedInputs(settings.retainedInputs());
        this.guard = new RefreshGuard(target);
        ScaleTable initial = target.activeTable();
        if (initial != null) {
            history.installed(initial, "file");
        }
        if (settings.policy() != CalibrationPolicy.MANUAL) {
            prepareGuard();
        }
        thread = Thread.ofPlatform().daemon().name("tare-calibration-" + target.modelName()).unstarted(this::loop);
        thread.start();
    }

    public String modelName() {
        return target.modelName();
    }

    public CalibrationPolicy policy() {
        return settings.policy();
    }

    public CalibrationSettings settings() {
        return settings;
    }

    public ActivationSampler sampler() {
        return sampler;
    }

    /** The active table's version, or -1 while serving without one. */
    public long activeVersion() {
        ScaleTable t = target.activeTable();
        return t == null ? -1 : t.version();
    }

    public ScaleTable activeTable() {
        return target.activeTable();
    }

    public long accepted() {
        return accepted.get();
    }

    public long rejected() {
        return rejected.get();
    }

    public long rolledBack() {
        return rolledBack.get();
    }

    /** Largest clip rate over the model's tensors at the last evaluation (NaN before any). */
    public double maxClipRate() {
        return maxClipRate;
    }

    /** Largest drift over the model's tensors at the last evaluation (NaN before any). */
    public double maxDrift() {
        return maxDrift;
    }

    // ---- requests from other threads -------------------------------------------------------

    /** The latest snapshot, computed on the calibration thread. */
    public CompletableFuture<CalibrationSnapshot> snapshot() {
        return call(this::takeSnapshot);
    }

    /**
     * Delivers a snapshot to {@code sink} about every {@code interval} (at least 100 ms), on the
     * calibration thread: the sink must not block. Returns the handle that stops it.
     */
    public AutoCloseable subscribe(Consumer<CalibrationSnapshot> sink, java.time.Duration interval) {
        return subscribers.add(sink, interval);
    }

    /**
     * Installs a client's table if the active version is still {@code expectedVersion} (-1: none);
     * the new table gets the next version. Not guarded: the client decides.
     *
     * @throws TareException FAILED_PRECONDITION-like ALREADY_EXISTS when the version moved on
     */
    public CompletableFuture<ScaleTable> updateScales(long expectedVersion, Map<String, ScaleTable.Range> entries,
                                                      boolean replaceAll) {
        return call(() -> {
            long current = activeVersion();
            if (current != expectedVersion) {
                throw new TareException(ErrorCode.ALREADY_EXISTS, "scale table of '" + target.modelName()
                        + "' is at version " + current + ", not " + expectedVersion + " (compare-and-set failed)");
            }
            ScaleTable active = target.activeTable();
            Map<String, ScaleTable.Range> merged = new LinkedHashMap<>();
            if (active != null && !replaceAll) {
                merged.putAll(active.entries());
            }
            merged.putAll(entries);
            ScaleTable table = new ScaleTable(current + 1, merged);
            swap(table, null, "client", CalibrationEvent.Kind.CLIENT_UPDATE, "pushed by a client", Double.NaN);
            return table;
        });
    }

    /** Restores the table before the active one, under a new version. */
    public CompletableFuture<ScaleTable> rollback(String why) {
        return call(() -> rollbackNow(why));
    }

    public CompletableFuture<CalibrationPolicy> setPolicy(CalibrationPolicy policy) {
        return call(() -> {
            settings = settings.withPolicy(policy);
            event(CalibrationEvent.Kind.POLICY_CHANGED, "policy set to " + policy.wireName());
            return policy;
        });
    }

    private <T> CompletableFuture<T> call(Callable<T> work) {
        CompletableFuture<T> f = new CompletableFuture<>();
        if (closed) {
            f.completeExceptionally(new TareException(ErrorCode.UNAVAILABLE, "calibration of '"
                    + target.modelName() + "' has stopped"));
            return f;
        }
        commands.add(() -> {
            try {
                f.complete(work.call());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return f;
    }

    /**
     * Builds the float reference and warms it and the served model (which the guard measures the
     * active table on), at load (before the model is ready and before the calibration thread
     * starts), so that the first refresh neither waits for them nor runs them interpreted.
     */
    private void prepareGuard() {
        try {
            long start = System.nanoTime();
            int referenceRuns = ModelWarmUp.warm(target.reference(), WARM_UP_RUNS, WARM_UP_BUDGET_NANOS);
            int activeRuns = ModelWarmUp.warm(guard.activeModel(), WARM_UP_RUNS, WARM_UP_BUDGET_NANOS);
            LOG.fine(() -> "calibration of '" + target.modelName() + "': reference and served model warmed (" + referenceRuns
                    + " and " + activeRuns + " runs) in " + (System.nanoTime() - start) / 1_000_000 + " ms");
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "calibration of '" + target.modelName() + "' cannot build its reference", e);
        }
    }

    // ---- the calibration thread ------------------------------------------------------------

    private void loop() {
        long pollNanos = TimeUnit.MILLISECONDS.toNanos(20);
        while (!closed) {
            try {
                SampleCapture c = sampler.poll(pollNanos);
                // everything this thread does is charged to the sampling budget, in CPU time, not wall
                // time: on a busy machine it waits for a core, and waiting costs the requests nothing;
                // charged in finally, so that a failing step is paid for too
                if (c != null) {
                    long start = THREADS.getCurrentThreadCpuTime();
                    try {
                        absorb(c);
                    } finally {
                        sampler.recordSampleCost(c, THREADS.getCurrentThreadCpuTime() - start);
                    }
                }
                long start = THREADS.getCurrentThreadCpuTime();
                try {
                    afterSample(c != null);
                } finally {
                    sampler.recordCost(THREADS.getCurrentThreadCpuTime() - start);
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException | Error e) {
                // a failing evaluation must not stop calibration, nor serving
                LOG.log(Level.WARNING, "calibration of '" + target.modelName() + "' failed a step", e);
            }
        }
    }

    /** The rest of one turn of the loop: pending commands, an evaluation when due, snapshots, the budget. */
    private void afterSample(boolean sampled) {
        Runnable command;
        while ((command = commands.poll()) != null) {
            command.run();
        }
        long now = System.nanoTime();
        // the interval bounds how often statistics are merged; the sample that completes the
        // minimum for a refresh is evaluated at once (waiting let a start-up burst of samples
        // pile up, and the first guard then ran on 4x the batches it needed)
        boolean minimumJustReached = sampled && samplesSinceAttempt == settings.minSamples();
        if ((minimumJustReached || now - lastEvaluation >= settings.evaluationInterval().toNanos())
                && evaluationDue(now)) {
            lastEvaluation = now;
            stats.advanceTime(now);
            evaluate();
        }
        subscribers.publish(now, this::takeSnapshot);
        sampler.setCatchingUp(waitingForScales());
    }

    /**
     * Whether the model is waiting for scales: an online model before its promotion, or any model
     * whose automatic swap is under live watch. Sampling then runs on the catch-up budget.
     */
    private boolean waitingForScales() {
        CalibrationPolicy p = settings.policy();
        return p != CalibrationPolicy.MANUAL
                && (probation != null || (p == CalibrationPolicy.ONLINE && target.activeTable() == null));
    }

    private void absorb(SampleCapture c) {
        sampler.replay(c);
        for (int i = 0; i < c.tensors().size(); i++) {
            String tensor = c.tensors().get(i);
            if (!stats.tensors().contains(tensor)) {
                stats.register(tensor, ActivationEncoding.UINT8_ASYMMETRIC);
                ScaleTable active = target.activeTable();
                ScaleTable.Range r = active == null ? null : active.get(tensor);
                if (r != null) {
                    // no histogram behind the file's scales: drift is measured from the first refresh on
                    stats.markRefreshed(tensor, new ScaleZeroPoint(r.scale(), r.zeroPoint()),
                            new TensorHistogram(stats.options().binning()));
                }
            }
            float[] v = c.values(i);
            stats.observe(tensor, v, 0, v.length);
        }
        if (!c.inputs().isEmpty()) {
            recent.add(c.inputs());
        }
        samplesProcessed++;
        samplesSinceChange++;
        samplesSinceAttempt++;
        samplesSinceEvaluation++;
        coldStart.sampled();
        watch(c);
    }

    /** Live quality after a watched swap; rolls back when it drops below what was expected. */
    private void watch(SampleCapture c) {
        LiveWatch w = probation;
        if (w != null && w.observe(guard, c)) {
            probation = null;
            String reason = w.rollbackReason(settings.rollbackMargin());
            if (reason != null && history.activeIsFirstPromotion()) {
                revertPromotion(reason);
            } else if (reason != null) {
                rollbackNow(reason);
            }
        }
    }

    /**
     * Whether statistics should be evaluated now: when a refresh could follow (enough new samples
     * under auto/online), or every {@link #METRICS_REFRESH_NANOS} for the clip/drift gauges when
     * something new was sampled. Evaluating merges every window, so it is not done for nothing.
     */
    private boolean evaluationDue(long now) {
        CalibrationSettings s = settings;
        boolean couldRefresh = s.policy() != CalibrationPolicy.MANUAL && probation == null
                && samplesSinceAttempt >= s.minSamples() && samplesSinceChange >= s.minSamples();
        boolean gaugesStale = samplesSinceEvaluation > 0 && now - lastGaugeUpdate >= METRICS_REFRESH_NANOS;
        return couldRefresh || gaugesStale;
    }

    private void evaluate() {
        samplesSinceEvaluation = 0;
        lastGaugeUpdate = System.nanoTime();
        CalibrationSettings s = settings;
        RefreshTriggers triggers = RefreshTriggers.of(stats.reports(List.of()));
        maxClipRate = triggers.clipRate();
        maxDrift = triggers.drift();
        if (s.policy() == CalibrationPolicy.MANUAL || probation != null || samplesSinceAttempt < s.minSamples()
                || samplesSinceChange < s.minSamples()) {
            return;
        }
        if (target.activeTable() == null) {
            // a promotion fixes scales for all later traffic with nothing to compare against: it
            // needs two stretches of traffic that agree (ColdStartEvidence)
            if (s.policy() == CalibrationPolicy.ONLINE && coldStart.due(samplesSinceChange, s.retainedInputs())) {
                attempt("cold start: " + samplesSinceChange + " sampled batches");
            }
            return;
        }
        if (triggers.fire(s)) {
            attempt(triggers.describe());
        }
    }

    /** Builds candidates, runs the guard and swaps when it accepts. */
    private void attempt(String trigger) {
        samplesSinceAttempt = 0;
        ScaleTable active = target.activeTable();
        long version = active == null ? history.highestVersion() + 1 : active.version() + 1;
        CandidateTables.Result candidates = CandidateTables.build(stats.reports(candidateMethods()), active,
                target.acceptsNewPoints(), GUARDED_METHODS, settings.maxScaleRatio(), version);
        if (candidates.rejected()) {
            rejected.incrementAndGet();
            event(CalibrationEvent.Kind.REJECTED, trigger + "; " + candidates.rejection());
            return;
        }
        List<RetainedInputs.Batch> inputs = recent.snapshot();
        String suspicious = RetainedInputs.suspicious(inputs);
        if (suspicious != null) {
            rejected.incrementAndGet();
            event(CalibrationEvent.Kind.REJECTED, trigger + "; " + suspicious);
            return;
        }
        RefreshGuard.Verdict v = guard.judge(candidates.tables(), inputs, trusted, settings.promotionMinTop1());
        if (!v.accepted()) {
            rejected.incrementAndGet();
            event(CalibrationEvent.Kind.REJECTED, trigger + "; " + v.reason());
            return;
        }
        boolean promotion = active == null;
        if (promotion) {
            String waiting = coldStart.offer(v.table());
            if (waiting != null) {
                event(CalibrationEvent.Kind.PROMOTION_PENDING, trigger + "; " + waiting + "; " + v.reason());
                return;
            }
        }
        accepted.incrementAndGet();
        trusted = inputs;
        swap(v.table(), v.model(), promotion ? "promotion" : "auto", promotion ? CalibrationEvent.Kind.PROMOTED
                : CalibrationEvent.Kind.ACCEPTED, trigger + "; " + v.reason(), v.candidate().top1Agreement());
    }

    private static List<RangeMethod> candidateMethods() {
        return SHOWN_METHODS.stream().filter(m -> GUARDED_METHODS.contains(m.name())).toList();
    }

    /**
     * Installs {@code table} (on {@code built}, the guard's build of it, when there is one), restarts
     * the statistics' reference and, for automatic swaps, the watch.
     */
    private void swap(ScaleTable table, LoadedModel built, String source, CalibrationEvent.Kind kind, String detail,
                      double guardTop1) {
        boolean watched = !Double.isNaN(guardTop1) || (kind == CalibrationEvent.Kind.CLIENT_UPDATE
                && settings.policy() != CalibrationPolicy.MANUAL);
        // a client's table is held to the bar of the table it replaces, measured before the swap
        double expectedTop1 = !watched ? Double.NaN : Double.isNaN(guardTop1) ? lastTop1() : guardTop1;
        if (built == null) {
            target.install(table);
        } else {
            target.install(table, built);
        }
        coldStart.clear();
        history.installed(table, source);
        List<TensorReport> reports = stats.reports(List.of());
        for (TensorReport r : reports) {
            ScaleTable.Range range = table.get(r.tensor());
            if (range != null) {
                stats.markRefreshed(r.tensor(), new ScaleZeroPoint(range.scale(), range.zeroPoint()), r.window());
            }
        }
        samplesSinceChange = 0;
        samplesSinceAttempt = 0;
        probation = watched ? new LiveWatch(table.version(), expectedTop1, settings.probationSamples()) : null;
        event(kind, detail);
        LOG.info("model '" + target.modelName() + "' now serves scale table v" + table.version() + " (" + kind + ": "
                + detail + ")");
    }

    /** For a client's table in auto mode: the active table's quality on recent inputs is the bar. */
    private double lastTop1() {
        List<RetainedInputs.Batch> inputs = recent.snapshot();
        ScaleTable active = target.activeTable();
        if (inputs.isEmpty() || active == null) {
            return 0;
        }
        return guard.measure(guard.activeModel(), inputs).top1Agreement();
    }

    private ScaleTable rollbackNow(String why) {
        var previous = history.popForRollback();
        if (previous.isEmpty()) {
            throw new TareException(ErrorCode.INVALID_ARG, "model '" + target.modelName()
                    + "' has no earlier scale table to roll back to");
        }
        ScaleTable restored = new ScaleTable(activeVersion() + 1, previous.get().table().entries());
        rolledBack.incrementAndGet();
        target.install(restored);
        coldStart.clear();
        history.installed(restored, "rollback to v" + previous.get().table().version());
        for (TensorReport r : stats.reports(List.of())) {
            ScaleTable.Range range = restored.get(r.tensor());
            if (range != null) {
                stats.markRefreshed(r.tensor(), new ScaleZeroPoint(range.scale(), range.zeroPoint()), r.window());
            }
        }
        probation = null;
        samplesSinceChange = 0;
        samplesSinceAttempt = 0;
        event(CalibrationEvent.Kind.ROLLED_BACK, why + " (restored v" + previous.get().table().version() + " as v"
                + restored.version() + ")");
        return restored;
    }

    /**
     * Rolls a cold-start promotion back: there is no earlier table, so the model serves as it did
     * before it (FP32 or dynamic INT8) and the cold start begins again on new traffic.
     */
    private void revertPromotion(String why) {
        long was = activeVersion();
        rolledBack.incrementAndGet();
        target.serveWithoutTable();
        history.clearActive();
        coldStart.clear();
        probation = null;
        samplesSinceChange = 0;
        samplesSinceAttempt = 0;
        event(CalibrationEvent.Kind.ROLLED_BACK, why + " (v" + was
                + " was the cold-start promotion: serving without a table again)");
    }

    private void event(CalibrationEvent.Kind kind, String detail) {
        if (events.size() == EVENTS_KEPT) {
            events.removeFirst();
        }
        events.addLast(new CalibrationEvent(System.currentTimeMillis(), kind, activeVersion(), detail));
        if (kind != CalibrationEvent.Kind.POLICY_CHANGED) {
            LOG.info("model '" + target.modelName() + "': " + kind + " " + detail);
        }
    }

    private CalibrationSnapshot takeSnapshot() {
        List<CalibrationSnapshot.TensorStats> tensors = new ArrayList<>();
        for (TensorReport r : stats.reports(SHOWN_METHODS)) {
            Map<String, ScaleTable.Range> candidates = new LinkedHashMap<>();
            r.candidates().forEach((m, szp) -> candidates.put(m, new ScaleTable.Range(szp.scale(), szp.zeroPoint())));
            ScaleTable active = target.activeTable();
            tensors.add(new CalibrationSnapshot.TensorStats(r.tensor(),
                    r.clipRate().map(c -> c.rate()).orElse(Double.NaN), r.drift().orElse(Double.NaN),
                    active == null ? null : active.get(r.tensor()), candidates, r.window(), r.sinceRefresh()));
        }
        List<CalibrationSnapshot.HistoryEntry> log = history.log().stream()
                .map(e -> new CalibrationSnapshot.HistoryEntry(e.table().version(), e.source(), e.installedAtMillis(),
                        e.table().entries())).toList();
        CalibrationSnapshot s = new CalibrationSnapshot(target.modelName(), System.currentTimeMillis(), activeVersion(),
                settings.policy(), sampler.taken(), sampler.dropped(), samplesProcessed, sampler.costFraction(),
                accepted.get(),
                rejected.get(), rolledBack.get(), tensors, log, List.copyOf(events));
        latest = s;
        return s;
    }

    /** The last snapshot taken (null before the first). */
    public CalibrationSnapshot latest() {
        return latest;
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Runnable command;
        while ((command = commands.poll()) != null) {
            command.run();
        }
    }
}
