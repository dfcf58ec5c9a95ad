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
 * The engine tap of one model: copies the activations of sampled batches and hands them to the
 * calibration thread through a bounded queue.
 *
 * <p>Which batches: with a fixed rate, each batch independently with that probability; otherwise
 * the sampler keeps everything calibration costs under a fraction of the time spent serving. The
 * costs: what a sampled batch took beyond an unsampled batch of the same size ({@link #recordRun}
 * with {@link RunTimeBaseline}: the tapped build is slower than the fused one, and the copies are
 * made during the run) and all the calibration thread's CPU time ({@link #recordCost}: histograms,
 * evaluations, the guard's shadow and reference runs). Serving time earns credit at the budget's
 * rate, costs spend it, and a batch is sampled while the credit is not negative (a token bucket
 * holding at most {@link #MAX_CREDIT_NANOS}, so an idle stretch does not save up a burst).
 *
 * <p>Two budgets: the steady one, and a catch-up one used while the model is waiting for scales (a
 * cold start before promotion, a swap under live watch), when every sample brings the better table
 * closer and the model is serving its slower or unproven version meanwhile.
 *
 * <p>Never blocks a request: the tap only copies ({@link #observe}), and {@link #handOff} uses a
 * non-blocking offer; when the queue is full the sample is dropped and counted.
 *
 * <p>Threading: the tap state of a batch lives in a thread local set by {@link #begin} and cleared
 * by {@link #end}, so instances on different threads sample independently; the engine calls
 * {@link #enabled} once per quantization point per run, which costs one thread-local read.
 */
public final class ActivationSampler implements QuantizationTap {
    /** Sampled batches waiting for the calibration thread. */
    public static final int DEFAULT_QUEUE_CAPACITY = 64;

    /**
     * The most credit the budget holds, and what a model starts with so that it gets its first
     * samples at once (at a 2% budget it equals 2.5 s of serving).
     */
    public static final long MAX_CREDIT_NANOS = 50_000_000L;

    private final ThreadLocal<SampleCapture> current = new ThreadLocal<>();
    private final BlockingQueue<SampleCapture> queue;
    private final RunTimeBaseline baseline = new RunTimeBaseline();
    private final AtomicLong credit = new AtomicLong(MAX_CREDIT_NANOS);
    private final AtomicLong servingNanos = new AtomicLong();
    private final AtomicLong costNanos = new AtomicLong();
    private final AtomicLong taken = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private volatile double fixedRate;
    private volatile double costBudget;
    private volatile double catchUpBudget;
    private volatile boolean catchingUp;
    private volatile boolean paused;

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

    /** Decides whether the batch about to run is sampled; if so its taps copy until {@link #end}. */
    public SampleCapture begin() {
        if (paused || !decide()) {
            return null;
        }
        SampleCapture capture = new SampleCapture();
        current.set(capture);
        return capture;
    }

    private boolean decide() {
        double rate = fixedRate;
        if (rate > 0) {
            return rate >= 1 || ThreadLocalRandom.current().nextDouble() < rate;
        }
        return credit.get() >= 0;
    }

    /** Stops copying for this thread's batch (call in a finally after the run). */
    public void end(SampleCapture capture) {
        current.remove();
    }

    /**
     * Passes a finished capture with the batch's inputs and outputs (taken over, not copied) to the
     * calibration thread; drops it when the queue is full.
     */
    public void handOff(SampleCapture capture, Map<String, Tensor> inputs, Map<String, Tensor> outputs, long version) {
        capture.finish(inputs, outputs, version);
        if (queue.offer(capture)) {
            taken.incrementAndGet();
        } else {
            dropped.incrementAndGet();
        }
    }

    /**
     * Accounts one served batch: {@code capture} is what {@link #begin} returned for it (null when
     * unsampled), {@code inputElements} its size, {@code nanos} its run's wall time. A sampled batch
     * is charged what it took beyond an unsampled one of the same size, or all of it when no such
     * batch was seen yet.
     */
    public void recordRun(SampleCapture capture, long inputElements, long nanos) {
        long serving = nanos;
        if (capture == null) {
            baseline.record(inputElements, nanos);
        } else {
            long expected = baseline.expected(inputElements);
            long extra = expected < 0 ? nanos : Math.max(0, nanos - expected);
            serving = nanos - extra;
            recordCost(extra);
        }
        servingNanos.addAndGet(serving);
        long earned = (long) ((catchingUp ? catchUpBudget : costBudget) * serving);
        credit.getAndUpdate(c -> Math.min(MAX_CREDIT_NANOS, c + earned));
    }

    /** Adds time spent on calibration (the calibration thread's CPU time) to the sampling cost. */
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

    @Override
    public boolean enabled() {
        return current.get() != null;
    }

    @Override
    public void observe(String tensorName, float[] data, int length) {
        SampleCapture capture = current.get();
        if (capture == null || capture.has(tensorName)) {
            return;
        }
        capture.add(tensorName, Arrays.copyOf(data, length));
    }

    /** The next sampled batch, waiting at most {@code timeoutNanos}; null when none came. */
    SampleCapture poll(long timeoutNanos) throws InterruptedException {
        return queue.poll(timeoutNanos, TimeUnit.NANOSECONDS);
    }

    /** Stops or resumes sampling (e.g. when calibration is switched off at run time). */
    public void setPaused(boolean p) {
        paused = p;
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
