package io.tare.server.calibration;

import io.tare.server.engine.Tensor;
import io.tare.server.engine.quant.QuantizationTap;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The engine tap of one model: picks the batches to sample, takes them over from the request
 * thread through a bounded queue, and on the calibration thread replays each on the tapped build
 * to copy its activations.
 *
 * <p>What a sampled request pays: nothing beyond handing over references to its inputs and outputs
 * (the engine gave them to the instance; they are not copied). It runs on the fused build like any
 * other batch; the calibration thread later reruns it on the tapped build of the same version
 * ({@link #replay}), which gives the same activations, since runs are deterministic. The
 * {@link QuantizationTap} calls therefore only ever come from the calibration thread.
 *
 * <p>Which batches: with a fixed rate, each batch independently with that probability; otherwise
 * the sampler keeps everything calibration costs (all the calibration thread's CPU time: the
 * replays, histograms, evaluations, the guard's shadow and reference runs; {@link #recordCost})
 * under a fraction of the time spent serving ({@link #recordServing}). Serving time earns credit at
 * the budget's rate, costs spend it, and a batch is sampled while the credit is not negative (a
 * token bucket holding at most {@link #MAX_CREDIT_NANOS}, so an idle stretch saves up no burst). A
 * sample's cost is reserved when it is handed off, at the recent average, and settled when the
 * calibration thread has processed it ({@link #recordSampleCost}), so that samples waiting in the
 * queue count already: otherwise a burst would be admitted before any of it was paid for.
 *
 * <p>Two budgets: the steady one, and a catch-up one used while the model waits for scales (a cold
 * start before promotion, a swap under live watch), when every sample brings the better table
 * closer and the model is serving its slower or unproven version meanwhile.
 *
 * <p>Never blocks a request: {@link #handOff} uses a non-blocking offer; when the queue is full the
 * sample is dropped and counted.
 */
public final class ActivationSampler implements QuantizationTap {
    /** Sampled batches waiting for the calibration thread. */
    public static final int DEFAULT_QUEUE_CAPACITY = 64;

    /**
     * The most credit the budget holds, and what a model starts with so that it gets its first
     * samples at once (at a 2% budget it equals 2.5 s of serving).
     */
    public static final long MAX_CREDIT_NANOS = 50_000_000L;

    /** The capture being filled by a replay on this (the calibration) thread. */
    private final ThreadLocal<SampleCapture> replaying = new ThreadLocal<>();
    private final BlockingQueue<SampleCapture> queue;
    private final AtomicLong credit = new AtomicLong(MAX_CREDIT_NANOS);
    /** Moving average of what processing one sample costs the calibration thread (CPU nanos). */
    private final AtomicLong sampleCost = new AtomicLong();
    private final AtomicLong servingNanos = new AtomicLong();
    private final AtomicLong costNanos = new AtomicLong();
    private final AtomicLong taken = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final double fixedRate;
    private final double costBudget;
    private final double catchUpBudget;
    private volatile boolean catchingUp;

    /**
     * @param fixedRate     fraction of batches to sample, or 0 to keep the cost under a budget
     * @param costBudget    calibration cost as a fraction of serving time (when {@code fixedRate} is 0)
     * @param catchUpBudget the same while the model waits for scales ({@link #setCatchingUp})
     */
    public ActivationSampler(double fixedRate, double costBudget, double catchUpBudget, int queueCapacity) {
        this.fixedRate = fixedRate;
        this.costBudget = costBudget;
        this.catchUpBudget = catchUpBudget;
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
    }

    /** Whether the batch about to run is sampled (then {@link #handOff} it after the run). */
    public boolean samples() {
        double rate = fixedRate;
        if (rate > 0) {
            return rate >= 1 || ThreadLocalRandom.current().nextDouble() < rate;
        }
        return credit.get() >= 0;
    }

    /**
     * Passes a sampled batch's inputs and outputs (taken over, not copied) and the tapped build of
     * the version that served it to the calibration thread; drops it when the queue is full.
     */
    public void handOff(Map<String, Tensor> inputs, Map<String, Tensor> outputs, long version, TappedRun tapped) {
        long reserved = sampleCost.get();
        if (queue.offer(new SampleCapture(inputs, outputs, version, tapped, reserved))) {
            taken.incrementAndGet();
            credit.addAndGet(-reserved);
        } else {
            dropped.incrementAndGet();
        }
    }

    /** Adds the wall time of one served batch to the budget's base, earning credit at the budget's rate. */
    public void recordServing(long nanos) {
        servingNanos.addAndGet(nanos);
        long earned = (long) ((catchingUp ? catchUpBudget : costBudget) * nanos);
        // a plain CAS loop: this runs on the compute thread after every batch, and a capturing lambda
        // for getAndUpdate would allocate there unless escape analysis removes it
        long c;
        do {
            c = credit.get();
        } while (!credit.compareAndSet(c, Math.min(MAX_CREDIT_NANOS, c + earned)));
    }

    /**
     * Settles the cost of processing one sample (replay, copies, histograms: the calibration
     * thread's CPU time) against what was reserved for it at hand-off.
     */
    public void recordSampleCost(SampleCapture capture, long nanos) {
        costNanos.addAndGet(nanos);
        credit.addAndGet(capture.reservedCost() - nanos);
        sampleCost.getAndUpdate(avg -> avg == 0 ? nanos : avg + (nanos - avg) / 8);
    }

    /** Adds other time spent on calibration (the calibration thread's CPU time) to the cost. */
    public void recordCost(long nanos) {
        costNanos.addAndGet(nanos);
        credit.addAndGet(-nanos);
    }

    /** Switches to the catch-up budget while the model waits for scales, and back. */
    public void setCatchingUp(boolean on) {
        catchingUp = on;
    }

    public boolean catchingUp() {
        return catchingUp;
    }

    /** Reruns a capture's batch on its tapped build, copying each activation the tap sees (calibration thread). */
    void replay(SampleCapture capture) {
        replaying.set(capture);
        try {
            capture.tapped().run(capture.inputs());
        } finally {
            replaying.remove();
        }
    }

    @Override
    public boolean enabled() {
        return replaying.get() != null;
    }

    @Override
    public void observe(String tensorName, float[] data, int length) {
        SampleCapture capture = replaying.get();
        if (capture != null && !capture.has(tensorName)) {
            capture.add(tensorName, Arrays.copyOf(data, length));
        }
    }

    /** The next sampled batch, waiting at most {@code timeoutNanos}; null when none came. */
    SampleCapture poll(long timeoutNanos) throws InterruptedException {
        return queue.poll(timeoutNanos, TimeUnit.NANOSECONDS);
    }

    public long taken() {
        return taken.get();
    }

    public long dropped() {
        return dropped.get();
    }

    /** Calibration's cost so far relative to serving time (both budgets' stretches together). */
    public double costFraction() {
        long serving = servingNanos.get();
        return serving == 0 ? 0 : (double) costNanos.get() / serving;
    }
}
