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
 * the sampler keeps its own cost (copies here plus the calibration thread's work, reported through
 * {@link #recordCost}) under a fraction of the time spent serving ({@link #recordServing}): a batch
 * is sampled only while the cost so far is within budget. So the overhead stays bounded whatever
 * the model and the machine, and sampling is as dense as that bound allows.
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
     * Sampling cost allowed before any serving time has accrued, so a model gets its first samples
     * at once (at a 2% budget it equals 2.5 s of serving; over a long run it is negligible).
     */
    public static final long STARTUP_CREDIT_NANOS = 50_000_000L;

    private final ThreadLocal<SampleCapture> current = new ThreadLocal<>();
    private final BlockingQueue<SampleCapture> queue;
    private final AtomicLong servingNanos = new AtomicLong();
    private final AtomicLong costNanos = new AtomicLong();
    private final AtomicLong taken = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private volatile double fixedRate;
    private volatile double costBudget;
    private volatile boolean paused;

    /**
     * @param fixedRate  fraction of batches to sample, or 0 to keep the cost under {@code costBudget}
     * @param costBudget sampling cost as a fraction of serving time (used when {@code fixedRate} is 0)
     */
    public ActivationSampler(double fixedRate, double costBudget, int queueCapacity) {
        this.fixedRate = fixedRate;
        this.costBudget = costBudget;
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
        return costNanos.get() <= costBudget * servingNanos.get() + STARTUP_CREDIT_NANOS;
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
        costNanos.addAndGet(capture.copyNanos);
        if (queue.offer(capture)) {
            taken.incrementAndGet();
        } else {
            dropped.incrementAndGet();
        }
    }

    /** Adds the wall time of one served batch (sampled or not) to the budget's base. */
    public void recordServing(long nanos) {
        servingNanos.addAndGet(nanos);
    }

    /** Adds time the calibration thread spent on samples to the sampling cost. */
    public void recordCost(long nanos) {
        costNanos.addAndGet(nanos);
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
        long start = System.nanoTime();
        capture.add(tensorName, Arrays.copyOf(data, length));
        capture.copyNanos += System.nanoTime() - start;
    }

    /** The next sampled batch, waiting at most {@code timeoutNanos}; null when none came. */
    SampleCapture poll(long timeoutNanos) throws InterruptedException {
        return queue.poll(timeoutNanos, TimeUnit.NANOSECONDS);
    }

    /** Stops or resumes sampling (e.g. when calibration is switched off at run time). */
    public void setPaused(boolean p) {
        paused = p;
    }

    public void setRate(double rate, double budget) {
        this.fixedRate = rate;
        this.costBudget = budget;
    }

    public long taken() {
        return taken.get();
    }

    public long dropped() {
        return dropped.get();
    }

    /** Sampling cost so far relative to serving time. */
    public double costFraction() {
        long serving = servingNanos.get();
        return serving == 0 ? 0 : (double) costNanos.get() / serving;
    }
}
